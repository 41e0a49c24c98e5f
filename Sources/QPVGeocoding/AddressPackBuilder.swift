// `AddressPackBuilder` (`qpv data import-ban`): BAN files and La Poste's postcode table read row by row (bad
// rows reported as `ImportIssue`, too many refuse the file) and written as one compiled address pack.

import Crypto
import Foundation
import QPVCore
import QPVTabular

/// A problem with one row of an imported file. The row is skipped and counted; the import goes on.
public struct ImportIssue: Sendable, Equatable, CustomStringConvertible {
    /// The file's name.
    public var file: String
    /// The row's line number in the file (1 = header).
    public var line: Int
    /// The column concerned, empty when the whole row is at fault.
    public var field: String
    /// What is wrong, in French.
    public var message: String

    /// "file, ligne N, champ X : message", in French.
    public var description: String {
        field.isEmpty ? "\(file), ligne \(line) : \(message)" : "\(file), ligne \(line), champ \(field) : \(message)"
    }
}

/// What one imported file contributed.
public struct ImportedSource: Sendable, Codable, Equatable {
    /// The file's name.
    public var file: String
    /// "ban" (BAN addresses) or "postcodes" (La Poste's table).
    public var kind: String  // "ban" or "postcodes"
    /// Size of the file in bytes.
    public var bytes: Int
    /// SHA-256 of the file, hexadecimal.
    public var sha256: String
    /// Data rows read.
    public var rows: Int
    /// Rows kept in the pack.
    public var imported: Int
    /// Rows skipped (see `AddressPackBuilder.issues`).
    public var rejected: Int
}

/// Summary of an import, also stored in the pack's metadata.
public struct AddressPackInfo: Sendable, Codable, Equatable {
    /// Version of the pack's binary format.
    public var format: Int
    /// Version of the address normaliser the pack was built with (a new one needs a new import).
    public var normalizerVersion: Int
    /// When the pack was built (ISO 8601).
    public var importedAt: String
    /// The files imported, in order.
    public var sources: [ImportedSource]
    /// Number of addresses (house numbers) in the pack.
    public var addresses: Int
    /// Number of streets and lieux-dits.
    public var streets: Int
    /// Number of communes.
    public var communes: Int

    enum CodingKeys: String, CodingKey {
        case format, sources, addresses, streets, communes
        case normalizerVersion = "normalizer_version"
        case importedAt = "imported_at"
    }
}

/// Reads BAN files and La Poste's postcode table and writes a compiled address pack.
///
/// Usage: `addBAN(path:)` for each `adresses-XX.csv[.gz]`, optionally `addPostcodes(path:)`, then `write(to:)`.
/// Bad rows are skipped, counted per file and described in `issues` (file, line, field); a file missing a
/// required column is refused as a whole with the list of the columns it has.
public final class AddressPackBuilder {
    /// The first issues met (at most `maxIssues`); `rejectedRows` counts them all.
    public private(set) var issues: [ImportIssue] = []
    /// Rows skipped so far, over every file.
    public private(set) var rejectedRows = 0
    /// The files added so far, with their counts.
    public private(set) var sources: [ImportedSource] = []
    /// Largest share of rejected rows a BAN file may have (`--max-rejected`, 5 % by default): beyond, the file
    /// is refused (a damaged or foreign file must not replace a good base).
    public var maxRejectedFraction = 0.05
    /// A few bad rows never refuse a file (a small hand-made file with one typo is imported, its rows reported).
    public static let rejectedAlwaysAccepted = 10
    /// Most issues kept in `issues` (the others are only counted).
    public let maxIssues: Int

    // Rows, one entry per accepted address.
    private var rowStreet: [UInt32] = []
    private var rowNumber: [UInt32] = []
    private var rowSuffix: [UInt32] = []
    private var rowLon: [Int32] = []
    private var rowLat: [Int32] = []
    /// Address ids, compactly (26 million `String`s would take about 2 GB at a national import): most BAN ids
    /// are their street's id prefix then the number's tail ("62119_0120" + "_00012_bis"), stored as `UInt32.max`
    /// and rebuilt byte for byte (`rowID(_:tail:)`); the others are kept whole in `otherIDs`, by index.
    private var rowIDRef: [UInt32] = []
    private var otherIDs = StringTableBuilder()
    /// Per street (numbered in order of first appearance): the id prefix of its first address, nil before.
    private var streetIDPrefix: [String?] = []
    private var rowPostcode: [UInt32] = []

