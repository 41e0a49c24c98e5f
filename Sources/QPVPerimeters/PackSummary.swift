// `PerimeterPackSummary`: what the lists of installed data say of one perimeter pack — `qpv data list --format
// json` and `GET /version` — taken from the pack's manifest, with the two JSON shapes those documents publish.

import Foundation
import QPVCore

/// One installed perimeter pack as `qpv data list` and `GET /version` describe it: identifier, source file and
/// its SHA-256, release, sets. The two documents publish these facts under different keys (`sha256` and
/// `source_sha256`, the full path and the file name…): `shape` says which one `encode(to:)` writes.
public struct PerimeterPackSummary: Encodable, Sendable {
    /// The JSON document a summary is written in.
    public enum Shape: Sendable {
        /// `qpv data list --format json`: `data: "perimeters"`, the full path, the manifest's sets with all their
        /// keys, the release and `previous`.
        case dataList
        /// `GET /version`: the file name, the source file's facts (`source_*`) and the sets' public keys.
        case version
    }

    /// The document `encode(to:)` writes.
    public var shape: Shape
    /// The pack's identifier (what `qpv data remove` takes).
    public var packId: String
    /// QPV or QIC.
    public var kind: PerimeterKind
    /// The list's year.
    public var vintage: String
    /// Path of the pack file.
    public var path: String
    /// When the pack was compiled (ISO 8601).
    public var importedAt: String
    /// The official file the pack was compiled from.
    public var source: PackSource
    /// Number of perimeters in the pack.
    public var perimeterCount: Int
    /// Invalid polygons repaired at import.
    public var repairedFeatureCount: Int
    /// The pack's sets, as its manifest records them.
    public var sets: [PerimeterSetInfo]
    /// Perimeters of each set, counted in the pack as the catalog loads them.
    public var setPerimeterCounts: [Int]
    /// True for a pack of an earlier release kept with `--keep-previous` (used only when `--release` asks).
    public var previous: Bool

    /// The summary of `pack`, to be written in `shape`.
    public init(_ pack: PerimeterPack, previous: Bool = false, shape: Shape) {
        let m = pack.manifest
        self.shape = shape
        packId = m.packId
        kind = m.kind
        vintage = m.vintage
        path = pack.path
        importedAt = m.importedAt
        source = m.source
        perimeterCount = m.perimeters.count
        repairedFeatureCount = m.repairedFeatureCount
        sets = m.sets
        var counts = [Int](repeating: 0, count: m.sets.count)
        for r in m.perimeters { counts[r.set] += 1 }  // r.set < m.sets.count: checked when the pack was read
        setPerimeterCounts = counts
        self.previous = previous
    }

    /// The pack file's name, without its folder.
    public var fileName: String { URL(fileURLWithPath: path).lastPathComponent }

    enum DataListKeys: String, CodingKey {
        case pack_id, data, kind, vintage, source_file, sha256, imported_at, perimeters, repaired, sets, path
        case release_date, release_origin, archive, member, previous
    }

    enum VersionKeys: String, CodingKey {
        case pack_id, file, kind, vintage, imported_at, source_file, source_sha256, source_bytes, source_format, sets
    }

    enum VersionSetKeys: String, CodingKey {
        case list_id, label, kind, vintage, territory, valid_from, valid_to, legal_basis, perimeter_count, demo, to_verify
    }

    /// Writes the summary in `shape`.
    public func encode(to encoder: any Encoder) throws {
        switch shape {
        case .dataList:
            var c = encoder.container(keyedBy: DataListKeys.self)
            try c.encode(packId, forKey: .pack_id)
            try c.encode("perimeters", forKey: .data)
            try c.encode(kind.rawValue, forKey: .kind)
            try c.encode(vintage, forKey: .vintage)
            try c.encode(source.fileName, forKey: .source_file)
            try c.encode(source.sha256, forKey: .sha256)
            try c.encode(importedAt, forKey: .imported_at)
            try c.encode(perimeterCount, forKey: .perimeters)
            try c.encode(repairedFeatureCount, forKey: .repaired)
            try c.encode(sets, forKey: .sets)
            try c.encode(path, forKey: .path)
            try c.encodeIfPresent(source.releaseDate?.description, forKey: .release_date)
            try c.encodeIfPresent(source.releaseOrigin, forKey: .release_origin)
            try c.encodeIfPresent(source.archive, forKey: .archive)
            try c.encodeIfPresent(source.member, forKey: .member)
            try c.encode(previous, forKey: .previous)
        case .version:
            var c = encoder.container(keyedBy: VersionKeys.self)
            try c.encode(packId, forKey: .pack_id)
            try c.encode(fileName, forKey: .file)
            try c.encode(kind.rawValue, forKey: .kind)
            try c.encode(vintage, forKey: .vintage)
            try c.encode(importedAt, forKey: .imported_at)
            try c.encode(source.fileName, forKey: .source_file)
            try c.encode(source.sha256, forKey: .source_sha256)
            try c.encode(source.byteCount, forKey: .source_bytes)
            try c.encode(source.format, forKey: .source_format)
            var list = c.nestedUnkeyedContainer(forKey: .sets)
            for (s, count) in zip(sets, setPerimeterCounts) {
                var o = list.nestedContainer(keyedBy: VersionSetKeys.self)
                try o.encodeIfPresent(s.listId, forKey: .list_id)
                try o.encode(s.label, forKey: .label)
                try o.encode(s.kind.rawValue, forKey: .kind)
                try o.encode(s.vintage, forKey: .vintage)
                try o.encode(s.territory.description, forKey: .territory)
                try o.encodeIfPresent(s.validFrom?.description, forKey: .valid_from)
                try o.encodeIfPresent(s.validTo?.description, forKey: .valid_to)
                try o.encode(s.legalBasis, forKey: .legal_basis)
                try o.encode(count, forKey: .perimeter_count)
                try o.encode(s.isDemo, forKey: .demo)
                try o.encodeIfPresent(s.uncertain, forKey: .to_verify)
            }
        }
    }
}
