// libFuzzer target: the perimeter pack reader. Inputs are packs (the corpus is made of real packs); the
// checksum trailer is rewritten for most inputs so that mutations reach the structure checks behind it
// (header JSON, record counts, offsets, set numbers, boundary indexes), then the catalog is built on it.
import Foundation
import QPVPerimeters

let packRegistry = try! Registry.shipped()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPack(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = FuzzScratch.resealed(data, size, minimum: 40)
    do {
        let pack = try PerimeterPack(data: Data(bytes), path: "fuzz.qpvpack")
        _ = try PerimeterCatalog(packs: [pack], registry: packRegistry, origin: .file("fuzz"), includesDemo: false)
    } catch {
        _ = "\(error)"
    }
    return 0
}
