// Damaged or impossible perimeter data (issue 16) refused with a clear message, never a trap or a silent
// wrong answer: huge coordinates, bad codes, overlapping files, every damaged byte, engine errors.

import Foundation
import QPVCore
import QPVGeometry
import QPVPerimeters
import QPVTabular
import QPVTestSupport
import Testing

/// Issue 16: damaged or impossible perimeter data is refused with a clear message, never a trap, never a
/// silent wrong answer.
@Suite struct PerimeterRobustnessTests {
    let tmp: TemporaryDirectory
    let dir: DataDirectory
    init() throws {
        tmp = try TemporaryDirectory()
        dir = DataDirectory(url: tmp.url)
    }

    func readError(_ text: String, crs: CRS? = nil, vintage: String? = nil, name: String = "f.geojson") -> String {
        do {
            let path = try tmp.write(name, text)
            let file = try PerimeterFileReader.read(path: path, crs: crs, context: try GeosContext())
            var options = ImportOptions()
            options.vintage = vintage
            _ = try PackCompiler(registry: try Registry.shipped()).compile(file, options: options)
            return ""
        } catch {
            return "\(error)"
        }
    }

    static func polygon(_ ring: [(Double, Double)], code: String = "QP062001") -> String {
        let r = ring.map { "[\($0.0),\($0.1)]" }.joined(separator: ",")
        return
            #"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code_qp":"\#(code)"},"geometry":{"type":"Polygon","coordinates":[[\#(r)]]}}]}"#
    }

    // Finding 4: formatting the "not degrees" message converted a huge Double to Int and trapped.
    @Test func hugeCoordinatesWithoutCRSAreAnErrorNotATrap() {
        for v in [9.3e18, -9.3e18, 1e300] {
            let m = readError(Self.polygon([(v, 50), (2.1, 50), (2.1, 50.1), (v, 50)]))
            #expect(m.contains("--crs"), "\(v): \(m)")
        }
    }

