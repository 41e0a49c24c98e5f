"""Helpers of Scripts/lib/bench-locate: point generation, the geopandas and shapely runs, the report."""
import csv, json, os, random, sys, time, statistics


def generate(perimeters, n, out):
    """Half the points near perimeters (within ~2 km of a random perimeter's box), half uniform over
    mainland France. Fixed seed: every run and every tool reads the same file."""
    random.seed(20261124)
    d = json.load(open(perimeters))
    boxes = []
    for f in d["features"]:
        g = f["geometry"]
        rings = g["coordinates"] if g["type"] == "Polygon" else [r for p in g["coordinates"] for r in p]
        xs = [p[0] for r in rings for p in r]
        ys = [p[1] for r in rings for p in r]
        boxes.append((min(xs), min(ys), max(xs), max(ys)))
    with open(out, "w") as f:
        f.write("id,lon,lat\n")
        for i in range(n):
            if i % 2 == 0:
                b = random.choice(boxes)
                lon, lat = random.uniform(b[0] - 0.02, b[2] + 0.02), random.uniform(b[1] - 0.015, b[3] + 0.015)
            else:
                lon, lat = random.uniform(-4.5, 7.5), random.uniform(42.5, 50.8)
            f.write(f"pt{i},{lon:.7f},{lat:.7f}\n")


def geopandas_run(perimeters, points, out):
    """What a data analyst writes: read, make valid, sjoin within, one row per point, write."""
    best = None
    for _ in range(2):
        t0 = time.perf_counter()
        import pandas as pd, geopandas as gpd, shapely
        pts = pd.read_csv(points)
        poly = gpd.read_file(perimeters)
        poly["geometry"] = shapely.make_valid(poly.geometry.values)
        g = gpd.GeoDataFrame(pts, geometry=gpd.points_from_xy(pts.lon, pts.lat), crs=4326)
        j = gpd.sjoin(g, poly[["code_qp", "geometry"]], how="inner", predicate="within")
        codes = j.groupby(level=0)["code_qp"].agg(lambda s: ";".join(sorted(s)))
        pts["qpv_code"] = codes.reindex(pts.index).fillna("")
        pts.to_csv(out, index=False)
        t = time.perf_counter() - t0
        best = t if best is None else min(best, t)
    print(json.dumps({"seconds": best, "points": len(pts)}))


def shapely_run(perimeters, points, codes_out):
    """In memory: the STRtree query alone (containment), then the nearest boundary in Lambert-93."""
    import numpy as np, pandas as pd, geopandas as gpd, shapely, pyproj
    pts = pd.read_csv(points)
    poly = gpd.read_file(perimeters)
    geoms = shapely.make_valid(poly.geometry.values)
    tree = shapely.STRtree(geoms)
    p = shapely.points(pts["lon"].values, pts["lat"].values)
    best = None
    for _ in range(3):
        t0 = time.perf_counter()
        res = tree.query(p, predicate="within")
        t = time.perf_counter() - t0
        best = t if best is None else min(best, t)
    codes = [[] for _ in range(len(pts))]
    names = poly["code_qp"].values
    for i, j in zip(res[0], res[1]):
        codes[i].append(names[j])
    with open(codes_out, "w") as f:
        f.write("id,qpv_code\n")
        for i, c in enumerate(codes):
            f.write(f"{i},{';'.join(sorted(c))}\n")
    # The complete answer qpv computes also has the distance to the nearest boundary (Lambert-93).
    sample = min(len(pts), 100_000)
    t0 = time.perf_counter()
    tr = pyproj.Transformer.from_crs(4326, 2154, always_xy=True)
    x, y = tr.transform(pts["lon"].values[:sample], pts["lat"].values[:sample])
    boundaries = shapely.boundary(shapely.make_valid(poly.to_crs(2154).geometry.values))
    btree = shapely.STRtree(boundaries)
    res2 = tree.query(p[:sample], predicate="within")
    _, dist = btree.query_nearest(shapely.points(x, y), return_distance=True, all_matches=False)
    full = time.perf_counter() - t0
    print(json.dumps({"points": len(pts), "query_seconds": best, "full_sample": sample, "full_seconds": full}))


def duckdb_extension():
    """The spatial extension shipped by PyPI's duckdb-extension-spatial (loads offline, no INSTALL)."""
    import glob, os, duckdb_extension_spatial
    base = os.path.dirname(duckdb_extension_spatial.__file__)
    found = sorted(glob.glob(os.path.join(base, "extensions", "*", "spatial.duckdb_extension")))
    if not found:
        raise SystemExit("extension spatiale de DuckDB introuvable dans " + base)
    return found[-1]


