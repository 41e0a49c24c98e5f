// `PerimeterPackSummary`: what the lists of installed data say of one perimeter pack — `qpv data list --format
// json` and `GET /version` — taken from the pack's manifest, with the two JSON shapes those documents publish.

import Foundation
import QPVCore

/// One installed perimeter pack as `qpv data list` and `GET /version` describe it: identifier, source file and
/// its SHA-256, release, sets. The two documents publish these facts under different keys (`sha256` and
/// `source_sha256`, the full path and the file name…): `shape` says which one `encode(to:)` writes, through
/// the derived `Encodable` of `DataListEntry` or `VersionEntry`.
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

    /// The pack as `qpv data list --format json` lists it (derived `Encodable`: the keys are the properties').
    struct DataListEntry: Encodable {
        var packId: String
        var data = "perimeters"
        var kind: String
        var vintage: String
        var sourceFile: String
        var sha256: String
        var importedAt: String
        var perimeters: Int
        var repaired: Int
        var sets: [PerimeterSetInfo]
        var path: String
        var releaseDate: String?
        var releaseOrigin: String?
        var archive: String?
        var member: String?
        var previous: Bool

        enum CodingKeys: String, CodingKey {
            case packId = "pack_id"
            case data, kind, vintage
            case sourceFile = "source_file"
            case sha256
            case importedAt = "imported_at"
            case perimeters, repaired, sets, path
            case releaseDate = "release_date"
            case releaseOrigin = "release_origin"
            case archive, member, previous
        }

        init(_ s: PerimeterPackSummary) {
            packId = s.packId
            kind = s.kind.rawValue
            vintage = s.vintage
            sourceFile = s.source.fileName
            sha256 = s.source.sha256
            importedAt = s.importedAt
            perimeters = s.perimeterCount
            repaired = s.repairedFeatureCount
            sets = s.sets
            path = s.path
            releaseDate = s.source.releaseDate?.description
            releaseOrigin = s.source.releaseOrigin
            archive = s.source.archive
            member = s.source.member
            previous = s.previous
        }
    }

    /// The pack as `GET /version` describes it (derived `Encodable`).
    struct VersionEntry: Encodable {
        /// One set of the pack, with its public keys.
        struct SetEntry: Encodable {
            var listId: String?
            var label: String
            var kind: String
            var vintage: String
            var territory: String
            var validFrom: String?
            var validTo: String?
            var legalBasis: String
            var perimeterCount: Int
            var demo: Bool
            var toVerify: String?

            enum CodingKeys: String, CodingKey {
                case listId = "list_id"
                case label, kind, vintage, territory
                case validFrom = "valid_from"
                case validTo = "valid_to"
                case legalBasis = "legal_basis"
                case perimeterCount = "perimeter_count"
                case demo
                case toVerify = "to_verify"
            }

            init(_ s: PerimeterSetInfo, perimeterCount: Int) {
                listId = s.listId
                label = s.label
                kind = s.kind.rawValue
                vintage = s.vintage
                territory = s.territory.description
                validFrom = s.validFrom?.description
                validTo = s.validTo?.description
                legalBasis = s.legalBasis
                self.perimeterCount = perimeterCount
                demo = s.isDemo
                toVerify = s.uncertain
            }
        }

        var packId: String
        var file: String
        var kind: String
        var vintage: String
        var importedAt: String
        var sourceFile: String
        var sourceSHA256: String
        var sourceBytes: Int
        var sourceFormat: String
        var sets: [SetEntry]

        enum CodingKeys: String, CodingKey {
            case packId = "pack_id"
            case file, kind, vintage
            case importedAt = "imported_at"
            case sourceFile = "source_file"
            case sourceSHA256 = "source_sha256"
            case sourceBytes = "source_bytes"
            case sourceFormat = "source_format"
            case sets
        }

        init(_ s: PerimeterPackSummary) {
            packId = s.packId
            file = s.fileName
            kind = s.kind.rawValue
            vintage = s.vintage
            importedAt = s.importedAt
            sourceFile = s.source.fileName
            sourceSHA256 = s.source.sha256
            sourceBytes = s.source.byteCount
            sourceFormat = s.source.format
            sets = zip(s.sets, s.setPerimeterCounts).map { SetEntry($0, perimeterCount: $1) }
        }
    }

    /// Writes the summary in `shape`.
    public func encode(to encoder: any Encoder) throws {
        switch shape {
        case .dataList: try DataListEntry(self).encode(to: encoder)
        case .version: try VersionEntry(self).encode(to: encoder)
        }
    }
}
