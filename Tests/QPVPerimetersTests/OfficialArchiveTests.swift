// Official ZIP archives as ANCT publishes them, built at run time from the demo pack: `ZipArchive`, official
// projections of member names, `qpv data import ARCHIVE.zip` and new releases through the real binary.

import Foundation
import QPVCore
import QPVGeometry
import QPVPerimeters
import QPVTabular
import QPVTestSupport
import Testing

/// Official files as ANCT publishes them: ZIP archives (written here by Python's `zipfile`, an independent
/// writer), the shapefile flavour in Lambert-93 plus overseas members in their UTM projections (written by
/// GDAL's ogr2ogr), new releases of an installed list. Every archive is built at run time from the demo pack
/// (`GeoData/demo`, project-authored, recoded into the official code formats) — nothing is committed.
enum OfficialFixture {
    /// The demo 2024 perimeters recoded as a release of the 2024 list: three in the Hexagone (fictional
    /// département 00), the same three moved to Guadeloupe (codes QN971…), and a 200 m square drawn in
    /// RGAF09 / UTM 20N (x 650 000–650 200, y 1 800 000–1 800 200), all in WGS84.
    static func release(modified: Bool = false) throws -> (hexagone: [[String: Any]], overseas: [[String: Any]]) {
        let data = try Data(contentsOf: SharedData.geoData("demo/demo-qpv-2024.geojson"))
        let demo = (try JSONSerialization.jsonObject(with: data) as! [String: Any])["features"] as! [[String: Any]]
        let codes = ["QX000201": "QN00001A", "QX000202": "QN00002B", "QX000204": "QN00004C"]
        var hexagone: [[String: Any]] = []
        var overseas: [[String: Any]] = []
        for (k, f) in demo.enumerated() {
            var props = f["properties"] as! [String: Any]
            let code = codes[props["code_qp"] as! String]!
            props["code_qp"] = code
            props["demo"] = nil
            var h: [String: Any] = ["type": "Feature", "properties": props, "geometry": f["geometry"]!]
            if modified {
                // The new release: QN00001A renamed, QN00002B moved 0.0004° east (≈ 30 m), QN00004C replaced by QN00005D.
                if code == "QN00001A" { props["lib_qp"] = "Les Tilleuls rénovés (démo)" }
                if code == "QN00002B" { h["geometry"] = map(f["geometry"] as! [String: Any]) { [$0[0] + 0.0004, $0[1]] } }
                if code == "QN00004C" { props["code_qp"] = "QN00005D" }
                h["properties"] = props
            }
            hexagone.append(h)
            var o = props
            o["code_qp"] = "QN9719\(k)\(["A", "B", "C"][k])"
            o["insee_com"] = "97190"
            o["lib_com"] = "Commune fictive de Guadeloupe"
            overseas.append([
                "type": "Feature", "properties": o, "geometry": map(f["geometry"] as! [String: Any]) { [$0[0] - 56.95, $0[1] - 29.96] },
            ])
        }
        let proj = try ProjContext()
        let toWGS = try CoordinateTransformer(from: .antilles, to: .wgs84, context: proj)
        let ring = try [(650_000.0, 1_800_000.0), (650_200, 1_800_000), (650_200, 1_800_200), (650_000, 1_800_200), (650_000, 1_800_000)].map {
            let p = try toWGS.transform(x: $0.0, y: $0.1)
            return [p.x, p.y]
        }
        overseas.append([
            "type": "Feature",
            "properties": ["code_qp": "QN97193D", "lib_qp": "Carré UTM (fictif)", "insee_com": "97190", "lib_com": "Commune fictive de Guadeloupe"],
            "geometry": ["type": "Polygon", "coordinates": [ring]],
        ])
        return (hexagone, overseas)
    }

    /// A point 50 m east of the UTM square's east edge, at mid-height, in WGS84.
    static func pointEastOfSquare() throws -> (lon: Double, lat: Double) {
        let p = try CoordinateTransformer(from: .antilles, to: .wgs84, context: try ProjContext()).transform(x: 650_250, y: 1_800_100)
        return (p.x, p.y)
    }

