// Reading perimeter files: GeoJSON errors with line and column, CRS problems, feature errors, merged codes,
// GeoPackage; GDAL-written GeoPackage and Shapefile of the real Occitanie list answer like the GeoJSON.

import Foundation
import QPVCore
import QPVGeometry
import QPVPerimeters
import QPVTestSupport
import Testing

@Suite struct PerimeterFileTests {
    let geos: GeosContext
    init() throws { geos = try GeosContext() }

    func readError(_ text: String, name: String = "f.geojson", crs: CRS? = nil) throws -> String {
        let tmp = try TemporaryDirectory()
        let path = try tmp.write(name, text)
        do {
            let file = try PerimeterFileReader.read(path: path, crs: crs, context: geos)
            _ = try PackCompiler(registry: try Registry.shipped()).compile(file, options: ImportOptions())
            return ""
        } catch {
            return "\(error)"
        }
    }

    @Test func malformedGeoJSONNamesLineAndColumn() throws {
        let message = try readError("{\n  \"type\": \"FeatureCollection\",\n  \"features\": [ { \"type\": \"Feature\" \"x\": 1 } ]\n}")
        #expect(message.contains("f.geojson"))
        #expect(message.contains("ligne 3"))
    }

    @Test func emptyAndNonGeoJSONFiles() throws {
        #expect(try readError("").contains("vide"))
        #expect(try readError(#"{"type":"FeatureCollection","features":[]}"#).contains("vide"))
        #expect(try readError(#"{"type":"Topology"}"#).contains("FeatureCollection"))
        #expect(try readError("x", name: "f.kml").contains("format non reconnu"))
    }

    @Test func unknownCRSAndMissingCRS() throws {
        let unknown =
            #"{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::999999"}},"features":[{"type":"Feature","properties":{"code_qp":"QP062001"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}}]}"#
        #expect(try readError(unknown).contains("999999"))
        let weird = #"{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"Lambert quelque chose"}},"features":[]}"#
        #expect(try readError(weird).contains("inconnu"))
        // Lambert-93 coordinates without a crs member: not degrees, the user must say which CRS.
        let l93 =
            #"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code_qp":"QP062001"},"geometry":{"type":"Polygon","coordinates":[[[680000,7040000],[681000,7040000],[681000,7041000],[680000,7040000]]]}}]}"#
        #expect(try readError(l93).contains("--crs EPSG:2154"))
        #expect(try readError(l93, crs: .lambert93) == "")
    }

    @Test func featureProblemsNameTheFeature() throws {
        let noGeometry = #"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code_qp":"QP062001"},"geometry":null}]}"#
        let m1 = try readError(noGeometry)
        #expect(m1.contains("entité n° 1") && m1.contains("QP062001") && m1.contains("absente"))
        let point =
            #"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code_qp":"QP062001"},"geometry":{"type":"Point","coordinates":[2,50]}}]}"#
        #expect(try readError(point).contains("Point"))
        let noCode =
            #"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"nom":"x"},"geometry":{"type":"Polygon","coordinates":[[[2,50],[2.1,50],[2.1,50.1],[2,50]]]}}]}"#
        #expect(try readError(noCode).contains("--code-column"))
        let badCoords =
            #"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code_qp":"QP062001"},"geometry":{"type":"Polygon","coordinates":[[[2,"a"],[2.1,50],[2.1,50.1],[2,50]]]}}]}"#
        #expect(try readError(badCoords).contains("QP062001"))
        let unknownCodes =
            #"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code_qp":"ZZ1"},"geometry":{"type":"Polygon","coordinates":[[[2,50],[2.1,50],[2.1,50.1],[2,50]]]}}]}"#
        #expect(try readError(unknownCodes).contains("--vintage"))
    }

    @Test func featuresOfOneCodeAreMergedWithoutInternalBoundary() throws {
        // Two halves of one QPV on two communes (like the 2024 file): the shared edge must disappear.
        let tmp = try TemporaryDirectory()
        let text =
            #"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code_qp":"QN06201M","lib_qp":"Q","insee_com":"62498","lib_com":"Lens"},"geometry":{"type":"Polygon","coordinates":[[[2.80,50.40],[2.81,50.40],[2.81,50.41],[2.80,50.41],[2.80,50.40]]]}},{"type":"Feature","properties":{"code_qp":"QN06201M","lib_qp":"Q","insee_com":"62510","lib_com":"Liévin"},"geometry":{"type":"Polygon","coordinates":[[[2.81,50.40],[2.82,50.40],[2.82,50.41],[2.81,50.41],[2.81,50.40]]]}}]}"#
        let path = try tmp.write("two.geojson", text)
        let catalog = try PerimeterCatalog.open(dataDirectory: DataDirectory(url: tmp.url), perimetersFile: path)
        #expect(catalog.perimeters.count == 1)
        let p = catalog.perimeters[0]
        #expect(p.record.featureCount == 2)
        #expect(p.record.communes.map(\.insee) == ["62498", "62510"])
        let r = try Locator(catalog: catalog).locate(lon: 2.81, lat: 50.405, on: CivilDate("2024-06-01")!)
        #expect(r.status == .inside)
        #expect((r.qpv?.distanceBoundaryM ?? 0) > 300)  // far from the outer edges, not 0 m from the old commune edge
    }

