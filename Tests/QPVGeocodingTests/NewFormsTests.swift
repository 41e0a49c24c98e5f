// Query forms of issue 13 (postcode first, parentheses, glued numbers, ranges) on the real extract plus a
// fictional commune nouvelle: former communes, lieux-dits, a missing number never replaced, `result_context`.

import Foundation
import QPVGeocoding
import QPVTabular
import QPVTestSupport
import Testing

/// A fictional commune nouvelle in BAN format, written by the test (département 00, which does not exist):
/// « Val-de-Démo » (00150) made of three former communes — Ancienville (00151), Vieux-Bourg (00152),
/// Sainte-Fiction-des-Prés (00153), each with its own postcode — that share street and lieu-dit names (the
/// former commune is what tells them apart), lieux-dits as BAN toponyms (numero 99999), numbered addresses
/// carrying a `nom_ld`, a street written only as a lieu-dit (empty `nom_voie`), and house numbers that exist
/// only with a suffix (7bis) to check that no other number is substituted.
enum CommuneNouvelle {
    struct Old {
        var code: String
        var name: String
        var lon: Double
    }
    static let newCode = "00150", newName = "Val-de-Démo"
    static let olds = [
        Old(code: "00151", name: "Ancienville", lon: -4.30),
        Old(code: "00152", name: "Vieux-Bourg", lon: -4.20),
        Old(code: "00153", name: "Sainte-Fiction-des-Prés", lon: -4.10),
    ]
    static let sharedStreets = ["Rue de l'Église", "Grande Rue", "Rue du Moulin", "Place de la Mairie", "Chemin des Vignes"]
    static let sharedLieuxDits = ["Le Hameau des Fougères", "La Ferme du Bois", "Les Quatre Vents"]
    static let lat = 46.70

    struct Address {
        var id: String
        var number: Int
        var rep: String
        var street: String
        var old: Old
        var lon: Double
        var lat: Double
        var ld: String
    }

    struct LieuDit {
        var name: String
        var old: Old
        var lon: Double
        var lat: Double
    }

    static func build() -> (csv: String, addresses: [Address], lieuxDits: [LieuDit]) {
        var lines = [BANFixture.header]
        var addresses: [Address] = []
        var lieux: [LieuDit] = []
        func line(_ id: String, _ numero: String, _ rep: String, _ voie: String, _ old: Old, _ lon: Double, _ lat: Double, ld: String = "") -> String
        {
            "\(id);;\(numero);\(rep);\(voie);\(old.code);\(newCode);\(newName);\(old.code);\(old.name);;;\(String(format: "%.7f", lon));\(String(format: "%.7f", lat));entrance;;\(ld);\(old.name.uppercased());;commune;commune;0;"
        }
        for (k, old) in olds.enumerated() {
            for (s, street) in (sharedStreets + ["Rue propre à \(old.name)"]).enumerated() {
                for n in 1...12 {
                    // Number 7 exists only as 7bis; 3 has 3 and 3bis.
                    let rep = n == 7 ? "bis" : ""
                    let lon = old.lon + Double(s) * 0.004 + Double(n) * 0.0001
                    let la = lat + Double(n % 2) * 0.0002
                    let id = "\(old.code)_\(String(format: "%04d", s + 1))_\(String(format: "%05d", n))\(rep.isEmpty ? "" : "_" + rep)"
                    let ld = street == "Rue du Moulin" && n <= 4 ? "Le Moulinet" : ""
                    lines.append(line(id, String(n), rep, street, old, lon, la, ld: ld))
                    addresses.append(Address(id: id, number: n, rep: rep, street: street, old: old, lon: lon, lat: la, ld: ld))
                    if n == 3 {
                        let idb = id + "_bis"
                        lines.append(line(idb, "3", "bis", street, old, lon + 0.00003, la, ld: ld))
                    }
                }
            }
            for (j, name) in sharedLieuxDits.enumerated() {
                let lon = old.lon + 0.03 + Double(j) * 0.005
                let la = lat + 0.01
                lines.append(line("\(old.code)_\(String(format: "%04d", 100 + j))_99999", "99999", "", name, old, lon, la))
                lieux.append(LieuDit(name: name, old: old, lon: lon, lat: la))
            }
            // Houses numbered in a lieu-dit (no street name).
            for n in 1...3 {
                let lon = old.lon + 0.05 + Double(n) * 0.0001
                lines.append(line("\(old.code)_0200_\(String(format: "%05d", n))", String(n), "", "", old, lon, lat + 0.02, ld: "La Croix Blanche"))
            }
            _ = k
        }
        return (lines.joined(separator: "\n") + "\n", addresses, lieux)
    }
}

