// libFuzzer target: the communes file reader (`AdminAreas`, `.qpvareas`). Inputs are communes files (the
// corpus is made of real ones, compiled from synthetic communes); the checksum trailer is rewritten for most
// inputs so that mutations reach the checks behind it (header JSON, boundary indexes, geometry offsets).
import Foundation
import QPVPerimeters

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzAreas(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = FuzzScratch.resealed(data, size, minimum: 24)
    do {
        let areas = try AdminAreas(data: Data(bytes), path: "fuzz.qpvareas")
        for z in areas.manifest.zones.indices { _ = areas.wkb(zone: z) }
    } catch {
        _ = "\(error)"
    }
    return 0
}
