// qpv-bench — in-memory throughput of the locate engine, for Scripts/bench (compared there with shapely's
// STRtree.query on the same points). Not a user command: it loads points into arrays first, then times
// only the engine.
//
//   qpv-bench locate --data-dir DIR --points points.csv --date 2024-06-01 [--workers N] [--repeat 3] [--codes-out FILE]

import Foundation
import QPVCore
import QPVGeometry
import QPVPerimeters
import QPVTabular

func argument(_ name: String) -> String? {
    let args = CommandLine.arguments
    guard let i = args.firstIndex(of: name), i + 1 < args.count else { return nil }
    return args[i + 1]
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data((message + "\n").utf8))
    exit(2)
}

guard CommandLine.arguments.count > 1, CommandLine.arguments[1] == "locate" else {
    fail("usage : qpv-bench locate --data-dir DIR --points FICHIER.csv [--date AAAA-MM-JJ] [--workers N] [--repeat N] [--codes-out FICHIER]")
}
let dataDir = DataDirectory.resolve(explicit: argument("--data-dir"))
guard let pointsPath = argument("--points") else { fail("--points manquant") }
let date = CivilDate(argument("--date") ?? "") ?? CivilDate.today()
let workers = Int(argument("--workers") ?? "") ?? ProcessInfo.processInfo.activeProcessorCount
let repeats = Int(argument("--repeat") ?? "") ?? 3

let loadStart = Date()
let catalog = try PerimeterCatalog.open(dataDirectory: dataDir)
let openSeconds = Date().timeIntervalSince(loadStart)
let reader = try CSVReader(path: pointsPath)
let lonIndex = try reader.requireColumn("lon")
let latIndex = try reader.requireColumn("lat")
var lonsRead: [Double] = []
var latsRead: [Double] = []
while let r = try reader.next() {
    lonsRead.append(Double(r[lonIndex]) ?? .nan)
    latsRead.append(Double(r[latIndex]) ?? .nan)
}
let lons = lonsRead
let lats = latsRead
let n = lons.count

/// One result slot per worker, each written once under a lock and read after every worker has joined.
final class SliceSlots<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [Result<T, Error>?]
    init(_ count: Int) { values = Array(repeating: nil, count: count) }
    func put(_ index: Int, _ value: Result<T, Error>) { lock.withLock { values[index] = value } }
    func all() throws -> [T] { try lock.withLock { try values.compactMap { try $0?.get() } } }
}

/// Runs `body` on `threads` contiguous slices of `0..<n`, one worker per slice, each building its own result;
/// the results come back in slice order once every worker has joined. The first error is rethrown. No state is
/// shared between workers: each writes only its own slot, under a lock, once.
func forEachSlice<T: Sendable>(threads: Int, _ body: @Sendable (Range<Int>) throws -> T) throws -> [T] {
    let slice = (n + threads - 1) / threads
    let slots = SliceSlots<T>(threads)
    DispatchQueue.concurrentPerform(iterations: threads) { t in
        let lo = min(n, t * slice)
        let hi = min(n, lo + slice)
        slots.put(t, Result { try body(lo..<hi) })
    }
    return try slots.all()
}

/// Runs the engine over all points with `threads` threads (contiguous slices, one Locator each), answers in
/// the flat arrays batches format from (`locateAnswers`: status, every containing perimeter, nearest boundary
/// and its distance), in chunks of the size `qpv locate --input` gives its workers (the engine sorts each
/// chunk spatially: smaller chunks lose locality). Timed: the engine alone; the codes compared with the
/// peers are read afterwards.
func run(threads: Int) throws -> (seconds: Double, cpu: Double, codes: [String]) {
    let start = Date()
    let cpu0 = threadCPU()
    let parts = try forEachSlice(threads: threads) { range -> [LocateAnswers] in
        guard !range.isEmpty else { return [] }
        let locator = try Locator(catalog: catalog)
        var answers: [LocateAnswers] = []
        var k = range.lowerBound
        while k < range.upperBound {
            let e = min(range.upperBound, k + LocateBatchOptions.defaultChunkSize)
            answers.append(try locator.locateAnswers(lons: Array(lons[k..<e]), lats: Array(lats[k..<e]), on: date))
            k = e
        }
        return answers
    }
    let seconds = Date().timeIntervalSince(start)
    let cpu = threadCPU() - cpu0  // the calling thread's: the engine's with one thread
    var codes: [String] = []
    codes.reserveCapacity(n)
    for chunk in parts.joined() {
        for i in 0..<chunk.count { codes.append(chunk.hits(i, kind: .qpv).map { catalog.perimeters[$0].code }.joined(separator: ";")) }
    }
    return (seconds, cpu, codes)
}

/// CPU seconds of the calling thread (robust to other processes loading the machine).
func threadCPU() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
}