/// The real extract + the 1.13 M distractors + La Poste's table + the fictional commune nouvelle, in one pack.
enum NewFormsReference {
    struct Built: @unchecked Sendable {
        let geocoder: Geocoder
        let directory: TemporaryDirectory
        let fixture: (csv: String, addresses: [CommuneNouvelle.Address], lieuxDits: [CommuneNouvelle.LieuDit])
    }

    static let built: Result<Built, any Error> = Result {
        let dir = try TemporaryDirectory(prefix: "qpv-ban-forms")
        let fixture = CommuneNouvelle.build()
        let fixtureURL = dir.url.appendingPathComponent("adresses-00.csv")
        try Data(fixture.csv.utf8).write(to: fixtureURL)
        let builder = AddressPackBuilder()
        try builder.addBAN(path: SharedData.file("geodata/adresses-npdc-extrait.csv").path)
        try builder.addBAN(path: SharedData.file("geodata/adresses-npdc-distracteurs.csv.gz").path)
        try builder.addBAN(path: fixtureURL.path)
        try builder.addPostcodes(path: SharedData.file("geodata/laposte-codes-postaux.csv").path)
        let pack = dir.url.appendingPathComponent("ban.qpvaddr")
        try builder.write(to: pack)
        return Built(geocoder: try Geocoder(packPath: pack.path), directory: dir, fixture: fixture)
    }
}

/// One address of the real extract.
struct ExtractRow {
    var id: String
    var number: Int
    var rep: String
    var street: String
    var postcode: String
    var city: String
    var lon: Double
    var lat: Double

    static func load() throws -> [ExtractRow] {
        let reader = try CSVReader(path: SharedData.file("geodata/adresses-npdc-extrait.csv").path)
        let c = try ["id", "numero", "rep", "nom_voie", "code_postal", "nom_commune", "lon", "lat"].map { try reader.requireColumn($0) }
        var rows: [ExtractRow] = []
        while let r = try reader.next() {
            guard let n = Int(r[c[1]]), n < 99999, let lon = Double(r[c[6]]), let lat = Double(r[c[7]]) else { continue }
            rows.append(ExtractRow(id: r[c[0]], number: n, rep: r[c[2]], street: r[c[3]], postcode: r[c[4]], city: r[c[5]], lon: lon, lat: lat))
        }
        return rows
    }

    var numberText: String { rep.isEmpty ? String(number) : "\(number) \(rep)" }

    /// The query forms of issue 13, generated from this address.
    func queries() -> [(kind: String, query: String)] {
        var out: [(String, String)] = [
            ("cp_en_tete", "\(postcode) \(city), \(numberText) \(street)"),
            ("cp_en_tete_sans_virgule", "\(postcode) \(city.uppercased()) \(numberText) \(street.uppercased())"),
            ("parentheses", "\(city) (\(postcode)) \(numberText) \(street)"),
            ("commune_en_tete_cp_fin", "\(city), \(numberText) \(street) \(postcode)"),
            ("numero_symbole", "N° \(numberText) \(street) \(postcode) \(city)"),
            ("numero_mot", "numéro \(numberText), \(street), \(postcode) \(city)"),
        ]
        if rep.isEmpty {
            out.append(("plage_tiret", "\(number)-\(number + 2) \(street) \(postcode) \(city)"))
            out.append(("plage_a", "\(number) à \(number + 2) \(street) \(postcode) \(city)"))
        }
        // Glued: only streets that start with a street type ("181rue gambetta").
        let words = street.split(separator: " ")
        if let first = words.first, AddressNormalizer.streetTypes.contains(AddressNormalizer.tokens(String(first)).first ?? "") {
            out.append(("colle", "\(number)\(rep)\(street.lowercased()) \(postcode) \(city.lowercased())"))
        }
        return out
    }
}

@Suite(.serialized, .enabled(if: SharedData.isAvailable, "../shared absent : test des nouvelles formes ignoré"))
struct NewFormsTests {
    static let threshold = 0.97

