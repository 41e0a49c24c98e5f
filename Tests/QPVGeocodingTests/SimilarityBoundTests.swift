// Similarity.score(…, above:): its early exits (alignment rows, letters the query cannot supply) never change
// a similarity that reaches the threshold (issue 17).

@_spi(Testing) import QPVGeocoding
import Testing

@Suite("Similarité bornée : mêmes valeurs que le calcul complet")
struct SimilarityBoundTests {
    /// A deterministic generator (tests must not depend on a seed drawn at run time).
    struct Mix {
        var state: UInt64
        mutating func next(_ n: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(n))
        }
    }

    @Test("au-dessus du seuil : la valeur exacte ; en dessous : une valeur sous le seuil (200 000 paires)")
    func boundedScoreAgreesWithTheFullOne() {
        var mix = Mix(state: 17)
        // A small alphabet (names share letters, so that many pairs are close) plus letters a query may lack.
        let common = Array("aeinrstu ".utf8)
        let rare = Array("bjkqwxyz0123".utf8)
        var pruned = 0
        var reached = 0
        for _ in 0..<200_000 {
            func word(_ length: Int) -> [UInt8] {
                (0..<length).map { _ in mix.next(5) == 0 ? rare[mix.next(rare.count)] : common[mix.next(common.count)] }
            }
            let name = word(1 + mix.next(18))
            // Queries: unrelated, or the name with a few edits and trailing words.
            var query = mix.next(2) == 0 ? word(1 + mix.next(24)) : name
            if query == name {
                for _ in 0..<mix.next(4) where !query.isEmpty {
                    let at = mix.next(query.count)
                    switch mix.next(3) {
                    case 0: query[at] = common[mix.next(common.count)]
                    case 1: query.remove(at: at)
                    default: query.insert(rare[mix.next(rare.count)], at: at)
                    }
                }
                if mix.next(3) == 0 { query += Array(" ".utf8) + word(1 + mix.next(8)) }
            }
            let maxEdits = mix.next(3) == 0 ? Double.infinity : 0.45 * Double(name.count) + 0.5
            let threshold = [0.3, 0.55, 0.7, 0.84, 0.92, 0.98][mix.next(6)]
            let full = Similarity.score(name: name, query: query, maxEdits: maxEdits)
            let bounded = Similarity.score(name: name, query: query, maxEdits: maxEdits, above: threshold)
            if full >= threshold {
                reached += 1
                #expect(
                    bounded == full,
                    "nom \(String(decoding: name, as: UTF8.self)) requête \(String(decoding: query, as: UTF8.self)) seuil \(threshold)")
            } else {
                #expect(
                    bounded < threshold,
                    "nom \(String(decoding: name, as: UTF8.self)) requête \(String(decoding: query, as: UTF8.self)) seuil \(threshold)")
                if bounded == 0 && full > 0 { pruned += 1 }
            }
        }
        // Both sides of the threshold were exercised, and the early exits did cut.
        #expect(reached > 10_000)
        #expect(pruned > 10_000)
    }

    @Test("des lettres que la requête n'a pas : coupé sans alignement, jamais une paire qui atteint le seuil")
    func missingLettersCut() {
        // "xyzw" needs four letters the query lacks: at least four edits, similarity at most 0.6 for 10 letters.
        let name = Array("rue xyzw ab".utf8)
        let query = Array("rue ab".utf8)
        let full = Similarity.score(name: name, query: query)
        #expect(full < 0.7)
        #expect(Similarity.score(name: name, query: query, maxEdits: .infinity, above: 0.7) == 0)
        // The same letters present: not cut, the exact value.
        let close = Array("rue xyzw abc".utf8)
        #expect(Similarity.score(name: name, query: close, maxEdits: .infinity, above: 0.7) == Similarity.score(name: name, query: close))
    }
}
