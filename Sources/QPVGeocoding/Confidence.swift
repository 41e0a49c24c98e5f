// `ConfidencePolicy`: when a geocoding result is sure enough to decide a QPV answer or a verdict (score, close
// second candidate, commune only) — one policy for the CLI, the batches and the API.

import Foundation
import QPVCore

/// When a geocoding answer is sure enough to decide a QPV answer or a verdict — one policy for the CLI, the
/// batches, the API and the page.
///
/// Trusted: a best result scoring more than `minimumScore` (0.8 by default, as les-emplois trusts only BAN
/// scores above 0.8), found at the house number (or at a street or lieu-dit, whose QPV answer is then checked
/// on the whole street by the caller), with no second candidate elsewhere scoring within `ambiguityMargin` of
/// it. Anything else is « à vérifier », with the candidates.
public struct ConfidencePolicy: Sendable, Equatable {
    /// A result scoring at or below this is never sure (0.8 by default).
    public var minimumScore: Double
    /// A second candidate elsewhere scoring within this of the best makes the answer ambiguous.
    public var ambiguityMargin: Double
    /// Two candidates closer than this designate the same place (duplicate BAN entries): not an ambiguity.
    public var samePlaceMetres: Double

    /// A policy from its thresholds.
    public init(minimumScore: Double = 0.8, ambiguityMargin: Double = 0.03, samePlaceMetres: Double = 50) {
        self.minimumScore = minimumScore
        self.ambiguityMargin = ambiguityMargin
        self.samePlaceMetres = samePlaceMetres
    }

    /// The policy of `qpv geocode`, `--address` and the API: score above 0.8, margin 0.03, same place within 50 m.
    public static let standard = ConfidencePolicy()

    /// Why the best of `results` (best first) cannot be relied on, in French; nil when it can.
    public func problem(_ results: [GeocodeResult]) -> String? {
        guard let best = results.first else { return "adresse introuvable" }
        if best.type == .municipality {
            return "adresse non trouvée, seule la commune est reconnue (« \(best.label) ») : la position ne dit pas dans quel quartier est l'adresse"
        }
        if !(best.score > minimumScore) {
            return "adresse reconnue avec un score faible (\(Self.decimal(best.score)) ≤ \(Self.decimal(minimumScore))) : « \(best.label) »"
                + Self.candidatesText(results)
        }
        if results.count > 1 {
            let next = results[1]
            if next.score >= best.score - ambiguityMargin && Self.metres(best, next) > samePlaceMetres {
                return
                    "adresse ambiguë : « \(best.label) » (score \(Self.decimal(best.score))) et « \(next.label) » (score \(Self.decimal(next.score))) sont presque aussi probables"
            }
        }
        return nil
    }

    static func candidatesText(_ results: [GeocodeResult]) -> String {
        results.count > 1 ? " ; autres candidats : " + results.dropFirst().prefix(3).map { "« \($0.label) »" }.joined(separator: ", ") : ""
    }

    static func decimal(_ x: Double) -> String { String(FixedPoint.string(x, digits: 2).map { $0 == "." ? "," : $0 }) }

    static func metres(_ a: GeocodeResult, _ b: GeocodeResult) -> Double {
        let d = Double.pi / 180
        let dx = (a.lon - b.lon) * cos(a.lat * d)
        let dy = a.lat - b.lat
        return (dx * dx + dy * dy).squareRoot() * d * 6_371_008.8
    }
}
