// `DepartementCoverage`: what a QPV set is known to cover (`qpv data import --coverage`: national, or a list
// of départements), and `Departement`, the département code of a commune or perimeter code.

import Foundation
import QPVCore

/// What a QPV set is known to cover, recorded at import (`qpv data import --coverage`): the whole territory of
/// its list (complete national list), or some départements only. A point outside every perimeter of a partial
/// set can be answered `out` only when it is placed, for sure, in a covered département; otherwise the answer
/// is `not_covered` (never a confident "hors QPV" for a place the list does not describe).
///
/// Rule (documented in README, « Couverture d'une liste ») when `--coverage` is not given: the départements of
/// the perimeters (from the `QP`/`QN` codes, else the département or commune attributes) are presumed complete,
/// and the import warns. The registry knows no sourced count of quartiers per département, so a national list
/// is recognised only through `--coverage national`.
public struct DepartementCoverage: Codable, Sendable, Equatable {
    /// How the covered départements were decided.
    public enum Basis: String, Codable, Sendable {
        /// `--coverage national`: the complete official list of its territory.
        case national
        /// `--coverage 59,62` (or `none`): the user says which départements are complete.
        case declared
        /// No `--coverage`: the départements present in the file, presumed complete.
        case presumed
    }

    /// True when the set is the complete list of its territory (no point needs placing in a département).
    public var complete: Bool
    /// Départements answered for (`59`, `2A`, `971`), sorted; empty when `complete`.
    public var departements: [String]
    /// How `departements` was decided.
    public var basis: Basis
    /// Départements of the perimeters in the file (for messages).
    public var present: [String]

    enum CodingKeys: String, CodingKey {
        case complete, departements, basis, present
    }

    /// A coverage from its fields.
    public init(complete: Bool, departements: [String], basis: Basis, present: [String]) {
        self.complete = complete
        self.departements = complete ? [] : Array(Set(departements)).sorted()
        self.basis = basis
        self.present = Array(Set(present)).sorted()
    }

    /// The complete official list of its territory (`--coverage national`).
    public static func national(present: [String]) -> DepartementCoverage {
        DepartementCoverage(complete: true, departements: [], basis: .national, present: present)
    }

    /// In French, for `qpv data list`, import messages and answers.
    public var french: String {
        if complete { return "liste complète de son territoire (--coverage national)" }
        let list = departements.isEmpty ? "aucun département" : "département(s) " + departements.joined(separator: ", ")
        switch basis {
        case .national: return "liste complète de son territoire"
        case .declared: return "partielle : \(list) (déclaré avec --coverage)"
        case .presumed: return "partielle : \(list) (supposés complets : départements présents dans le fichier)"
        }
    }

    /// Parses `--coverage`: `national`, `none` / `aucun`, or départements separated by commas (`59,62,2A,971`).
    public static func parseOption(_ text: String) throws -> (national: Bool, departements: [String]) {
        let t = text.trimmingCharacters(in: .whitespaces).lowercased()
        if t == "national" || t == "nationale" { return (true, []) }
        if t == "none" || t == "aucun" { return (false, []) }
        var out: [String] = []
        for part in t.split(separator: ",", omittingEmptySubsequences: false) {
            let p = part.trimmingCharacters(in: .whitespaces).uppercased()
            guard let d = Departement.normalized(p) else {
                throw PerimeterFileError.malformed(
                    path: "--coverage", reason: "« \(part) » n'est pas un département (attendu : national, none, ou une liste comme 59,62,2A,971)")
            }
            out.append(d)
        }
        return (false, out)
    }
}