def duckdb_run(perimeters, points, out, threads):
    """What an analyst writes in DuckDB spatial: perimeters read once into a table (ST_Read, ST_MakeValid:
    "prebuilt", as a DuckDB user keeps them in a database), then per run: read the points CSV, join on
    ST_Within (DuckDB plans a SPATIAL_JOIN with an R-tree built on the fly), one row per point with its
    codes, COPY to CSV. Containment only (no distance). Best of two runs; the perimeter load is reported
    apart."""
    import duckdb
    con = duckdb.connect()
    con.execute(f"SET threads = {int(threads)}")
    con.execute(f"LOAD '{duckdb_extension()}'")
    t0 = time.perf_counter()
    con.execute(f"CREATE TABLE perimeters AS SELECT code_qp, ST_MakeValid(geom) AS geom FROM ST_Read('{perimeters}')")
    load = time.perf_counter() - t0
    best = None
    for _ in range(2):
        t0 = time.perf_counter()
        con.execute(f"""
            COPY (
              WITH pts AS (
                SELECT row_number() OVER () AS rid, * FROM read_csv('{points}', header = true,
                  columns = {{'id': 'VARCHAR', 'lon': 'DOUBLE', 'lat': 'DOUBLE'}})
              ),
              hits AS (
                SELECT pts.rid, string_agg(p.code_qp, ';' ORDER BY p.code_qp) AS qpv_code
                FROM pts JOIN perimeters p ON ST_Within(ST_Point(pts.lon, pts.lat), p.geom)
                GROUP BY pts.rid
              )
              SELECT pts.id, pts.lon, pts.lat, coalesce(hits.qpv_code, '') AS qpv_code
              FROM pts LEFT JOIN hits USING (rid) ORDER BY pts.rid
            ) TO '{out}' (HEADER, DELIMITER ',')""")
        t = time.perf_counter() - t0
        best = t if best is None else min(best, t)
    plan = "\n".join(r[1] for r in con.execute(
        f"EXPLAIN SELECT count(*) FROM read_csv('{points}') pts JOIN perimeters p ON ST_Within(ST_Point(pts.lon, pts.lat), p.geom)").fetchall())
    n = con.execute(f"SELECT count(*) FROM read_csv('{points}')").fetchone()[0]
    print(json.dumps({"seconds": best, "load_seconds": load, "points": n, "threads": int(threads),
                      "duckdb": duckdb.__version__, "spatial_join_planned": "SPATIAL_JOIN" in plan}))


def read_codes(path, column="qpv_code", key=None):
    out = []
    with open(path, newline="") as f:
        for r in csv.DictReader(f):
            out.append(";".join(sorted(x for x in (r[column] or "").split(";") if x)))
    return out


