// QPVCore — départements and régions of the Code officiel géographique: codes (`Departement`: a typed code
// normalised, the département of a commune or perimeter code) and names (`Departements`: names and régions, for
// address contexts and the `in_area` criterion of rule files). One home for both.

import Foundation

/// Départements and their régions, for api-adresse's `context` ("62, Pas-de-Calais, Hauts-de-France").
/// Typed from the Code officiel géographique (INSEE, COG 2024: tables « départements » et « régions »).
public enum Departements {
    /// Code → (name, région).
    public static let table: [String: (String, String)] = {
        let regions: [(String, [(String, String)])] = [
            (
                "Auvergne-Rhône-Alpes",
                [
                    ("01", "Ain"), ("03", "Allier"), ("07", "Ardèche"), ("15", "Cantal"), ("26", "Drôme"), ("38", "Isère"),
                    ("42", "Loire"), ("43", "Haute-Loire"), ("63", "Puy-de-Dôme"), ("69", "Rhône"), ("73", "Savoie"), ("74", "Haute-Savoie"),
                ]
            ),
            (
                "Bourgogne-Franche-Comté",
                [
                    ("21", "Côte-d'Or"), ("25", "Doubs"), ("39", "Jura"), ("58", "Nièvre"), ("70", "Haute-Saône"),
                    ("71", "Saône-et-Loire"), ("89", "Yonne"), ("90", "Territoire de Belfort"),
                ]
            ),
            ("Bretagne", [("22", "Côtes-d'Armor"), ("29", "Finistère"), ("35", "Ille-et-Vilaine"), ("56", "Morbihan")]),
            (
                "Centre-Val de Loire",
                [("18", "Cher"), ("28", "Eure-et-Loir"), ("36", "Indre"), ("37", "Indre-et-Loire"), ("41", "Loir-et-Cher"), ("45", "Loiret")]
            ),
            ("Corse", [("2A", "Corse-du-Sud"), ("2B", "Haute-Corse")]),
            (
                "Grand Est",
                [
                    ("08", "Ardennes"), ("10", "Aube"), ("51", "Marne"), ("52", "Haute-Marne"), ("54", "Meurthe-et-Moselle"), ("55", "Meuse"),
                    ("57", "Moselle"), ("67", "Bas-Rhin"), ("68", "Haut-Rhin"), ("88", "Vosges"),
                ]
            ),
            ("Hauts-de-France", [("02", "Aisne"), ("59", "Nord"), ("60", "Oise"), ("62", "Pas-de-Calais"), ("80", "Somme")]),
            (
                "Île-de-France",
                [
                    ("75", "Paris"), ("77", "Seine-et-Marne"), ("78", "Yvelines"), ("91", "Essonne"), ("92", "Hauts-de-Seine"),
                    ("93", "Seine-Saint-Denis"), ("94", "Val-de-Marne"), ("95", "Val-d'Oise"),
                ]
            ),
            ("Normandie", [("14", "Calvados"), ("27", "Eure"), ("50", "Manche"), ("61", "Orne"), ("76", "Seine-Maritime")]),
            (
                "Nouvelle-Aquitaine",
                [
                    ("16", "Charente"), ("17", "Charente-Maritime"), ("19", "Corrèze"), ("23", "Creuse"), ("24", "Dordogne"),
                    ("33", "Gironde"), ("40", "Landes"), ("47", "Lot-et-Garonne"), ("64", "Pyrénées-Atlantiques"), ("79", "Deux-Sèvres"),
                    ("86", "Vienne"), ("87", "Haute-Vienne"),
                ]
            ),
            (
                "Occitanie",
                [
                    ("09", "Ariège"), ("11", "Aude"), ("12", "Aveyron"), ("30", "Gard"), ("31", "Haute-Garonne"), ("32", "Gers"),
                    ("34", "Hérault"), ("46", "Lot"), ("48", "Lozère"), ("65", "Hautes-Pyrénées"), ("66", "Pyrénées-Orientales"),
                    ("81", "Tarn"), ("82", "Tarn-et-Garonne"),
                ]
            ),
            ("Pays de la Loire", [("44", "Loire-Atlantique"), ("49", "Maine-et-Loire"), ("53", "Mayenne"), ("72", "Sarthe"), ("85", "Vendée")]),
            (
                "Provence-Alpes-Côte d'Azur",
                [
                    ("04", "Alpes-de-Haute-Provence"), ("05", "Hautes-Alpes"), ("06", "Alpes-Maritimes"),
                    ("13", "Bouches-du-Rhône"), ("83", "Var"), ("84", "Vaucluse"),
                ]
            ),
            ("Guadeloupe", [("971", "Guadeloupe")]), ("Martinique", [("972", "Martinique")]), ("Guyane", [("973", "Guyane")]),
            ("La Réunion", [("974", "La Réunion")]), ("Mayotte", [("976", "Mayotte")]),
        ]
        var t: [String: (String, String)] = [:]
        for (region, deps) in regions { for (code, name) in deps { t[code] = (name, region) } }
        return t
    }()

    /// The département code of a commune: two characters, three overseas ("97411" → "974").
    public static func code(citycode: String) -> String {
        Departement.of(commune: citycode) ?? String(citycode.prefix(2))
    }

    /// "62, Pas-de-Calais, Hauts-de-France"; the code alone when the département is unknown (demo "00").
    public static func context(citycode: String) -> String {
        guard !citycode.isEmpty else { return "" }
        let code = code(citycode: citycode)
        guard let (name, region) = table[code] else { return code }
        return name == region ? "\(code), \(name)" : "\(code), \(name), \(region)"
    }

