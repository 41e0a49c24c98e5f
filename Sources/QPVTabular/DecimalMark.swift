// `DecimalMark`: the decimal separator of a file's numbers, sniffed from the input (comma for `;` files or
// comma decimals) and applied to numbers written back (`CSVRowEncoder.decimal`).

import Foundation

/// The decimal separator of a file's numbers: `61,62` (French Excel, `;`-separated files) or `61.62`.
/// Read from the input (`sniff`), forced by `--decimal comma|point`, and used for every number a batch
/// writes (`CSVRowEncoder.decimal`), so that a spreadsheet opens the output's numbers as numbers.
public enum DecimalMark: String, Sendable, CaseIterable {
    case point
    case comma

    public var character: UInt8 { self == .comma ? UInt8(ascii: ",") : UInt8(ascii: ".") }

    /// `comma`/`virgule`/`,` or `point`/`.`; nil otherwise.
    public init?(named name: String) {
        switch name.trimmingCharacters(in: .whitespaces).lowercased() {
        case "comma", "virgule", ",": self = .comma
        case "point", "dot", ".": self = .point
        default: return nil
        }
    }

    /// Comma when the file is `;`-separated, or when its numbers (decimal fields of the sample, quoted or not)
    /// use a comma more often than a point; point otherwise.
    public static func sniff(_ sample: UnsafeBufferPointer<UInt8>, separator: UInt8) -> DecimalMark {
        if separator == UInt8(ascii: ";") { return .comma }
        var commas = 0
        var points = 0
        var fieldStart = 0
        func classify(_ from: Int, _ to: Int) {
            var a = from
            var b = to
            while a < b, sample[a] == 0x20 || sample[a] == UInt8(ascii: "\"") { a += 1 }
            while b > a, sample[b - 1] == 0x20 || sample[b - 1] == UInt8(ascii: "\"") || sample[b - 1] == 0x0D { b -= 1 }
            if a < b, sample[a] == UInt8(ascii: "-") { a += 1 }
            var mark: UInt8 = 0
            var digitsBefore = 0
            var digitsAfter = 0
            for i in a..<max(a, b) {
                let c = sample[i]
                if c >= 0x30 && c <= 0x39 {
                    if mark == 0 { digitsBefore += 1 } else { digitsAfter += 1 }
                } else if (c == UInt8(ascii: ",") || c == UInt8(ascii: ".")) && mark == 0 {
                    mark = c
                } else {
                    return
                }
            }
            guard digitsBefore > 0, digitsAfter > 0 else { return }
            if mark == UInt8(ascii: ",") { commas += 1 } else if mark == UInt8(ascii: ".") { points += 1 }
        }
        var inQuotes = false
        for i in 0..<sample.count {
            let c = sample[i]
            if c == UInt8(ascii: "\"") { inQuotes.toggle() }
            if !inQuotes && (c == separator || c == 0x0A) {
                classify(fieldStart, i)
                fieldStart = i + 1
            }
        }
        return commas > points ? .comma : .point
    }

    /// `text` (a number written with a point, as Swift prints it) with this mark.
    public func apply(_ text: String) -> String {
        // Byte-level (a point is never part of a multi-byte UTF-8 sequence): mapping Characters cost ~19,000
        // instructions a geocoded row (issue 17).
        guard self == .comma, text.utf8.contains(UInt8(ascii: ".")) else { return text }
        return String(decoding: text.utf8.map { $0 == UInt8(ascii: ".") ? UInt8(ascii: ",") : $0 }, as: UTF8.self)
    }
}

extension CSVRowEncoder {
    /// A number already formatted with a point ("61.62"), written with the dialect's decimal mark.
    public func decimal(_ text: String) -> String { dialect.decimalMark.apply(text) }

    /// `x` with the dialect's decimal mark ("61,62" in a French Excel file); "" when not finite.
    public func decimal(_ x: Double) -> String {
        guard x.isFinite else { return "" }
        return dialect.decimalMark.apply(String(x))
    }
}
