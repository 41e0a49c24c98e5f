// Tests of `StableBytes`, `InPlaceArray` and the aligned arrays of `BinaryWriter` / `BinaryReader`: values read
// in place when aligned, copied otherwise, the same either way; padding checked.

import Foundation
import QPVCore
import Testing

@Suite struct InPlaceArrayTests {
    /// A u8, padding to 8, then an array of doubles, written as if the buffer started at file offset `origin`.
    static func written(origin: Int, values: [Double]) -> [UInt8] {
        var w = BinaryWriter(origin: origin)
        w.write(UInt8(7))
        w.pad(toMultipleOf: 8)
        w.write(array: values)
        return w.bytes
    }

    @Test func alignedArraysAreReadInPlaceOthersCopiedSameValues() throws {
        let values = (0..<1000).map { Double($0) * 0.5 - 17 }
        for origin in 0..<8 {
            // The file: `origin` bytes of something else, then the writer's bytes.
            let file = [UInt8](repeating: 0xAB, count: origin) + Self.written(origin: origin, values: values)
            let bytes = StableBytes(copying: file)
            var r = BinaryReader(bytes.raw, offset: origin)
            #expect(try r.read(UInt8.self) == 7)
            try r.skipPadding(toMultipleOf: 8)
            #expect(r.offset % 8 == 0)
            let a = try r.readArrayInPlace(of: Double.self, owner: bytes)
            #expect(a.isInPlace, "origine \(origin)")
            #expect(Array(a.buffer) == values)
            #expect(r.remaining == 0)
            // The same bytes one byte further in memory: misaligned, so copied, with the same values.
            let shifted = StableBytes(copying: [0] + file)
            var s = BinaryReader(UnsafeRawBufferPointer(rebasing: shifted.raw[1...]), offset: origin)
            _ = try s.read(UInt8.self)
            try s.skipPadding(toMultipleOf: 8)
            let b = try s.readArrayInPlace(of: Double.self, owner: shifted)
            #expect(!b.isInPlace)
            #expect(Array(b.buffer) == values)
            // Without an owner, always a copy.
            var t = BinaryReader(bytes.raw, offset: origin)
            _ = try t.read(UInt8.self)
            try t.skipPadding(toMultipleOf: 8)
            #expect(try !t.readArrayInPlace(of: Double.self, owner: nil).isInPlace)
        }
    }

    @Test func nonZeroPaddingAndShortArraysAreDamage() throws {
        var file = Self.written(origin: 0, values: [1, 2, 3])
        file[3] = 1  // inside the padding after the u8
        var r = BinaryReader(StableBytes(copying: file).raw)
        _ = try r.read(UInt8.self)
        #expect(throws: BinaryReader.Corrupt.self) { try r.skipPadding(toMultipleOf: 8) }
        let good = Self.written(origin: 0, values: [1, 2, 3])
        let cut = StableBytes(copying: good.dropLast(1))
        var s = BinaryReader(cut.raw)
        _ = try s.read(UInt8.self)
        try s.skipPadding(toMultipleOf: 8)
        #expect(throws: BinaryReader.Corrupt.self) { _ = try s.readArrayInPlace(of: Double.self, owner: cut) }
    }

    @Test func mappedFileHoldsTheFileBytes() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("qpv-stable-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("f.bin").path
        let content = (0..<10_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try Data(content).write(to: URL(fileURLWithPath: path))
        let mapped = try StableBytes(mapping: path)
        #expect(Array(mapped.raw) == content)
        #expect(Int(bitPattern: mapped.raw.baseAddress!) % 4096 == 0)
        try Data().write(to: URL(fileURLWithPath: path))
        #expect(try StableBytes(mapping: path).raw.isEmpty)
        #expect(throws: StableBytes.MappingFailure.self) { _ = try StableBytes(mapping: dir.appendingPathComponent("absent").path) }
    }
}