    // Streets in order of first appearance.
    private struct StreetKey: Hashable {
        var insee: String
        var name: String
        /// INSEE code of the former commune (commune déléguée / ancienne commune) the street lies in, "" if none.
        var old: String = ""
        /// A lieu-dit (BAN `nom_ld`, or a `nom_voie` numbered 99999): result type `locality`.
        var locality = false
    }
    private var streetIndex: [StreetKey: UInt32] = [:]
    private var streetKeys: [StreetKey] = []
    /// Position of streets without addresses (lieux-dits): sum of lon, lat (degrees × 10⁷) and count.
    private var bareStreetPosition: [UInt32: (Double, Double, Int)] = [:]
    /// Former communes by INSEE code: name and the commune they now belong to.
    private var oldCommunes: [String: (name: String, insee: String)] = [:]

    // Communes by INSEE code.
    private struct CommuneAcc {
        var name = ""
        var postalName = ""
        var altNames: Set<String> = []
        var postcodes: Set<UInt32> = []
        var centre: (lon: Double, lat: Double)?
    }
    private var communes: [String: CommuneAcc] = [:]

    private var strings = StringTableBuilder()
    private var suffixIndex: [String: UInt32] = [:]

    /// An empty builder keeping at most `maxIssues` issues.
    public init(maxIssues: Int = 200) {
        self.maxIssues = maxIssues
        _ = strings.add("")  // string 0: the empty string
    }

    /// Addresses added so far.
    public var addressCount: Int { rowStreet.count }

    private func report(_ issue: ImportIssue) {
        rejectedRows += 1
        if issues.count < maxIssues { issues.append(issue) }
    }

    static let banRequired = ["id", "numero", "nom_voie", "code_postal", "code_insee", "nom_commune", "lon", "lat"]