    // Finding 10: a declared CRS whose coordinates cannot be in it (degrees under Lambert-93, 1e308).
    @Test func impossibleGeometryUnderADeclaredCRSIsRefusedWithTheFix() {
        let degrees = Self.polygon([(2.83, 50.43), (2.84, 50.43), (2.84, 50.44), (2.83, 50.43)])
        let m = readError(degrees, crs: .lambert93)
        #expect(
            m.contains("hors du domaine d'emploi du système EPSG:2154") && m.contains("Lambert-93") && m.contains("--crs") && m.contains("QP062001"),
            "\(m)")
        let huge = Self.polygon([(1e308, 7_040_000), (681_000, 7_040_000), (681_000, 7_041_000), (1e308, 7_040_000)])
        let m2 = readError(huge, crs: .lambert93)
        #expect(m2.contains("--crs"), "\(m2)")
        // The same square in real Lambert-93 coordinates is accepted.
        let l93 = Self.polygon([(680_000, 7_040_000), (681_000, 7_040_000), (681_000, 7_041_000), (680_000, 7_040_000)])
        #expect(readError(l93, crs: .lambert93) == "")
        // Degrees in the middle of the Atlantic are not a French territory either.
        #expect(readError(Self.polygon([(-30, 40), (-29.9, 40), (-29.9, 40.1), (-30, 40)])).contains("hors des territoires"))
    }

    // Finding 10: the perimeters must lie in the area of use PROJ gives for the declared CRS, even where
    // the territory check alone would pass (Brittany in UTM zone 31N, whose area is 0°E to 6°E).
    @Test func perimetersOutsideTheAreaOfUseOfTheDeclaredCRSAreRefused() throws {
        let proj = try ProjContext()
        let utm31 = CRS(epsg: 32631)
        let area = try #require(try proj.areaOfUse(of: utm31))
        #expect(area.box.minX == 0 && area.box.maxX == 6, "\(area)")
        #expect(try #require(try proj.areaOfUse(of: .lambert93)).box.contains(x: 2.35, y: 48.85))
        let toUTM = try CoordinateTransformer(from: .wgs84, to: utm31, context: proj)
        func square(lon: Double, lat: Double) throws -> String {
            let ring = try [(lon, lat), (lon + 0.01, lat), (lon + 0.01, lat + 0.01), (lon, lat)].map { try toUTM.transform(x: $0.0, y: $0.1) }
            return Self.polygon(ring.map { ($0.x, $0.y) })
        }
        // Rennes (−1.68°) written in UTM 31N: inside the Hexagone, outside the CRS's area → refused.
        let rennes = readError(try square(lon: -1.68, lat: 48.11), crs: utm31)
        #expect(rennes.contains("hors du domaine d'emploi du système EPSG:32631") && rennes.contains("--crs"), "\(rennes)")
        // Lens (2.83°) in the same CRS is inside its area: accepted.
        #expect(readError(try square(lon: 2.83, lat: 50.43), crs: utm31) == "")
    }

    @Test func codesOutsideTheListPatternAreRefused() throws {
        let ring = [(2.83, 50.43), (2.84, 50.43), (2.84, 50.44), (2.83, 50.43)]
        for bad in ["QP062001\\n", "../../etc", "<b>QP062001</b>", "QP062001 ; DROP", "QP06\\u00002001", String(repeating: "Q", count: 41)] {
            let m = readError(Self.polygon(ring, code: bad), vintage: "2015")
            #expect(m.contains("refusé") && m.contains("--code-column"), "\(bad): \(m)")
        }
        #expect(readError(Self.polygon(ring, code: "QP062001")) == "")
        // A safe code outside the official pattern is kept, its list marked « à vérifier ».
        let path = try tmp.write("hors-format.geojson", Self.polygon(ring, code: "QP06200"))
        let file = try PerimeterFileReader.read(path: path, crs: nil, context: try GeosContext())
        var options = ImportOptions()
        options.vintage = "2015"
        let compiled = try PackCompiler(registry: try Registry.shipped()).compile(file, options: options)
        #expect(compiled.manifest.sets[0].uncertain?.contains("hors du format officiel") == true)
        // The pattern matches the whole code: "$" alone would accept a code ending in a newline.
        let list = try #require(try Registry.shipped().list(forCode: "QP062001"))
        #expect(list.matches(code: "QP062001") && !list.matches(code: "QP062001\n"))
    }

    // Finding 11: two files of the same list holding the same quartiers need --allow-overlap.
    @Test func twoFilesOfTheSameListNeedAllowOverlap() throws {
        let codes = [("QP062001", 2.83, 50.43), ("QP062002", 2.86, 50.43)]
        _ = try installPack(try squareFile(tmp, name: "national.geojson", codes: codes), into: dir)
        let copy = try squareFile(tmp, name: "copie.geojson", codes: codes + [("QP062003", 2.89, 50.43)])
        #expect(throws: PackError.self) { _ = try installPack(copy, into: dir) }
        #expect(try PerimeterCatalog.open(dataDirectory: dir).perimeters.count == 2)
        // Another région of the same list (no quartier in common) is a part of it, not an overlap.
        _ = try installPack(try squareFile(tmp, name: "autre-region.geojson", codes: [("QP059001", 3.06, 50.63)]), into: dir)
        #expect(try PerimeterCatalog.open(dataDirectory: dir).perimeters.count == 3)
        // Asked for explicitly, the overlap is accepted.
        let file = try PerimeterFileReader.read(path: copy, crs: nil, context: try GeosContext())
        let compiled = try PackCompiler(registry: try Registry.shipped()).compile(file, options: ImportOptions())
        let r = try PackStore(dataDirectory: dir).install(compiled, allowOverlap: true)
        #expect(!r.overlapWarnings.isEmpty)
    }

    func goodPack() throws -> (path: String, bytes: [UInt8]) {
        let file = try squareFile(tmp, name: "p.geojson", codes: [("QP062001", 2.83, 50.43), ("QP062002", 2.86, 50.43)])
        let store = try installPack(file, into: dir).store
        let path = try #require(store.packPaths().first)
        return (path, Array(try Data(contentsOf: URL(fileURLWithPath: path))))
    }

    /// Rewrites the checksum trailer, so that the structure checks behind it are what is tested.
    static func resealed(_ b: [UInt8]) -> [UInt8] { ContentChecksum.sealed(Array(b.dropLast(8))) }

    // Finding 8: any damaged byte is refused at open, naming the file and saying to re-import.
    @Test func everyDamagedByteIsRefusedNamingTheFile() throws {
        let (_, good) = try goodPack()
        var rng = SplitMix(seed: 16)
        for _ in 0..<400 {
            var b = good
            let at = Int(rng.next() % UInt64(b.count - 8))
            b[at] ^= UInt8(1 + rng.next() % 255)
            do {
                _ = try PerimeterPack(data: Data(b), path: "/chemin/paquet.qpvpack")
                Issue.record("octet \(at) modifié, paquet accepté")
            } catch {
                let m = "\(error)"
                #expect(m.contains("/chemin/paquet.qpvpack") && m.contains("réimportez"), "\(m)")
            }
        }
        #expect(throws: Never.self) { _ = try PerimeterPack(data: Data(good), path: "ok") }
    }

    // Finding 8, once per file identity: a pack verified once is not re-hashed while unchanged, and a pack
    // damaged in place afterwards (same size) is still refused: the change makes the note stale.
    @Test func verifiedOnceThenDamagedInPlaceIsStillRefused() throws {
        let (path, good) = try goodPack()
        _ = try PerimeterPack(path: path)
        #expect(FileManager.default.fileExists(atPath: VerifiedFileCache.cachePath(path)))
        let stored = good.suffix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self).littleEndian }
        #expect(VerifiedFileCache.isVerified(path: path, digest: stored))
        _ = try PerimeterPack(path: path)
        var b = good
        b[b.count / 2] ^= 0x5A
        let h = try #require(FileHandle(forWritingAtPath: path))
        try h.seek(toOffset: UInt64(b.count / 2))
        try h.write(contentsOf: [b[b.count / 2]])
        try h.close()
        #expect(!VerifiedFileCache.isVerified(path: path, digest: stored))
        #expect(throws: PackError.self) { _ = try PerimeterPack(path: path) }
        // Removing the pack removes its note.
        let id = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        #expect(try PackStore(dataDirectory: dir).remove(packId: id))
        #expect(!FileManager.default.fileExists(atPath: VerifiedFileCache.cachePath(path)))
    }

    // Issue 17, goal 3: the structure of the boundary indexes is checked with the checksum, once per file
    // identity. A pack file whose structure is damaged behind a valid checksum is refused at every open and
    // never remembered as verified; the note is what spares the check (trusted as the checksum is).
    @Test func structurallyDamagedPackFileIsNeverRememberedAsVerified() throws {
        let (path, good) = try goodPack()
        func u64(_ at: Int) -> UInt64 { (0..<8).reduce(0) { $0 | UInt64(good[at + $1]) << (8 * $1) } }
        func u32(_ at: Int) -> Int { (0..<4).reduce(0) { $0 | Int(good[at + $1]) << (8 * $1) } }
        let records = 16 + u32(12)
        let boundary = records + 8 + Int(u64(records)) + 8  // after the records and the boundary section's length
        // u32 index count, u32 set, u32 CRS, members (u64 count + Int32s), zero padding to a multiple of 8, then
        // `memory` (u64 count + Doubles): its first Double is region 0's block count.
        let members = boundary + 12
        let memory = (members + 8 + 4 * Int(u64(members)) + 7) / 8 * 8
        let blockCount = memory + 8
        #expect(Double(bitPattern: u64(blockCount)) >= 1)
        var b = good
        withUnsafeBytes(of: Double(1e9).bitPattern.littleEndian) { for k in 0..<8 { b[blockCount + k] = $0[k] } }
        let damaged = Self.resealed(b)
        try? FileManager.default.removeItem(atPath: VerifiedFileCache.cachePath(path))
        try OutputFile.write(path: path, bytes: damaged)
        for _ in 0..<2 {
            #expect(throws: PackError.self) { _ = try PerimeterPack(path: path) }
            #expect(!FileManager.default.fileExists(atPath: VerifiedFileCache.cachePath(path)))
        }
        // A note for this very file (as a successful open would write) spares the structure check too.
        let stored = damaged.suffix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self).littleEndian }
        VerifiedFileCache.remember(path: path, digest: stored)
        #expect(throws: Never.self) { _ = try PerimeterPack(path: path) }
        // The intact pack, opened by path, is remembered once opened, and read in place.
        try OutputFile.write(path: path, bytes: good)
        #expect(try PerimeterPack(path: path).readsBoundariesInPlace)
        #expect(VerifiedFileCache.isVerified(path: path, digest: good.suffix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self).littleEndian }))
    }

    // Finding 5: counts, offsets and set numbers read from the file are checked (damage behind a valid
    // checksum, as a buggy writer would leave): an error, never a trap or a 26 GB allocation.
    @Test func structuralDamageBehindAValidChecksumNeverTraps() throws {
        let (_, good) = try goodPack()
        let headerLength = Int(good[12]) | Int(good[13]) << 8 | Int(good[14]) << 16 | Int(good[15]) << 24
        let records = 16 + headerLength
        // u64 records length, u32 count, then record 0: code (u32 + 8 bytes), name (u32 + bytes), u32 set.
        let nameLength = Int(good[records + 12 + 4 + 8])
        let setAt = records + 12 + 4 + 8 + 4 + nameLength
        func expectRefused(_ b: [UInt8], _ what: String) {
            do {
                let pack = try PerimeterPack(data: Data(Self.resealed(b)), path: "p.qpvpack")
                _ = try PerimeterCatalog(packs: [pack], registry: try Registry.shipped(), origin: .file("p"), includesDemo: false)
                Issue.record("\(what) : accepté")
            } catch {}
        }
        var b = good
        b[setAt] = 7  // set number out of range (PerimeterCatalog indexed with it)
        expectRefused(b, "numéro de jeu hors limites")
        b = good
        for k in 0..<8 { b[records + k] = 0xFF }  // records length ≥ 2⁶³
        expectRefused(b, "longueur 64 bits énorme")
        b = good
        for k in 8..<12 { b[records + k] = 0xFF }  // 4 billion records
        expectRefused(b, "nombre d'enregistrements énorme")
        // Random damage, resealed: errors or a readable pack, never a crash.
        var rng = SplitMix(seed: 5)
        for _ in 0..<300 {
            var m = good
            let at = 16 + headerLength + Int(rng.next() % UInt64(m.count - 24 - headerLength))
            m[at] = UInt8(truncatingIfNeeded: rng.next())
            if let pack = try? PerimeterPack(data: Data(Self.resealed(m)), path: "p.qpvpack") {
                _ = try? PerimeterCatalog(packs: [pack], registry: try Registry.shipped(), origin: .file("p"), includesDemo: false)
            }
        }
    }

    // Fuzzing finding (target `pack`, project CI of 51ab8c5): an infinite or NaN bound in a record's envelope
    // is refused when the pack is read (the grids built on envelopes turn them into cell numbers), as is the
    // reversed one; the intact manifest still reads.
    @Test func nonFiniteOrReversedEnvelopesAreRefused() throws {
        let (path, good) = try goodPack()
        let pack = try PerimeterPack(path: path)
        let end = pack.manifest.perimeters.flatMap { [$0.geometry, $0.metricGeometry, $0.wgs84Geometry] }.map { $0.offset + $0.length }.max()!
        let geometry = Array(good[(good.count - 8 - end)..<(good.count - 8)])
        #expect(throws: Never.self) { _ = try PerimeterPack(manifest: pack.manifest, geometry: geometry, path: "p.qpvpack") }
        let bounds: [WritableKeyPath<PerimeterRecord, Double>] = [
            \.envelope.minX, \.envelope.minY, \.envelope.maxX, \.envelope.maxY,
            \.envelopeWGS84.minX, \.envelopeWGS84.minY, \.envelopeWGS84.maxX, \.envelopeWGS84.maxY,
        ]
        func expectRefused(_ change: (inout PerimeterRecord) -> Void, _ what: String) {
            var m = pack.manifest
            change(&m.perimeters[1])
            #expect(throws: PackError.self, "\(what)") { _ = try PerimeterPack(manifest: m, geometry: geometry, path: "p.qpvpack") }
        }
        for bound in bounds {
            for v in [Double.infinity, -.infinity, .nan] { expectRefused({ $0[keyPath: bound] = v }, "\(bound) = \(v)") }
        }
        expectRefused({ $0.envelope.minX = $0.envelope.maxX + 1 }, "enveloppe inversée")
        expectRefused({ $0.envelopeWGS84.maxY = $0.envelopeWGS84.minY - 1 }, "enveloppe WGS84 inversée")
    }

    // Communes files (`qpv data import-communes`) carry a checksum trailer too (format 2): any damaged byte is
    // refused at open naming the file and saying to re-import, a format-1 file asks to be re-imported, and a
    // damaged file can still be removed (without being opened).
    @Test func damagedCommunesFilesAreRefusedAndCanBeRemoved() throws {
        let communes = CoverageFixtures.collection([
            CoverageFixtures.squareCommune(code: "62001", name: "Une", minLon: 2.80, minLat: 50.40, maxLon: 2.85, maxLat: 50.45, epci: "200000001"),
            CoverageFixtures.squareCommune(code: "62002", name: "Deux", minLon: 2.85, minLat: 50.40, maxLon: 2.90, maxLat: 50.45, epci: "200000001"),
        ])
        let path = try AdminAreas.install(try AdminAreas.compile(path: try tmp.write("communes.geojson", communes)), dataDirectory: dir)
        let good = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        let opened = try AdminAreas(path: path)
        #expect(FileManager.default.fileExists(atPath: VerifiedFileCache.cachePath(path)))
        var rng = SplitMix(seed: 23)
        for _ in 0..<300 {
            var b = good
            let at = Int(rng.next() % UInt64(b.count))
            b[at] ^= UInt8(1 + rng.next() % 255)
            do {
                _ = try AdminAreas(data: Data(b), path: "/chemin/communes.qpvareas")
                Issue.record("octet \(at) modifié, fichier de communes accepté")
            } catch {
                let m = "\(error)"
                #expect(m.contains("/chemin/communes.qpvareas") && (m.contains("réimportez") || m.contains("signature")), "\(m)")
            }
        }
        #expect(throws: PackError.self) { _ = try AdminAreas(data: Data(good.dropLast(1)), path: "tronqué") }
        var old = Array(good.dropLast(8))
        old[8] = 1  // format 1: no trailer
        #expect(throws: PackError.self) { _ = try AdminAreas(data: Data(old), path: "ancien") }
        // Damaged in place: every command that opens it fails naming it; `remove` still works.
        var damaged = good
        damaged[damaged.count / 2] ^= 0x21
        try Data(damaged).write(to: URL(fileURLWithPath: path))
        #expect(throws: PackError.self) { _ = try AdminAreas.openAll(dir) }
        #expect(try AdminAreas.remove(id: opened.manifest.id, dataDirectory: dir) == path)
        #expect(!FileManager.default.fileExists(atPath: path) && !FileManager.default.fileExists(atPath: VerifiedFileCache.cachePath(path)))
        #expect(try AdminAreas.remove(id: opened.manifest.id, dataDirectory: dir) == nil)
        #expect(try AdminAreas.openAll(dir).isEmpty)
    }

    /// The installed pack with its first perimeter's WKB geometry type made nonsense, checksum resealed: it
    /// opens, and the engine fails on that geometry.
    func damagedGeometryPack() throws -> (path: String, bytes: [UInt8]) {
        let (path, good) = try goodPack()
        let pack = try PerimeterPack(path: path)
        let p0 = pack.manifest.perimeters[0]
        let blobs = pack.manifest.perimeters.flatMap { [$0.geometry, $0.metricGeometry, $0.wgs84Geometry] }
        let geometryStart = good.count - 8 - blobs.map { $0.offset + $0.length }.max()!
        var b = good
        for k in 1...4 { b[geometryStart + p0.geometry.offset + k] = 0x7F }
        return (path, Self.resealed(b))
    }

    // Finding 9: a geometry the engine cannot read makes `error` rows (with the reason), not
    // `invalid_coordinates`, and the summary counts them (the CLI exits non-zero on them).
    @Test func anEngineErrorIsAnEngineErrorNotBadInput() throws {
        let (path, b) = try damagedGeometryPack()
        let damaged = try PerimeterPack(data: Data(b), path: path)
        let catalog = try PerimeterCatalog(packs: [damaged], registry: try Registry.shipped(), origin: .file(path), includesDemo: false)
        let input = try tmp.write("points.csv", "id,lon,lat\n1,2.83,50.43\n2,2.8301,50.4301\n")
        let out = tmp.path("sortie.csv")
        var options = LocateBatchOptions(date: CivilDate("2020-01-01")!)
        options.workers = 1
        let summary = try LocateBatch(catalog: catalog, options: options).run(
            reader: try CSVReader(path: input), writer: try CSVWriter(path: out, dialect: CSVDialect()))
        #expect(summary.engineErrors == 2)
        let reader = try CSVReader(path: out)
        let status = try #require(reader.columnIndex("qpv_status"))
        let error = try #require(reader.columnIndex("qpv_error"))
        var rows = 0
        while let r = try reader.next() {
            rows += 1
            #expect(r.fields[status] == "error")
            #expect(r.fields[error].contains("erreur de calcul"))
        }
        #expect(rows == 2)
    }

    // Finding 9, through the real binary: `qpv locate` and `qpv eligibility tfpb` on the same damaged pack
    // write `qpv_status=error` rows with the reason (not `invalid_coordinates`) and exit non-zero.
    @Test func batchCommandsExitNonZeroOnEngineErrors() throws {
        let (path, b) = try damagedGeometryPack()
        try Data(b).write(to: URL(fileURLWithPath: path))
        let env = ["QPV_DATA_DIR": tmp.url.path]
        let input = try tmp.write("parc.csv", "id,lon,lat,logements\n1,2.83,50.43,12\n2,2.8301,50.4301,3\n")
        func rows(_ file: String, status column: String) throws -> [(status: String, error: String)] {
            let reader = try CSVReader(path: file)
            let s = try #require(reader.columnIndex("qpv_status"))
            let e = try #require(reader.columnIndex(column))
            var out: [(String, String)] = []
            while let r = try reader.next() { out.append((r.fields[s], r.fields[e])) }
            return out
        }
        let located = tmp.path("localise.csv")
        let locate = try CLIRunner.run(["locate", "--input", input, "--output", located, "--date", "2020-01-01"], environment: env)
        #expect(locate.status != 0, "\(locate.stderr)")
        #expect(locate.stderr.contains("non calculées") && locate.stderr.contains("réimportez"), "\(locate.stderr)")
        let l = try rows(located, status: "qpv_error")
        #expect(l.count == 2 && l.allSatisfy { $0.status == "error" && $0.error.contains("erreur de calcul") }, "\(l)")
        let verdicts = tmp.path("tfpb.csv")
        let tfpb = try CLIRunner.run(["eligibility", "tfpb", "--input", input, "--output", verdicts, "--tax-year", "2020"], environment: env)
        #expect(tfpb.status != 0, "\(tfpb.stderr)")
        #expect(tfpb.stderr.contains("non calculées") && tfpb.stderr.contains("tfpb_error"), "\(tfpb.stderr)")
        let t = try rows(verdicts, status: "tfpb_error")
        #expect(t.count == 2 && t.allSatisfy { $0.status == "error" && $0.error.contains("erreur de calcul") }, "\(t)")
        let reader = try CSVReader(path: verdicts)
        let verdict = try #require(reader.columnIndex("tfpb_verdict"))
        while let r = try reader.next() { #expect(r.fields[verdict] == "to_verify") }
    }
}

