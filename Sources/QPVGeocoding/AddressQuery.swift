// `AddressQuery`: free-text or separate-field addresses split into house number and suffix, street words,
// postcode and commune words (postal and premises noise removed); `NameForms` are the compact forms compared.

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
    /// The street part is as long as a street name La Poste's address norm cuts (`nom_afnor`, at most 32
    /// characters): its end may be missing ("PLACE DU GENERAL DE GAULLE HOTEL" for « Place du
    /// Général-de-Gaulle Hôtel de Ville »), so streets whose name starts with it are candidates too.
    public var streetMayBeCut = false

    /// A query from its parts (tests and callers that split the address themselves).
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
        var words = AddressQuery.removeNoise(AddressQuery.splitGlued(AddressNormalizer.words(text)))

        // Postcode: the last five-digit word (a BP or CS number was removed with its keyword).
        var after: [String] = []
        if let k = words.lastIndex(where: AddressQuery.isPostcode) {
            postcode = words[k]
            after = Array(words[(k + 1)...])
            words = Array(words[..<k])
            // Postcode and commune first: "62400 Béthune, 181 rue Gambetta", "Béthune (62400) 181 rue Gambetta".
            // The address starts at the first house number after the postcode; what stands before it (on
            // either side of the postcode) is the commune.
            if let j = AddressQuery.addressStart(after, commune: words.isEmpty ? nil : words) {
                words += Array(after[..<j])
                after = Array(after[j...])
                swap(&words, &after)
            }
        }

        // House number: first word, or the first number followed by a street type ("Résidence Les Lilas 4 rue…").
        var start = 0
        if !words.isEmpty {
            var at: Int? = AddressQuery.numberAndGluedSuffix(words[0]) != nil ? 0 : nil
            if at == nil {
                for i in 1..<max(1, words.count - 1) where AddressQuery.isHouseNumber(words, at: i) {
                    at = i
                    break
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
                // A range "12-14 rue…", "12 à 14", "12 au 14", "12 et 14": keep the first number.
                if start < words.count - 2, AddressQuery.rangeWords.contains(words[start]), let n = Int(words[start + 1]),
                    words[start + 1].count <= 4, n > (housenumber ?? 0)
                {
                    start += 2
                } else if start < words.count - 1, let n = Int(words[start]), words[start].count <= 4, n > (housenumber ?? 0) {
                    start += 1
                }
            }
        }
        if housenumber != nil && start > 1 {
            let numberAt = words[..<start].lastIndex { AddressQuery.numberAndGluedSuffix($0) != nil } ?? 0
            leadingWords = AddressQuery.expand(Array(words[..<numberAt]))
        }
        let street = words[start...]
        streetWords = AddressQuery.expand(Array(street))
        cityWords = AddressQuery.expand(after)
        streetMayBeCut = AddressQuery.cutLengths.contains(street.reduce(street.count - 1) { $0 + $1.utf8.count })
    }

    /// Lengths (in characters, words joined by one space) of a street name cut at La Poste's 32 characters: 32,
    /// or 31 when the cut fell on a space; 30 when a dropped apostrophe or hyphen shortened it.
    static let cutLengths = 30...32

    /// Builds the query from separate fields: the number field may hold "12", "12 bis", "12B".
    public init(fields: AddressFields) {
        let line = [fields.housenumber, fields.street].map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.joined(separator: " ")
        var q = AddressQuery(parsing: line)
        let pc = fields.postcode.filter(\.isNumber)
        if pc.count == 5 { q.postcode = pc } else if pc.count == 4 { q.postcode = "0" + pc }  // Excel drops the leading zero of 01000–09999
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
        return v >= 100 && v < 99000  // 00100–00999: the fictional département 00 of the demonstration data
    }

    /// Words joining the two numbers of a range: "12 à 14", "12 au 14", "12 et 14".
    static let rangeWords: Set<String> = ["a", "au", "et"]

    /// Whether `words[i]` is a house number: a number (with its suffix) followed, after an optional suffix or
    /// range ("bis", "-14", "à 14"), by a street type within two words ("4 rue…", "4 bis rue…", "56 grande rue…").
    static func isHouseNumber(_ words: [String], at i: Int) -> Bool {
        guard i < words.count, numberAndGluedSuffix(words[i]) != nil else { return false }
        var k = i + 1
        if k + 1 < words.count, rangeWords.contains(words[k]), isNumber(words[k + 1]) {
            k += 2
        } else if k < words.count, isNumber(words[k]), words[k].count <= 4 {
            k += 1
        }
        for j in k..<min(words.count, k + 2) where isStreetType(words[j]) { return true }
        return false
    }

    /// Where the address (house number, then street) starts in the words after a postcode, when the postcode
    /// and the commune come first. nil when these words are a commune's name. `commune`: the words before the
    /// postcode, when there are some ("Béthune (62400) 181 rue…").
    static func addressStart(_ after: [String], commune: [String]?) -> Int? {
        guard after.count >= 2 else { return nil }
        for i in 0..<(after.count - 1) where isHouseNumber(after, at: i) { return i }
        // No street type ("62400 Béthune, 12 Gambetta"): the postcode opened the text, a number after the
        // commune's name starts the address.
        if commune == nil {
            for i in 1..<(after.count - 1) where numberAndGluedSuffix(after[i]) != nil && !isNumber(after[i + 1]) { return i }
        }
        return nil
    }

    /// Splits a number glued to a street type: "181rue" → "181", "rue"; "12bisav" → "12bis", "av".
    static func splitGlued(_ words: [String]) -> [String] {
        guard words.contains(where: { w in w.utf8.first.map { $0 >= 0x30 && $0 <= 0x39 } ?? false }) else { return words }
        var out: [String] = []
        out.reserveCapacity(words.count + 1)
        for w in words {
            let digits = w.prefix { $0.isASCII && $0.isNumber }
            if !digits.isEmpty, digits.count <= 4, digits.count < w.count, numberAndGluedSuffix(w) == nil {
                let rest = String(w.dropFirst(digits.count))
                if isStreetType(rest) {
                    out.append(String(digits)); out.append(rest); continue
                }
                if let s = ["bis", "ter", "quater"].first(where: { rest.hasPrefix($0) }) ?? rest.first.map({ String($0) }),
                    rest.count > s.count, isStreetType(String(rest.dropFirst(s.count)))
                {
                    out.append(String(digits) + s); out.append(String(rest.dropFirst(s.count))); continue
                }
            }
            out.append(w)
        }
        return out
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
            // "N° 12", "numéro 12", "no 12": the keyword goes, the number stays.
            if (w == "n" || w == "no" || w == "numero" || w == "num") && numberAndGluedSuffix(next) != nil { i += 1; continue }
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
