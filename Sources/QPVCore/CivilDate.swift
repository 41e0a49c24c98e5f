// QPVCore — the few things every capability shares: calendar dates without time zones, the data
// directory, French number formatting, a strict JSON parser, the binary coding and checksum of packs.
// No geography, no dependency. This file: `CivilDate`.

import Foundation

/// A calendar date (no time, no time zone), as used by the law: "en vigueur du 1er janvier 2024".
/// Parsed from and printed as `YYYY-MM-DD`.
public struct CivilDate: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    /// Fails (returns nil) when the day does not exist (2023-02-29, 2024-13-01…).
    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month), day >= 1,
            day <= CivilDate.daysInMonth(year: year, month: month)
        else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses `YYYY-MM-DD` strictly.
    public init?(_ text: String) {
        let parts = text.trimmingWhitespace().split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2])
        else { return nil }
        self.init(year: y, month: m, day: d)
    }

    /// Today in the machine's local time zone.
    public static func today(now: Date = Date()) -> CivilDate {
        let c = Calendar(identifier: .gregorian).dateComponents(in: TimeZone.current, from: now)
        return CivilDate(year: c.year!, month: c.month!, day: c.day!)!
    }

    public static func isLeap(_ y: Int) -> Bool { (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 }

    public static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: return isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 (proleptic Gregorian).
    public var dayNumber: Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    public init(dayNumber z0: Int) {
        let z = z0 + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        self.year = yoe + era * 400 + (m <= 2 ? 1 : 0)
        self.month = m
        self.day = d
    }

    public func adding(days: Int) -> CivilDate { CivilDate(dayNumber: dayNumber + days) }

    /// Adds calendar months; the day is clamped to the end of the target month (31 Jan + 1 month = 28/29 Feb).
    public func adding(months: Int) -> CivilDate {
        let total = year * 12 + (month - 1) + months
        let y = total / 12
        let m = total % 12 + 1
        return CivilDate(year: y, month: m, day: min(day, CivilDate.daysInMonth(year: y, month: m)))!
    }

    public func adding(years: Int) -> CivilDate { adding(months: 12 * years) }

    /// Whole years from `self` to `other` (an age on a date).
    public func years(until other: CivilDate) -> Int {
        var n = other.year - year
        if (other.month, other.day) < (month, day) { n -= 1 }
        return n
    }

    public static func < (a: CivilDate, b: CivilDate) -> Bool { (a.year, a.month, a.day) < (b.year, b.month, b.day) }

    /// "2024-06-01" (ISO 8601; years are 1…9999, checked at creation). Written digit by digit: `String(format:)`
    /// cost 4 % of a `/locate` request (perf under wrk).
    public var description: String {
        let digits: [UInt8] = [
            UInt8(48 + year / 1000), UInt8(48 + year / 100 % 10), UInt8(48 + year / 10 % 10), UInt8(48 + year % 10), 45,
            UInt8(48 + month / 10), UInt8(48 + month % 10), 45, UInt8(48 + day / 10), UInt8(48 + day % 10),
        ]
        return String(decoding: digits, as: UTF8.self)
    }

    /// "1er janvier 2024", "15 mars 2022".
    public var french: String {
        let months = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"]
        return "\(day == 1 ? "1er" : String(day)) \(months[month - 1]) \(year)"
    }

    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let d = CivilDate(text) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "date invalide « \(text) » (attendu AAAA-MM-JJ)"))
        }
        self = d
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}
