import Foundation

/// A free-text address split into its parts: house number and suffix, street words, postcode, commune words.
/// Noise that postal addresses carry (BP, CS, TSA, CIDEX and their numbers, CEDEX, building, staircase, floor,
/// flat) is removed first.
public struct AddressQuery: Sendable, Equatable {
    /// House number ("56"), nil when none.
    public var housenumber: Int?
    /// Canonical suffix: "bis", "ter", "quater", "quinquies" or a single letter; "" when none.
    public var suffix: String
    /// Five-digit postcode found in the text, nil when none.
    public var postcode: String?
    /// Normalised words before the postcode (or all words when there is none), house number removed.
    public var streetWords: [String]
    /// Normalised words after the postcode.
    public var cityWords: [String]
    /// Words before a house number that is not at the start ("Estrun, 56 grand rue", "SCI X 4 rue…"): a
    /// commune's name or noise.
    public var leadingWords: [String] = []

    public init(housenumber: Int? = nil, suffix: String = "", postcode: String? = nil, streetWords: [String] = [], cityWords: [String] = []) {
        self.housenumber = housenumber
        self.suffix = suffix
        self.postcode = postcode
        self.streetWords = streetWords
        self.cityWords = cityWords
    }

    /// Parses one line of text.
    public init(parsing text: String) {
        self.init()
        var words = AddressQuery.removeNoise(AddressNormalizer.words(text))

        // Postcode: the last five-digit word (a BP or CS number was removed with its keyword).
        var after: [String] = []
        if let k = words.lastIndex(where: AddressQuery.isPostcode) {
            postcode = words[k]
            after = Array(words[(k + 1)...])
            words = Array(words[..<k])
        }

        // House number: first word, or the first number followed by a street type ("Résidence Les Lilas 4 rue…").
        var start = 0
        if !words.isEmpty {
            var at: Int? = AddressQuery.numberAndGluedSuffix(words[0]) != nil ? 0 : nil
            if at == nil {
                for i in 1..<max(1, words.count - 1) where AddressQuery.numberAndGluedSuffix(words[i]) != nil {
                    let next = i + 1 < words.count ? words[i + 1] : ""
                    let afterSuffix = i + 2 < words.count ? words[i + 2] : ""
                    // "4 rue…", "4 bis rue…", "56 grande rue…": a street type right after, or one word later.
                    if AddressQuery.isStreetType(next) || AddressQuery.isStreetType(afterSuffix) {
                        at = i
                        break
                    }
                }
            }
            if let at, let (number, glued) = AddressQuery.numberAndGluedSuffix(words[at]) {
                housenumber = number
                suffix = glued
                start = at + 1
                if suffix.isEmpty, start < words.count, let s = AddressQuery.suffixes[words[start]] {
                    // "1 bis rue…", "12 b rue…": a lone letter is a suffix only before a street type or at the end.
                    let next = start + 1 < words.count ? words[start + 1] : nil
                    if s.count > 1 || next == nil || AddressQuery.isStreetType(next!) {
                        suffix = s
                        start += 1
                    }
                }
                // A range "12-14 rue…": keep the first number.
                if start < words.count - 1, let n = Int(words[start]), words[start].count <= 4, n > (housenumber ?? 0) {
                    start += 1
                }
            }
        }
        if housenumber != nil && start > 1 {
            let numberAt = words[..<start].lastIndex { AddressQuery.numberAndGluedSuffix($0) != nil } ?? 0
            leadingWords = AddressQuery.expand(Array(words[..<numberAt]))
        }
        streetWords = AddressQuery.expand(Array(words[start...]))
        cityWords = AddressQuery.expand(after)
    }

    /// Builds the query from separate fields: the number field may hold "12", "12 bis", "12B".
    public init(fields: AddressFields) {
        let line = [fields.housenumber, fields.street].map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.joined(separator: " ")
        var q = AddressQuery(parsing: line)
        let pc = fields.postcode.filter(\.isNumber)
        if pc.count == 5 { q.postcode = pc }
        else if pc.count == 4 { q.postcode = "0" + pc }  // Excel drops the leading zero of 01000–09999
        q.cityWords = AddressQuery.expand(AddressQuery.removeNoise(AddressNormalizer.words(fields.city)))
        if q.postcode == nil, let k = q.streetWords.lastIndex(where: AddressQuery.isPostcode) {
            q.postcode = q.streetWords[k]
            q.streetWords.remove(at: k)
        }
        self = q
    }

    var hasStreet: Bool { !streetWords.isEmpty }

    // MARK: - Vocabulary

    /// House-number suffixes and their canonical form.
    static let suffixes: [String: String] = {
        var m: [String: String] = ["bis": "bis", "ter": "ter", "quater": "quater", "quinquies": "quinquies", "qua": "quater"]
        for c in "abcdefghijklmnopqrstuvwxyz" { m[String(c)] = String(c) }
        return m
    }()

    /// "b" and "bis" (also t/ter, q/quater, c/quinquies) designate the same address in most files.
    static func suffixesEquivalent(_ a: String, _ b: String) -> Bool {
        if a == b { return true }
        let fold: [String: String] = ["bis": "b", "ter": "t", "quater": "q", "quinquies": "c"]
        return (fold[a] ?? a) == (fold[b] ?? b)
    }

