// Tests of `Departement` (département codes of communes and perimeters) and `Departements.context`.

import QPVCore
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
}