    /// Imports one BAN file (semicolon CSV, plain or gzip).
    public func addBAN(path: String, progress: ((Int, Double?) -> Void)? = nil) throws {
        let reader = try CSVReader(path: path)
        let name = URL(fileURLWithPath: path).lastPathComponent
        let missing = Self.banRequired.filter { reader.columnIndex($0) == nil }
        guard missing.isEmpty else {
            throw GeocodingError.missingColumns(file: path, columns: missing, available: reader.header)
        }
        let cID = reader.columnIndex("id")!
        let cNum = reader.columnIndex("numero")!
        let cRep = reader.columnIndex("rep")
        let cVoie = reader.columnIndex("nom_voie")!
        let cCP = reader.columnIndex("code_postal")!
        let cInsee = reader.columnIndex("code_insee")!
        let cCommune = reader.columnIndex("nom_commune")!
        let cLon = reader.columnIndex("lon")!
        let cLat = reader.columnIndex("lat")!
        let cLD = reader.columnIndex("nom_ld")
        let cAncienne = reader.columnIndex("nom_ancienne_commune")
        let cAncienneCode = reader.columnIndex("code_insee_ancienne_commune")
        let cAcheminement = reader.columnIndex("libelle_acheminement")
        let header = reader.header

        var rows = 0
        var imported = 0
        var rejected = 0
        var lastKey = StreetKey(insee: "", name: "")
        var lastStreet: UInt32 = 0
        var lastInsee = ""
        var lastCP: UInt32 = .max
        var lastAncienne = ""
        while let rec = try reader.next() {
            rows += 1
            if rows & 0xFFFF == 0, let progress {
                let p = reader.progress
                progress(rows, p.total.map { Double(p.consumed) / Double(max($0, 1)) })
            }
            func reject(_ field: Int?, _ message: String) {
                rejected += 1
                report(ImportIssue(file: name, line: rec.line, field: field.map { header[$0] } ?? "", message: message))
            }
            if let issue = rec.issue {
                reject(nil, issue.description)
                continue
            }
            let insee = rec[cInsee]
            guard Self.isINSEE(insee) else { reject(cInsee, "« \(insee) » n'est pas un code INSEE à 5 caractères"); continue }
            let numeroText = rec[cNum]
            guard let numero = UInt32(numeroText), numero < 1_000_000 else {
                reject(cNum, "« \(numeroText) » n'est pas un numéro entier"); continue
            }
            guard let lon = Double(rec[cLon]), lon >= -180, lon <= 180 else {
                reject(cLon, "« \(rec[cLon]) » n'est pas une longitude"); continue
            }
            guard let lat = Double(rec[cLat]), lat >= -90, lat <= 90 else {
                reject(cLat, "« \(rec[cLat]) » n'est pas une latitude"); continue
            }
            var voie = rec[cVoie]
            let ld = cLD.map { rec[$0] } ?? ""
            // A lieu-dit: the name of a numbered address's place (nom_ld), the street itself when nom_voie is
            // empty, or a BAN toponym (numero 99999, no house).
            var isLocality = numero == 99999
            if voie.isEmpty { voie = ld; isLocality = true }
            guard !voie.isEmpty else { reject(cVoie, "nom de voie vide"); continue }
            let cpText = rec[cCP]
            let cp = UInt32(cpText) ?? 0
            var oldCode = cAncienneCode.map { rec[$0] } ?? ""
            if !oldCode.isEmpty {
                if oldCode == insee || !Self.isINSEE(oldCode) {
                    oldCode = ""
                } else if oldCommunes[oldCode] == nil {
                    oldCommunes[oldCode] = (cAncienne.map { rec[$0] } ?? "", insee)
                }
            }

            func streetNumber(_ key: StreetKey) -> UInt32 {
                if let s = streetIndex[key] { return s }
                let s = UInt32(streetKeys.count)
                streetKeys.append(key)
                streetIDPrefix.append(nil)
                streetIndex[key] = s
                return s
            }
            let key = StreetKey(insee: insee, name: voie, old: oldCode, locality: isLocality)
            let street: UInt32
            if key == lastKey {
                street = lastStreet
            } else {
                street = streetNumber(key)
            }
            lastKey = key
            lastStreet = street
            let lonE7 = Int32((lon * 1e7).rounded())
            let latE7 = Int32((lat * 1e7).rounded())
            func addBarePosition(_ s: UInt32) {
                var p = bareStreetPosition[s] ?? (0, 0, 0)
                p.0 += Double(lonE7); p.1 += Double(latE7); p.2 += 1
                bareStreetPosition[s] = p
            }
            if !ld.isEmpty && ld != voie {
                addBarePosition(streetNumber(StreetKey(insee: insee, name: ld, old: oldCode, locality: true)))
            }

            if insee != lastInsee || cp != lastCP {
                let communeName = rec[cCommune]
                if cp != 0 {
                    communes[insee, default: CommuneAcc()].postcodes.insert(cp)
                } else if communes[insee] == nil {
                    communes[insee] = CommuneAcc()
                }
                if communes[insee]!.name.isEmpty { communes[insee]!.name = communeName }
                if let cAcheminement, !rec[cAcheminement].isEmpty { communes[insee]!.altNames.insert(rec[cAcheminement]) }
                lastInsee = insee
                lastCP = cp
            }
            if let cAncienne {
                let ancienne = rec[cAncienne]
                if !ancienne.isEmpty && ancienne != lastAncienne {
                    communes[insee, default: CommuneAcc()].altNames.insert(ancienne)
                    lastAncienne = ancienne
                }
            }

            if numero == 99999 {
                // A toponym without a house: the lieu-dit's position, no address row.
                addBarePosition(street)
                if communes[insee] == nil { communes[insee] = CommuneAcc() }
                if communes[insee]!.name.isEmpty { communes[insee]!.name = rec[cCommune] }
                imported += 1
                continue
            }
            var suffix: UInt32 = 0
            var rep = ""
            if let cRep {
                rep = rec[cRep].lowercased()
                if !rep.isEmpty {
                    if let s = suffixIndex[rep] {
                        suffix = s
                    } else {
                        suffix = strings.add(rep)
                        suffixIndex[rep] = suffix
                    }
                }
            }
            rowStreet.append(street)
            rowNumber.append(numero)
            rowSuffix.append(suffix)
            rowLon.append(lonE7)
            rowLat.append(latE7)
            let id = rec[cID]
            let tail = Self.idTail(number: numero, suffix: rep)
            if streetIDPrefix[Int(street)] == nil, id.utf8.count >= tail.utf8.count, id.utf8.reversed().starts(with: tail.utf8.reversed()) {
                // The tail starts with "_", never inside a UTF-8 sequence: the prefix is whole characters.
                streetIDPrefix[Int(street)] = String(decoding: id.utf8.dropLast(tail.utf8.count), as: UTF8.self)
            }
            if let prefix = streetIDPrefix[Int(street)], id.utf8.count == prefix.utf8.count + tail.utf8.count,
                id.utf8.starts(with: prefix.utf8), id.utf8.dropFirst(prefix.utf8.count).elementsEqual(tail.utf8)
            {
                rowIDRef.append(.max)
            } else {
                rowIDRef.append(otherIDs.add(id, dedupe: false))
            }
            rowPostcode.append(cp)
            imported += 1
        }
        guard Double(rejected) <= maxRejectedFraction * Double(rows) || rejected <= Self.rejectedAlwaysAccepted else {
            throw GeocodingError.tooManyRejected(file: path, rejected: rejected, rows: rows, limit: maxRejectedFraction)
        }
        sources.append(
            ImportedSource(
                file: name, kind: "ban", bytes: Self.fileSize(path), sha256: Self.sha256(path: path),
                rows: rows, imported: imported, rejected: rejected))
    }