    static func isNumber(_ w: String) -> Bool { !w.isEmpty && w.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } }

    static func isPostcode(_ w: String) -> Bool {
        guard w.utf8.count == 5, isNumber(w), let v = Int(w) else { return false }
        return v >= 1000 && v < 99000
    }

    /// "56" → (56, ""), "1bis" → (1, "bis"), "12b" → (12, "b"); nil for anything else ("3eme", "1945a1").
    static func numberAndGluedSuffix(_ w: String) -> (Int, String)? {
        let digits = w.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, digits.count <= 4, let n = Int(digits) else { return nil }
        let rest = String(w.dropFirst(digits.count))
        if rest.isEmpty { return (n, "") }
        guard let s = suffixes[rest] else { return nil }
        return (n, s)
    }

    static func isStreetType(_ w: String) -> Bool {
        if AddressNormalizer.streetTypes.contains(w) { return true }
        if let e = AddressNormalizer.abbreviations[w], let first = e.first { return AddressNormalizer.streetTypes.contains(first) }
        return false
    }

    static func expand(_ words: [String]) -> [String] {
        var out: [String] = []
        out.reserveCapacity(words.count + 2)
        for w in words {
            if let e = AddressNormalizer.abbreviations[w] { out.append(contentsOf: e) } else { out.append(w) }
        }
        return out
    }

    private static let postalBoxes: Set<String> = ["bp", "cs", "tsa", "cidex", "cedi", "bt"]
    private static let premises: Set<String> = [
        "bat", "batiment", "bati", "appt", "apt", "app", "appart", "appartement", "esc", "escalier", "logement", "lgt",
        "log", "porte", "entree", "chambre", "box", "lot",
    ]
    private static let floors: Set<String> = ["etage", "etg", "rdc"]

    /// Removes postal and premises noise: "BP 123", "CS 10014", "TSA 70001", "CEDEX 9", "bât. B", "appt 12",
    /// "3e étage", "RDC", a leading "lieu-dit", a trailing "France".
    static func removeNoise(_ words: [String]) -> [String] {
        var out: [String] = []
        out.reserveCapacity(words.count)
        var i = 0
        let n = words.count
        while i < n {
            let w = words[i]
            let next = i + 1 < n ? words[i + 1] : ""
            if postalBoxes.contains(w) && isNumber(next) { i += 2; continue }
            if w == "b" && next == "p" && i + 2 < n && isNumber(words[i + 2]) { i += 3; continue }
            if w == "boite" && next == "postale" { i += (i + 2 < n && isNumber(words[i + 2])) ? 3 : 2; continue }
            if w == "cedex" {
                i += (isNumber(next) && next.count <= 2) ? 2 : 1
                continue
            }
            // Premises: the keyword and its designation, only when a designation follows that is short
            // ("bât B", "appt 12", "esc 3"); "porte" or "lot" followed by a name are streets, kept.
            if premises.contains(w), !next.isEmpty, next.count <= 3 {
                let designation = isNumber(next) || next.count == 1
                if designation { i += 2; continue }
            }
            if floors.contains(w) {
                if let last = out.last, isOrdinal(last) { out.removeLast() }
                i += 1
                continue
            }
            if (w == "lieu" && next == "dit") && out.isEmpty { i += 2; continue }
            if (w == "lieudit" || w == "ld") && out.isEmpty { i += 1; continue }
            if w == "france" && i == n - 1 && out.count > 1 { i += 1; continue }
            out.append(w)
            i += 1
        }
        return out
    }

    /// "3e", "3eme", "2nd", "1er", "1ere".
    static func isOrdinal(_ w: String) -> Bool {
        let digits = w.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty else { return false }
        return ["e", "eme", "er", "ere", "nd", "nde", "me"].contains(String(w.dropFirst(digits.count)))
    }

    /// Normalised words of a street name as stored in the pack: the same noise removal and expansion as queries.
    static func streetNameWords(_ name: String) -> [String] {
        expand(removeNoise(AddressNormalizer.words(name)))
    }

    /// Normalised words of a commune name.
    static func communeNameWords(_ name: String) -> [String] {
        var w = expand(AddressNormalizer.words(name))
        // "Lille Cedex", "Arras CEDEX 9": delivery labels.
        if let k = w.firstIndex(of: "cedex") { w = Array(w[..<k]) }
        return w
    }
}

/// Compact forms of a word list used for comparison.
enum NameForms {
    /// All words glued: "rue de la mairie" → "ruedelamairie" (robust to misplaced spaces: "rued es").
    static func full(_ words: [String]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(32)
        for w in words { out.append(contentsOf: w.utf8) }
        return out
    }

    /// Stop words dropped, then glued: "rue de la mairie" → "ruemairie" (robust to "rue mairie").
    static func core(_ words: [String]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(32)
        for w in words where !AddressNormalizer.stopWords.contains(w) { out.append(contentsOf: w.utf8) }
        if out.isEmpty { return full(words) }
        return out
    }

    /// 64-bit signature of the letter pairs of `bytes` (a cheap pre-filter before edit distances).
    @inline(__always)
    static func signature<C: Collection>(_ bytes: C) -> UInt64 where C.Element == UInt8 {
        var sig: UInt64 = 0
        var prev: UInt8 = 0
        for b in bytes {
            let h = (UInt64(prev) &* 31 &+ UInt64(b)) &* 0x9E37_79B9_7F4A_7C15
            sig |= 1 << (h >> 58)
            prev = b
        }
        return sig
    }
}
