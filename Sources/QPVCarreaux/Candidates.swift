// `qpv carreaux candidates`: `CandidatesBatch` groups low-income carreaux sharing an edge into clusters,
// measures them and draws their outline (`CandidateCluster`, `CandidatesReport`, GeoJSON output).

import Foundation
import QPVCore
import QPVGeometry
import QPVPerimeters
import QPVTabular

public struct CandidatesOptions: Sendable {
    public var read = CarreauxReadOptions()
    /// Carreaux whose mean standard of living (ind_snv / ind, € per year) is below this are "low income".
    public var threshold: Double
    /// Clusters below this population are dropped.
    public var minPopulation: Double = 300
    /// Clusters of at least this population are flagged QPV-sized (the 2014 law's 1,000 inhabitants).
    public var qpvPopulation: Double = 1000

    public init(threshold: Double) { self.threshold = threshold }

    /// The official low-income threshold: S = 0.6 × (0.7 × national median + 0.3 × median of the unité
    /// urbaine), in € of standard of living per year.
    public static func threshold(nationalMedian: Double, urbanUnitMedian: Double) -> Double {
        0.6 * (0.7 * nationalMedian + 0.3 * urbanUnitMedian)
    }

    /// The adjacency rule, in French, as stated in outputs and help.
    public static let adjacencyRule =
        "deux carreaux sont contigus s'ils ont un côté commun (4-connexité) ; un simple coin commun ne les relie pas"
}

/// A cluster of contiguous low-income carreaux.
public struct CandidateCluster: Sendable {
    public enum Category: String, Sendable {
        /// At least `qpvPopulation` inhabitants: the size of a QPV.
        case qpvSized = "qpv_sized"
        /// Between `minPopulation` and `qpvPopulation`: could be recognised as a QIC.
        case qicCandidate = "qic_candidate"

        public var french: String { self == .qpvSized ? "taille d'un QPV (1 000 habitants ou plus)" : "candidat QIC" }
    }

    public var id: String
    public var category: Category
    /// Sorted carreaux.
    public var cells: [GridCell]
    public var population: Double
    public var households: Double?
    public var poorHouseholds: Double?
    public var standardOfLivingSum: Double
    public var imputed: Int
    /// Existing perimeters overlapped: index into `GridPerimeters.perimeters`, share of the cluster's area.
    public var overlaps: [(perimeter: Int, share: Double)]
    /// Outline in WGS84, RFC 7946 orientation (exterior rings counter-clockwise, holes clockwise).
    public var polygons: [PolygonRings]

    public var poorHouseholdShare: Double? {
        guard let h = households, h > 0, let p = poorHouseholds else { return nil }
        return p / h
    }
    public var meanStandardOfLiving: Double { population > 0 ? standardOfLivingSum / population : 0 }
}

public struct CandidatesReport: Sendable {
    public var threshold: Double
    public var minPopulation: Double
    public var clusters: [CandidateCluster] = []
    public var lowIncomeCells = 0
    /// Valid carreaux without inhabitants or without a standard of living (not assessable).
    public var cellsWithoutPopulation = 0
    public var clustersTooSmall = 0
    public var counts = RowCounts()
    public var problems: [String] = []
    public var notes: [String] = []
    public var seconds = 0.0
    public var resolution = 200

    public var text: String {
        let big = clusters.filter { $0.category == .qpvSized }.count
        var lines = [
            "\(FrenchFormat.integer(counts.rows)) carreaux lus en \(FrenchFormat.decimal(seconds, digits: 1)) s ; seuil de niveau de vie \(FrenchFormat.integer(Int(threshold.rounded()))) € : \(FrenchFormat.integer(lowIncomeCells)) carreaux sous le seuil",
            "  \(clusters.count) grappe(s) retenue(s) : \(big) de la taille d'un QPV, \(clusters.count - big) candidate(s) QIC ; \(clustersTooSmall) trop petite(s) (< \(FrenchFormat.integer(Int(minPopulation))) habitants)",
            "  contiguïté : \(CandidatesOptions.adjacencyRule)",
        ]
        if cellsWithoutPopulation > 0 {
            lines.append("  carreaux sans habitant ou sans niveau de vie (non évalués) : \(FrenchFormat.integer(cellsWithoutPopulation))")
        }
        lines += counts.frenchLines
        for n in notes { lines.append("  note : \(n)") }
        lines.append("  " + CarreauxMethod.candidatesNote)
        return lines.joined(separator: "\n")
    }