    static let postcodeRequired = ["code_commune_insee", "nom_de_la_commune", "code_postal"]

    /// Imports La Poste's postcode table (`code_commune_insee, nom_de_la_commune, code_postal,
    /// libelle_d_acheminement, ligne_5, latitude, longitude`): every commune becomes findable by postcode and
    /// name even without addresses, with its centre.
    public func addPostcodes(path: String) throws {
        let reader = try CSVReader(path: path)
        let name = URL(fileURLWithPath: path).lastPathComponent
        let missing = Self.postcodeRequired.filter { reader.columnIndex($0) == nil }
        guard missing.isEmpty else {
            throw GeocodingError.missingColumns(file: path, columns: missing, available: reader.header)
        }
        let cInsee = reader.columnIndex("code_commune_insee")!
        let cName = reader.columnIndex("nom_de_la_commune")!
        let cCP = reader.columnIndex("code_postal")!
        let cLabel = reader.columnIndex("libelle_d_acheminement")
        let cLine5 = reader.columnIndex("ligne_5")
        let cLat = reader.columnIndex("latitude")
        let cLon = reader.columnIndex("longitude")
        let header = reader.header
        var rows = 0
        var imported = 0
        var rejected = 0
        while let rec = try reader.next() {
            rows += 1
            func reject(_ field: Int?, _ message: String) {
                rejected += 1
                report(ImportIssue(file: name, line: rec.line, field: field.map { header[$0] } ?? "", message: message))
            }
            if let issue = rec.issue { reject(nil, issue.description); continue }
            let insee = rec[cInsee]
            guard Self.isINSEE(insee) else { reject(cInsee, "« \(insee) » n'est pas un code INSEE à 5 caractères"); continue }
            guard let cp = UInt32(rec[cCP]), rec[cCP].count == 5 else { reject(cCP, "« \(rec[cCP]) » n'est pas un code postal"); continue }
            var acc = communes[insee] ?? CommuneAcc()
            acc.postcodes.insert(cp)
            if acc.postalName.isEmpty { acc.postalName = rec[cName] }
            acc.altNames.insert(rec[cName])
            if let cLabel, !rec[cLabel].isEmpty { acc.altNames.insert(rec[cLabel]) }
            if let cLine5, !rec[cLine5].isEmpty { acc.altNames.insert(rec[cLine5]) }
            if acc.centre == nil, let cLat, let cLon, let lat = Double(rec[cLat]), let lon = Double(rec[cLon]),
                abs(lat) <= 90, abs(lon) <= 180
            {
                acc.centre = (lon, lat)
            }
            communes[insee] = acc
            imported += 1
        }
        sources.append(
            ImportedSource(
                file: name, kind: "postcodes", bytes: Self.fileSize(path), sha256: Self.sha256(path: path),
                rows: rows, imported: imported, rejected: rejected))
    }

