// Shared fixture of the geocoding tests: the compiled address pack of the small BAN-format file of
// QPVTestSupport's `BANFixture` (fictional communes, three bad rows).

import Foundation
import QPVGeocoding
import QPVTestSupport

/// The compiled pack of `BANFixture.banText` and `BANFixture.postcodeText`.
enum Fixture {
    struct Built: @unchecked Sendable {
        let directory: TemporaryDirectory
        let geocoder: Geocoder
        let builder: AddressPackBuilder
        let info: AddressPackInfo
    }

    static let built: Result<Built, any Error> = Result {
        let dir = try TemporaryDirectory(prefix: "qpv-ban-fixture")
        let ban = try dir.write("adresses-62.csv", BANFixture.banText)
        let pc = try dir.write("laposte.csv", BANFixture.postcodeText)
        let builder = AddressPackBuilder()
        try builder.addBAN(path: ban)
        try builder.addPostcodes(path: pc)
        let pack = dir.url.appendingPathComponent("ban.qpvaddr")
        let info = try builder.write(to: pack)
        return Built(directory: dir, geocoder: try Geocoder(packPath: pack.path), builder: builder, info: info)
    }

    static func get() throws -> Built { try built.get() }
}