    /// GeoJSON FeatureCollection (RFC 7946: WGS84 lon/lat, right-hand rule), opens in QGIS.
    public func geoJSON(perimeters: GridPerimeters?) -> String {
        var o = "{\"type\":\"FeatureCollection\",\"name\":\"qpv-candidats\","
        o += "\"qpv_method\":\(jsonQuoted(CarreauxMethod.candidatesNote)),\"qpv_adjacency\":\(jsonQuoted(CandidatesOptions.adjacencyRule)),"
        o += "\"qpv_threshold\":\(formatNumber(threshold, decimals: 2)),\"features\":["
        for (k, c) in clusters.enumerated() {
            if k > 0 { o += "," }
            o += "\n{\"type\":\"Feature\",\"properties\":{"
            var props: [(String, String)] = [
                ("cluster_id", jsonQuoted(c.id)), ("category", jsonQuoted(c.category.rawValue)), ("category_fr", jsonQuoted(c.category.french)),
                ("population", formatNumber(c.population, decimals: 1)),
                ("households", c.households.map { formatNumber($0, decimals: 1) } ?? "null"),
                ("poor_households", c.poorHouseholds.map { formatNumber($0, decimals: 1) } ?? "null"),
                ("poor_household_share", c.poorHouseholdShare.map { formatNumber($0, decimals: 4) } ?? "null"),
                ("mean_standard_of_living", formatNumber(c.meanStandardOfLiving, decimals: 0)),
                ("threshold", formatNumber(threshold, decimals: 0)),
                ("carreaux", String(c.cells.count)), ("carreaux_imputed", String(c.imputed)),
                ("area_m2", formatNumber(Double(c.cells.count * resolution * resolution), decimals: 0)),
            ]
            for kind in [PerimeterKind.qpv, .qic] {
                let mine = c.overlaps.filter { perimeters?.perimeters[$0.perimeter].kind == kind }
                let list = mine.map { "\(perimeters!.perimeters[$0.perimeter].code):\(formatNumber($0.share, decimals: 4))" }.joined(separator: ";")
                props.append(("\(kind.rawValue)_overlap", jsonQuoted(list)))
                props.append(("\(kind.rawValue)_overlap_share", formatNumber(min(1, mine.reduce(0) { $0 + $1.share }), decimals: 4)))
            }
            props.append(("first_carreau", jsonQuoted(c.cells.first?.id ?? "")))
            props.append(("approximation", "true"))
            o += props.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",")
            o += "},\"geometry\":" + GeoJSONGeometry.text(polygons: c.polygons, decimals: 7, multi: true) + "}"
        }
        o += "\n]}\n"
        return o
    }
}

/// `qpv carreaux candidates`: low-income carreaux grouped into contiguous clusters.
public struct CandidatesBatch {
    public let perimeters: GridPerimeters?
    public let options: CandidatesOptions

    public init(perimeters: GridPerimeters?, options: CandidatesOptions) {
        self.perimeters = perimeters
        self.options = options
    }

    struct LowCell: Sendable {
        var cell: GridCell
        var ind: Double
        var men: Double?
        var poor: Double?
        var snv: Double
        var imputed: Bool
        var shares: [CellShare]
    }

    public func run(reader: CSVReader) throws -> CandidatesReport {
        guard options.threshold > 0, options.threshold.isFinite else {
            throw CarreauxError.invalidOption("seuil de niveau de vie \(options.threshold) invalide (nombre positif d'euros attendu)")
        }
        let input = try CarreauxInput(reader: reader, options: options.read)
        let needed = ["ind", "ind_snv"]
        for n in needed where input.column(n) == nil {
            throw CarreauxError.missingColumns(file: input.file, wanted: [n], available: input.header)
        }
        let hasHouseholds = input.column("men") != nil && input.column("men_pauv") != nil
        let columns = ["ind", "ind_snv"] + (hasHouseholds ? ["men", "men_pauv"] : [])
        let indices = columns.map { input.column($0)! }
        let imputedIndex = FilosofiColumns.imputed.lazy.compactMap { input.column($0) }.first
        let threshold = options.threshold
        var report = CandidatesReport(threshold: threshold, minPopulation: options.minPopulation)
        report.resolution = input.resolution
        report.notes = perimeters?.notes ?? ["aucun périmètre en vigueur : recouvrements avec les QPV et QIC non calculés"]
        if !columns.contains("men_pauv") { report.notes.append("colonnes men / men_pauv absentes : part de ménages pauvres non calculée") }

        var low: [LowCell] = []
        var withoutPopulation = 0
        let scanner = CarreauxScanner(input: input, options: options.read)
        report.seconds = try scanner.run(
            reader: reader, perimeters: perimeters, keepRecords: false,
            process: { classifier, records, rows in
                var out: [LowCell?] = []
                var problems: [RowProblem?] = []
                var assessable: [Bool] = []
                for (k, rec) in records.enumerated() {
                    guard let cell = rows[k].cell, rows[k].problem == nil else {
                        out.append(nil); problems.append(nil); assessable.append(true)
                        continue
                    }
                    let (v, imputed, problem) = FilosofiRow.read(rec, indices: indices, imputedIndex: imputedIndex, input: input)
                    if let problem {
                        out.append(nil); problems.append(problem); assessable.append(true)
                        continue
                    }
                    guard let ind = v[0], let snv = v[1], ind > 0, snv > 0 else {
                        out.append(nil); problems.append(nil); assessable.append(false)
                        continue
                    }
                    assessable.append(true)
                    guard snv / ind < threshold else {
                        out.append(nil); problems.append(nil)
                        continue
                    }
                    var shares: [CellShare] = []
                    var problem2: RowProblem?
                    if let classifier {
                        do { shares = try classifier.shares(of: cell) } catch {
                            problem2 = RowProblem(
                                kind: .invalidId, message: "\(input.file), ligne \(rec.line) : erreur de calcul pour « \(cell.id) » : \(error)")
                        }
                    }
                    out.append(
                        problem2 == nil
                            ? LowCell(
                                cell: cell, ind: ind, men: columns.count > 3 ? v[2] : nil, poor: columns.count > 3 ? v[3] : nil, snv: snv,
                                imputed: imputed, shares: shares) : nil)
                    problems.append(problem2)
                }
                return (out, problems, assessable)
            },
            deliver: { chunk, _ in
                let (cells, valueProblems, assessable) = chunk.payload
                for k in chunk.rows.indices {
                    report.counts.rows += 1
                    if let problem = chunk.rows[k].problem ?? valueProblems[k] {
                        report.counts.count(problem, keepingIn: &report.problems, limit: options.read.maxReportedProblems)
                        continue
                    }
                    if !assessable[k] { withoutPopulation += 1 }
                    if let c = cells[k] { low.append(c) }
                }
                return []
            })
        report.counts.blankLines = reader.blankLines
        report.cellsWithoutPopulation = withoutPopulation
        report.lowIncomeCells = low.count
        try cluster(low, into: &report)
        return report
    }