    static func map(_ geometry: [String: Any], _ f: @escaping ([Double]) -> [Double]) -> [String: Any] {
        func walk(_ v: Any) -> Any {
            if let a = v as? [Double] { return f(a) }
            if let a = v as? [Any] { return a.map(walk) }
            return v
        }
        var g = geometry
        g["coordinates"] = walk(geometry["coordinates"]!)
        return g
    }

    @discardableResult
    static func writeGeoJSON(_ features: [[String: Any]], to path: String) throws -> String {
        let root: [String: Any] = [
            "type": "FeatureCollection", "crs": ["type": "name", "properties": ["name": "urn:ogc:def:crs:OGC:1.3:CRS84"]], "features": features,
        ]
        try JSONSerialization.data(withJSONObject: root).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// A shapefile written by ogr2ogr in `epsg` from a WGS84 GeoJSON; returns the `.shp` path.
    static func writeShapefile(_ features: [[String: Any]], epsg: Int, to shp: String, scratch: TemporaryDirectory) throws -> String {
        let src = try writeGeoJSON(features, to: scratch.path(UUID().uuidString + ".geojson"))
        try OGR.run(["-f", "ESRI Shapefile", "-t_srs", "EPSG:\(epsg)", shp, src])
        return shp
    }

    /// A ZIP archive written by Python's zipfile: (name in the archive, file on disk) pairs, deflated unless
    /// `stored`.
    static func zip(_ archive: String, _ members: [(String, String)], stored: Bool = false) throws {
        let script = """
            import sys, zipfile
            out, method = sys.argv[1], (zipfile.ZIP_STORED if sys.argv[2] == "stored" else zipfile.ZIP_DEFLATED)
            with zipfile.ZipFile(out, "w", method) as z:
                for i in range(3, len(sys.argv), 2):
                    z.write(sys.argv[i + 1], sys.argv[i])
            """
        let r = try CLIRunner.run(
            executable: URL(fileURLWithPath: "/usr/bin/python3"),
            ["-c", script, archive, stored ? "stored" : "deflated"] + members.flatMap { [$0.0, $0.1] })
        guard r.status == 0 else { throw OGR.Failed(description: "zipfile a échoué : \(r.stderr)") }
    }

    /// The shapefile flavour: `SHP/QP2024_France_hexagonale_LB93.*` and `SHP/QP2024_Guadeloupe_RGAF09_UTM20N.*`.
    static func shapefileArchive(_ archive: String, modified: Bool = false, scratch: TemporaryDirectory) throws {
        let r = try release(modified: modified)
        let dir = scratch.path("shp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        _ = try writeShapefile(r.hexagone, epsg: 2154, to: dir + "/QP2024_France_hexagonale_LB93.shp", scratch: scratch)
        _ = try writeShapefile(r.overseas, epsg: 5490, to: dir + "/QP2024_Guadeloupe_RGAF09_UTM20N.shp", scratch: scratch)
        let files = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
        try zip(archive, files.map { ("SHP/" + $0, dir + "/" + $0) })
    }

    /// The GeoJSON flavour: one file for the Hexagone and overseas, plus `extra` members.
    static func geoJSONArchive(_ archive: String, modified: Bool = false, extra: [(String, String)] = [], scratch: TemporaryDirectory) throws {
        let r = try release(modified: modified)
        let g = try writeGeoJSON(r.hexagone + r.overseas, to: scratch.path("geojson-\(UUID().uuidString).geojson"))
        try zip(archive, [("GEOJSON/QP2024_France_Hexagonale_Outre_Mer_WGS84.geojson", g)] + extra)
    }

    /// A point inside perimeter `code` of a release (GEOS point on surface of its WGS84 outline).
    static func pointInside(_ code: String, modified: Bool = false) throws -> (lon: Double, lat: Double) {
        let r = try release(modified: modified)
        let f = (r.hexagone + r.overseas).first { ($0["properties"] as! [String: Any])["code_qp"] as? String == code }!
        let geometry = try JSONParser.parse(try JSONSerialization.data(withJSONObject: f["geometry"]!))
        let g = try Geometry.multiPolygon(try GeoJSONGeometry.polygons(from: geometry), context: try GeosContext())
        let c = try g.pointOnSurface().coordinates()[0]
        return (c.x, c.y)
    }
}

@Suite struct ZipArchiveTests {
    let tmp: TemporaryDirectory
    init() throws { tmp = try TemporaryDirectory() }

    @Test func storedAndDeflatedMembersComeBackByteForByte() throws {
        var text = ""
        for i in 0..<20_000 { text += "ligne \(i) ; é à ç\n" }
        let a = try tmp.write("a.txt", text)
        let b = try tmp.write("b.bin", bytes: (0..<70_000).map { UInt8(truncatingIfNeeded: $0 &* 7919) })
        for stored in [false, true] {
            let archive = tmp.path("t-\(stored).zip")
            try OfficialFixture.zip(archive, [("DOSSIER/a.txt", a), ("b.bin", b)], stored: stored)
            let reader = try ZipArchive(path: archive)
            #expect(reader.entries.map(\.name) == ["DOSSIER/a.txt", "b.bin"])
            #expect(reader.entries[0].method == (stored ? 0 : 8))
            #expect(reader.entries[0].modified != nil)
            for (e, original) in zip(reader.entries, [a, b]) {
                let out = tmp.path("out-\(e.baseName)")
                try reader.extract(e, to: out)
                #expect(try Data(contentsOf: URL(fileURLWithPath: out)) == Data(contentsOf: URL(fileURLWithPath: original)))
            }
        }
    }

    @Test func corruptArchivesGiveClearErrors() throws {
        // Not a ZIP at all.
        let junk = try tmp.write("junk.zip", "ceci n'est pas une archive")
        #expect(throws: ZipArchiveError.self) { try ZipArchive(path: junk) }
        do { _ = try ZipArchive(path: junk) } catch { #expect("\(error)".contains("junk.zip") && "\(error)".contains("pas une archive ZIP")) }

        // Truncated: the central directory is gone.
        var text = ""
        for i in 0..<5_000 { text += "\(i),\(i * i)\n" }
        let src = try tmp.write("data.csv", text)
        let good = tmp.path("good.zip")
        try OfficialFixture.zip(good, [("data.csv", src)])
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: good)))
        let truncated = try tmp.write("tronquee.zip", bytes: Array(bytes.prefix(bytes.count / 2)))
        do {
            _ = try ZipArchive(path: truncated)
            Issue.record("archive tronquée acceptée")
        } catch { #expect("\(error)".contains("tronquee.zip")) }

        // Compressed data damaged: zlib or the CRC-32 says so, naming the member.
        var damaged = bytes
        for i in 60..<90 { damaged[i] ^= 0x5A }
        let bad = try tmp.write("abimee.zip", bytes: damaged)
        let reader = try ZipArchive(path: bad)
        do {
            try reader.extract(reader.entries[0], to: tmp.path("x.csv"))
            Issue.record("membre endommagé extrait sans erreur")
        } catch {
            #expect("\(error)".contains("abimee.zip"))
            #expect("\(error)".contains("data.csv"))
        }
    }
}

@Suite struct OfficialProjectionTests {
    @Test func memberNamesGiveTheOfficialProjections() {
        #expect(CRS.officialHint(in: "QP2024_France_hexagonale_LB93.shp") == .lambert93)
        #expect(CRS.officialHint(in: "QP2024_France_Hexagonale_Outre_Mer_WGS84.geojson") == .wgs84)
        #expect(CRS.officialHint(in: "QP2024_Guadeloupe_RGAF09_UTM20N") == CRS(epsg: 5490))
        #expect(CRS.officialHint(in: "QP2024_Martinique_RGAF09_UTM20N.shp") == CRS(epsg: 5490))
        #expect(CRS.officialHint(in: "QP2024_Guyane_RGF95_UTM22N") == CRS(epsg: 2972))
        #expect(CRS.officialHint(in: "QP2024_LaReunion_RGR92_UTM40S") == CRS(epsg: 2975))
        #expect(CRS.officialHint(in: "QP2024_Mayotte_RGM04_UTM38S") == CRS(epsg: 4471))
        #expect(CRS.officialHint(in: #"PROJCS["RGM_2004_UTM_Zone_38S",GEOGCS["GCS_RGM_2004"]]"#) == CRS(epsg: 4471))
        #expect(CRS.officialHint(in: "QP2024_France") == nil)
    }