    @Test func geoPackageIsRead() throws {
        // A GeoPackage written with SQLite following OGC 12-128 (gpkg_contents, gpkg_geometry_columns,
        // gpkg_spatial_ref_sys, GP blob header), in Lambert-93.
        let tmp = try TemporaryDirectory()
        let path = tmp.path("qpv.gpkg")
        let writer = try GeoPackageWriter(
            path: path, table: "qp", crs: .lambert93, crsName: "RGF93 v1 / Lambert-93", columns: ["CODE_QP", "NOM_QP", "COMMUNE_QP"])
        let square = try Geometry(
            wkt: "MULTIPOLYGON (((680000 7040000, 681000 7040000, 681000 7041000, 680000 7041000, 680000 7040000)))", context: geos)
        try writer.add(wkb: try square.wkb(), values: ["QP062001", "Cité test", "Lens"])
        try writer.close()
        if OGR.available {
            // GDAL must accept what we write.
            try OGR.run(["-f", "GeoJSON", tmp.path("check.geojson"), path])
            #expect(try tmp.read("check.geojson").contains("QP062001"))
        }
        let file = try PerimeterFileReader.read(path: path, context: geos)
        #expect(file.crs == .lambert93)
        #expect(file.layer == "qp")
        var national = ImportOptions()
        national.coverage = "national"  // a test fixture standing for a complete list (issue 12: a partial one answers not_covered)
        let catalog = try PerimeterCatalog.open(dataDirectory: DataDirectory(url: tmp.url), perimetersFile: path, options: national)
        #expect(catalog.perimeters[0].code == "QP062001")
        #expect(catalog.perimeters[0].name == "Cité test")
        #expect(abs(catalog.perimeters[0].record.areaM2 - 1_000_000) < 1e-6)
        // Containment is decided in Lambert-93 (the file's CRS): the centre is in, a point 50 m east of the square is out.
        let proj = try ProjContext()
        let toWGS = try CoordinateTransformer(from: .lambert93, to: .wgs84, context: proj)
        let centre = try toWGS.transform(x: 680_500, y: 7_040_500)
        let outside = try toWGS.transform(x: 681_050, y: 7_040_500)
        let locator = try Locator(catalog: catalog)
        #expect(try locator.locate(lon: centre.x, lat: centre.y, on: CivilDate("2020-01-01")!).status == .inside)
        let r = try locator.locate(lon: outside.x, lat: outside.y, on: CivilDate("2020-01-01")!)
        #expect(r.status == .outside)
        #expect(abs((r.qpv?.distanceBoundaryM ?? 0) - 50) < 0.01)
    }
}

/// Files written by GDAL's ogr2ogr from the real Occitanie file (Debian gdal-bin): an independent writer of
/// GeoPackage and Shapefile, in Lambert-93, must give the same answers as the GeoJSON.
@Suite(.enabled(if: SharedData.isAvailable && (SharedData.isCI || OGR.available)))
struct OGRConvertedFilesTests {
    func convert(format: String, name: String) throws -> (TemporaryDirectory, String) {
        let tmp = try TemporaryDirectory()
        let out = tmp.path(name)
        try OGR.run(["-f", format, "-t_srs", "EPSG:2154", out, try occitaniePath()])
        return (tmp, out)
    }

    func answersMatchTruth(_ path: String, _ tmp: TemporaryDirectory) throws {
        try expectOccitanieTruth(try PerimeterCatalog.open(dataDirectory: DataDirectory(url: tmp.url), perimetersFile: path))
    }

    @Test func geoPackageFromGDAL() throws {
        let (tmp, path) = try convert(format: "GPKG", name: "occitanie-l93.gpkg")
        try answersMatchTruth(path, tmp)
    }

    @Test func shapefileFromGDAL() throws {
        let (tmp, path) = try convert(format: "ESRI Shapefile", name: "occitanie-l93.shp")
        let file = try PerimeterFileReader.read(path: path, context: try GeosContext())
        #expect(file.crs == .lambert93)  // identified from the .prj by PROJ
        #expect(file.features.count == 105)
        try answersMatchTruth(path, tmp)
    }
}

enum OGR {
    static var path: String? {
        for p in ["/usr/bin/ogr2ogr", "/usr/local/bin/ogr2ogr"] where FileManager.default.isExecutableFile(atPath: p) { return p }
        return nil
    }
    static var available: Bool { path != nil }

    struct Failed: Error, CustomStringConvertible {
        let description: String
    }

    static func run(_ args: [String]) throws {
        guard let path else { throw Failed(description: "ogr2ogr introuvable (apt-get install gdal-bin)") }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = args
        let err = Pipe()
        p.standardError = err
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw Failed(description: "ogr2ogr a échoué : " + String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
        }
    }
}

/// The Occitanie 2015 perimeters in Lambert-93 (GDAL-written files) answer the reference points exactly.
func expectOccitanieTruth(_ catalog: PerimeterCatalog) throws {
    #expect(catalog.perimeters.count == 105)
    #expect(catalog.packs[0].manifest.containmentCRS == 2154)
    let truth = try TruthPoint.load()
    let results = try Locator(catalog: catalog).locate(lons: truth.map(\.lon), lats: truth.map(\.lat), on: CivilDate("2023-06-01")!)
    var mismatches = 0
    var worst = 0.0
    for (t, r) in zip(truth, results) {
        if Set(r.qpv?.containing.map(\.code) ?? []) != t.codes { mismatches += 1 }
        worst = max(worst, abs((r.qpv?.distanceBoundaryM ?? -1) - t.distance))
    }
    #expect(mismatches == 0)
    #expect(worst < 0.06)
}