/// Issue 16, finding 10: `perimeters list --format csv` goes through the CSV writer, so that a name holding
/// the separator, quotes or a line break stays one field (before, a line break split the row in two).
@Suite struct PerimeterListCSVTests {
    @Test func aNameWithSeparatorsQuotesAndALineBreakStaysOneField() throws {
        let tmp = try TemporaryDirectory()
        // One name with quotes, `;`, `,` and a line break; one with only a line break and `;` (the hand-made
        // quoting quoted on `,` and `"` only: that row came out split in two).
        let names = ["QP062001": "Cité \"Les Tilleuls\" ; bât. A,\nB", "QP062002": "Quartier du Nord\nSud ; bis"]
        func feature(_ code: String, lon: Double) -> String {
            let escaped = names[code]!.replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n")
            let ring = "[[\(lon),50.425],[\(lon + 0.01),50.425],[\(lon + 0.01),50.435],[\(lon),50.435],[\(lon),50.425]]"
            return
                #"{"type":"Feature","properties":{"code_qp":"\#(code)","lib_qp":"\#(escaped)"},"geometry":{"type":"Polygon","coordinates":[\#(ring)]}}"#
        }
        let path = try tmp.write(
            "noms.geojson", #"{"type":"FeatureCollection","features":[\#(feature("QP062001", lon: 2.825)),\#(feature("QP062002", lon: 2.855))]}"#)
        let data = try TemporaryDirectory()
        _ = try installPack(path, into: DataDirectory(url: data.url))
        let r = try CLIRunner.run(["perimeters", "list", "--format", "csv"], environment: ["QPV_DATA_DIR": data.url.path])
        #expect(r.status == 0, "\(r.stderr)")
        let reader = try CSVReader(path: try tmp.write("liste.csv", r.stdout), separator: UInt8(ascii: ","))
        let nameColumn = try #require(reader.columnIndex("name"))
        let code = try #require(reader.columnIndex("code"))
        var rows: [[String]] = []
        while let row = try reader.next() { rows.append(row.fields) }
        #expect(rows.count == 2, "\(r.stdout)")
        for row in rows {
            #expect(row.count == 10, "\(row)")
            #expect(names[row[code]] == row[nameColumn], "\(row)")
        }
    }
}