    /// GDAL writes each overseas projection's `.prj` (ESRI WKT); qpv reads it back as the EPSG code.
    @Test(
        .enabled(if: SharedData.isCI || OGR.available),
        arguments: [
            (5490, -61.55, 16.25), (2972, -52.33, 4.93), (2975, 55.45, -20.9), (4471, 45.2, -12.78), (2154, 2.35, 48.85),
        ])
    func prjOfEachOverseasProjectionIsRecognised(epsg: Int, lon: Double, lat: Double) throws {
        let tmp = try TemporaryDirectory()
        let d = 0.002
        let square: [[String: Any]] = [
            [
                "type": "Feature", "properties": ["code_qp": "QN97101A", "lib_qp": "carré"],
                "geometry": ["type": "Polygon", "coordinates": [[[lon, lat], [lon + d, lat], [lon + d, lat + d], [lon, lat + d], [lon, lat]]]],
            ]
        ]
        let shp = try OfficialFixture.writeShapefile(square, epsg: epsg, to: tmp.path("f.shp"), scratch: tmp)
        let file = try PerimeterFileReader.read(path: shp, context: try GeosContext())
        #expect(file.crs == CRS(epsg: epsg))
        // Without the .prj, the official name of the file gives it.
        try FileManager.default.removeItem(atPath: tmp.path("f.prj"))
        let named = try PerimeterFileReader.read(path: shp, fallbackCRS: CRS(epsg: epsg), context: try GeosContext())
        #expect(named.crs == CRS(epsg: epsg))
    }
}

/// `qpv data import ARCHIVE.zip` on the real binary.
@Suite(.enabled(if: SharedData.isCI || OGR.available))
struct OfficialArchiveCLITests {
    let tmp: TemporaryDirectory
    var env: [String: String] { ["QPV_DATA_DIR": tmp.path("data")] }
    init() throws { tmp = try TemporaryDirectory() }