    func isRight(_ r: GeocodeResult?, _ row: ExtractRow) -> Bool {
        guard let r, r.type == .housenumber else { return false }
        return r.id == row.id || metres(r.lon, r.lat, row.lon, row.lat) <= 30
    }

    func report(_ title: String, _ total: [String: Int], _ right: [String: Int], _ failures: [String: [String]]) {
        var table = "\(title)\nkind                       requêtes  justes   taux\n"
        for kind in total.keys.sorted() {
            let n = total[kind]!
            let ok = right[kind] ?? 0
            table +=
                kind.padding(toLength: 26, withPad: " ", startingAt: 0) + String(format: "%9d %7d  %6.2f %%\n", n, ok, 100 * Double(ok) / Double(n))
        }
        print(table)
        for (kind, list) in failures.sorted(by: { $0.key < $1.key }) {
            print("échecs \(kind) (\(list.count)) :")
            for l in list.prefix(8) { print(l) }
        }
    }

    @Test("issue 13 : code postal en tête, parenthèses, numéro collé, plages, N°/numéro — ≥ 97 % par forme, distracteurs chargés")
    func everyOrderOnTheRealExtract() throws {
        let geocoder = try NewFormsReference.built.get().geocoder
        let rows = try ExtractRow.load()
        #expect(rows.count > 800)
        var total: [String: Int] = [:]
        var right: [String: Int] = [:]
        var failures: [String: [String]] = [:]
        for row in rows {
            for (kind, query) in row.queries() {
                let best = geocoder.geocode(query, options: GeocodeOptions(limit: 1)).first
                total[kind, default: 0] += 1
                if isRight(best, row) {
                    right[kind, default: 0] += 1
                } else {
                    failures[kind, default: []].append(
                        "  « \(query) » → \(best.map { "\($0.type.rawValue) \($0.label) \($0.score)" } ?? "rien") ; attendu \(row.id)")
                }
            }
        }
        report("Formes de l'issue 13 sur adresses-npdc-extrait.csv (+ 1,13 M distracteurs + La Poste)", total, right, failures)
        for kind in [
            "cp_en_tete", "cp_en_tete_sans_virgule", "parentheses", "commune_en_tete_cp_fin", "numero_symbole", "numero_mot", "plage_tiret",
            "plage_a", "colle",
        ] {
            let n = total[kind] ?? 0
            #expect(n >= 100, "\(kind) : \(n) requêtes seulement")
            let rate = Double(right[kind] ?? 0) / Double(max(1, n))
            #expect(rate >= Self.threshold, "\(kind) : \(String(format: "%.2f", rate * 100)) % < 97 %")
        }
    }

    @Test("anciennes communes : l'adresse dans la commune nouvelle, result_oldcity/oldcitycode ; la commune fusionnée trouvée comme municipality")
    func formerCommunes() throws {
        let built = try NewFormsReference.built.get()
        let geocoder = built.geocoder
        var total: [String: Int] = [:]
        var right: [String: Int] = [:]
        var failures: [String: [String]] = [:]
        func check(_ kind: String, _ query: String, _ ok: (GeocodeResult) -> Bool) {
            let best = geocoder.geocode(query, options: GeocodeOptions(limit: 1)).first
            total[kind, default: 0] += 1
            if let best, ok(best) {
                right[kind, default: 0] += 1
            } else {
                failures[kind, default: []].append(
                    "  « \(query) » → \(best.map { "\($0.type.rawValue) \($0.label) [\($0.citycode) / \($0.oldcitycode)] \($0.score)" } ?? "rien")")
            }
        }
        for a in built.fixture.addresses {
            let number = a.rep.isEmpty ? String(a.number) : "\(a.number) \(a.rep)"
            let expected: (GeocodeResult) -> Bool = {
                $0.type == .housenumber && $0.id == a.id && $0.citycode == CommuneNouvelle.newCode && $0.oldcitycode == a.old.code
                    && $0.oldcity == a.old.name
            }
            check("ancienne_commune_cp", "\(number) \(a.street) \(a.old.code) \(a.old.name)", expected)
            check("ancienne_commune_sans_cp", "\(number) \(a.street) \(a.old.name)", expected)
            check("ancienne_commune_en_tete", "\(a.old.code) \(a.old.name), \(number) \(a.street)", expected)
        }
        for old in CommuneNouvelle.olds {
            for q in [old.name, "\(old.code) \(old.name)", old.name.uppercased()] {
                check("commune_fusionnee", q) { $0.type == .municipality && $0.citycode == CommuneNouvelle.newCode && $0.oldcitycode == old.code }
            }
        }
        report("Anciennes communes (commune nouvelle fictive, + extrait réel et distracteurs)", total, right, failures)
        for (kind, n) in total {
            #expect(Double(right[kind] ?? 0) / Double(n) >= Self.threshold, "\(kind) : \(right[kind] ?? 0)/\(n)")
        }
        #expect(total["ancienne_commune_cp"] ?? 0 >= 200)
    }