    /// A commune code as the COG writes it: five characters, the département's two (digits, or "2" and a capital
    /// letter: Corsica's 2A and 2B; the other letters never occur in real files and let synthetic ones such as
    /// `Scripts/lib/generate-ban.py`'s have more than 10,000 fictional communes without reusing a code), then
    /// three digits.
    static func isINSEE(_ s: String) -> Bool {
        let u = Array(s.utf8)
        guard u.count == 5 else { return false }
        func digit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
        let second = digit(u[1]) || (u[0] == 0x32 && u[1] >= 0x41 && u[1] <= 0x5A)
        return digit(u[0]) && second && digit(u[2]) && digit(u[3]) && digit(u[4])
    }

    static func fileSize(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path)[.size]) as? Int) ?? 0
    }

    /// SHA-256 of a file, read in 1 MiB blocks.
    static func sha256(path: String) -> String {
        guard let source = try? FileByteSource(path: path) else { return "" }
        var hasher = SHA256()
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = (try? buffer.withUnsafeMutableBytes { try source.read(into: $0) }) ?? 0
            if n == 0 { break }
            buffer.withUnsafeBytes { hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
        }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    // MARK: - Compilation

    /// Compiles what was read and writes the pack. Returns its description.
    @discardableResult
    public func write(to url: URL, importDate: Date = Date()) throws -> AddressPackInfo {
        guard !rowStreet.isEmpty || !communes.isEmpty else {
            throw GeocodingError.noAddressImported(files: sources.map(\.file))
        }
        // Communes sorted by INSEE code.
        let inseeList = communes.keys.sorted()
        var communeOf: [String: UInt32] = [:]
        for (k, c) in inseeList.enumerated() { communeOf[c] = UInt32(k) }

        // Streets: normalised, sorted by commune then key.
        let streetCount = streetKeys.count
        var sWords: [[String]] = []
        sWords.reserveCapacity(streetCount)
        var sKeys: [String] = []
        sKeys.reserveCapacity(streetCount)
        for key in streetKeys {
            let w = AddressQuery.streetNameWords(key.name)
            sWords.append(w)
            sKeys.append(w.joined(separator: " "))
        }
        let sCommune = streetKeys.map { communeOf[$0.insee]! }
        let order = (0..<streetCount).sorted { a, b in
            sCommune[a] != sCommune[b]
                ? sCommune[a] < sCommune[b] : (sKeys[a] != sKeys[b] ? sKeys[a] < sKeys[b] : streetKeys[a].name < streetKeys[b].name)
        }
        var newIndex = [UInt32](repeating: 0, count: streetCount)
        for (k, old) in order.enumerated() { newIndex[old] = UInt32(k) }

        // Addresses grouped by street (counting sort), then by number and suffix.
        let rowCount = rowStreet.count
        var start = [Int](repeating: 0, count: streetCount + 1)
        for s in rowStreet { start[Int(newIndex[Int(s)]) + 1] += 1 }
        for k in 0..<streetCount { start[k + 1] += start[k] }
        var fill = start
        var rowOrder = [UInt32](repeating: 0, count: rowCount)
        for r in 0..<rowCount {
            let s = Int(newIndex[Int(rowStreet[r])])
            rowOrder[fill[s]] = UInt32(r)
            fill[s] += 1
        }
        let suffixText: [UInt32: String] = Dictionary(uniqueKeysWithValues: suffixIndex.map { ($0.value, $0.key) })
        for s in 0..<streetCount where start[s + 1] - start[s] > 1 {
            rowOrder[start[s]..<start[s + 1]].sort { a32, b32 in
                let a = Int(a32)
                let b = Int(b32)
                return rowNumber[a] != rowNumber[b]
                    ? rowNumber[a] < rowNumber[b] : (suffixText[rowSuffix[a]] ?? "") < (suffixText[rowSuffix[b]] ?? "")
            }
        }

        var w = PackWriter()
        // Street columns.
        var sName = [UInt32]()
        var sKeyIdx = [UInt32]()
        var sFull = [UInt32]()
        var sCore = [UInt32]()
        var sSig = [UInt64]()
        var sLon = [Int32]()
        var sLat = [Int32]()
        var sHN = [UInt32]()
        var sPC = [UInt32]()
        var sIDP = [UInt32]()
        var sCom = [UInt32]()
        var sOld = [UInt32]()
        var sKind = [UInt8]()
        let oldList = oldCommunes.keys.sorted()
        var oldIndex: [String: UInt32] = [:]
        for (k, code) in oldList.enumerated() { oldIndex[code] = UInt32(k) }
        var oldSum = [(Double, Double, Int)](repeating: (0, 0, 0), count: oldList.count)
        var hNum = [UInt32]()
        var hSuf = [UInt32]()
        var hLon = [Int32]()
        var hLat = [Int32]()
        var hID = [UInt32]()
        var hPC = [UInt32]()
        hNum.reserveCapacity(rowCount); hSuf.reserveCapacity(rowCount); hLon.reserveCapacity(rowCount)
        hLat.reserveCapacity(rowCount); hID.reserveCapacity(rowCount); hPC.reserveCapacity(rowCount)
        var communeStreetStart = [UInt32](repeating: 0, count: inseeList.count + 1)
        var communeSum = [(Double, Double, Int)](repeating: (0, 0, 0), count: inseeList.count)
        var tokenPairs: [(UInt64, UInt32)] = []

        for (newS, old) in order.enumerated() {
            let key = streetKeys[old]
            let words = sWords[old]
            let com = sCommune[old]
            communeStreetStart[Int(com) + 1] += 1
            sName.append(strings.add(key.name))
            sKeyIdx.append(strings.add(sKeys[old]))
            let full = NameForms.full(words)
            let core = NameForms.core(words)
            sFull.append(strings.add(String(decoding: full, as: UTF8.self)))
            sCore.append(strings.add(String(decoding: core, as: UTF8.self)))
            sSig.append(NameForms.signature(full))
            sCom.append(com)
            sOld.append(key.old.isEmpty ? 0 : (oldIndex[key.old].map { $0 + 1 } ?? 0))
            sKind.append(key.locality ? 1 : 0)
            for t in Set(words) where !AddressNormalizer.stopWords.contains(t) && !AddressNormalizer.streetTypes.contains(t) && t.utf8.count >= 2 {
                tokenPairs.append((stableHash(t.utf8), UInt32(newS)))
            }
            sHN.append(UInt32(hNum.count))
            // Street id prefix: the id of its first address without the "_00056[_bis]" tail.
            var prefix = ""
            var postcodeCounts: [UInt32: Int] = [:]
            var sumLon = 0.0
            var sumLat = 0.0
            let range = start[newS]..<start[newS + 1]
            for (k, r32) in rowOrder[range].enumerated() {
                let r = Int(r32)
                let tail = Self.idTail(number: rowNumber[r], suffix: suffixText[rowSuffix[r]] ?? "")
                let id = rowID(r, tail: tail)
                if k == 0, id.hasSuffix(tail) { prefix = String(id.dropLast(tail.count)) }
                if !prefix.isEmpty && id.count == prefix.count + tail.count && id.hasPrefix(prefix) && id.hasSuffix(tail) {
                    hID.append(UInt32.max)
                } else {
                    hID.append(strings.add(id, dedupe: false))
                }
                hNum.append(rowNumber[r]); hSuf.append(rowSuffix[r]); hLon.append(rowLon[r]); hLat.append(rowLat[r])
                hPC.append(rowPostcode[r])
                postcodeCounts[rowPostcode[r], default: 0] += 1
                sumLon += Double(rowLon[r]); sumLat += Double(rowLat[r])
            }
            sIDP.append(strings.add(prefix))
            sPC.append(postcodeCounts.max { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }?.key ?? 0)
            // Street position: the address nearest the mean of its addresses (a point on the street).
            let n = Double(range.count)
            var best = Int32(0)
            var bestLat = Int32(0)
            var bestD = Double.infinity
            for r32 in rowOrder[range] {
                let r = Int(r32)
                let dx = Double(rowLon[r]) - sumLon / n
                let dy = Double(rowLat[r]) - sumLat / n
                let d = dx * dx + dy * dy
                if d < bestD { bestD = d; best = rowLon[r]; bestLat = rowLat[r] }
            }
            if range.isEmpty, let p = bareStreetPosition[UInt32(old)], p.2 > 0 {
                best = Int32((p.0 / Double(p.2)).rounded()); bestLat = Int32((p.1 / Double(p.2)).rounded())
            }
            sLon.append(best); sLat.append(bestLat)
            communeSum[Int(com)].0 += sumLon; communeSum[Int(com)].1 += sumLat; communeSum[Int(com)].2 += range.count
            if let o = oldIndex[key.old] {
                oldSum[Int(o)].0 += sumLon; oldSum[Int(o)].1 += sumLat; oldSum[Int(o)].2 += range.count
                if range.isEmpty { oldSum[Int(o)].0 += Double(best); oldSum[Int(o)].1 += Double(bestLat); oldSum[Int(o)].2 += 1 }
            }
        }
        sHN.append(UInt32(hNum.count))
        for k in 0..<inseeList.count { communeStreetStart[k + 1] += communeStreetStart[k] }

        // Communes.
        var cInsee = [UInt32]()
        var cName = [UInt32]()
        var cLon = [Int32]()
        var cLat = [Int32]()
        var cPC0 = [UInt32]()
        var cPCs = [UInt32]()
        var namePairs: [(UInt64, UInt32)] = []
        var fuzzyPairs: [(UInt64, UInt32)] = []
        var postcodePairs: [(UInt32, UInt32)] = []
        for (k, insee) in inseeList.enumerated() {
            let acc = communes[insee]!
            cInsee.append(strings.add(insee))
            let display = acc.name.isEmpty ? Self.titleCase(acc.postalName) : acc.name
            cName.append(strings.add(display))
            if let centre = acc.centre {
                cLon.append(Int32((centre.lon * 1e7).rounded())); cLat.append(Int32((centre.lat * 1e7).rounded()))
            } else if communeSum[k].2 > 0 {
                cLon.append(Int32((communeSum[k].0 / Double(communeSum[k].2)).rounded()))
                cLat.append(Int32((communeSum[k].1 / Double(communeSum[k].2)).rounded()))
            } else {
                cLon.append(0); cLat.append(0)
            }
            cPC0.append(UInt32(cPCs.count))
            for pc in acc.postcodes.sorted() {
                cPCs.append(pc)
                postcodePairs.append((pc, UInt32(k)))
            }
            var keys: Set<String> = []
            for n in acc.altNames.union([acc.name, acc.postalName]) where !n.isEmpty {
                let words = AddressQuery.communeNameWords(n)
                if !words.isEmpty { keys.insert(words.joined(separator: " ")) }
            }
            var fuzzyKeys: Set<UInt64> = []
            for key in keys {
                namePairs.append((stableHash(key.utf8), UInt32(k)))
                let squashed = Array(key.utf8.filter { $0 != 0x20 })
                for h in Self.deletionHashes(squashed) { fuzzyKeys.insert(h) }
            }
            for h in fuzzyKeys { fuzzyPairs.append((h, UInt32(k))) }
        }
        cPC0.append(UInt32(cPCs.count))
        namePairs.sort { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
        fuzzyPairs.sort { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
        postcodePairs.sort { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
        tokenPairs.sort { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }

        let info = AddressPackInfo(
            format: Int(PackFile.formatVersion), normalizerVersion: AddressNormalizer.version,
            importedAt: ISO8601DateFormatter().string(from: importDate), sources: sources,
            addresses: hNum.count, streets: streetCount, communes: inseeList.count)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        w.add("meta", bytes: Array(try encoder.encode(info)))
        w.add("c.insee", cInsee); w.add("c.name", cName); w.add("c.lon", cLon); w.add("c.lat", cLat)
        w.add("c.st0", communeStreetStart); w.add("c.pc0", cPC0); w.add("c.pcs", cPCs)
        w.add("n.hash", namePairs.map(\.0)); w.add("n.com", namePairs.map(\.1))
        w.add("f.hash", fuzzyPairs.map(\.0)); w.add("f.com", fuzzyPairs.map(\.1))
        w.add("p.code", postcodePairs.map(\.0)); w.add("p.com", postcodePairs.map(\.1))
        w.add("t.hash", tokenPairs.map(\.0)); w.add("t.st", tokenPairs.map(\.1))
        w.add("s.name", sName); w.add("s.key", sKeyIdx); w.add("s.full", sFull); w.add("s.core", sCore); w.add("s.sig", sSig)
        w.add("s.lon", sLon); w.add("s.lat", sLat); w.add("s.hn0", sHN); w.add("s.pc", sPC); w.add("s.idp", sIDP); w.add("s.com", sCom)
        // Former communes (sections absent from packs built before them: read as none).
        var oInsee = [UInt32]()
        var oName = [UInt32]()
        var oCom = [UInt32]()
        var oLon = [Int32]()
        var oLat = [Int32]()
        for (k, code) in oldList.enumerated() {
            let o = oldCommunes[code]!
            oInsee.append(strings.add(code)); oName.append(strings.add(o.name)); oCom.append(communeOf[o.insee] ?? 0)
            let n = Double(max(1, oldSum[k].2))
            oLon.append(Int32((oldSum[k].0 / n).rounded())); oLat.append(Int32((oldSum[k].1 / n).rounded()))
        }
        w.add("s.old", sOld); w.add("s.kind", sKind)
        w.add("o.insee", oInsee); w.add("o.name", oName); w.add("o.com", oCom); w.add("o.lon", oLon); w.add("o.lat", oLat)
        w.add("h.num", hNum); w.add("h.suf", hSuf); w.add("h.lon", hLon); w.add("h.lat", hLat); w.add("h.id", hID); w.add("h.pc", hPC)
        w.add("str", strings: strings)
        try w.write(to: url)
        return info
    }

    /// The id of row `r`, whose tail is `tail` (`idTail`).
    private func rowID(_ r: Int, tail: String) -> String {
        let ref = rowIDRef[r]
        guard ref == .max else { return otherIDs.string(ref) }
        return streetIDPrefix[Int(rowStreet[r])]! + tail
    }

    /// "_00056" or "_00056_bis": how BAN ids end.
    static func idTail(number: UInt32, suffix: String) -> String {
        var digits = String(number)
        if digits.count < 5 { digits = String(repeating: "0", count: 5 - digits.count) + digits }
        return suffix.isEmpty ? "_" + digits : "_" + digits + "_" + suffix
    }

    /// Hashes of `s` and of every string obtained by deleting one of its letters (names of 4 letters or more).
    static func deletionHashes(_ s: [UInt8]) -> [UInt64] {
        var out = [stableHash(s)]
        guard s.count >= 4 else { return out }
        var buf = [UInt8]()
        buf.reserveCapacity(s.count)
        for k in 0..<s.count {
            buf.removeAll(keepingCapacity: true)
            buf.append(contentsOf: s[..<k])
            buf.append(contentsOf: s[(k + 1)...])
            out.append(stableHash(buf))
        }
        return out
    }

    /// "L ABERGEMENT CLEMENCIAT" → "L Abergement Clemenciat" (La Poste names are upper case).
    static func titleCase(_ s: String) -> String {
        s.lowercased().split(separator: " ", omittingEmptySubsequences: false).map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined(
            separator: " ")
    }
}
