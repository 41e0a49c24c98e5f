// Tests of `Departement` (département codes of communes and perimeters) and `Departements.context`.

import Foundation
import QPVCore
import QPVTestSupport
import Testing

@Suite struct DepartementTests {
    @Test("département d'un code commune : métropole, Corse, outre-mer, codes invalides")
    func ofCommune() {
        #expect(Departement.of(commune: "62119") == "62")
        #expect(Departement.of(commune: "01004") == "01")
        #expect(Departement.of(commune: "2A004") == "2A")
        #expect(Departement.of(commune: "2b033") == "2B")
        #expect(Departement.of(commune: "97101") == "971")
        #expect(Departement.of(commune: "98735") == "987")
        #expect(Departement.of(commune: " 59350 ") == "59")
        #expect(Departement.of(commune: "5935") == nil)
        #expect(Departement.of(commune: "2C004") == nil)
        #expect(Departement.of(commune: "ABCDE") == nil)
        #expect(Departements.context(citycode: "62119") == "62, Pas-de-Calais, Hauts-de-France")
        #expect(Departements.context(citycode: "97411") == "974, La Réunion")
    }

    /// The rule as first written, with Foundation's trimming and case mapping: the byte-level paths of
    /// `Departement.of(commune:)` must answer as it does.
    static func reference(_ code: String) -> String? {
        let c = code.trimmingCharacters(in: .whitespaces).uppercased()
        guard c.count == 5 else { return nil }
        if c.hasPrefix("97") || c.hasPrefix("98") { return String(c.prefix(3)) }
        return Departement.normalized(String(c.prefix(2)))
    }

    @Test("département d'un code commune : les chemins rapides répondent comme la règle générale (200 000 codes tirés)")
    func ofCommuneMatchesReference() {
        var rng = SplitMix(seed: 17)
        let alphabet = Array("0123456789789AaBbMmZz2 \t\u{00A0}é-\r\n")
        var differences: [String] = []
        for _ in 0..<200_000 {
            let length = Int.random(in: 0...8, using: &rng)
            let code = String((0..<length).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &rng)] })
            if Departement.of(commune: code) != Self.reference(code) { differences.append(code.debugDescription) }
        }
        #expect(differences.isEmpty, "\(differences.count) codes : \(differences.prefix(10))")
    }
}
