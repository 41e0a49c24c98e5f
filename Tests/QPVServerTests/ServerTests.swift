// The real server on a loopback port, called over TCP (`TestHTTP`): every documented OpenAPI example, each
// route's answers against the engines called directly, CSV batches, limits, concurrency, logs, `qpv serve`.

import Foundation
import QPVAddressing
import QPVCore
import QPVEligibility
import QPVGeoData
import QPVGeocoding
import QPVPerimeters
import QPVServer
import QPVTestSupport
import Synchronization
import Testing

/// Integration tests: the real server on a loopback port, called over TCP like any client.
@Suite("Serveur HTTP", .serialized)
struct ServerTests {
    static let boundaryAddress = "15 avenue de la Mer 00100 Quartville-sur-Démo"
    static let insideAddress = "100 rue des Tilleuls 00100 Quartville-sur-Démo"

    static func encoded(_ s: String) -> String {
        s.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
    }

    func server() async throws -> (port: Int, engine: ServerEngine) { try await TestServer.shared.start() }

    // MARK: - The OpenAPI document matches the server

    @Test("chaque exemple documenté dans /openapi.json obtient le statut et le type documentés ; chaque route est documentée")
    func openAPIMatchesServer() async throws {
        let (port, _) = try await server()
        let doc = try await TestHTTP.get(port, "/openapi.json").json()
        guard case .object(let paths)? = doc["paths"] else { Issue.record("pas de paths"); return }
        let documented = Set(paths.map(\.0))
        let routes = Set(APIRoutes.getRoutes + APIRoutes.postRoutes)
        #expect(
            documented == routes,
            "routes non documentées : \(routes.subtracting(documented)) ; documentées sans route : \(documented.subtracting(routes))")
        var calls = 0
        for (path, item) in paths {
            guard case .object(let operations) = item else { continue }
            for (method, operation) in operations {
                guard case .object(let responses)? = operation["responses"] else { Issue.record("\(path) sans réponses"); continue }
                let examples = operation["x-qpv-examples"]
                for (status, response) in responses {
                    let types = response["content"]?.objectValue?.map(\.0) ?? []
                    let cases = examples?[status]?.arrayValue ?? []
                    if status == "200" || status == "400" || status == "404" {
                        #expect(
                            !cases.isEmpty || (path.hasPrefix("/perimeters/") == false && status == "404"),
                            "\(method) \(path) \(status) : aucun exemple")
                    }
                    for c in cases {
                        let target = (c["path"]?.stringValue ?? path) + ((c["query"]?.stringValue).map { $0.isEmpty ? "" : "?" + $0 } ?? "")
                        var headers: [(String, String)] = []
                        if let ct = c["content_type"]?.stringValue { headers.append(("Content-Type", ct)) }
                        let body = c["body"]?.stringValue.map { Array($0.utf8) }
                        let answer = try await TestHTTP.send(port: port, method: method.uppercased(), target: target, headers: headers, body: body)
                        calls += 1
                        #expect(
                            "\(answer.status)" == status,
                            "\(method.uppercased()) \(target) : \(answer.status) au lieu de \(status) — \(answer.text.prefix(300))")
                        #expect(
                            types.contains(answer.mediaType), "\(method.uppercased()) \(target) : type \(answer.mediaType) non documenté (\(types))")
                        if answer.status >= 400 {
                            let e = try answer.json()
                            #expect(e["error"]?.stringValue?.isEmpty == false)
                            #expect((e["message"]?.stringValue?.count ?? 0) > 10, "message d'erreur trop court : \(answer.text)")
                            #expect(e["status"]?.numberValue == Double(answer.status))
                        }
                    }
                }
            }
        }
        #expect(calls > 60)
        #expect(try await TestHTTP.get(port, "/health").status == 200)
    }

    // MARK: - Answers agree with the libraries

    @Test("/search : forme d'api-adresse et réponse QPV identique à /locate et au Locator")
    func searchAgreesWithLocate() async throws {
        let (port, engine) = try await server()
        for (address, expected) in [(Self.boundaryAddress, "boundary"), (Self.insideAddress, "in")] {
            let a = try await TestHTTP.get(port, "/search?q=\(Self.encoded(address))&limit=3&date=2024-06-01")
            #expect(a.status == 200)
            #expect(a.mediaType == "application/geo+json")
            let fc = try a.json()
            #expect(fc["type"]?.stringValue == "FeatureCollection")
            guard let f = fc["features"]?.arrayValue?.first else { Issue.record("aucun résultat pour \(address)"); continue }
            let p = f["properties"]!
            for key in [
                "label", "id", "type", "housenumber", "street", "postcode", "city", "citycode", "qpv_status", "qpv_code", "qpv_name", "qpv_vintage",
            ] {
                #expect(p[key]?.stringValue != nil, "propriété \(key) absente")
            }
            #expect(p["score"]?.numberValue != nil)
            #expect(p["qpv_status"]?.stringValue == expected, "\(address) : \(p["qpv_status"]?.stringValue ?? "?")")
            let coords = f["geometry"]?["coordinates"]?.arrayValue?.compactMap(\.numberValue) ?? []
            #expect(coords.count == 2)
            // The same point through /locate, and through the library directly.
            let l = try await TestHTTP.get(port, "/locate?lon=\(coords[0])&lat=\(coords[1])&date=2024-06-01").json()
            #expect(l["status"]?.stringValue == expected)
            #expect(l["qpv_code"]?.stringValue == p["qpv_code"]?.stringValue)
            let direct = try Locator(catalog: engine.catalog).locate(lon: coords[0], lat: coords[1], on: CivilDate("2024-06-01")!, tolerance: 20)
            #expect(direct.status.rawValue == expected)
            let d = try #require(direct.qpv?.distanceBoundaryM)
            #expect(abs((l["distance_boundary_m"]?.numberValue ?? -1) - d) < 0.01)
            #expect(abs((p["distance_boundary_m"]?.numberValue ?? -1) - d) < 0.01)
            if expected == "boundary" {
                #expect(d < 20)
                #expect(l["to_verify"]?.arrayValue?.first?.stringValue?.contains("adresse en limite de quartier") == true)
            } else {
                #expect(p["qpv_code"]?.stringValue == "QX000201")
            }
        }
    }

    @Test("/reverse : l'adresse la plus proche, vérifiée contre un parcours complet du fichier d'adresses")
    func reverseFindsNearest() async throws {
        let (port, _) = try await server()
        let csv = try String(contentsOf: try #require(GeoDataBundle.url("demo/demo-adresses.csv")), encoding: .utf8)
        var addresses: [(id: String, lon: Double, lat: Double)] = []
        for line in csv.split(separator: "\n").dropFirst() {
            let f = line.split(separator: ";", omittingEmptySubsequences: false)
            addresses.append((String(f[0]), Double(f[12])!, Double(f[13])!))
        }
        let points = [(-4.6181818, 46.2107914), (-4.5999351, 46.1811151), (-4.5974026, 46.2013489), (-4.6064935, 46.1802158)]
        for (lon, lat) in points {
            let a = try await TestHTTP.get(port, "/reverse?lon=\(lon)&lat=\(lat)&limit=2&date=2024-06-01")
            #expect(a.status == 200)
            let features = try a.json()["features"]?.arrayValue ?? []
            let kx = 111_195.0 * cos(lat * .pi / 180)
            let distances = addresses.map { ($0.id, (pow(($0.lon - lon) * kx, 2) + pow(($0.lat - lat) * 111_195.0, 2)).squareRoot()) }
            let nearest = distances.map(\.1).min()!
            let nearestIDs = distances.filter { $0.1 < nearest + 0.01 }.map(\.0)  // ties: equidistant addresses
            let first = try #require(features.first)
            let id = first["properties"]?["id"]?.stringValue ?? "?"
            #expect(nearestIDs.contains(id), "(\(lon), \(lat)) : \(id) au lieu de \(nearestIDs)")
            #expect(abs((first["properties"]?["distance"]?.numberValue ?? -1) - nearest) < 0.05)
            #expect(features.count == 2)
            #expect(first["properties"]?["qpv_status"]?.stringValue != nil)
        }
        // Far from every address: no feature, still 200.
        let far = try await TestHTTP.get(port, "/reverse?lon=2.35&lat=48.85")
        #expect(far.status == 200)
        #expect(try far.json()["features"]?.arrayValue?.isEmpty == true)
    }

    @Test(
        "issue 15.11 : /nearby donne toutes les adresses du rayon (vérifié contre un parcours du fichier) et leurs voies ; /health dit si les adresses sont de démonstration"
    )
    func nearbyAddressesAndStreets() async throws {
        let (port, _) = try await server()
        let csv = try String(contentsOf: try #require(GeoDataBundle.url("demo/demo-adresses.csv")), encoding: .utf8)
        var addresses: [(id: String, street: String, lon: Double, lat: Double)] = []
        for line in csv.split(separator: "\n").dropFirst() {
            let f = line.split(separator: ";", omittingEmptySubsequences: false)
            addresses.append((String(f[0]), String(f[4]), Double(f[12])!, Double(f[13])!))
        }
        let (lon, lat) = (-4.6181818, 46.2107914)
        let a = try await TestHTTP.get(port, "/nearby?lon=\(lon)&lat=\(lat)&radius=200")
        #expect(a.status == 200)
        #expect(a.mediaType == "application/geo+json")
        let body = try a.json()
        let features = body["features"]?.arrayValue ?? []
        let points = features.filter { $0["properties"]?["kind"]?.stringValue == "address" }
        let streets = features.filter { $0["properties"]?["kind"]?.stringValue == "street" }
        let kx = 111_195.0 * cos(lat * .pi / 180)
        func distance(_ a: (id: String, street: String, lon: Double, lat: Double)) -> Double {
            (pow((a.lon - lon) * kx, 2) + pow((a.lat - lat) * 111_195.0, 2)).squareRoot()
        }
        // Every address within the radius, none beyond (1 m of slack for the rounding of coordinates).
        let within = Set(addresses.filter { distance($0) < 199 }.map(\.id))
        let beyond = Set(addresses.filter { distance($0) > 201 }.map(\.id))
        let ids = Set(points.compactMap { $0["properties"]?["id"]?.stringValue })
        #expect(!within.isEmpty && within.isSubset(of: ids), "manquantes : \(within.subtracting(ids))")
        #expect(ids.isDisjoint(with: beyond), "trop loin : \(ids.intersection(beyond))")
        let distances = points.compactMap { $0["properties"]?["distance"]?.numberValue }
        #expect(distances == distances.sorted() && (distances.last ?? 999) <= 200)
        // The streets of those addresses, each a line through its addresses, named as in the BAN.
        let names = Set(streets.compactMap { $0["properties"]?["name"]?.stringValue })
        let expected = Set(addresses.filter { within.contains($0.id) }.map(\.street))
        #expect(names == expected, "\(names) ≠ \(expected)")
        for s in streets where (s["properties"]?["address_count"]?.numberValue ?? 0) > 1 {
            #expect(s["geometry"]?["type"]?.stringValue == "LineString" && (s["geometry"]?["coordinates"]?.arrayValue?.count ?? 0) >= 2, "\(s)")
        }
        #expect(body["demo"] == .bool(true) && body["truncated"] == .bool(false))
        // limit keeps the nearest and says so.
        let few = try await TestHTTP.get(port, "/nearby?lon=\(lon)&lat=\(lat)&radius=200&limit=3").json()
        #expect(
            few["features"]?.arrayValue?.filter { $0["properties"]?["kind"]?.stringValue == "address" }.count == 3 && few["truncated"] == .bool(true))
        // Far from every address: empty; bad radius: 400.
        #expect(try await TestHTTP.get(port, "/nearby?lon=2.35&lat=48.85").json()["features"]?.arrayValue?.isEmpty == true)
        // Near a pole the ring count overflowed and stopped the server (found by Scripts/test-openapi).
        for lat in ["90", "-90", "89"] {
            let polar = try await TestHTTP.get(port, "/nearby?lon=-4.6181818&lat=\(lat)&radius=250&limit=500")
            #expect(polar.status == 200, "lat=\(lat) : \(polar.text)")
            #expect(try polar.json()["features"]?.arrayValue?.isEmpty == true, "lat=\(lat) : \(polar.text)")
        }
        #expect(try await TestHTTP.get(port, "/health").status == 200)
        #expect(try await TestHTTP.get(port, "/nearby?lon=\(lon)&lat=\(lat)&radius=5000").status == 400)
        #expect(try await TestHTTP.get(port, "/health").json()["demo_addresses"] == .bool(true))
    }

    @Test("/eligibility : le même verdict que le moteur appelé directement")
    func eligibilityAgreesWithEngine() async throws {
        let (port, engine) = try await server()
        let (lon, lat) = (-4.6181818, 46.2107914)
        let a = try await TestHTTP.get(
            port, "/eligibility/emploi-franc?lon=\(lon)&lat=\(lat)&signature_date=2023-03-15&contract=cdi&status=jobseeker&employer=private")
        #expect(a.status == 200)
        let locator = try EligibilityLocator(catalog: engine.catalog)
        let location = try locator.locate(lon: lon, lat: lat, on: CivilDate("2023-03-15")!)
        let report = EmploiFranc.evaluate(
            EmploiFrancRequest(signatureDate: CivilDate("2023-03-15")!, contract: .cdi, status: .jobseeker, employer: .privateCompany),
            location: location, book: try RuleBook.shipped("emploi-franc"))
        let api = try a.json()
        #expect(api["verdict"]?.stringValue == report.verdict.rawValue)
        #expect(api["summary"]?.stringValue == report.summary)
        #expect(api["criteria"]?.arrayValue?.count == report.criteria.count)
        #expect(api["location"]?["code"]?.stringValue == report.location?.code)

        let ar = try await TestHTTP.get(
            port,
            "/eligibility/adulte-relais?address=\(Self.encoded(Self.insideAddress))&hire_date=2024-09-02&birth_date=1990-05-12&employment=unemployed&contract=cdd&duration_months=36"
        )
        #expect(ar.status == 200)
        let arj = try ar.json()
        #expect(arj["programme"]?.stringValue == "adulte_relais")
        #expect(arj["location"]?["status"]?.stringValue == "in")
        #expect(arj["location"]?["address_label"]?.stringValue?.contains("Tilleuls") == true)
    }

    @Test("/eligibility : un fait oui/non absent est « non renseigné », jamais supposé")
    func eligibilityFlagsAreTriState() async throws {
        let (port, _) = try await server()
        let base = "/eligibility/emploi-franc?lon=-4.6181818&lat=46.2107914&signature_date=2023-03-15&contract=cdi&status=jobseeker&employer=private"
        func criterion(_ j: JSONValue, _ id: String) -> JSONValue? { j["criteria"]?.arrayValue?.first { $0["id"]?.stringValue == id } }
        let absent = try await TestHTTP.get(port, base).json()
        #expect(criterion(absent, "no_recent_employment")?["result"]?.stringValue == "unknown")
        #expect(absent["verdict"]?.stringValue == "to_verify")
        // An empty value is refused (as for every parameter): "non renseigné" is the parameter left out.
        #expect(try await TestHTTP.get(port, base + "&previous_employment=").status == 400)
        let all = base + "&previous_employment=false&economic_dismissal=false&obligations_up_to_date=true&other_state_aid=false&kept_six_months=true"
        let declared = try await TestHTTP.get(port, all).json()
        #expect(criterion(declared, "no_recent_employment")?["result"]?.stringValue == "met")
        #expect(declared["verdict"]?.stringValue == "eligible")
        #expect(declared["verdict_label"]?.stringValue == "Éligible")
        let yes = try await TestHTTP.get(port, base + "&previous_employment=true").json()
        #expect(yes["verdict"]?.stringValue == "not_eligible")
        let bad = try await TestHTTP.get(port, base + "&kept_six_months=peut-etre")
        #expect(bad.status == 400)
        let ar = try await TestHTTP.get(
            port,
            "/eligibility/adulte-relais?lon=-4.6181818&lat=46.2107914&hire_date=2023-05-01&birth_date=1980-01-01&employment=unemployed&contract=cdi"
                + "&employer=association&convention_before_hire=true"
        ).json()
        #expect(ar["verdict"]?.stringValue == "eligible", "2023 amount doubt stays on the amount")
        #expect(ar["aid"]?["uncertain"]?.stringValue != nil)
    }

    @Test("/perimeters et /perimeters/{code} : GeoJSON des paquets, filtres, codes inconnus et chemins piégés")
    func perimeters() async throws {
        let (port, engine) = try await server()
        let one = try await TestHTTP.get(port, "/perimeters/QX000201")
        #expect(one.status == 200)
        #expect(one.mediaType == "application/geo+json")
        let f = try #require(try one.json()["features"]?.arrayValue?.first)
        #expect(f["properties"]?["code"]?.stringValue == "QX000201")
        #expect(["Polygon", "MultiPolygon"].contains(f["geometry"]?["type"]?.stringValue ?? ""))

        let list = try await TestHTTP.get(port, "/perimeters?commune=00101&date=2024-06-01").json()
        let expected = PerimeterExplorer(catalog: engine.catalog).list(on: CivilDate("2024-06-01")!, commune: "00101").map(\.code)
        #expect(list["perimeters"]?.arrayValue?.compactMap { $0["code"]?.stringValue } == expected)
        #expect(!expected.isEmpty)

        let view = try await TestHTTP.get(port, "/perimeters?bbox=-4.62,46.17,-4.59,46.19&date=2024-06-01&format=geojson").json()
        let codes = view["features"]?.arrayValue?.compactMap { $0["properties"]?["code"]?.stringValue } ?? []
        #expect(codes.contains("QX000204"), "le Haut-Quartier est dans la vue : \(codes)")
        #expect(!codes.contains("QX000101"), "liste 2015 exclue en 2024 : \(codes)")

        let unknown = try await TestHTTP.get(port, "/perimeters/QN99999Z")
        #expect(unknown.status == 404)
        #expect(try unknown.json()["error"]?.stringValue == "unknown_perimeter")
        for target in ["/perimeters/..%2F..%2Fetc%2Fpasswd", "/perimeters/%2e%2e", "/perimeters/QX%00"] {
            let a = try await TestHTTP.get(port, target)
            #expect(a.status == 400, "\(target) : \(a.status)")
            #expect(a.mediaType == "application/json")
        }
        for target in [
            "/../../etc/passwd", "/perimeters/../../../etc/passwd", "/app.js/../../Package.swift", "/%2e%2e/%2e%2e/etc/passwd", "/Web/index.html",
        ] {
            let a = try await TestHTTP.get(port, target)
            #expect((400..<500).contains(a.status), "\(target) : \(a.status)")
            #expect(a.mediaType == "application/json", "\(target) : \(a.mediaType)")
            #expect(!a.text.contains("root:"))
        }
        let post = try await TestHTTP.send(port: port, method: "POST", target: "/locate", body: [])
        #expect(post.status == 405)
        #expect(post.headers["allow"] == "GET, HEAD")
        // HEAD: the GET answer's status and headers, no body; not offered where only POST exists.
        for target in ["/health", "/", "/perimeters/QX000204"] {
            let get = try await TestHTTP.get(port, target)
            let head = try await TestHTTP.send(port: port, method: "HEAD", target: target)
            #expect(head.status == get.status && head.status == 200, "\(target) : \(head.status)")
            #expect(head.headers["content-type"] == get.headers["content-type"], "\(target)")
            #expect(head.body.isEmpty)
        }
        #expect(try await TestHTTP.send(port: port, method: "HEAD", target: "/perimeters/QN99999Z").status == 404)
        let headCSV = try await TestHTTP.send(port: port, method: "HEAD", target: "/search/csv")
        #expect(headCSV.status == 405 && headCSV.headers["allow"] == "POST")
        #expect(try await TestHTTP.get(port, "/health").status == 200)
    }

    // MARK: - CSV batches

    static func csvRows(_ text: String, separator: Character = ";") -> [[String]] {
        text.split(separator: "\n", omittingEmptySubsequences: true).map {
            $0.split(separator: separator, omittingEmptySubsequences: false).map(String.init)
        }
    }

    @Test("/search/csv : chaque ligne une fois, colonnes de qpv geocode, réponse QPV égale à /search ; multipart accepté")
    func csvBatch() async throws {
        let (port, engine) = try await server()
        let input = "id;adresse\n1;\(Self.boundaryAddress)\n2;\(Self.insideAddress)\n3;\n4;zzzz qqqq xxxx\n"
        let a = try await TestHTTP.send(
            port: port, method: "POST", target: "/search/csv?columns=adresse&date=2024-06-01",
            headers: [("Content-Type", "text/csv")], body: Array(input.utf8))
        #expect(a.status == 200)
        #expect(a.mediaType == "text/csv")
        #expect(a.headers["x-qpv-rows"] == "4")
        let rows = Self.csvRows(a.text)
        let header = rows[0]
        #expect(header == ["id", "adresse"] + BatchGeocoder.resultColumns + engine.addressColumns.names)
        #expect(header.last == "qpv_reason")
        #expect(rows.count == 5)
        #expect(rows.dropFirst().map { $0[0] } == ["1", "2", "3", "4"])
        let status = header.firstIndex(of: "result_status")!
        let qpv = header.firstIndex(of: "qpv_status")!
        let code = header.firstIndex(of: "qpv_code")!
        #expect(rows[1][status] == "ok" && rows[1][qpv] == "boundary")
        #expect(rows[2][status] == "ok" && rows[2][qpv] == "in" && rows[2][code] == "QX000201")
        #expect(rows[3][status] == "skipped" && rows[3][qpv] == "not_geocoded")

        // The same file as api-adresse takes it: multipart, `data` and `columns` fields.
        let boundary = "----qpvTestBoundary"
        let form = TestHTTP.multipartForm(
            boundary: boundary, fields: [("columns", "adresse"), ("date", "2024-06-01")], filename: "mes adresses.csv", data: input)
        let m = try await TestHTTP.send(
            port: port, method: "POST", target: "/search/csv",
            headers: [("Content-Type", "multipart/form-data; boundary=\(boundary)")], body: form)
        #expect(m.status == 200)
        #expect(m.text == a.text)
        #expect(m.headers["content-disposition"]?.contains("mes_adresses-qpv.csv") == true)
    }

    @Test("issue 15.1 : distance_boundary_m suit la virgule décimale du fichier envoyé (; ou nombres à virgule → virgule, sinon point)")
    func csvDistanceFollowsTheInputDecimalMark() async throws {
        let (port, _) = try await server()
        func post(_ input: String) async throws -> String {
            let a = try await TestHTTP.send(
                port: port, method: "POST", target: "/search/csv?columns=adresse&date=2024-06-01",
                headers: [("Content-Type", "text/csv")], body: Array(input.utf8))
            #expect(a.status == 200, "\(a.text)")
            return a.text
        }
        // French Excel: `;`-separated → every decimal with a comma, distance included.
        let semicolon = Self.csvRows(try await post("id;adresse\n1;\(Self.boundaryAddress)\n2;\(Self.insideAddress)\n"))
        let d = try #require(semicolon[0].firstIndex(of: "distance_boundary_m"))
        let score = try #require(semicolon[0].firstIndex(of: "result_score"))
        for row in semicolon.dropFirst() {
            #expect(row[d].contains(",") && !row[d].contains("."), "distance \(row[d]) : virgule attendue")
            #expect(!row[score].contains("."), "score \(row[score])")
        }
        // `,`-separated with points: points stay.
        let point = try await post("id,adresse\n1,\(Self.boundaryAddress)\n")
        let pointRow = Self.csvRows(point, separator: ",")
        let pd = try #require(pointRow[0].firstIndex(of: "distance_boundary_m"))
        #expect(pointRow[1].count == pointRow[0].count, "\(point)")
        #expect(pointRow[1][pd].contains(".") && Double(pointRow[1][pd]) != nil, "distance \(pointRow[1][pd]) : point attendu")
        // `,`-separated whose numbers use decimal commas (quoted): the distance is written "61,62", quoted.
        let commas = try await post("id,montant,adresse\n1,\"12,5\",\(Self.boundaryAddress)\n2,\"3,75\",\(Self.insideAddress)\n")
        let line = commas.split(separator: "\n")[1]
        let fields = line.split(separator: "\"").enumerated().filter { $0.offset % 2 == 1 }.map { String($0.element) }
        #expect(fields.contains { $0 != "12,5" && $0.wholeMatch(of: /[0-9]+,[0-9]+/) != nil }, "aucune distance à virgule dans \(line)")
        #expect(!line.split(separator: ",").contains { $0.wholeMatch(of: /[0-9]+\.[0-9]+/) != nil }, "nombre à point dans \(line)")
    }

    @Test("issue 12.3 : numéro absent de la BAN → la voie ; réponse QPV seulement si toute la voie est du même côté, sinon to_verify")
    func streetLevelAnswersAreCheckedOnTheWholeStreet() async throws {
        let (port, engine) = try await server()
        let streets = [
            "rue des Tilleuls", "avenue de la Mer", "rue Victor Hugo", "boulevard du Port",
            "rue Jean Moulin", "rue du Parc", "allée du Clos", "impasse des Goélands", "place de la Mairie", "rue Saint-Exupéry",
            "avenue du Général de Gaulle",
        ]
        var input = "id;adresse\n"
        for (k, s) in streets.enumerated() { input += "\(k);9876 \(s) 00100 Quartville-sur-Démo\n" }
        let a = try await TestHTTP.send(
            port: port, method: "POST", target: "/search/csv?columns=adresse&date=2024-06-01",
            headers: [("Content-Type", "text/csv")], body: Array(input.utf8))
        #expect(a.status == 200)
        let rows = Self.csvRows(a.text)
        let h = rows[0]
        let type = h.firstIndex(of: "result_type")!
        let hn = h.firstIndex(of: "result_housenumber")!
        let qpv = h.firstIndex(of: "qpv_status")!
        let reason = h.firstIndex(of: "qpv_reason")!
        var crossing = 0
        var uniform = 0
        for row in rows.dropFirst() {
            // Never another number in place of 9876.
            #expect(row[type] == "street" && row[hn] == "", "\(row)")
            if row[qpv] == "to_verify" {
                #expect(row[reason].contains("numéro 9876 introuvable"), "\(row[reason])")
                if row[reason].contains("rue à cheval sur la limite du QPV") { crossing += 1 }
            } else {
                #expect(["in", "out"].contains(row[qpv]), "\(row)")
                #expect(row[reason].contains("toutes les adresses connues de la voie"), "\(row[reason])")
                uniform += 1
            }
        }
        // Rue des Tilleuls has addresses inside QX000201 and outside it.
        let tilleuls = rows[1]
        #expect(tilleuls[qpv] == "to_verify" && tilleuls[reason].contains("QX000201"), "\(tilleuls)")
        #expect(crossing >= 1 && uniform >= 1, "à cheval : \(crossing), d'un seul côté : \(uniform)")
        // The same through the library used by --address and the eligibility commands.
        let loc = try engine.locators.with { try $0.locate(address: "9876 rue des Tilleuls 00100 Quartville-sur-Démo", on: CivilDate("2024-06-01")!) }
        #expect(loc.addressProblem?.contains("rue à cheval") == true, "\(loc.addressProblem ?? "nil")")
    }

    @Test(
        "issue 12.4 : politique de confiance — score faible ou commune seule → to_verify avec les candidats ; /search donne les propriétés d'api-adresse"
    )
    func confidencePolicyAndAPIProperties() async throws {
        let (port, _) = try await server()
        let sure = try await TestHTTP.get(port, "/search?q=100+rue+des+Tilleuls+00100+Quartville-sur-D%C3%A9mo&limit=3&date=2024-06-01").json()
        let p = try #require(sure["features"]?.arrayValue?.first?["properties"])
        for key in [
            "label", "score", "housenumber", "id", "name", "postcode", "citycode", "x", "y", "city", "context", "type", "importance", "street",
        ] {
            #expect(p[key] != nil, "propriété \(key) absente")
        }
        #expect(p["qpv_status"]?.stringValue == "in" && p["geocoding_to_verify"] == .bool(false))
        // Commune only: never a firm answer.
        let muni = try await TestHTTP.get(port, "/search?q=Quartville-sur-D%C3%A9mo&limit=2&date=2024-06-01").json()
        let mp = try #require(muni["features"]?.arrayValue?.first?["properties"])
        #expect(mp["type"]?.stringValue == "municipality")
        #expect(mp["qpv_status"]?.stringValue == "to_verify" && mp["geocoding_to_verify"] == .bool(true))
        #expect(mp["qpv_reason"]?.stringValue?.contains("seule la commune") == true)
        // A badly typed address: low score → to_verify, the reason names the score.
        let low = try await TestHTTP.get(port, "/search?q=1+rue+Tileuls+Quartvile&limit=3&date=2024-06-01").json()
        if let lp = low["features"]?.arrayValue?.first?["properties"], let score = lp["score"]?.numberValue, score <= 0.8 {
            #expect(lp["qpv_status"]?.stringValue == "to_verify" && lp["qpv_reason"]?.stringValue?.contains("score faible") == true)
        }
        // type filter.
        let streets = try await TestHTTP.get(port, "/search?q=rue+des+Tilleuls&type=street").json()
        #expect(streets["features"]?.arrayValue?.allSatisfy { $0["properties"]?["type"]?.stringValue == "street" } == true)
        #expect(try await TestHTTP.get(port, "/search?q=rue+des+Tilleuls&type=rue").status == 400)
        // The trailing slash of api-adresse's documented URLs.
        #expect(try await TestHTTP.get(port, "/search/?q=rue+des+Tilleuls").status == 200)
    }

    @Test("/search/csv : champs d'api-adresse (columns répété, postcode=<colonne>, result_columns, delimiter, encoding) ; champ inconnu → 400")
    func csvApiAdresseFields() async throws {
        let (port, _) = try await server()
        let boundary = "----qpvCompat"
        func form(_ fields: [(String, String)], data: String) -> [UInt8] {
            TestHTTP.multipartForm(boundary: boundary, fields: fields, filename: "a.csv", data: data)
        }
        func post(_ body: [UInt8]) async throws -> TestHTTP.Answer {
            try await TestHTTP.send(
                port: port, method: "POST", target: "/search/csv",
                headers: [("Content-Type", "multipart/form-data; boundary=\(boundary)")], body: body)
        }
        let data = "num;voie;ville;cp\n100;rue des Tilleuls;Quartville-sur-Démo;00100\n100;rue des Tilleuls;Quartville-sur-Démo;75001\n"
        let a = try await post(
            form(
                [
                    ("columns", "num"), ("columns", "voie"), ("columns", "ville"), ("postcode", "cp"),
                    ("result_columns", "result_label"), ("result_columns", "result_status"), ("date", "2024-06-01"),
                ], data: data))
        #expect(a.status == 200)
        let rows = Self.csvRows(a.text)
        #expect(Array(rows[0].prefix(6)) == ["num", "voie", "ville", "cp", "result_label", "result_status"], "\(rows[0])")
        #expect(rows[1][5] == "ok" && rows[2][5] == "not-found", "\(rows)")
        let comma = try await post(
            form([("columns", "a"), ("delimiter", ","), ("encoding", "utf-8")], data: "a,b\n100 rue des Tilleuls Quartville-sur-Démo,x\n"))
        #expect(comma.status == 200 && Self.csvRows(comma.text, separator: ",")[0].contains("result_status"))
        let unknown = try await post(form([("columns", "a"), ("colonnes", "a")], data: "a\nx\n"))
        #expect(unknown.status == 400 && unknown.text.contains("colonnes"))
        #expect(try await post(form([("columns", "a"), ("result_columns", "result_foo")], data: "a\nx\n")).status == 400)
        #expect(try await post(form([("columns", "a"), ("postcode", "absente")], data: "a\nx\n")).status == 400)
    }

    @Test("/search/csv : CSV mal formé, Windows-1252, colonnes absentes, trop de lignes")
    func csvBadInput() async throws {
        let (port, _) = try await server()
        func post(_ body: [UInt8], _ query: String = "columns=adresse") async throws -> TestHTTP.Answer {
            try await TestHTTP.send(port: port, method: "POST", target: "/search/csv?\(query)", headers: [("Content-Type", "text/csv")], body: body)
        }
        // An unbalanced quote: that row and the rest of the file come out as `error`, once each; still a 200.
        let broken = try await post(Array("id;adresse\n1;\(Self.insideAddress)\n2;\"rue des Tilleuls\n3;Mairie\n".utf8))
        #expect(broken.status == 200)
        let rows = Self.csvRows(broken.text)
        let status = rows[0].firstIndex(of: "result_status")!
        #expect(rows[1][status] == "ok")
        #expect(rows.dropFirst(2).contains { $0.count > status && $0[status] == "error" }, "\(broken.text)")
        // Windows-1252 with a comma: answered in the same dialect.
        let latin1: [UInt8] = Array("id,adresse\n1,100 rue des Tilleuls 00100 Quartville-sur-D".utf8) + [0xE9] + Array("mo\n".utf8)
        let w = try await post(latin1)
        #expect(w.status == 200)
        #expect(w.headers["content-type"]?.contains("windows-1252") == true)
        #expect(w.body.contains(0xE9))
        #expect(w.text.split(separator: "\n")[1].contains(",in,QX000201,"))
        // Missing column: 400 naming the columns present.
        let missing = try await post(Array("id;adresse\n1;rue\n".utf8), "columns=voie")
        #expect(missing.status == 400)
        #expect(try missing.json()["message"]?.stringValue?.contains("adresse") == true)
        #expect(try await post(Array("id;adresse\n1;rue\n".utf8), "").status == 400)
        #expect(try await post([]).status == 400)
        #expect(try await post([0xFF, 0xFE, 0x41, 0x00]).status == 400)  // UTF-16
        // More rows than the server's limit: 413 before anything is sent.
        var many = "id;adresse\n"
        for i in 0...TestServer.maxRows { many += "\(i);\(Self.insideAddress)\n" }
        let tooMany = try await post(Array(many.utf8))
        #expect(tooMany.status == 413)
        #expect(try tooMany.json()["error"]?.stringValue == "too_many_rows")
        // Clients that leave in the middle of a batch give its place back: later batches are still served.
        var big = "id;adresse\n"
        for i in 0..<TestServer.maxRows { big += "\(i);\(i % 130 + 1) rue des Tilleuls 00100 Quartville-sur-Démo\n" }
        for _ in 0..<4 { try TestHTTP.abandon(port: port, method: "POST", target: "/search/csv?columns=adresse", body: Array(big.utf8)) }
        // Their batches stop at the next write that fails: wait for that (up to 60 s — the sanitizer builds are
        // ten times slower than release), then every batch is served again.
        let deadline = Date().addingTimeInterval(60)
        var first = try await post(Array("id;adresse\n1;\(Self.insideAddress)\n".utf8))
        while first.status == 503, Date() < deadline {
            try await Task.sleep(for: .milliseconds(250))
            first = try await post(Array("id;adresse\n1;\(Self.insideAddress)\n".utf8))
        }
        #expect(first.status == 200, "lot refusé 60 s après le départ des clients : \(first.status) \(first.text)")
        for _ in 0..<3 {
            let after = try await post(Array("id;adresse\n1;\(Self.insideAddress)\n".utf8))
            #expect(after.status == 200, "lot refusé après des clients partis : \(after.status) \(after.text)")
        }
        #expect(try await TestHTTP.get(port, "/health").status == 200)
    }

    @Test("un corps de 100 Mo est refusé (413, JSON), annoncé ou envoyé par morceaux, et le serveur répond ensuite")
    func hugeBody() async throws {
        let (port, _) = try await server()
        let piece = [UInt8](repeating: UInt8(ascii: "a"), count: 1 << 20)
        for announced in [true, false] {
            let sent = Mutex(0)
            let a = try await TestHTTP.send(
                port: port, method: "POST", target: "/search/csv?columns=adresse", headers: [("Content-Type", "text/csv")],
                stream: {
                    sent.withLock { n in
                        n += 1; return n <= 100 ? piece : nil
                    }
                }, streamLength: announced ? 100 << 20 : nil)
            #expect(a.status == 413, "annoncé \(announced) : \(a.status) \(a.text)")
            #expect(try a.json()["error"]?.stringValue == "body_too_large")
        }
        // A 100 MB body on a GET route is not read into memory either: the route answers.
        let count = Mutex(0)
        let h = try await TestHTTP.send(
            port: port, target: "/health",
            stream: {
                count.withLock { n in
                    n += 1; return n <= 100 ? piece : nil
                }
            },
            streamLength: 100 << 20)
        #expect(h.status == 200)
        #expect(try await TestHTTP.get(port, "/locate?lon=-4.6181818&lat=46.2107914").status == 200)
    }

    // MARK: - Concurrency, logs

    @Test("64 requêtes simultanées : mêmes réponses, peu de Locator créés")
    func concurrentRequests() async throws {
        let (port, engine) = try await server()
        let points = [(-4.6181818, 46.2107914, "in"), (-4.5999351, 46.1811151, "boundary"), (-4.5974026, 46.2013489, "out")]
        let failures = Mutex<[String]>([])
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().async {
                DispatchQueue.concurrentPerform(iterations: 64) { i in
                    let (lon, lat, expected) = points[i % points.count]
                    do {
                        let a = try TestHTTP.request(port: port, target: "/locate?lon=\(lon)&lat=\(lat)&date=2024-06-01")
                        let s = try a.json()["status"]?.stringValue
                        if a.status != 200 || s != expected { failures.withLock { $0.append("\(i): \(a.status) \(s ?? "?")") } }
                    } catch {
                        failures.withLock { $0.append("\(i): \(error)") }
                    }
                }
                done.resume()
            }
        }
        #expect(failures.withLock { $0 }.isEmpty, "\(failures.withLock { $0 })")
        #expect(engine.locators.createdCount <= 4 * ProcessInfo.processInfo.activeProcessorCount + 4)
    }

    @Test("les journaux donnent route et statut, jamais l'adresse ni la requête")
    func logsWithoutPersonalData() async throws {
        let (port, _) = try await server()
        let secret = "7 impasse des Goélands 00100 Quartville-sur-Démo"
        _ = try await TestHTTP.get(port, "/search?q=\(Self.encoded(secret))")
        _ = try await TestHTTP.get(port, "/eligibility/adulte-relais?address=\(Self.encoded(secret))&hire_date=2024-09-02&birth_date=1990-05-12")
        _ = try await TestHTTP.send(port: port, method: "POST", target: "/search/csv?columns=adresse", body: Array("adresse\n\(secret)\n".utf8))
        try await Task.sleep(for: .milliseconds(200))
        let logs = TestServer.logs.all
        #expect(logs.contains { $0.contains("route=/search ") && $0.contains("status=200") })
        #expect(logs.contains { $0.contains("route=/eligibility/adulte-relais") })
        for forbidden in ["Goélands", "Go%C3%A9lands", "impasse", "q=", "1990-05-12", "address="] {
            #expect(!logs.contains { $0.contains(forbidden) }, "« \(forbidden) » dans les journaux")
        }
    }

    // MARK: - The binary

    @Test("qpv serve : démarre sur un port libre, répond, s'arrête proprement sur SIGTERM")
    func serveCommand() async throws {
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("qpv-serve-cli-\(getpid())")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        let process = Process()
        process.executableURL = CLIRunner.binary
        process.arguments = ["serve", "--port", "0", "--data-dir", empty.path]
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // The port is announced on standard output.
        var announced = ""
        let deadline = Date().addingTimeInterval(60)
        while !announced.contains("\n") && Date() < deadline {
            let d = out.fileHandleForReading.availableData
            if d.isEmpty { break }
            announced += String(decoding: d, as: UTF8.self)
        }
        let port = try #require(announced.split(separator: ":").last.flatMap { Int($0.filter(\.isNumber)) }, "annonce : \(announced)")
        let health = try await TestHTTP.get(port, "/health")
        #expect(health.status == 200)
        let page = try await TestHTTP.get(port, "/")
        #expect(page.status == 200)
        #expect(page.text.contains("<html lang=\"fr\">"))
        #expect(!page.text.contains("http://") || !page.text.contains("<script src=\"http"), "aucune ressource externe")
        #expect(try await TestHTTP.get(port, "/search?q=\(Self.encoded(Self.insideAddress))").status == 200)
        process.terminate()  // SIGTERM
        let stopped = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            process.waitUntilExit(); stopped.signal()
        }
        #expect(stopped.wait(timeout: .now() + 20) == .success, "qpv serve ne s'est pas arrêté")
        #expect(process.terminationStatus == 0)
        let logs =
            String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            + String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(logs.contains("route=/search") || logs.contains("route: /search") || logs.contains("/search"))
        #expect(!logs.contains("Tilleuls"), "adresse dans les journaux : \(logs)")
    }
}
