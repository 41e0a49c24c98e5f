import Foundation
import QPVCore
import QPVEligibility
import QPVTestSupport
import Testing

import QPVServer

/// Issue 20: a user's programme installed in the data directory answers `GET /eligibility/{id}` with the same
/// verdict as `qpv eligibility run` (the fictional file of Tests/QPVEligibilityTests/rules).
@Suite("API : programmes au format public de règles", .serialized)
struct RuleProgrammeAPITests {
    static let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../QPVEligibilityTests/rules/aide-fictive-quartville.json").standardized.path

    @Test("un programme installé répond sur /eligibility/{id}, faits en paramètres, fait absent jamais supposé")
    func installedProgrammeAnswers() async throws {
        let tmp = try TemporaryDirectory()
        let data = DataDirectory(url: tmp.url)
        _ = try InstalledRules.install(path: Self.file, dataDirectory: data)
        let engine = try ServerEngine.open(dataDirectory: data, options: ServerOptions(host: "127.0.0.1", port: 0, batchThreads: 1))
        let (port, task) = await ServerRobustnessTests.run(engine)
        defer { task.cancel() }
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
        #expect(try await TestHTTP.get(port, "/eligibility/fcs?lon=-4.6181818&lat=46.2107914&date=2025-03-01").json()["programme"]?.stringValue == "fcs")
    }
}