    func run(_ args: [String]) throws -> CLIRunner.Result { try CLIRunner.run(args, environment: env) }

    func list() throws -> JSONValue { try JSONParser.parse(try run(["data", "list", "--format", "json"]).stdout) }

    func locate(_ p: (lon: Double, lat: Double), _ extra: [String] = []) throws -> JSONValue {
        let r = try run(["locate", "--lon", String(p.lon), "--lat", String(p.lat), "--date", "2026-02-01", "--format", "json"] + extra)
        #expect(r.status == 0, "\(r.stderr)")
        return try JSONParser.parse(r.stdout)
    }

    @Test func geoJSONArchiveWithAnUnrelatedMember() throws {
        let notice = try tmp.write("LISEZMOI.txt", "notice")
        let archive = tmp.path("qpv-2024-geojson.zip")
        try OfficialFixture.geoJSONArchive(archive, extra: [("DOC/notice.pdf", notice)], scratch: tmp)
        let r = try run(["data", "import", archive, "--release-date", "2026-01-15"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("ignoré : DOC/notice.pdf — pas un fichier de périmètres (.pdf)"))
        #expect(r.stdout.contains("← GEOJSON/QP2024_France_Hexagonale_Outre_Mer_WGS84.geojson"))
        let packs = try list().arrayValue!
        #expect(packs.count == 1)
        let lists = Set(packs[0]["sets"]!.arrayValue!.compactMap { $0["list_id"]?.stringValue })
        #expect(lists == ["qpv-2024-hexagone", "qpv-2025-outre-mer"])
        #expect(packs[0]["release_date"]?.stringValue == "2026-01-15")
        #expect(packs[0]["archive"]?.stringValue == "qpv-2024-geojson.zip")
        // Answers name the release.
        let answer = try locate(try OfficialFixture.pointInside("QN00002B"))
        #expect(answer["qpv_code"]?.stringValue == "QN00002B")
        let used = answer["lists_used"]?.arrayValue ?? []
        #expect(used.first?["source_release_date"]?.stringValue == "2026-01-15")
        let text = try run([
            "locate", "--lon", String(try OfficialFixture.pointInside("QN00002B").lon), "--lat",
            String(try OfficialFixture.pointInside("QN00002B").lat), "--date", "2026-02-01",
        ])
        #expect(text.stdout.contains("publication du 15 janvier 2026"))
    }

    @Test func shapefileFlavourInLambert93AndUTM20N() throws {
        let archive = tmp.path("qpv-2024-shp.zip")
        try OfficialFixture.shapefileArchive(archive, scratch: tmp)
        // The official archive is the complete list of its territories (a partial list would answer not_covered
        // for a point outside every quartier that no commune data places in a covered département).
        let r = try run(["data", "import", archive, "--coverage", "national"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("2 fichier(s) de périmètres retenu(s)"))
        #expect(r.stdout.contains("date des fichiers dans l'archive"))
        let packs = try list().arrayValue!
        #expect(packs.count == 2)
        let byMember = Dictionary(uniqueKeysWithValues: packs.map { ($0["member"]?.stringValue ?? "", $0) })
        let hex = try #require(byMember["SHP/QP2024_France_hexagonale_LB93.shp"])
        let gp = try #require(byMember["SHP/QP2024_Guadeloupe_RGAF09_UTM20N.shp"])
        #expect(hex["sets"]?.arrayValue?.first?["list_id"]?.stringValue == "qpv-2024-hexagone")
        #expect(gp["sets"]?.arrayValue?.first?["list_id"]?.stringValue == "qpv-2025-outre-mer")
        #expect(gp["perimeters"]?.numberValue == 4)
        // Each pack in its own CRS, read from GDAL's .prj.
        let hexPack = try PerimeterPack(path: hex["path"]!.stringValue!)
        let gpPack = try PerimeterPack(path: gp["path"]!.stringValue!)
        #expect(hexPack.manifest.containmentCRS == 2154)
        #expect(gpPack.manifest.containmentCRS == 5490)
        #expect(gpPack.manifest.perimeters.allSatisfy { $0.metricCRS == 5490 })
        // Distances overseas in RGAF09 / UTM 20N: 50 m east of the square drawn in that projection.
        let answer = try locate(try OfficialFixture.pointEastOfSquare())
        #expect(answer["status"]?.stringValue == "out")
        #expect(answer["nearest_qpv"]?["code"]?.stringValue == "QN97193D")
        let d = answer["distance_boundary_m"]?.numberValue ?? -1
        #expect(abs(d - 50) < 0.01, "distance \(d)")
        // The same perimeters from the Hexagone member.
        #expect(try locate(try OfficialFixture.pointInside("QN00004C"))["qpv_code"]?.stringValue == "QN00004C")
    }

    @Test func geoPackageMemberAndDataRemoveOfAKeptPack() throws {
        let r = try OfficialFixture.release()
        let src = try OfficialFixture.writeGeoJSON(r.hexagone, to: tmp.path("hex.geojson"))
        let gpkg = tmp.path("QP2024_France_hexagonale_LB93.gpkg")
        try OGR.run(["-f", "GPKG", "-t_srs", "EPSG:2154", gpkg, src])
        let archive = tmp.path("qpv-2024-gpkg.zip")
        try OfficialFixture.zip(archive, [("GPKG/QP2024_France_hexagonale_LB93.gpkg", gpkg)])
        let first = try run(["data", "import", archive, "--release-date", "2025-06-01"])
        #expect(first.status == 0, "\(first.stderr)")
        let pack = try #require(try list().arrayValue?.first)
        #expect(try PerimeterPack(path: pack["path"]!.stringValue!).manifest.containmentCRS == 2154)
        #expect(pack["member"]?.stringValue == "GPKG/QP2024_France_hexagonale_LB93.gpkg")
        // The same release again, re-dated and kept: nothing changed, the previous pack is the same file.
        let again = try run(["data", "import", archive, "--release-date", "2025-07-01", "--keep-previous"])
        #expect(again.stdout.contains("aucun changement"))
        #expect(try list().arrayValue?.count == 1)
        #expect(try list().arrayValue?.first?["release_date"]?.stringValue == "2025-07-01")
        // A changed release keeps the previous one, which `data remove` can delete.
        let modified = try OfficialFixture.writeGeoJSON(try OfficialFixture.release(modified: true).hexagone, to: tmp.path("hex2.geojson"))
        let gpkg2 = tmp.path("b/QP2024_France_hexagonale_LB93.gpkg")
        try FileManager.default.createDirectory(atPath: tmp.path("b"), withIntermediateDirectories: true)
        try OGR.run(["-f", "GPKG", "-t_srs", "EPSG:2154", gpkg2, modified])
        let archive2 = tmp.path("qpv-2024-gpkg-2026.zip")
        try OfficialFixture.zip(archive2, [("GPKG/QP2024_France_hexagonale_LB93.gpkg", gpkg2)])
        #expect(try run(["data", "import", archive2, "--release-date", "2026-01-15", "--keep-previous"]).status == 0)
        let kept = try #require(try list().arrayValue?.first { $0["previous"] == .bool(true) })
        #expect(kept["release_date"]?.stringValue == "2025-07-01")
        #expect(try run(["data", "remove", kept["pack_id"]!.stringValue!]).status == 0)
        #expect(try list().arrayValue?.map { $0["previous"] } == [.bool(false)])
    }

    @Test func memberOptionPicksOne() throws {
        let archive = tmp.path("qpv-2024-shp.zip")
        try OfficialFixture.shapefileArchive(archive, scratch: tmp)
        let r = try run(["data", "import", archive, "--member", "QP2024_Guadeloupe_RGAF09_UTM20N"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("non retenu : SHP/QP2024_France_hexagonale_LB93.shp"))
        let packs = try list().arrayValue!
        #expect(packs.map { $0["member"]?.stringValue } == ["SHP/QP2024_Guadeloupe_RGAF09_UTM20N.shp"])
        let missing = try run(["data", "import", archive, "--member", "QP2024_Corse"])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("membre « QP2024_Corse » introuvable"))
        #expect(missing.stderr.contains("SHP/QP2024_France_hexagonale_LB93.shp"))
    }

    @Test func archivesWithoutPerimetersOrDamagedAreRefusedClearly() throws {
        let notice = try tmp.write("notice.pdf", "pdf")
        let empty = tmp.path("vide.zip")
        try OfficialFixture.zip(empty, [("notice.pdf", notice)])
        let r = try run(["data", "import", empty])
        #expect(r.status != 0)
        #expect(r.stderr.contains("aucun fichier de périmètres"))
        #expect(r.stderr.contains("notice.pdf"))

        let good = tmp.path("qpv-2024-geojson.zip")
        try OfficialFixture.geoJSONArchive(good, scratch: tmp)
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: good)))
        let cut = try tmp.write("coupee.zip", bytes: Array(bytes.prefix(bytes.count - 200)))
        let c = try run(["data", "import", cut])
        #expect(c.status != 0)
        #expect(c.stderr.contains("coupee.zip"))
        #expect(c.stderr.contains("archive ZIP"))
        var damaged = bytes
        for i in 200..<260 { damaged[i] ^= 0xA5 }
        let d = try run(["data", "import", try tmp.write("abimee.zip", bytes: damaged)])
        #expect(d.status != 0)
        #expect(d.stderr.contains("abimee.zip, membre « GEOJSON/QP2024_France_Hexagonale_Outre_Mer_WGS84.geojson »"))
        #expect(try list().arrayValue?.isEmpty == true)
    }