    @Test("lieux-dits : type locality (toponymes 99999, nom_ld, voie absente), distingués par l'ancienne commune")
    func lieuxDits() throws {
        let built = try NewFormsReference.built.get()
        let geocoder = built.geocoder
        var total = 0
        var right = 0
        var failures: [String] = []
        func check(_ query: String, _ ok: (GeocodeResult) -> Bool) {
            let best = geocoder.geocode(query, options: GeocodeOptions(limit: 1)).first
            total += 1
            if let best, ok(best) {
                right += 1
            } else {
                failures.append("  « \(query) » → \(best.map { "\($0.type.rawValue) \($0.label) [\($0.oldcitycode)]" } ?? "rien")")
            }
        }
        for ld in built.fixture.lieuxDits {
            let ok: (GeocodeResult) -> Bool = { $0.type == .locality && $0.oldcitycode == ld.old.code && metres($0.lon, $0.lat, ld.lon, ld.lat) < 30 }
            check("\(ld.name) \(ld.old.code) \(ld.old.name)", ok)
            check("\(ld.name), \(ld.old.name)", ok)
            check("lieu-dit \(ld.name) \(ld.old.code) \(ld.old.name)", ok)
        }
        for old in CommuneNouvelle.olds {
            check("Le Moulinet \(old.code) \(old.name)") { $0.type == .locality && $0.oldcitycode == old.code && $0.name == "Le Moulinet" }
            check("La Croix Blanche \(old.code) \(old.name)") { $0.type == .locality && $0.oldcitycode == old.code }
            check("2 La Croix Blanche \(old.code) \(old.name)") { $0.type == .housenumber && $0.housenumber == "2" && $0.oldcitycode == old.code }
        }
        print("Lieux-dits : \(right)/\(total) justes")
        for f in failures { print(f) }
        #expect(total >= 30)
        #expect(Double(right) / Double(total) >= Self.threshold, "\(right)/\(total)")
    }

    @Test("issue 12.3 : un numéro absent de la BAN n'est jamais remplacé par un autre (7 → voie, pas 7bis)")
    func missingNumberIsNotSubstituted() throws {
        let geocoder = try NewFormsReference.built.get().geocoder
        for old in CommuneNouvelle.olds {
            let r = try #require(geocoder.geocode("7 rue du Moulin \(old.code) \(old.name)").first)
            #expect(r.type == .street, "\(r.label)")
            #expect(r.housenumber.isEmpty && r.missingHousenumber == "7")
            #expect(r.oldcitycode == old.code)
            // 7 bis exists: found at the number.
            let b = try #require(geocoder.geocode("7 bis rue du Moulin \(old.code) \(old.name)").first)
            #expect(b.type == .housenumber && b.housenumber == "7bis")
            // 3 and 3 bis both exist: each finds its own.
            #expect(geocoder.geocode("3 rue du Moulin \(old.code) \(old.name)").first?.housenumber == "3")
            #expect(geocoder.geocode("3b rue du Moulin \(old.code) \(old.name)").first?.housenumber == "3bis")
            // 3 ter does not exist: the street, not 3 or 3 bis.
            let t = try #require(geocoder.geocode("3 ter rue du Moulin \(old.code) \(old.name)").first)
            #expect(t.type == .street && t.missingHousenumber == "3ter")
        }
    }

    @Test("result_context comme l'API : « 62, Pas-de-Calais, Hauts-de-France »")
    func context() throws {
        let geocoder = try NewFormsReference.built.get().geocoder
        let r = try #require(geocoder.geocode("62400 Béthune").first)
        #expect(r.context == "62, Pas-de-Calais, Hauts-de-France")
        #expect(geocoder.geocode("59000 Lille").first?.context == "59, Nord, Hauts-de-France")
    }
}
