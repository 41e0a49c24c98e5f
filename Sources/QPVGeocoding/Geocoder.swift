// `Geocoder`: the offline matcher over an `AddressPack` — commune hypotheses, street similarity, house number
// lookup and scoring into `GeocodeResult`s. `Sendable`, one instance for every thread.

import Foundation
import QPVCore
import Synchronization

/// The offline geocoder: reads a compiled address pack (memory-mapped, opened in milliseconds) and turns
/// address text into positions. Read-only after opening and `Sendable`: one instance serves every thread of
/// a batch or a server.
///
/// How a query is matched:
/// 1. `AddressQuery` removes postal noise and splits house number (+ suffix), postcode, street and commune words.
/// 2. Commune hypotheses: the communes of the postcode (scored by how well their name matches the words after
///    it), or — without a postcode, or when the postcode is a CEDEX one — communes whose name (any spelling:
///    BAN, La Poste, delivery label, former commune) ends the text, exactly or within two typos.
/// 3. In each commune, streets are pre-filtered by letter-pair signature and compared with an edit distance that
///    tolerates typos, swapped letters and misplaced spaces (names are compared with spaces removed, with and
///    without stop words).
/// 4. The number (and suffix: bis = b) is looked up in the best streets. Results are `housenumber` when found,
///    `street` (the street's position) when not, `municipality` when only the commune is known.
/// 5. Score in [0, 1] = weighted mean of street similarity (0.6), commune agreement (0.3: postcode and name)
///    and house number found (0.05), each counted only when the query has that part.
/// Without any commune hypothesis, streets are searched through a word index over the whole pack.
public final class Geocoder: Sendable {
    let pack: AddressPack
    /// `communeNameForm`'s values, filled as communes are compared.
    private let communeForms = Mutex<[Int: [UInt8]]>([:])

    /// What the pack was built from.
    public var info: AddressPackInfo { pack.info }
    /// The pack file's path.
    public let path: String

    /// Opens a pack file.
    public init(packPath: String) throws {
        path = packPath
        pack = try AddressPack(path: packPath)
    }