    /// Paris, Lyon and Marseille are split into municipal arrondissements, each with its own INSEE code
    /// (75101–75120, 69381–69389, 13201–13216). api-adresse answers them as `city` = the commune ("Paris") and
    /// `district` = the arrondissement ("Paris 5e Arrondissement"); the BAN may name the commune either way.
    /// Returns (city, district); district is empty for every other commune.
    public static func cityAndDistrict(citycode: String, name: String) -> (city: String, district: String) {
        guard citycode.count == 5, let n = Int(citycode) else { return (name, "") }
        let plm: [(range: ClosedRange<Int>, city: String, base: Int)] = [
            (75101...75120, "Paris", 75100), (69381...69389, "Lyon", 69380), (13201...13216, "Marseille", 13200),
        ]
        guard let m = plm.first(where: { $0.range.contains(n) }) else { return (name, "") }
        let k = n - m.base
        let district = name.lowercased().contains("arrondissement") ? name : "\(m.city) \(k)\(k == 1 ? "er" : "e") Arrondissement"
        return (m.city, district)
    }
    /// Names of the régions ("Hauts-de-France", "Occitanie"…).
    public static let regionNames: Set<String> = Set(table.values.map(\.1))

    /// The région of a commune ("31555" → "Occitanie"), nil when its département is unknown.
    public static func region(citycode: String) -> String? { table[code(citycode: citycode)]?.1 }
}

/// Département codes: from a commune INSEE code, a perimeter code, or a typed value.
public enum Departement {
    /// "59", "059", "2a" → "59", "59", "2A"; "971" stays; nil when not a département code.
    public static func normalized(_ text: String) -> String? {
        var t = text.trimmingCharacters(in: .whitespaces).uppercased()
        if t.count == 3 && t.hasPrefix("0") { t.removeFirst() }
        if t.count == 1, t.allSatisfy(\.isNumber) { t = "0" + t }
        if t == "2A" || t == "2B" { return t }
        if t.count == 2, t.allSatisfy(\.isNumber) { return t }
        if t.count == 3, t.hasPrefix("97") || t.hasPrefix("98"), t.allSatisfy(\.isNumber) { return t }
        return nil
    }

    /// The département of a commune INSEE code: "62119" → "62", "2A004" → "2A", "97101" → "971".
    public static func of(commune code: String) -> String? {
        // Fast path (called once per geocoded row): five ASCII digits, or 2A/2B + three digits.
        let u = Array(code.utf8)
        if u.count == 5, u[2...].allSatisfy({ $0 >= 48 && $0 <= 57 }) {
            let d0 = u[0]
            let d1 = u[1]
            let digits = d0 >= 48 && d0 <= 57 && d1 >= 48 && d1 <= 57
            if digits && d0 == 57 && (d1 == 55 || d1 == 56) { return String(decoding: u[0..<3], as: UTF8.self) }
            if digits { return String(decoding: u[0..<2], as: UTF8.self) }
            if d0 == 50 && (d1 == 65 || d1 == 66 || d1 == 97 || d1 == 98) { return d1 == 65 || d1 == 97 ? "2A" : "2B" }
        }
        if let printable = asciiDepartement(u) { return printable }
        let c = code.trimmingCharacters(in: .whitespaces).uppercased()
        guard c.count == 5 else { return nil }
        if c.hasPrefix("97") || c.hasPrefix("98") { return String(c.prefix(3)) }
        return normalized(String(c.prefix(2)))
    }

    /// `of(commune:)` for printable ASCII codes (spaces and tabs around them), without Foundation's trimming and
    /// case mapping: ~18,000 instructions a call for codes with letters, 7.5 % of a geocoding batch over a pack
    /// with such codes (callgrind, issue 17). `.some(nil)`: not a département; nil: not printable ASCII, the
    /// general path decides.
    static func asciiDepartement(_ u: [UInt8]) -> String?? {
        var lo = 0
        var hi = u.count
        while lo < hi && (u[lo] == 32 || u[lo] == 9) { lo += 1 }
        while hi > lo && (u[hi - 1] == 32 || u[hi - 1] == 9) { hi -= 1 }
        guard u[lo..<hi].allSatisfy({ $0 > 32 && $0 < 127 }) else { return nil }
        guard hi - lo == 5 else { return .some(nil) }
        func upper(_ b: UInt8) -> UInt8 { b >= 97 && b <= 122 ? b - 32 : b }
        let d0 = upper(u[lo])
        let d1 = upper(u[lo + 1])
        let isDigit = { (b: UInt8) in b >= 48 && b <= 57 }
        if d0 == 57 && (d1 == 55 || d1 == 56) { return String(decoding: [d0, d1, upper(u[lo + 2])], as: UTF8.self) }
        if d0 == 50 && (d1 == 65 || d1 == 66) { return d1 == 65 ? "2A" : "2B" }
        if isDigit(d0) && isDigit(d1) { return String(decoding: [d0, d1], as: UTF8.self) }
        return .some(nil)
    }

    /// The département carried by an official perimeter code: "QP059043" → "59", "QN97101M" → "971",
    /// "QN06208M" → "62"; nil for other codes.
    public static func of(perimeterCode code: String) -> String? {
        guard code.count >= 5, code.hasPrefix("QP") || code.hasPrefix("QN") else { return nil }
        return normalized(String(code.dropFirst(2).prefix(3)))
    }
}