var bestCPU = Double.infinity
var best1 = Double.infinity
var bestN = Double.infinity
var codes: [String] = []
for _ in 0..<max(1, repeats) {
    let one = try run(threads: 1)
    bestCPU = min(bestCPU, one.cpu)
    best1 = min(best1, one.seconds)
    codes = one.codes
    if workers > 1 { bestN = min(bestN, try run(threads: workers).seconds) }
}
// The containment question alone (what shapely's STRtree.query answers), all threads, best of `repeats`.
func runContaining(threads: Int) throws -> (seconds: Double, pairs: Int, codes: [String]) {
    let start = Date()
    let partial = try forEachSlice(threads: threads) { range -> [(Int32, Int32)] in
        guard !range.isEmpty else { return [] }
        let locator = try Locator(catalog: catalog)
        let r = try locator.containing(lons: Array(lons[range]), lats: Array(lats[range]), on: date)
        return zip(r.points, r.perimeters).map { (Int32(range.lowerBound) + $0.0, $0.1) }
    }
    let seconds = Date().timeIntervalSince(start)
    var codes = [String](repeating: "", count: n)
    var pairs = 0
    for part in partial {
        for (p, g) in part {
            codes[Int(p)] += (codes[Int(p)].isEmpty ? "" : ";") + catalog.perimeters[Int(g)].code
            pairs += 1
        }
    }
    return (seconds, pairs, codes)
}
var bestContaining = Double.infinity
var bestContaining1 = Double.infinity
var containingPairs = 0
var containingCodes: [String] = []
for _ in 0..<max(1, repeats) {
    let r = try runContaining(threads: workers)
    bestContaining = min(bestContaining, r.seconds)
    containingPairs = r.pairs
    containingCodes = r.codes
    bestContaining1 = min(bestContaining1, try runContaining(threads: 1).seconds)
}
if let out = argument("--containing-codes-out") {
    try (["id,qpv_code"] + containingCodes.enumerated().map { "\($0.offset),\($0.element)" }).joined(separator: "\n").write(
        toFile: out, atomically: true, encoding: .utf8)
}

if let out = argument("--codes-out") {
    try (["id,qpv_code"] + codes.enumerated().map { "\($0.offset),\($0.element)" }).joined(separator: "\n").write(
        toFile: out, atomically: true, encoding: .utf8)
}
if ProcessInfo.processInfo.environment["QPV_BENCH_GRID"] != nil {
    let t = Date()
    let stats = Locator.gridStatistics(catalog)
    print("grid build \(Date().timeIntervalSince(t)) s: \(stats)")
}
let report: [String: Any] = [
    "points": n, "perimeters": catalog.perimeters.count, "open_seconds": openSeconds,
    "seconds_1_thread": best1, "cpu_seconds_1_thread": bestCPU, "points_per_cpu_second": Double(n) / bestCPU,
    "points_per_second_1_thread": Double(n) / best1,
    "threads": workers, "seconds_n_threads": workers > 1 ? bestN : best1,
    "points_per_second_n_threads": Double(n) / (workers > 1 ? bestN : best1),
    "inside": codes.filter { !$0.isEmpty }.count,
    "containing_seconds": bestContaining, "containing_points_per_second": Double(n) / bestContaining, "containing_pairs": containingPairs,
    "containing_points_per_second_1_thread": Double(n) / bestContaining1,
]
print(String(decoding: try JSONSerialization.data(withJSONObject: report, options: [.sortedKeys]), as: UTF8.self))

// --parts: the engine's stages timed separately on the same points (CPU seconds of one thread).
if CommandLine.arguments.contains("--parts") {
    let geos = try GeosContext()
    let proj = try ProjContext()
    var owners: [[PolygonRings]] = []
    var envelopes: [Envelope] = []
    var prepared: [PreparedGeometry] = []
    for p in catalog.perimeters {
        let pack = catalog.packs[p.pack]
        owners.append(try pack.withWKB(p.record.metricGeometry) { try Geometry(wkb: $0, context: geos) }.polygons())
        let g = try pack.withWKB(p.record.geometry) { try Geometry(wkb: $0, context: geos) }
        envelopes.append(g.envelope)
        prepared.append(try g.prepared())
    }
    let plain = BoundaryIndex(owners: owners, candidateGridCells: nil)
    let tree = PackedRTree(envelopes: envelopes)
    func timed(_ label: String, _ body: () throws -> Void) rethrows {
        let c = threadCPU()
        try body()
        let s = threadCPU() - c
        print("\(label): \(String(format: "%.3f", s * 1e6 / Double(n))) µs/point")
    }
    var xs = lons
    var ys = lats
    let t = try CoordinateTransformer(from: .wgs84, to: .lambert93, context: proj)
    try timed("PROJ WGS84→L93 (arrays)") { try t.transform(x: &xs, y: &ys) }
    var sink = 0.0
    timed("nearest boundary, STR-tree path") { for i in 0..<n { sink += plain.nearest(x: xs[i], y: ys[i])?.distance ?? 0 } }
    let g0 = threadCPU()
    let index = BoundaryIndex(owners: owners)
    print("index with candidate grid built in \(String(format: "%.3f", threadCPU() - g0)) s: \(index.gridStatistics.map { "\($0)" } ?? "-")")
    timed("nearest boundary, grid path") { for i in 0..<n { sink += index.nearest(x: xs[i], y: ys[i])?.distance ?? 0 } }
    let keys: [Int] = (0..<n).map { i -> Int in
        let a = Int((lons[i] + 180) * 200)
        let b = Int((lats[i] + 90) * 200)
        return a * 100_000 + b
    }
    let order = (0..<n).sorted { keys[$0] < keys[$1] }
    timed("nearest boundary, grid path, points sorted") { for i in order { sink += index.nearest(x: xs[i], y: ys[i])?.distance ?? 0 } }
    var hint = -1
    timed("nearest boundary, grid path, points sorted, previous answer first") {
        for i in order { sink += index.nearest(x: xs[i], y: ys[i], hint: &hint)?.distance ?? 0 }
    }
    var hits = 0
    try timed("containment (STR-tree + GEOS prepared contains)") {
        for i in 0..<n {
            try tree.forEach(intersecting: Envelope(minX: lons[i], minY: lats[i], maxX: lons[i], maxY: lats[i])) { k in
                if try prepared[k].contains(x: lons[i], y: lats[i]) { hits += 1 }
            }
        }
    }
    print("(\(hits) hits, checksum \(Int(sink)))")
}