    /// Opens the pack installed in a data directory (`<data-dir>/addresses/ban.qpvaddr`).
    public convenience init(dataDirectory: DataDirectory) throws {
        let url = Geocoder.packURL(in: dataDirectory)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw GeocodingError.noPackInstalled(directory: dataDirectory.addressesURL.path)
        }
        try self.init(packPath: url.path)
    }

    /// Where `qpv data import-ban` writes the pack.
    public static func packURL(in directory: DataDirectory) -> URL { AddressPack.url(in: directory) }

    /// Number of communes in the pack.
    public var communeCount: Int { pack.cInsee.count }
    /// Number of streets and lieux-dits in the pack.
    public var streetCount: Int { pack.sName.count }
    /// Number of addresses in the pack.
    public var addressCount: Int { pack.hNum.count }

    /// Geocodes one line of text: best result first, then alternatives (at most `options.limit`).
    public func geocode(_ text: String, options: GeocodeOptions = GeocodeOptions()) -> [GeocodeResult] {
        let results = geocode(query: AddressQuery(parsing: text), options: options)
        return options.autocomplete ? completed(text, results, options: options) : results
    }

    /// The range that `[\p{L}\p{N}]+[^\p{L}\p{N}]*$` matches: the last run of letters and digits and what
    /// follows it (nil when there is none). A scan from the end: a regular expression compiled on every query
    /// was 4 % of a `/search` answer (perf, issue 17).
    public static func lastWordAndTail(_ text: String) -> Range<String.Index>? {
        func isWord(_ u: Unicode.Scalar) -> Bool {
            switch u.properties.generalCategory {
            case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter, .decimalNumber, .letterNumber, .otherNumber:
                return true
            default: return false
            }
        }
        let scalars = text.unicodeScalars
        var end = scalars.endIndex
        while end > scalars.startIndex, !isWord(scalars[scalars.index(before: end)]) { end = scalars.index(before: end) }
        guard end > scalars.startIndex else { return nil }
        var start = end
        while start > scalars.startIndex, isWord(scalars[scalars.index(before: start)]) { start = scalars.index(before: start) }
        return start..<text.endIndex
    }

    /// Autocomplete (api-adresse's `autocomplete=1`): when the query's last word is the beginning of a word of
    /// a result (its commune or its street), the query is completed with that word and geocoded again; a result
    /// found again scores as in the completed query. Results that the completion does not find keep their score.
    func completed(_ text: String, _ results: [GeocodeResult], options: GeocodeOptions) -> [GeocodeResult] {
        let typed = AddressNormalizer.words(text)
        guard let last = typed.last, last.count >= 2, last.contains(where: { $0.isLetter }),
            let range = Geocoder.lastWordAndTail(text)
        else { return results }
        var out = results
        var completions: [String] = []
        for r in results {
            for word in AddressNormalizer.words(r.city) + AddressNormalizer.words(r.street.isEmpty ? r.name : r.street)
            where word.count > last.count && word.hasPrefix(last) && !completions.contains(word) {
                completions.append(word)
            }
        }
        var plain = options
        plain.autocomplete = false
        for word in completions.prefix(3) {
            let again = geocode(query: AddressQuery(parsing: text.replacingCharacters(in: range, with: word)), options: plain)
            for a in again {
                if let k = out.firstIndex(where: { $0.id == a.id && $0.type == a.type }), a.score > out[k].score {
                    out[k].score = a.score
                }
            }
        }
        return out.enumerated().sorted { $0.element.score != $1.element.score ? $0.element.score > $1.element.score : $0.offset < $1.offset }
            .map(\.element)
    }

    /// Geocodes an address given as separate fields.
    public func geocode(_ fields: AddressFields, options: GeocodeOptions = GeocodeOptions()) -> [GeocodeResult] {
        geocode(query: AddressQuery(fields: fields), options: options)
    }

    /// Geocodes a parsed query.
    public func geocode(query q: AddressQuery, options: GeocodeOptions = GeocodeOptions()) -> [GeocodeResult] {
        var hyps = communeHypotheses(q)
        if let citycode = options.citycode {
            hyps = hyps.filter { pack.str.string(pack.cInsee[$0.commune]) == citycode }
            if hyps.isEmpty, let c = pack.communeByInsee[citycode] {
                hyps = [
                    Hypothesis(
                        commune: Int(c), nameSim: nil, postcodeMatch: q.postcode.map { pack.communeHasPostcode(Int(c), UInt32($0) ?? 0) },
                        words: q.streetWords + q.cityWords)
                ]
            }
        }
        let postcodeFilter = options.postcode.flatMap { UInt32($0) }
        if let pcf = postcodeFilter {
            hyps = hyps.filter { pack.communeHasPostcode($0.commune, pcf) }
            if hyps.isEmpty && options.citycode == nil {
                hyps = pack.communes(postcode: pcf).map {
                    Hypothesis(commune: Int($0), nameSim: nil, postcodeMatch: true, words: q.streetWords + q.cityWords)
                }
            }
        }
        var candidates: [Candidate] = []
        var kthBest = 0.0  // score of the limit-th best candidate so far: hypotheses that cannot beat it are skipped
        // Without filters applied after matching, nothing scoring below `kthBest` can be answered: streets that
        // cannot reach it are not compared to the end.
        let prunable = postcodeFilter == nil && options.type == nil && options.near == nil
        var bestScores: [Double] = []  // the limit best scores so far, best first
        var similarities = SimilarityCache()
        bestScores.reserveCapacity(options.limit + 1)
        for h in hyps {
            let full = candidates.count >= options.limit
            if full && upperBound(h, q) <= kthBest { continue }
            let before = candidates.count
            match(h, q, into: &candidates, below: full && prunable ? kthBest : nil, similarities: &similarities)
            for c in candidates[before...] where options.limit > 0 {
                var k = bestScores.count
                while k > 0 && bestScores[k - 1] < c.score { k -= 1 }
                if k < options.limit {
                    bestScores.insert(c.score, at: k)
                    if bestScores.count > options.limit { bestScores.removeLast() }
                }
            }
            if candidates.count >= options.limit && options.limit > 0 { kthBest = bestScores[options.limit - 1] }
        }
        let best = candidates.map(\.score).max() ?? 0
        if best < 0.6 && options.citycode == nil && q.hasStreet {
            globalSearch(q, into: &candidates)
        }
        if let pcf = postcodeFilter {
            candidates = candidates.filter { postcodeOf($0) == pcf }
        }
        if let wanted = options.type {
            // api-adresse's type: "12 rue X" with type=street gives the street, type=municipality its commune.
            for k in candidates.indices where candidates[k].type != wanted {
                if wanted == .municipality {
                    candidates[k].street = -1; candidates[k].address = -1; candidates[k].type = .municipality
                } else if wanted == .street || wanted == .locality, candidates[k].street >= 0,
                    pack.isLocality(street: candidates[k].street) == (wanted == .locality)
                {
                    candidates[k].address = -1; candidates[k].type = wanted; candidates[k].numberMissing = false
                }
            }
            candidates = candidates.filter { $0.type == wanted }
        }
        if let near = options.near {
            // api-adresse's lat/lon: a bonus of up to 0.1 fading over about 10 km, so that homonyms near the
            // point come first.
            for k in candidates.indices {
                let (lon, lat) = position(candidates[k])
                let dx = (lon - near.lon) * cos(near.lat * .pi / 180)
                let dy = lat - near.lat
                let km = (dx * dx + dy * dy).squareRoot() * 111.2
                candidates[k].score = min(1, candidates[k].score + 0.1 / (1 + km / 3))
            }
        }
        candidates.sort { a, b in
            if a.score != b.score { return a.score > b.score }
            if a.type != b.type { return a.type.rank < b.type.rank }
            return a.weight > b.weight
        }
        var results: [GeocodeResult] = []
        var seen = Set<Int64>()
        for c in candidates {
            let key = Int64(c.address >= 0 ? c.address : -1) &* 4_000_000_000 &+ Int64(c.street >= 0 ? c.street : -2 - c.commune)
            if !seen.insert(key).inserted { continue }
            results.append(result(c, q))
            if results.count >= max(1, options.limit) { break }
        }
        return results
    }

    // MARK: - Communes

    struct Hypothesis {
        var commune: Int
        /// Similarity of the commune's name with the words taken as its name; nil when none were.
        var nameSim: Double?
        /// Whether the query's postcode belongs to the commune; nil without postcode.
        var postcodeMatch: Bool?
        /// The words left for the street.
        var words: [String]
        /// The former commune named by the query (index into the pack's o.* tables), nil when none.
        var old: Int? = nil
    }

    /// The former commune of commune `c` whose name is `words`, if any.
    func oldCommune(_ c: Int, named words: ArraySlice<String>) -> Int? {
        guard !pack.oldByName.isEmpty, !words.isEmpty else { return nil }
        return pack.oldByName[stableHash(words.joined(separator: " ").utf8)]?.first { Int(pack.oCom[$0]) == c }
    }

    func communeHypotheses(_ q: AddressQuery) -> [Hypothesis] {
        var out: [Int: Hypothesis] = [:]
        func add(_ h: Hypothesis) {
            if let old = out[h.commune], cityScore(old) >= cityScore(h) { return }
            out[h.commune] = h
        }
        let pc = q.postcode.flatMap { UInt32($0) }
        if let pc {
            let byPostcode = pack.communes(postcode: pc)
            if !q.cityWords.isEmpty {
                var best = 0.0
                let city = NameProbe(q.cityWords)
                for c in byPostcode {
                    let s = nameSimilarity(Int(c), city)
                    best = max(best, s)
                    add(
                        Hypothesis(
                            commune: Int(c), nameSim: s, postcodeMatch: true, words: q.streetWords,
                            old: oldCommune(Int(c), named: q.cityWords[...])))
                    // Commune first, street after, no house number: "62400 Béthune rue Gambetta".
                    if s < 0.9, q.streetWords.isEmpty, let (k, hs) = headMatch(Int(c), q.cityWords) {
                        add(
                            Hypothesis(
                                commune: Int(c), nameSim: hs, postcodeMatch: true, words: Array(q.cityWords[k...]),
                                old: oldCommune(Int(c), named: q.cityWords[..<k])))
                        best = max(best, hs)
                    }
                }
                if best < 0.9 {
                    // CEDEX or wrong postcode: find the commune by name.
                    for (c, s) in communesNamed(q.cityWords) {
                        add(Hypothesis(commune: c, nameSim: s, postcodeMatch: pack.communeHasPostcode(c, pc), words: q.streetWords))
                    }
                }
            } else {
                // The commune written first, the postcode last: "Hornaing, 12 rue Jean-Jaurès 59171". When the
                // words before the number name one of the postcode's communes, the others are told apart by name.
                var leading: [UInt32: Double] = [:]
                if !q.leadingWords.isEmpty {
                    let lead = NameProbe(q.leadingWords)
                    for c in byPostcode { leading[c] = nameSimilarity(Int(c), lead) }
                    if (leading.values.max() ?? 0) < 0.9 { leading = [:] }
                }
                for c in byPostcode {
                    if let s = leading[c] {
                        add(
                            Hypothesis(
                                commune: Int(c), nameSim: s, postcodeMatch: true, words: q.streetWords,
                                old: oldCommune(Int(c), named: q.leadingWords[...])))
                    } else if let (k, s) = tailMatch(Int(c), q.streetWords) {
                        add(
                            Hypothesis(
                                commune: Int(c), nameSim: s, postcodeMatch: true, words: Array(q.streetWords.dropLast(k)),
                                old: oldCommune(Int(c), named: q.streetWords.suffix(k))))
                    } else {
                        add(Hypothesis(commune: Int(c), nameSim: nil, postcodeMatch: true, words: q.streetWords))
                    }
                }
                if byPostcode.isEmpty {
                    for h in nameHypotheses(q.streetWords, postcode: pc) { add(h) }
                }
            }
        } else {
            for h in nameHypotheses(q.streetWords + q.cityWords, postcode: nil) { add(h) }
            // The commune written before the number: "Estrun, 56 grand rue".
            let lead = q.leadingWords
            if !lead.isEmpty {
                for k in 1...min(6, lead.count) {
                    for key in Set([lead[..<k].joined(separator: " "), lead[(lead.count - k)...].joined(separator: " ")]) {
                        for c in pack.communes(nameKey: stableHash(key.utf8)) {
                            add(
                                Hypothesis(
                                    commune: Int(c), nameSim: 1, postcodeMatch: nil, words: q.streetWords,
                                    old: oldCommune(Int(c), named: key.split(separator: " ").map(String.init)[...])))
                        }
                    }
                }
            }
        }
        return out.values.sorted { cityScore($0) != cityScore($1) ? cityScore($0) > cityScore($1) : $0.commune < $1.commune }
            .prefix(24).map { $0 }
    }

    /// Communes named by the end (or, failing that, the start) of `words`.
    func nameHypotheses(_ words: [String], postcode: UInt32?) -> [Hypothesis] {
        var out: [Hypothesis] = []
        let n = words.count
        guard n > 0 else { return out }
        func pcMatch(_ c: Int) -> Bool? { postcode.map { pack.communeHasPostcode(c, $0) } }
        // Exact names at the end: "… Wailly", "… Monchy-Breton".
        for k in stride(from: min(7, n), through: 1, by: -1) {
            let key = words[(n - k)...].joined(separator: " ")
            for c in pack.communes(nameKey: stableHash(key.utf8)) {
                out.append(
                    Hypothesis(
                        commune: Int(c), nameSim: 1, postcodeMatch: pcMatch(Int(c)), words: Array(words[..<(n - k)]),
                        old: oldCommune(Int(c), named: words[(n - k)...])))
            }
        }
        // Exact names at the start: "Estrun, 56 grand rue" (also when a word at the end happens to be a
        // commune's name too: "Rue" is one).
        if n > 1 && AddressQuery.numberAndGluedSuffix(words[0]) == nil {
            for k in 1...min(5, n - 1) {
                let key = words[..<k].joined(separator: " ")
                for c in pack.communes(nameKey: stableHash(key.utf8)) {
                    out.append(
                        Hypothesis(
                            commune: Int(c), nameSim: 1, postcodeMatch: pcMatch(Int(c)), words: Array(words[k...]),
                            old: oldCommune(Int(c), named: words[..<k])))
                }
            }
        }
        if !out.isEmpty { return out }
        // Names with a typo at the end.
        for k in stride(from: min(4, n), through: 1, by: -1) {
            let span = Array(words[(n - k)...])
            for (c, s) in communesNamed(span, exact: false) where s >= 0.7 {
                out.append(Hypothesis(commune: c, nameSim: s, postcodeMatch: pcMatch(c), words: Array(words[..<(n - k)])))
            }
        }
        return out
    }

    /// Communes whose name is `words`, exactly or within about two typos, with the name similarity.
    func communesNamed(_ words: [String], exact: Bool = true) -> [(Int, Double)] {
        var out: [(Int, Double)] = []
        var seen = Set<UInt32>()
        if exact {
            for c in pack.communes(nameKey: stableHash(words.joined(separator: " ").utf8)) where seen.insert(c).inserted {
                out.append((Int(c), 1))
            }
            if !out.isEmpty { return out }
        }
        let probe = NameProbe(words)
        let squashed = probe.form
        guard squashed.count >= 3 else { return out }
        for h in AddressPackBuilder.deletionHashes(squashed) {
            let r = pack.communes(fuzzyKey: h)
            if r.count > 64 { continue }
            for i in r where seen.insert(pack.fCom[i]).inserted {
                let c = Int(pack.fCom[i])
                out.append((c, nameSimilarity(c, probe)))
            }
        }
        return out
    }

    /// Words naming a commune, hashed and glued once for comparisons with several communes.
    struct NameProbe {
        /// The words joined by spaces, hashed as the pack's name keys are.
        let key: UInt64
        /// The words glued, as `Similarity.score` compares them with a commune's `communeNameForm`.
        let form: [UInt8]
        let isEmpty: Bool

        init(_ words: [String]) {
            isEmpty = words.isEmpty
            key = stableHash(words.joined(separator: " ").utf8)
            form = NameForms.full(words)
        }
    }

    /// 1 when `words` is one of the commune's names, else the similarity with its display name.
    func nameSimilarity(_ c: Int, _ words: [String]) -> Double { nameSimilarity(c, NameProbe(words)) }

    /// `nameSimilarity` of words already probed (one probe for every commune they are compared with).
    func nameSimilarity(_ c: Int, _ probe: NameProbe) -> Double {
        if probe.isEmpty { return 0 }
        if pack.commune(c, hasNameKey: probe.key) { return 1 }
        return Similarity.score(name: communeNameForm(c), query: probe.form, maxEdits: 4)
    }

    /// The commune's display name as `nameSimilarity` compares it (normalised words glued), computed once per
    /// commune and kept for every later query and thread: normalising the name on every comparison was 6.6 % of
    /// a batch of postal-style queries (callgrind, issue 17). At most one entry per commune of the pack.
    func communeNameForm(_ c: Int) -> [UInt8] {
        if let form = communeForms.withLock({ $0[c] }) { return form }
        let form = NameForms.full(AddressQuery.communeNameWords(pack.str.string(pack.cName[c])))
        communeForms.withLock { $0[c] = form }
        return form
    }

    /// The commune's name at the end of `words` (postcode given after the commune): number of words, similarity.
    func tailMatch(_ c: Int, _ words: [String]) -> (Int, Double)? {
        let n = words.count
        guard n > 1 else { return nil }
        var best: (Int, Double)?
        for k in 1...min(6, n - 1) {
            let s = nameSimilarity(c, Array(words[(n - k)...]))
            if s >= 0.8, s > (best?.1 ?? 0) { best = (k, s) }
            if s == 1 { break }
        }
        return best
    }

    /// The commune's name at the start of `words` ("bethune rue gambetta"): number of words, similarity.
    func headMatch(_ c: Int, _ words: [String]) -> (Int, Double)? {
        let n = words.count
        guard n > 1 else { return nil }
        var best: (Int, Double)?
        for k in 1...min(6, n - 1) {
            let s = nameSimilarity(c, Array(words[..<k]))
            if s >= 0.8, s > (best?.1 ?? 0) { best = (k, s) }
            if s == 1 { break }
        }
        return best
    }

    func cityScore(_ h: Hypothesis) -> Double {
        var total = 0.0
        var parts = 0.0
        if let m = h.postcodeMatch { total += m ? 1 : 0; parts += 1 }
        if let s = h.nameSim { total += s; parts += 1 }
        return parts > 0 ? total / parts : 0
    }

    // MARK: - Streets and numbers

    struct Candidate {
        var commune: Int
        var street: Int  // -1: municipality
        var address: Int  // -1: none
        var score: Double
        var type: GeocodeResultType
        /// Importance for ties: number of addresses of the street.
        var weight: Int
        /// The former commune named by the query (a municipality answer for it), nil otherwise.
        var old: Int? = nil
        /// A house number was asked and the BAN lacks it (with its suffix): the street's position is given.
        var numberMissing = false
    }

    static let weightStreet = 0.6, weightCity = 0.3, weightNumber = 0.05
    /// Names equal only once stop words are dropped ("rue eglise" for "rue de l'église") rank below exact ones.
    static let coreFactor = 0.97
    static let minStreetSimilarity = 0.55

    /// The candidates of hypothesis `h`. `below`: street candidates scoring below it are useless (they may be
    /// left out).
    func match(_ h: Hypothesis, _ q: AddressQuery, into out: inout [Candidate], below: Double?, similarities: inout SimilarityCache) {
        let city = cityScore(h)
        let hasCity = h.postcodeMatch != nil || h.nameSim != nil
        if h.words.isEmpty {
            out.append(
                Candidate(commune: h.commune, street: -1, address: -1, score: hasCity ? city : 0.3, type: .municipality, weight: 0, old: h.old))
            return
        }
        var minSimilarity = 0.0
        if let below {
            // The street similarity under which even a found number (and the postcode bonus) stays below `below`.
            var rest = 0.0
            var weights = Self.weightStreet
            if hasCity { rest += Self.weightCity * city; weights += Self.weightCity }
            if q.housenumber != nil { rest += Self.weightNumber; weights += Self.weightNumber }
            minSimilarity = ((below - 1e-4) * weights - rest) / Self.weightStreet - 1e-6
        }
        let streets = bestStreets(
            commune: h.commune, words: h.words, mayBeCut: q.streetMayBeCut && h.words == q.streetWords, minSimilarity: minSimilarity,
            similarities: &similarities)
        for (s, sim) in streets where sim >= Self.minStreetSimilarity {
            // The query names a former commune: its streets first, homonyms of the other former communes lower.
            var c = city
            if let o = h.old, let so = pack.oldCommune(street: s), so != o { c *= 0.8 }
            addStreetCandidate(commune: h.commune, street: s, sim: sim, city: hasCity ? c : nil, q, into: &out)
        }
        // The commune itself, well below any street found.
        let muni = hasCity ? city * 0.5 : 0.2
        out.append(Candidate(commune: h.commune, street: -1, address: -1, score: muni, type: .municipality, weight: 0, old: h.old))
    }

    /// The best score any candidate of hypothesis `h` could reach (a street matching exactly, number found).
    func upperBound(_ h: Hypothesis, _ q: AddressQuery) -> Double {
        let hasCity = h.postcodeMatch != nil || h.nameSim != nil
        if h.words.isEmpty { return hasCity ? cityScore(h) : 0.3 }
        var total = Self.weightStreet
        var weights = Self.weightStreet
        if hasCity { total += Self.weightCity * cityScore(h); weights += Self.weightCity }
        if q.housenumber != nil { total += Self.weightNumber; weights += Self.weightNumber }
        return total / weights
    }

    func addStreetCandidate(commune: Int, street s: Int, sim: Double, city: Double?, _ q: AddressQuery, into out: inout [Candidate]) {
        var total = Self.weightStreet * sim
        var weights = Self.weightStreet
        if let city { total += Self.weightCity * city; weights += Self.weightCity }
        let range = pack.addressRange(street: s)
        var address = -1
        var numberScore = 0.0
        if let n = q.housenumber {
            (address, numberScore) = findNumber(UInt32(n), suffix: q.suffix, in: range)
            weights += Self.weightNumber
            total += Self.weightNumber * numberScore
        }
        var score = total / weights
        // Homonyms of one commune (the same street name in two former communes): the one of the query's postcode.
        if let pc = q.postcode.flatMap({ UInt32($0) }), pack.sPC[s] == pc { score += 1e-4 }
        let type: GeocodeResultType = address >= 0 ? .housenumber : (pack.isLocality(street: s) ? .locality : .street)
        out.append(
            Candidate(
                commune: commune, street: s, address: address, score: score,
                type: type, weight: range.count, numberMissing: q.housenumber != nil && address < 0))
    }

    /// The address with number `n` and `suffix` in `range`: exact 1; b for bis 0.97. Another suffix (42bis
    /// for 42, 42 for 42 bis) is another house: not found (-1), the street answers.
    func findNumber(_ n: UInt32, suffix: String, in range: Range<Int>) -> (Int, Double) {
        var lo = range.lowerBound
        var hi = range.upperBound
        while lo < hi {
            let mid = (lo + hi) >> 1
            if pack.hNum[mid] < n { lo = mid + 1 } else { hi = mid }
        }
        var best = -1
        var bestScore = 0.0
        var i = lo
        while i < range.upperBound && pack.hNum[i] == n {
            let s = pack.str.string(pack.hSuf[i])
            let score: Double
            if s == suffix { score = 1 } else if AddressQuery.suffixesEquivalent(s, suffix) { score = 0.97 } else { score = 0 }
            if score > bestScore { best = i; bestScore = score }
            if score == 1 { break }
            i += 1
        }
        return (best, bestScore)
    }

    /// Edits beyond which a name of `length` letters cannot reach `minStreetSimilarity`.
    @inline(__always)
    static func maxEdits(_ length: Int) -> Double { (1 - minStreetSimilarity) * Double(length) + 0.5 }

    /// Similarity of a street whose name starts with a query that may have been cut (`AddressQuery.streetMayBeCut`):
    /// just below an exact name, so that two streets sharing the cut part stay ambiguous and an exact name wins.
    static let cutNameSimilarity = 0.99
    /// At most this many streets sharing a cut name are kept (beyond two, the answer is ambiguous anyway).
    static let maxCutCandidates = 4

    /// The best streets of commune `c` for `words`, with their similarity. Streets whose similarity is below
    /// `minSimilarity` (they cannot rank among the answers) may be left out or given a lower similarity.
    /// `mayBeCut`: `words` may be the start of a longer name cut by La Poste's norm; streets whose name starts
    /// with them get `cutNameSimilarity`, beside the streets found by similarity.
    func bestStreets(
        commune c: Int, words: [String], mayBeCut: Bool = false, minSimilarity: Double, similarities: inout SimilarityCache
    ) -> [(Int, Double)] {
        let range = pack.streetRange(commune: c)
        if range.isEmpty { return [] }
        // Exact name first (streets are sorted by normalised key within their commune).
        let key = Array(words.joined(separator: " ").utf8)
        var lo = range.lowerBound
        var hi = range.upperBound
        while lo < hi {
            let mid = (lo + hi) >> 1
            if pack.str.utf8(pack.sKey[mid]).lexicographicallyPrecedes(key) { lo = mid + 1 } else { hi = mid }
        }
        var exact: [(Int, Double)] = []
        while lo < range.upperBound && pack.str.utf8(pack.sKey[lo]).elementsEqual(key) {
            exact.append((lo, 1))
            lo += 1
        }
        if !exact.isEmpty { return exact }
        var cut: [(Int, Double)] = []
        if mayBeCut {
            // Names are sorted by key: those that start with the query's follow its insertion point.
            while lo < range.upperBound && cut.count < Self.maxCutCandidates && pack.str.utf8(pack.sKey[lo]).starts(with: key) {
                cut.append((lo, Self.cutNameSimilarity))
                lo += 1
            }
        }

        let qFull = NameForms.full(words)
        let qCore = NameForms.core(words)
        let qSig = NameForms.signature(qFull)
        let maxCandidates = 10
        var picked: [(Int, Int)] = []  // (street, signature overlap)
        picked.reserveCapacity(maxCandidates + 1)
        if range.count <= maxCandidates {
            picked = range.map { ($0, 0) }
        } else {
            for s in range {
                let overlap = (qSig & pack.sSig[s]).nonzeroBitCount * 2 - (qSig ^ pack.sSig[s]).nonzeroBitCount / 2
                if picked.count < maxCandidates {
                    picked.append((s, overlap))
                    if picked.count == maxCandidates { picked.sort { $0.1 > $1.1 } }
                } else if overlap > picked[maxCandidates - 1].1 {
                    var k = maxCandidates - 1
                    while k > 0 && picked[k - 1].1 < overlap { k -= 1 }
                    picked.insert((s, overlap), at: k)
                    picked.removeLast()
                }
            }
        }
        // Only the 4 best are kept (a stable sort: on a tie, the first compared): once 4 are found, a street must
        // beat the 4th to count, and so must it beat `minSimilarity`; the edit distances of the others stop as
        // soon as they cannot.
        var out: [(Int, Double)] = []
        var top: [Double] = []  // the 4 best similarities so far, best first
        let fullForm = similarities.formID(qFull)
        let coreForm = similarities.formID(qCore)
        qFull.withUnsafeBufferPointer { qf in
            qCore.withUnsafeBufferPointer { qc in
                for (s, _) in picked {
                    let needed = max(Self.minStreetSimilarity, minSimilarity, top.count == 4 ? top[3] : 0)
                    var sim = similarities.score(of: pack.sFull[s], against: fullForm, above: needed) { t in
                        let name = pack.str.utf8(pack.sFull[s])
                        return Similarity.score(name: name, query: qf, maxEdits: Self.maxEdits(name.count), above: t)
                    }
                    if sim < 0.98 {
                        let coreNeeded = max(sim, needed) / Self.coreFactor
                        let core = similarities.score(of: pack.sCore[s], against: coreForm, above: coreNeeded) { t in
                            let name = pack.str.utf8(pack.sCore[s])
                            return Similarity.score(name: name, query: qc, maxEdits: Self.maxEdits(name.count), above: t)
                        }
                        sim = max(sim, Self.coreFactor * core)
                    }
                    if sim >= Self.minStreetSimilarity {
                        out.append((s, sim))
                        var k = top.count
                        while k > 0 && top[k - 1] < sim { k -= 1 }
                        if k < 4 {
                            top.insert(sim, at: k)
                            if top.count > 4 { top.removeLast() }
                        }
                    }
                }
            }
        }
        if !cut.isEmpty {
            out.removeAll { s in cut.contains { $0.0 == s.0 } }
            out += cut
        }
        out.sort { $0.1 > $1.1 }
        return Array(out.prefix(4))
    }

    /// Street similarities already computed for one query: a name stored once in the pack (homonyms in several
    /// communes or former communes) is compared once with each form of the query's words.
    struct SimilarityCache {
        private var forms: [[UInt8]: UInt64] = [:]
        /// By form and name string (open addressing, a few hundred entries a query; key 0: empty slot): the value
        /// `Similarity.score(…, above:)` gave and the threshold it was asked.
        private var keys: [UInt64] = []
        private var values: [Double] = []
        private var thresholds: [Double] = []
        private var count = 0

        /// A number for a query form.
        mutating func formID(_ form: [UInt8]) -> UInt64 {
            if let k = forms[form] { return k }
            let k = UInt64(forms.count)
            forms[form] = k
            return k
        }

        /// `compute(threshold)` (a `Similarity.score(…, above: threshold)` of string `name` against `form`), or
        /// the value known: exact when it reached its threshold, else only below a threshold at most this one.
        mutating func score(of name: UInt32, against form: UInt64, above threshold: Double, compute: (Double) -> Double) -> Double {
            let key = (form << 32 | UInt64(name)) &+ 1
            if 2 * (count + 1) > keys.count { grow() }
            let mask = keys.count - 1
            var slot = Self.home(key, mask)
            while keys[slot] != 0 && keys[slot] != key { slot = (slot + 1) & mask }
            if keys[slot] == key {
                if values[slot] >= thresholds[slot] || thresholds[slot] <= threshold { return values[slot] }
            } else {
                keys[slot] = key
                count += 1
            }
            let value = compute(threshold)
            values[slot] = value
            thresholds[slot] = threshold
            return value
        }

        /// The first slot probed for `key`.
        @inline(__always)
        private static func home(_ key: UInt64, _ mask: Int) -> Int { Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask }

        private mutating func grow() {
            let oldKeys = keys
            let oldValues = values
            let oldThresholds = thresholds
            let capacity = max(64, 2 * keys.count)
            keys = [UInt64](repeating: 0, count: capacity)
            values = [Double](repeating: 0, count: capacity)
            thresholds = [Double](repeating: 0, count: capacity)
            let mask = capacity - 1
            for (k, key) in oldKeys.enumerated() where key != 0 {
                var slot = Self.home(key, mask)
                while keys[slot] != 0 { slot = (slot + 1) & mask }
                keys[slot] = key
                values[slot] = oldValues[k]
                thresholds[slot] = oldThresholds[k]
            }
        }
    }

    /// Streets anywhere sharing the query's rarest significant words (no commune could be identified).
    func globalSearch(_ q: AddressQuery, into out: inout [Candidate]) {
        let words = q.streetWords + q.cityWords
        var counts: [UInt32: Int] = [:]
        for w in Set(words) where !AddressNormalizer.stopWords.contains(w) && !AddressNormalizer.streetTypes.contains(w) && w.utf8.count >= 2 {
            let r = pack.streets(tokenHash: stableHash(w.utf8))
            if r.isEmpty || r.count > 20_000 { continue }
            let weight = r.count < 500 ? 3 : 1
            for i in r { counts[pack.tSt[i], default: 0] += weight }
        }
        let top = counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(40)
        let qFull = NameForms.full(q.streetWords)
        let qCore = NameForms.core(q.streetWords)
        for (s, _) in top {
            let s = Int(s)
            var sim = Similarity.score(name: Array(pack.str.utf8(pack.sFull[s])), query: qFull, maxEdits: 8)
            sim = max(sim, Self.coreFactor * Similarity.score(name: Array(pack.str.utf8(pack.sCore[s])), query: qCore, maxEdits: 8))
            guard sim >= Self.minStreetSimilarity else { continue }
            let c = Int(pack.sCom[s])
            var city: Double? = nil
            if let pc = q.postcode.flatMap({ UInt32($0) }) {
                city = pack.communeHasPostcode(c, pc) ? 1 : (String(pc).prefix(2) == pack.str.string(pack.cInsee[c]).prefix(2) ? 0.4 : 0)
            }
            // Unidentified commune: scaled down so that any commune-confirmed answer ranks first.
            var before = out.count
            addStreetCandidate(commune: c, street: s, sim: sim, city: city, q, into: &out)
            while before < out.count {
                out[before].score *= city == nil ? 0.75 : 0.9
                before += 1
            }
        }
    }

    // MARK: - Results

    func postcodeOf(_ c: Candidate) -> UInt32 {
        if c.address >= 0, pack.hPC[c.address] != 0 { return pack.hPC[c.address] }
        if c.street >= 0 { return pack.sPC[c.street] }
        let r = Int(pack.cPC0[c.commune])..<Int(pack.cPC0[c.commune + 1])
        return r.isEmpty ? 0 : pack.cPCs[r.lowerBound]
    }

    /// Where candidate `c` is (degrees).
    func position(_ c: Candidate) -> (Double, Double) {
        if c.address >= 0 { return (Double(pack.hLon[c.address]) / 1e7, Double(pack.hLat[c.address]) / 1e7) }
        if c.street >= 0 { return (Double(pack.sLon[c.street]) / 1e7, Double(pack.sLat[c.street]) / 1e7) }
        if let o = c.old { return (Double(pack.oLon[o]) / 1e7, Double(pack.oLat[o]) / 1e7) }
        return (Double(pack.cLon[c.commune]) / 1e7, Double(pack.cLat[c.commune]) / 1e7)
    }

    /// The positions of the addresses of the street of `result` (a `street` answer: is the whole street on
    /// one side of a boundary?). Empty for a commune; at most `limit` points, evenly spread.
    public func addressPositions(ofStreetOf result: GeocodeResult, limit: Int = 4096) -> [(lon: Double, lat: Double)] {
        guard let s = result.streetIndex, s >= 0, s < pack.sName.count else { return [] }
        let range = pack.addressRange(street: s)
        if range.isEmpty { return [(Double(pack.sLon[s]) / 1e7, Double(pack.sLat[s]) / 1e7)] }
        let step = max(1, range.count / max(1, limit))
        return stride(from: range.lowerBound, to: range.upperBound, by: step).map { (Double(pack.hLon[$0]) / 1e7, Double(pack.hLat[$0]) / 1e7) }
    }

    /// The street (or lieu-dit) or the commune of a result: `/reverse?type=street` answers with the street of
    /// the nearest address. nil when `r` has no street or the type asked is a house number.
    public func result(_ r: GeocodeResult, as type: GeocodeResultType) -> GeocodeResult? {
        if r.type == type { return r }
        guard let s = r.streetIndex, s >= 0, s < pack.sName.count else { return nil }
        let commune = Int(pack.sCom[s])
        switch type {
        case .housenumber: return nil
        case .street, .locality:
            guard pack.isLocality(street: s) == (type == .locality) else { return nil }
            return result(Candidate(commune: commune, street: s, address: -1, score: r.score, type: type, weight: 0), AddressQuery())
        case .municipality:
            return result(Candidate(commune: commune, street: -1, address: -1, score: r.score, type: .municipality, weight: 0), AddressQuery())
        }
    }

    func result(_ c: Candidate, _ q: AddressQuery) -> GeocodeResult {
        var r = plainResult(c, q)
        let old = c.street >= 0 ? pack.oldCommune(street: c.street) : c.old
        if let old {
            r.oldcity = pack.str.string(pack.oName[old])
            r.oldcitycode = pack.str.string(pack.oInsee[old])
            if c.type == .municipality { r.label = "\(r.oldcity) (\(r.city))"; r.name = r.oldcity }
        }
        r.context = Departements.context(citycode: r.citycode)
        r.streetIndex = c.street >= 0 ? c.street : nil
        if c.numberMissing, let n = q.housenumber { r.missingHousenumber = String(n) + q.suffix }
        return r
    }

    func plainResult(_ c: Candidate, _ q: AddressQuery) -> GeocodeResult {
        var r = undistrictedResult(c, q)
        let (city, district) = Departements.cityAndDistrict(citycode: r.citycode, name: r.city)
        if !district.isEmpty {
            // As api-adresse: a municipality answer is the arrondissement itself, an address ends on the commune.
            if r.type == .municipality {
                r.label = district
                r.name = district
            } else if r.label.hasSuffix(r.city) {
                r.label = String(r.label.dropLast(r.city.count)) + city
            }
            r.city = city
            r.district = district
        }
        return r
    }

    private func undistrictedResult(_ c: Candidate, _ q: AddressQuery) -> GeocodeResult {
        let city = pack.str.string(pack.cName[c.commune])
        let citycode = pack.str.string(pack.cInsee[c.commune])
        var pc = postcodeOf(c)
        if c.street < 0, let qpc = q.postcode.flatMap({ UInt32($0) }), pack.communeHasPostcode(c.commune, qpc) { pc = qpc }
        let postcode = AddressPack.postcodeText(pc)
        let score = (min(1, c.score) * 10_000).rounded() / 10_000
        let (lon, lat) = position(c)
        switch c.type {
        case .municipality:
            return GeocodeResult(
                label: city, score: score, type: .municipality, id: citycode, housenumber: "", street: "",
                name: city, postcode: postcode, city: city, citycode: citycode, lon: lon, lat: lat)
        case .street, .locality:
            let street = pack.str.string(pack.sName[c.street])
            return GeocodeResult(
                label: "\(street) \(postcode) \(city)", score: score, type: c.type,
                id: pack.str.string(pack.sIDP[c.street]), housenumber: "", street: c.type == .locality ? "" : street, name: street,
                postcode: postcode, city: city, citycode: citycode, lon: lon, lat: lat)
        case .housenumber:
            let street = pack.str.string(pack.sName[c.street])
            let h = c.address
            let number = String(pack.hNum[h]) + pack.str.string(pack.hSuf[h])
            return GeocodeResult(
                label: "\(number) \(street) \(postcode) \(city)", score: score, type: .housenumber,
                id: pack.addressID(h, street: c.street), housenumber: number, street: street,
                name: "\(number) \(street)", postcode: postcode, city: city, citycode: citycode,
                lon: Double(pack.hLon[h]) / 1e7, lat: Double(pack.hLat[h]) / 1e7)
        }
    }
}

extension GeocodeResultType {
    var rank: Int {
        switch self {
        case .housenumber: return 0
        case .street: return 1
        case .locality: return 2
        case .municipality: return 3
        }
    }
}
