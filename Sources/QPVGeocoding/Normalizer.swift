// `AddressNormalizer`: the text normalisation shared by the importer and the matcher (case and accent folding,
// abbreviations, street types, stop words), versioned so that packs are rebuilt when it changes.

import Foundation

/// Text normalisation shared by the importer (street and commune names) and the matcher (queries): both sides
/// go through exactly the same function, so a name matches itself whatever its spelling conventions.
///
/// Steps: lower case; accents folded (é→e, ç→c), ligatures expanded (œ→oe, æ→ae, ß→ss); every character that
/// is not a letter or a digit (apostrophes, hyphens, punctuation) becomes a word break; abbreviations of street
/// types and titles expanded to one canonical word (av→avenue, bd→boulevard, st→saint, gal→general…); the
/// three ways of writing "lès" (les, lez, lès) folded.
public enum AddressNormalizer {
    /// Bumped whenever the output of `tokens` changes: address packs record it and are rebuilt when it differs.
    public static let version = 1

    /// Normalised words of `text` (abbreviations expanded).
    public static func tokens(_ text: String) -> [String] {
        var out: [String] = []
        for word in words(text) {
            if let expansion = abbreviations[word] {
                out.append(contentsOf: expansion)
            } else {
                out.append(word)
            }
        }
        return out
    }

    /// Lower-case ASCII words of `text`, accents folded, no abbreviation expansion.
    public static func words(_ text: String) -> [String] {
        var out: [String] = []
        var current: [UInt8] = []
        current.reserveCapacity(24)
        func flush() {
            if !current.isEmpty {
                out.append(String(decoding: current, as: UTF8.self))
                current.removeAll(keepingCapacity: true)
            }
        }
        for scalar in text.unicodeScalars {
            let v = scalar.value
            if v < 0x80 {
                let b = UInt8(v)
                switch b {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"): current.append(b)
                case UInt8(ascii: "A")...UInt8(ascii: "Z"): current.append(b + 32)
                default: flush()
                }
            } else if let folded = fold(v) {
                if folded.isEmpty { flush() } else { current.append(contentsOf: folded) }
            } else {
                // Rare scripts: decompose and keep the ASCII letters.
                var kept = false
                for s in String(scalar).decomposedStringWithCanonicalMapping.unicodeScalars where s.value < 0x80 {
                    let b = UInt8(s.value)
                    if (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39) {
                        current.append(b); kept = true
                    } else if b >= 0x41 && b <= 0x5A {
                        current.append(b + 32); kept = true
                    }
                }
                if !kept { flush() }
            }
        }
        flush()
        return out
    }

    /// Folding of the non-ASCII characters met in French addresses: letters to ASCII, everything else (curly
    /// apostrophes, dashes, non-breaking spaces, °) to a word break (empty array). nil: not in the table.
    @inline(__always)
    static func fold(_ v: UInt32) -> [UInt8]? {
        switch v {
        case 0xC0...0xC5, 0xE0...0xE5, 0x100...0x105: return [0x61]  // a
        case 0xC6, 0xE6: return [0x61, 0x65]  // ae
        case 0xC7, 0xE7, 0x106...0x10D: return [0x63]  // c
        case 0xD0, 0xF0, 0x10E...0x111: return [0x64]  // d
        case 0xC8...0xCB, 0xE8...0xEB, 0x112...0x11B: return [0x65]  // e
        case 0x11C...0x123: return [0x67]  // g
        case 0xCC...0xCF, 0xEC...0xEF, 0x128...0x131: return [0x69]  // i
        case 0xD1, 0xF1, 0x143...0x148: return [0x6E]  // n
        case 0xD2...0xD6, 0xD8, 0xF2...0xF6, 0xF8, 0x14C...0x151: return [0x6F]  // o
        case 0x152, 0x153: return [0x6F, 0x65]  // oe
        case 0x154...0x159: return [0x72]  // r
        case 0x15A...0x161: return [0x73]  // s
        case 0xDF: return [0x73, 0x73]  // ss
        case 0x162...0x167: return [0x74]  // t
        case 0xD9...0xDC, 0xF9...0xFC, 0x168...0x173: return [0x75]  // u
        case 0xDD, 0xFD, 0xFF, 0x178: return [0x79]  // y
        case 0x179...0x17E: return [0x7A]  // z
        case 0x141, 0x142: return [0x6C]  // l
        case 0x80...0xBF, 0xD7, 0xF7, 0x2000...0x206F, 0x3000: return []  // punctuation, spaces, °, ×
        default: return nil
        }
    }

    // MARK: - Vocabulary

