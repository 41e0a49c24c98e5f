// libFuzzer target: the address pack reader (section directory, offsets, alignment, string tables, table
// sizes) then a few geocodings on what opened. The checksum trailer is rewritten for most inputs so that
// mutations reach the structure checks.
import Foundation
import QPVGeocoding

let addressPackPath = FuzzScratch.path("fuzz.qpvaddr")

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzAddressPack(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = FuzzScratch.resealed(data, size, minimum: 24)
    unlink(addressPackPath + ".verified")
    bytes.withUnsafeBufferPointer { FuzzScratch.write(addressPackPath, $0.baseAddress!, $0.count) }
    do {
        let g = try Geocoder(packPath: addressPackPath)
        for q in ["1 rue de la Paix 62900 Ville-Test", "Ville-Test", "62900", "3bis avenue"] {
            _ = g.geocode(q, options: GeocodeOptions(limit: 3))
        }
    } catch {
        _ = "\(error)"
    }
    return 0
}
