// libFuzzer target: the BAN row reader of `qpv data import-ban` (header check, every field's validation,
// the rejected-rows limit) and, when rows were imported, the pack writer.
import Foundation
import QPVGeocoding

let banPath = FuzzScratch.path("adresses-fuzz.csv")
let banPackPath = FuzzScratch.path("ban-fuzz.qpvaddr")

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzBANRow(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    FuzzScratch.write(banPath, data, size)
    let builder = AddressPackBuilder()
    builder.maxRejectedFraction = 1
    do {
        try builder.addBAN(path: banPath)
        if size < 4096 { _ = try builder.write(to: URL(fileURLWithPath: banPackPath)) }
    } catch {
        _ = "\(error)"
    }
    return 0
}
