// libFuzzer target: the free-text address parser and the normaliser behind it.
import Foundation
import QPVGeocoding

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzQuery(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let q = AddressQuery(parsing: text)
    _ = q.streetWords.count + q.cityWords.count + (q.housenumber ?? 0)
    return 0
}