    /// Groups low-income carreaux sharing an edge (union-find), then measures and draws each group.
    func cluster(_ low: [LowCell], into report: inout CandidatesReport) throws {
        var index: [UInt64: Int] = [:]
        index.reserveCapacity(low.count)
        for (i, c) in low.enumerated() { index[c.cell.key] = i }
        var parent = Array(0..<low.count)
        func find(_ x: Int) -> Int {
            var x = x
            while parent[x] != x {
                parent[x] = parent[parent[x]]
                x = parent[x]
            }
            return x
        }
        for (i, c) in low.enumerated() {
            for n in c.cell.edgeNeighbours {
                if let j = index[n.key] {
                    let a = find(i)
                    let b = find(j)
                    if a != b { parent[max(a, b)] = min(a, b) }
                }
            }
        }
        var groups: [Int: [Int]] = [:]
        for i in low.indices { groups[find(i), default: []].append(i) }

        let geos = try GeosContext()
        let proj = try ProjContext()
        let toWGS84 = try CoordinateTransformer(from: .laea3035, to: .wgs84, context: proj)
        var clusters: [CandidateCluster] = []
        for members in groups.values {
            let population = members.reduce(0) { $0 + low[$1].ind }
            guard population >= options.minPopulation else {
                report.clustersTooSmall += 1
                continue
            }
            let cells = members.map { low[$0].cell }.sorted()
            // Households: over carreaux where both men and men_pauv are given.
            let withHouseholds = members.filter { low[$0].men != nil && low[$0].poor != nil }
            var overlapArea: [Int: Double] = [:]
            for m in members { for s in low[m].shares { overlapArea[s.perimeter, default: 0] += s.share } }
            let overlaps = overlapArea.keys.sorted().map { (perimeter: $0, share: overlapArea[$0]! / Double(members.count)) }
            clusters.append(
                CandidateCluster(
                    id: "", category: population >= options.qpvPopulation ? .qpvSized : .qicCandidate, cells: cells,
                    population: population,
                    households: withHouseholds.isEmpty ? nil : withHouseholds.reduce(0) { $0 + low[$1].men! },
                    poorHouseholds: withHouseholds.isEmpty ? nil : withHouseholds.reduce(0) { $0 + low[$1].poor! },
                    standardOfLivingSum: members.reduce(0) { $0 + low[$1].snv },
                    imputed: members.filter { low[$0].imputed }.count, overlaps: overlaps,
                    polygons: try CandidatesBatch.outline(cells, geos: geos, toWGS84: toWGS84)))
        }
        clusters.sort { a, b in a.population != b.population ? a.population > b.population : a.cells[0] < b.cells[0] }
        for k in clusters.indices { clusters[k].id = String(format: "G%04d", k + 1) }
        report.clusters = clusters
    }

    /// The union of the carreaux squares (EPSG:3035, exact) transformed to WGS84, oriented for RFC 7946.
    static func outline(_ cells: [GridCell], geos: GeosContext, toWGS84: CoordinateTransformer) throws -> [PolygonRings] {
        let squares = try cells.map { try Geometry.rectangle($0.envelope, context: geos) }
        let union = try Geometry.collection(squares, context: geos).unaryUnion()
        return try union.polygons().map { rings in
            try rings.enumerated().map { k, ring in
                var xs = ring.map(\.x)
                var ys = ring.map(\.y)
                try toWGS84.transform(x: &xs, y: &ys)
                var r = zip(xs, ys).map { Coordinate(x: $0, y: $1) }
                let ccw = Rings.signedArea(r) > 0
                if (k == 0) != ccw { r.reverse() }
                return r
            }
        }
    }
}