    @Test func newReleaseReplacesAfterShowingChangesAndThePreviousCanBeKept() throws {
        let first = tmp.path("qpv-2024-shp-2025.zip")
        try OfficialFixture.shapefileArchive(first, scratch: tmp)
        #expect(try run(["data", "import", first, "--release-date", "2025-06-01"]).status == 0)
        let second = tmp.path("qpv-2024-shp-2026.zip")
        try OfficialFixture.shapefileArchive(second, modified: true, scratch: tmp)
        let r = try run(["data", "import", second, "--release-date", "2026-01-15", "--keep-previous"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("Changements de la publication du 1er juin 2025"))
        #expect(r.stdout.contains("code(s) ajouté(s) : QN00005D"))
        #expect(r.stdout.contains("code(s) retiré(s) : QN00004C"))
        #expect(r.stdout.contains("nom changé : QN00001A « Les Tilleuls (démo) » → « Les Tilleuls rénovés (démo) »"))
        #expect(r.stdout.contains("contour modifié : QN00002B"))
        #expect(!r.stdout.contains("contour modifié : QN00001A"))
        #expect(r.stdout.contains("nom changé : QN97190A"))  // the Guadeloupe member: names only (.dbf), outlines identical
        #expect(!r.stdout.contains("contour modifié : QN9719"))
        let packs = try list().arrayValue!
        #expect(packs.filter { $0["previous"] == .bool(false) }.count == 2)
        #expect(packs.filter { $0["previous"] == .bool(false) }.allSatisfy { $0["release_date"]?.stringValue == "2026-01-15" })
        #expect(packs.filter { $0["previous"] == .bool(true) }.count == 2)
        // Answers come from the new release; the kept one answers when asked.
        let removed = try OfficialFixture.pointInside("QN00004C")
        let now = try locate(removed)
        #expect(now["qpv_code"]?.stringValue == "QN00005D")
        let before = try locate(removed, ["--release", "2025-06-01"])
        #expect(before["qpv_code"]?.stringValue == "QN00004C")
        #expect(before["lists_used"]?.arrayValue?.first?["source_release_date"]?.stringValue == "2025-06-01")
        let unknown = try run(["locate", "--lon", String(removed.lon), "--lat", String(removed.lat), "--release", "2024-03-01"])
        #expect(unknown.status != 0)
        #expect(unknown.stderr.contains("2025-06-01"))
    }

    @Test func aPartOfAReleaseDoesNotSilentlyReplaceAWholerPack() throws {
        let geojson = tmp.path("qpv-2024-geojson.zip")
        try OfficialFixture.geoJSONArchive(geojson, scratch: tmp)
        #expect(try run(["data", "import", geojson]).status == 0)
        let shp = tmp.path("qpv-2024-shp.zip")
        try OfficialFixture.shapefileArchive(shp, modified: true, scratch: tmp)
        let part = try run(["data", "import", shp, "--member", "QP2024_France_hexagonale_LB93"])
        #expect(part.status != 0)
        #expect(part.stderr.contains("qpv-2025-outre-mer (971)"))
        #expect(try list().arrayValue?.count == 1)
        // The whole archive brings every part: it replaces the GeoJSON pack (no previous kept by default).
        let whole = try run(["data", "import", shp])
        #expect(whole.status == 0, "\(whole.stderr)")
        #expect(whole.stdout.contains("Remplace le paquet qpv-2024-mixte-"))
        let packs = try list().arrayValue!
        #expect(packs.count == 2)
        #expect(packs.allSatisfy { $0["archive"]?.stringValue == "qpv-2024-shp.zip" })
    }
}

/// The real Occitanie file (2015 list) published as the shapefile flavour of an archive: the same answers
/// as the reference.
@Suite(.enabled(if: SharedData.isAvailable && (SharedData.isCI || OGR.available)))
struct OfficialArchiveTruthTests {
    @Test func lambert93ShapefileInsideAZipMatchesTruth() throws {
        let tmp = try TemporaryDirectory()
        let dir = tmp.path("SHP")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try OGR.run(["-f", "ESRI Shapefile", "-t_srs", "EPSG:2154", dir + "/QP_METROPOLE_LB93.shp", try occitaniePath()])
        let archive = tmp.path("qpv-2015-shp.zip")
        try OfficialFixture.zip(archive, try FileManager.default.contentsOfDirectory(atPath: dir).sorted().map { ("SHP/" + $0, dir + "/" + $0) })
        let r = try CLIRunner.run(["data", "import", archive], environment: ["QPV_DATA_DIR": tmp.path("data")])
        #expect(r.status == 0, "\(r.stderr)")
        let catalog = try PerimeterCatalog.open(dataDirectory: DataDirectory(url: tmp.url.appendingPathComponent("data")))
        #expect(catalog.packs.first?.manifest.source.member == "SHP/QP_METROPOLE_LB93.shp")
        try expectOccitanieTruth(catalog)
    }
}