def report(out, import_seconds, cores, load):
    qpv_s = float(open(f"{out}/qpv-seconds.txt").read())
    gpd = json.load(open(f"{out}/geopandas.json"))
    duck = json.load(open(f"{out}/duckdb.json"))
    bench = json.load(open(f"{out}/qpv-bench.json"))
    shp = json.load(open(f"{out}/shapely.json"))
    lat = [float(x) for x in open(f"{out}/latency.txt").read().split()]
    method = open(f"{out}/latency-method.txt").read().strip() if os.path.exists(f"{out}/latency-method.txt") else "20 runs"
    n = gpd["points"]
    qpv_codes = read_codes(f"{out}/qpv-out.csv")
    gpd_codes = read_codes(f"{out}/geopandas-out.csv")
    mem_codes = read_codes(f"{out}/qpv-bench-containing-codes.csv")
    shp_codes = read_codes(f"{out}/shapely-codes.csv")
    diff_gpd = sum(1 for a, b in zip(qpv_codes, gpd_codes) if a != b)
    duck_codes = read_codes(f"{out}/duckdb-out.csv")
    diff_duck = sum(1 for a, b in zip(qpv_codes, duck_codes) if a != b) + abs(len(qpv_codes) - len(duck_codes))
    diff_shp = sum(1 for a, b in zip(mem_codes, shp_codes) if a != b)
    statuses = {}
    with open(f"{out}/qpv-out.csv", newline="") as f:
        for r in csv.DictReader(f):
            statuses[r["qpv_status"]] = statuses.get(r["qpv_status"], 0) + 1
    res = {
        "points": n, "cores": int(cores), "load": load.strip(),
        "qpv_import_seconds": float(import_seconds),
        "qpv_end_to_end_seconds": qpv_s, "qpv_end_to_end_points_per_second": n / qpv_s,
        "geopandas_end_to_end_seconds": gpd["seconds"], "geopandas_points_per_second": n / gpd["seconds"],
        "end_to_end_ratio": gpd["seconds"] / qpv_s,
        "duckdb_end_to_end_seconds": duck["seconds"], "duckdb_perimeter_load_seconds": duck["load_seconds"],
        "duckdb_version": duck["duckdb"], "duckdb_spatial_join_planned": duck["spatial_join_planned"],
        "end_to_end_ratio_vs_duckdb": duck["seconds"] / qpv_s, "codes_differing_from_duckdb": diff_duck,
        "qpv_in_memory_points_per_second_1_thread": bench["points_per_second_1_thread"],
        "qpv_in_memory_points_per_second_all_threads": bench["points_per_second_n_threads"],
        "qpv_in_memory_points_per_cpu_second": bench["points_per_cpu_second"],
        "shapely_query_points_per_second": n / shp["query_seconds"],
        "shapely_full_answer_points_per_second": shp["full_sample"] / shp["full_seconds"],
        "qpv_containing_points_per_second": bench["containing_points_per_second"],
        "qpv_containing_points_per_second_1_thread": bench["containing_points_per_second_1_thread"],
        "containing_ratio_vs_shapely_query": bench["containing_points_per_second"] / (n / shp["query_seconds"]),
        "containing_ratio_1_thread_vs_shapely_query": bench["containing_points_per_second_1_thread"] / (n / shp["query_seconds"]),
        "in_memory_ratio_vs_shapely_full_answer": bench["points_per_second_n_threads"] / (shp["full_sample"] / shp["full_seconds"]),
        "codes_differing_from_geopandas": diff_gpd, "codes_differing_from_shapely": diff_shp,
        "latency_ms_median": statistics.median(lat), "latency_ms_max": max(lat),
        "statuses": statuses,
    }
    json.dump(res, open(f"{out}/report.json", "w"), indent=1)
    md = f"""# qpv locate — benchmark ({n:,} points, 1,575 perimeters, {cores} cores)

Machine load during the run: `{load.strip()}`

| measure | qpv | alternative | ratio |
|---|---:|---:|---:|
| end to end, CSV in → CSV out (qpv: complete answer; peers: containment only) | {qpv_s:.2f} s ({n/qpv_s:,.0f} pts/s) | geopandas sjoin {gpd['seconds']:.2f} s ({n/gpd['seconds']:,.0f} pts/s) | **{gpd['seconds']/qpv_s:.1f}×** |
| same, against DuckDB {duck['duckdb']} spatial (perimeter table prebuilt: {duck['load_seconds']:.2f} s not counted; SPATIAL_JOIN planned: {duck['spatial_join_planned']}) | {qpv_s:.2f} s | DuckDB {duck['seconds']:.2f} s ({n/duck['seconds']:,.0f} pts/s) | **{duck['seconds']/qpv_s:.1f}×** |
| in memory, containment only (`Locator.containing`, shapely-style index pairs) | {bench['containing_points_per_second']:,.0f} pts/s ({bench['threads']} threads); {bench['containing_points_per_second_1_thread']:,.0f} pts/s (1 thread) | shapely `STRtree.query(predicate="within")` {n/shp['query_seconds']:,.0f} pts/s | **{bench['containing_points_per_second']/(n/shp['query_seconds']):.1f}×** ({bench['containing_points_per_second_1_thread']/(n/shp['query_seconds']):.1f}× on 1 thread) |
| in memory, complete answer (containment + distance to the nearest boundary, Lambert-93) | {bench['points_per_second_n_threads']:,.0f} pts/s ({bench['threads']} threads) | shapely query + `query_nearest` on boundaries {shp['full_sample']/shp['full_seconds']:,.0f} pts/s | **{bench['points_per_second_n_threads']/(shp['full_sample']/shp['full_seconds']):.1f}×** |
| single query, process start to answer ({method}) | median {statistics.median(lat):.1f} ms, max {max(lat):.1f} ms | | |

- Answers: {diff_gpd} codes differ from geopandas, {diff_duck} from DuckDB, {diff_shp} from shapely (out of {n:,} points).
- qpv one thread in memory: {bench['points_per_second_1_thread']:,.0f} pts/s ({bench['points_per_cpu_second']:,.0f} per CPU second); pack import {float(import_seconds):.2f} s, pack open {bench['open_seconds']*1000:.0f} ms.
- qpv statuses: {statuses}.
"""
    open(f"{out}/report.md", "w").write(md)
    print(md)


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "generate":
        generate(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    elif cmd == "geopandas":
        geopandas_run(sys.argv[2], sys.argv[3], sys.argv[4])
    elif cmd == "duckdb":
        duckdb_run(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5])
    elif cmd == "shapely":
        shapely_run(sys.argv[2], sys.argv[3], sys.argv[4])
    elif cmd == "report":
        report(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5])
