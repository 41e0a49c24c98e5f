// `CRS.officialHint`: the projection an official perimeter file is in, recognised from the name ANCT gives its
// members (Lambert-93, the overseas UTM zones) or from a `.prj` text.

import Foundation

extension CRS {
    /// The projections the official perimeter files are published in, recognised from the names ANCT gives
    /// its files (`QP2024_France_hexagonale_LB93`, `QP2024_Guadeloupe_RGAF09_UTM20N`, `QP2024_Guyane_RGF95_UTM22N`,
    /// `QP2024_LaReunion_RGR92_UTM40S`, `…_RGM04_UTM38S`, `…_WGS84`) and from the projection names found in
    /// ESRI `.prj` files (`RGAF09_UTM_Zone_20N`, `RGFG_1995_UTM_22N`, `RGR_1992_UTM_40S`, `RGM_2004_UTM_Zone_38S`,
    /// `RGF_1993_Lambert_93`). Tokens: UTM zone first (the datum alone does not fix the zone), then Lambert-93,
    /// then WGS84.
    public static let officialNameTokens: [(tokens: [String], crs: CRS)] = [
        (["UTM20N"], .antilles),  // RGAF09 / UTM zone 20N (EPSG:5490): Guadeloupe, Martinique, Saint-Martin
        (["UTM22N"], .guyane),  // RGFG95 / UTM zone 22N (EPSG:2972)
        (["UTM40S"], .reunion),  // RGR92 / UTM zone 40S (EPSG:2975)
        (["UTM38S"], .mayotte),  // RGM04 / UTM zone 38S (EPSG:4471)
        (["UTM6S"], .polynesie),  // RGPF / UTM zone 6S (EPSG:3297)
        (["LB93", "LAMBERT93", "L93"], .lambert93),
        (["WGS84", "CRS84", "EPSG4326"], .wgs84),
    ]

    /// The CRS a file name or a `.prj` text names, or nil when it names none of the official ones.
    public static func officialHint(in text: String) -> CRS? {
        let compact = text.uppercased().unicodeScalars.filter { CharacterSet.alphanumerics.contains($0) && $0.isASCII }
            .map(String.init).joined().replacingOccurrences(of: "ZONE", with: "")
        for (tokens, crs) in officialNameTokens
        where tokens.contains(where: { token in
            // "L93" only as a whole word of the name (not inside another token).
            token == "L93"
                ? text.uppercased().range(of: #"(^|[^A-Z0-9])L93([^A-Z0-9]|$)"#, options: .regularExpression) != nil : compact.contains(token)
        }) {
            return crs
        }
        return nil
    }
}
