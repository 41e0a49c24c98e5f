import Foundation
import QPVCore
import QPVEligibility
import QPVServer
import QPVTestSupport
import Testing

/// Issue 20: a user's programme installed in the data directory answers `GET /eligibility/{id}` with the same
/// verdict as `qpv eligibility run` (the fictional file of Tests/QPVEligibilityTests/rules).
@Suite("API : programmes au format public de règles", .serialized)
struct RuleProgrammeAPITests {
    static let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../QPVEligibilityTests/rules/aide-fictive-quartville.json").standardized.path

    /// A server whose data directory holds the fictional programme (installed as `qpv data import-rules` does).
    static func server(batchThreads: Int) async throws -> (port: Int, server: OwnServer, data: TemporaryDirectory) {
        let tmp = try TemporaryDirectory()
        let data = DataDirectory(url: tmp.url)
        _ = try InstalledRules.install(path: Self.file, dataDirectory: data)
        let engine = try ServerEngine.open(dataDirectory: data, options: ServerOptions.forTests(batchThreads: batchThreads))
        let server = try await OwnServer.start(engine, label: "qpv.test.programme")
        return (server.port, server, tmp)
    }

    @Test("un programme installé répond sur /eligibility/{id}, faits en paramètres, fait absent jamais supposé")
    func installedProgrammeAnswers() async throws {
        let (port, server, tmp) = try await Self.server(batchThreads: 1)
        defer { server.stop() }
        _ = tmp
        let facts = "training_start_date=2024-09-02&birth_date=2004-05-12&status=jobseeker&application_date=2024-09-20&training_cost_eur=1200"
        let ok = try await TestHTTP.get(port, "/eligibility/aide_fictive_quartville?lon=-4.6181818&lat=46.2107914&\(facts)&other_aid=non")
        #expect(ok.status == 200, "\(ok.text)")
        let v = try ok.json()
        #expect(v["verdict"]?.stringValue == "eligible", "\(ok.text.prefix(400))")
        #expect(v["aid"]?["total_eur"]?.numberValue == 600)
        #expect(v["rules_file"]?.stringValue == "rules/aide_fictive_quartville.json (installé)")
        // other_aid absent: to verify.
        let undeclared = try await TestHTTP.get(port, "/eligibility/aide_fictive_quartville?lon=-4.6181818&lat=46.2107914&\(facts)")
        #expect(try undeclared.json()["verdict"]?.stringValue == "to_verify")
        // Outside: not eligible; a boundary address: to verify.
        let out = try await TestHTTP.get(port, "/eligibility/aide_fictive_quartville?lon=-4.5974026&lat=46.2013489&\(facts)&other_aid=non")
        #expect(try out.json()["verdict"]?.stringValue == "not_eligible")
        let boundary = try await TestHTTP.get(
            port, "/eligibility/aide_fictive_quartville?address=\(ServerTests.encoded(ServerTests.boundaryAddress))&\(facts)&other_aid=non")
        #expect(try boundary.json()["verdict"]?.stringValue == "to_verify", "\(boundary.text.prefix(300))")
        // Unknown fact, bad value, missing date: 400 in French.
        let unknown = try await TestHTTP.get(port, "/eligibility/aide_fictive_quartville?lon=-4.6&lat=46.2&\(facts)&magic=1")
        let unknownCode = try unknown.json()["error"]?.stringValue
        #expect(unknown.status == 400 && unknownCode == "unknown_parameter")
        let bad = try await TestHTTP.get(port, "/eligibility/aide_fictive_quartville?lon=-4.6&lat=46.2&training_start_date=02-09-2024")
        #expect(bad.status == 400 && bad.text.contains("date AAAA-MM-JJ attendue"))
        let noDate = try await TestHTTP.get(port, "/eligibility/aide_fictive_quartville?lon=-4.6&lat=46.2")
        #expect(noDate.status == 400 && noDate.text.contains("training_start_date"))
        #expect(try await TestHTTP.get(port, "/eligibility/inconnu").status == 404)
        // The dedicated routes still answer (constant paths win over /eligibility/{id}).
        #expect(
            try await TestHTTP.get(port, "/eligibility/fcs?lon=-4.6181818&lat=46.2107914&date=2025-03-01").json()["programme"]?.stringValue == "fcs")
    }

    @Test("POST /eligibility/{id}/csv : chaque ligne une fois, verdict égal à GET /eligibility/{id} pour les mêmes faits et le même lieu")
    func batchMatchesSingleAnswers() async throws {
        let (port, server, tmp) = try await Self.server(batchThreads: 2)
        defer { server.stop() }
        _ = tmp
        let inside = ("-4.6181818", "46.2107914")
        let outside = ("-4.5974026", "46.2013489")
        let base: [String: String] = [
            "training_start_date": "2024-09-02", "birth_date": "2004-05-12", "status": "jobseeker", "application_date": "2024-09-20",
        ]
        // (lon, lat, address, facts of the row); training_cost_eur=1200 is given for the whole file.
        let cases: [(String, String, String, [String: String])] = [
            (inside.0, inside.1, "", base.merging(["other_aid": "non"]) { $1 }),
            (inside.0, inside.1, "", base),  // other_aid undeclared
            (outside.0, outside.1, "", base.merging(["other_aid": "non"]) { $1 }),
            ("", "", ServerTests.boundaryAddress, base.merging(["other_aid": "non"]) { $1 }),
            (inside.0, inside.1, "", base.merging(["other_aid": "non", "status": "employed"]) { $1 }),
            (inside.0, inside.1, "", base.merging(["other_aid": "non", "birth_date": "12/05/2004"]) { $1 }),  // unreadable: undeclared
        ]
        let factNames = ["training_start_date", "birth_date", "status", "application_date", "other_aid"]
        var csv = "id;lon;lat;adresse;" + factNames.joined(separator: ";") + "\n"
        for (i, c) in cases.enumerated() {
            // A `;` file with decimal commas, as a spreadsheet writes it.
            let cells =
                [String(i + 1), c.0.replacingOccurrences(of: ".", with: ","), c.1.replacingOccurrences(of: ".", with: ","), c.2]
                + factNames.map { c.3[$0] ?? "" }
            csv += cells.joined(separator: ";") + "\n"
        }
        let answer = try await TestHTTP.send(
            port: port, method: "POST", target: "/eligibility/aide_fictive_quartville/csv?address_column=adresse&training_cost_eur=1200",
            headers: [("Content-Type", "text/csv")], body: Array(csv.utf8))
        #expect(answer.status == 200, "\(answer.text.prefix(400))")
        #expect(answer.mediaType == "text/csv")
        #expect(answer.headers["x-qpv-rows"] == String(cases.count))
        let rows = ServerTests.csvRows(answer.text)
        let header = rows[0]
        #expect(header == ["id", "lon", "lat", "adresse"] + factNames + ProgrammeBatch.appendedColumns)
        #expect(rows.count == cases.count + 1)
        #expect(rows.dropFirst().map { $0[0] } == cases.indices.map { String($0 + 1) })
        func column(_ name: String) -> Int { header.firstIndex(of: name)! }
        var verdicts: [String] = []
        for (i, c) in cases.enumerated() {
            let row = rows[i + 1]
            // The single answer: the same facts (an unreadable one left out, as the batch leaves it undeclared).
            var query = c.2.isEmpty ? "lon=\(c.0)&lat=\(c.1)" : "address=\(ServerTests.encoded(c.2))"
            for name in factNames { if let v = c.3[name], !v.contains("/") { query += "&\(name)=\(v)" } }
            query += "&training_cost_eur=1200"
            let single = try await TestHTTP.get(port, "/eligibility/aide_fictive_quartville?\(query)")
            #expect(single.status == 200, "\(single.text.prefix(300))")
            let v = try single.json()
            #expect(row[column("verdict")] == v["verdict"]?.stringValue, "ligne \(i + 1) : \(row)")
            #expect(row[column("qpv_status")] == v["location"]?["status"]?.stringValue, "ligne \(i + 1)")
            if let total = v["aid"]?["total_eur"]?.numberValue, v["verdict"]?.stringValue == "eligible" {
                #expect(row[column("amount_eur")] == String(Int(total)), "ligne \(i + 1)")
            }
            // The upload's decimal mark (comma) in the answer.
            #expect(!row[column("distance_boundary_m")].contains("."), "ligne \(i + 1)")
            verdicts.append(row[column("verdict")])
        }
        #expect(verdicts == ["eligible", "to_verify", "not_eligible", "to_verify", "not_eligible", "to_verify"])
        #expect(rows[6][column("error")].contains("birth_date") || rows[6][column("error")].contains("12/05/2004"), "\(rows[6])")
        #expect(rows[1][column("distance_boundary_m")].contains(","))

        // The same file as a multipart form (whole-file fact as a form field): the same bytes.
        let boundary = "----qpvProgrammeBoundary"
        let form = TestHTTP.multipartForm(
            boundary: boundary, fields: [("training_cost_eur", "1200"), ("address_column", "adresse")], filename: "demandes.csv", data: csv)
        let m = try await TestHTTP.send(
            port: port, method: "POST", target: "/eligibility/aide_fictive_quartville/csv",
            headers: [("Content-Type", "multipart/form-data; boundary=\(boundary)")], body: form)
        #expect(m.status == 200)
        #expect(m.text == answer.text)
        #expect(m.headers["content-disposition"]?.contains("demandes-aide_fictive_quartville.csv") == true)

        // JSON 4xx before anything is sent: no position column, unknown parameter, bad whole-file fact, unknown programme.
        func post(_ target: String, _ body: String) async throws -> (Int, String?) {
            let a = try await TestHTTP.send(
                port: port, method: "POST", target: target, headers: [("Content-Type", "text/csv")], body: Array(body.utf8))
            return (a.status, try? a.json()["error"]?.stringValue)
        }
        let noPosition = try await post("/eligibility/aide_fictive_quartville/csv", "id;status\n1;student\n")
        #expect(noPosition.0 == 400 && noPosition.1 == "invalid_csv")
        let unknown = try await post("/eligibility/aide_fictive_quartville/csv?magic=1", csv)
        #expect(unknown.0 == 400 && unknown.1 == "unknown_parameter")
        let badFact = try await post("/eligibility/aide_fictive_quartville/csv?training_start_date=02-09-2024", csv)
        #expect(badFact.0 == 400 && badFact.1 == "invalid_parameter")
        let empty = try await post("/eligibility/aide_fictive_quartville/csv", "")
        #expect(empty.0 == 400 && empty.1 == "empty_body")
        #expect(try await post("/eligibility/inconnu/csv", csv).0 == 404)
    }
}
