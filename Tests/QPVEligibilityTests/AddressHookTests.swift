// The `--address` hook of `EligibilityLocator`: any `AddressResolving` gives the same verdicts as coordinates,
// an imprecise address is to verify, and without a geocoder an address is refused.

import Foundation
import QPVCore
import QPVEligibility
import QPVPerimeters
import QPVTestSupport
import Testing

/// The `--address` hook: any `AddressResolving` (the geocoder, once wired) feeds the same verdicts, and an
/// imprecise address never gives `eligible`.
@Suite struct AddressHookTests {
    static let tilleuls = (lon: -4.6181818, lat: 46.2107914)

    /// A resolver standing in for the geocoder: fixed answers per text.
    let resolver = ClosureAddressResolver { text in
        switch text {
        case "12 place des Tilleuls, Quartville":
            return ResolvedAddress(
                lon: AddressHookTests.tilleuls.lon, lat: AddressHookTests.tilleuls.lat, label: "12 Place des Tilleuls 00100 Quartville-sur-Démo",
                score: 0.93, precision: "housenumber", cityCode: "00101", cityName: "Quartville-sur-Démo")
        case "place des Tillels":
            return ResolvedAddress(
                lon: AddressHookTests.tilleuls.lon, lat: AddressHookTests.tilleuls.lat, label: "Place des Tilleuls", score: 0.41, precision: "street")
        case "Quartville":
            return ResolvedAddress(
                lon: AddressHookTests.tilleuls.lon, lat: AddressHookTests.tilleuls.lat, label: "Quartville-sur-Démo", score: 0.95,
                precision: "municipality", cityCode: "00101", cityName: "Quartville-sur-Démo")
        default:
            return nil
        }
    }

    func locator() throws -> (EligibilityLocator, TemporaryDirectory) {
        let tmp = try TemporaryDirectory()
        let catalog = try PerimeterCatalog.open(dataDirectory: DataDirectory(url: tmp.url.appendingPathComponent("data")))
        return (try EligibilityLocator(catalog: catalog, addressResolver: resolver), tmp)
    }

    func verdict(_ address: String) throws -> (EligibilityReport, EligibilityLocation) {
        let (l, _) = try locator()
        let date = CivilDate("2022-03-15")!
        let location = try l.locate(address: address, on: date)
        let hire = Fixture.hire("2022-03-15")
        return (EmploiFranc.evaluate(hire, location: location, book: Fixture.emploiFranc), location)
    }

    @Test func preciseAddressIsLocatedLikeCoordinates() throws {
        let (report, location) = try verdict("12 place des Tilleuls, Quartville")
        #expect(report.verdict == .eligible)
        #expect(location.qpv.map(\.code) == ["QX000101"])
        #expect(location.communes == [CommuneRef(insee: "00101", name: "Quartville-sur-Démo")])
        #expect(report.location?.addressLabel == "12 Place des Tilleuls 00100 Quartville-sur-Démo")
        #expect(report.text().contains("adresse « 12 Place des Tilleuls"))
    }

    @Test func impreciseAddressesAreToVerify() throws {
        let (weak, _) = try verdict("place des Tillels")
        #expect(weak.verdict == .toVerify)
        #expect(Fixture.criterion(weak, "residence_qpv").detail.contains("score faible"))
        let (town, _) = try verdict("Quartville")
        #expect(town.verdict == .toVerify)
        #expect(Fixture.criterion(town, "residence_qpv").detail.contains("seulement à la commune"))
        let (unknown, location) = try verdict("nulle part")
        #expect(unknown.verdict == .toVerify)
        #expect(location.status == .invalidCoordinates)
        #expect(location.problem?.contains("adresse introuvable") == true)
    }

    @Test func withoutAGeocoderAddressesAreRefused() throws {
        let tmp = try TemporaryDirectory()
        let catalog = try PerimeterCatalog.open(dataDirectory: DataDirectory(url: tmp.url.appendingPathComponent("data")))
        let bare = try EligibilityLocator(catalog: catalog)
        #expect(throws: EligibilityLocationError.self) { try bare.locate(address: "12 place des Tilleuls", on: CivilDate("2022-03-15")!) }
    }
}
