// libFuzzer target: the GeoJSON perimeter reader (JSON parser, crs member, geometry decoding, the
// "not degrees" check), through the public file API on a file in memory-backed /dev/shm.
import Foundation
import QPVGeometry
import QPVPerimeters

let geojsonPath = FuzzScratch.path("fuzz.geojson")

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzGeoJSON(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    FuzzScratch.write(geojsonPath, data, size)
    do {
        let file = try PerimeterFileReader.readGeoJSON(path: geojsonPath, crs: nil)
        _ = file.features.count
    } catch {
        _ = "\(error)"
    }
    return 0
}