    /// Abbreviations of street types, titles and common words, expanded to their canonical form.
    public static let abbreviations: [String: [String]] = {
        var map: [String: [String]] = [:]
        let table: [(String, [String])] = [
            ("avenue", ["av", "ave", "aven", "avn"]),
            ("boulevard", ["bd", "bld", "bvd", "boul", "bould", "blvd", "bl"]),
            ("place", ["pl", "plc", "pla", "plac"]),
            ("impasse", ["imp", "impa", "ipasse"]),
            ("allee", ["all", "alle", "al", "allees"]),
            ("chemin", ["ch", "che", "chem", "chmn"]),
            ("route", ["rte", "rou"]),
            ("faubourg", ["fbg", "fg", "fbourg", "faub"]),
            ("square", ["sq", "squ"]),
            ("quai", ["qu", "qai"]),
            ("cours", ["crs"]),
            ("passage", ["pass", "pas", "pge", "psge"]),
            ("residence", ["res", "resid", "rsd"]),
            ("rue", ["r"]),
            ("ruelle", ["rle", "ruel"]),
            ("sentier", ["sen", "sent"]),
            ("hameau", ["ham", "hmeau"]),
            ("lotissement", ["lot", "lotiss", "lotis"]),
            ("quartier", ["qua", "quart", "qrt"]),
            ("carrefour", ["car", "carf", "caref"]),
            ("chaussee", ["chs", "chau", "chse"]),
            ("cite", ["cit"]),
            ("domaine", ["dom"]),
            ("esplanade", ["esp", "espl"]),
            ("promenade", ["prom", "prm"]),
            ("traverse", ["trav"]),
            ("village", ["vge", "vlge"]),
            ("zone", ["zn"]),
            ("saint", ["st"]),
            ("sainte", ["ste"]),
            ("saints", ["sts"]),
            ("saintes", ["stes"]),
            ("general", ["gal", "gen", "gl", "genl"]),
            ("marechal", ["mal", "marl", "mchl"]),
            ("docteur", ["dr", "doct", "docr"]),
            ("president", ["pdt", "pres", "presid"]),
            ("commandant", ["cdt", "cmdt", "comdt"]),
            ("capitaine", ["cpt", "cne", "capt", "cap"]),
            ("colonel", ["col", "cel"]),
            ("lieutenant", ["lt", "lieut", "ltn"]),
            ("sergent", ["sgt", "sgnt"]),
            ("adjudant", ["adj"]),
            ("professeur", ["prof", "pr"]),
            ("monseigneur", ["mgr"]),
            ("abbe", ["abb"]),
            ("madame", ["mme"]),
            ("monsieur", ["m", "mr"]),
            ("mademoiselle", ["mlle"]),
            ("notre", ["ntre"]),
            ("grande", ["gde", "grde"]),
            ("grand", ["gd", "grd"]),
            ("petite", ["pte", "ptite"]),
            ("petit", ["pt", "ptit"]),
            ("nouvelle", ["nouv"]),
            ("ancienne", ["anc", "ancne"]),
            ("les", ["lez"]),
            ("sur", ["s"]),
            ("premier", ["1er"]),
            ("premiere", ["1ere", "1re"]),
        ]
        for (full, abbrevs) in table {
            for a in abbrevs { map[a] = [full] }
        }
        map["nd"] = ["notre", "dame"]
        map["hlm"] = ["habitation", "loyer", "modere"]
        map["zi"] = ["zone", "industrielle"]
        map["za"] = ["zone", "artisanale"]
        map["zac"] = ["zone", "amenagement", "concerte"]
        map["rn"] = ["route", "nationale"]
        map["rd"] = ["route", "departementale"]
        map["rpt"] = ["rond", "point"]
        map["rdpt"] = ["rond", "point"]
        map["rondpoint"] = ["rond", "point"]
        return map
    }()

    /// Street types (canonical words), weighted low when comparing names.
    public static let streetTypes: Set<String> = [
        "rue", "avenue", "boulevard", "place", "impasse", "allee", "chemin", "route", "faubourg", "square", "quai",
        "cours", "passage", "residence", "ruelle", "sentier", "hameau", "lotissement", "quartier", "carrefour",
        "chaussee", "cite", "domaine", "esplanade", "promenade", "rond", "point", "traverse", "village", "zone",
        "voie", "venelle", "sente", "parvis", "mail", "clos", "cour", "parc", "port", "pont", "digue", "lieu",
        "montee", "rampe", "tour", "villa", "contour", "rang", "ancien", "vieux", "vieille",
    ]

    /// Words that carry little information in a street or commune name.
    public static let stopWords: Set<String> = [
        "de", "du", "des", "la", "le", "les", "l", "d", "a", "au", "aux", "en", "et", "sur", "sous", "lez", "un", "une",
    ]
}
