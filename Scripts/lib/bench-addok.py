#!/usr/bin/env python3
"""Run the geocoding truth queries through addok (library calls, no HTTP: addok's best case) and write one
result line per query. Run with the addok virtualenv's python, ADDOK_CONFIG_MODULE and REDIS_PORT set.

Usage: bench-addok.py TRUTH.csv OUT.csv [--processes N] [--repeat R] [--timing T.json]
"""
import argparse
import csv
import json
import multiprocessing
import sys
import time


def init():
    global search
    from addok.config import config
    config.load()
    from addok.core import search as s
    search = s


def run_one(query):
    results = search(query, limit=2, autocomplete=False)
    if not results:
        return ["", "", "", "", "", "", "", ""]
    r = results[0]
    def get(name):
        v = getattr(r, name, "")
        return "" if v is None else str(v)
    rtype = get("type")
    street = get("street") or (get("name") if rtype in ("street", "housenumber") else "")
    return [rtype, get("id"), street, get("citycode"), get("lon"), get("lat"), "%.4f" % r.score, get("label")]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("truth")
    ap.add_argument("out")
    ap.add_argument("--processes", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--timing", help="write {queries, seconds, processes} as JSON to this file")
    args = ap.parse_args()
    with open(args.truth, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    queries = [r["query"] for r in rows] * args.repeat
    t0 = time.perf_counter()
    if args.processes == 1:
        init()
        results = [run_one(q) for q in queries]
    else:
        with multiprocessing.Pool(args.processes, initializer=init) as pool:
            results = pool.map(run_one, queries, chunksize=64)
    seconds = time.perf_counter() - t0
    with open(args.out, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["query", "kind", "result_type", "result_id", "result_street", "result_citycode", "longitude", "latitude",
                    "result_score", "result_label"])
        for row, res in zip(rows, results):
            w.writerow([row["query"], row["kind"]] + res)
    timing = {"queries": len(queries), "seconds": seconds, "processes": args.processes}
    if args.timing:
        with open(args.timing, "w") as f:
            json.dump(timing, f)
    else:
        print(json.dumps(timing))


if __name__ == "__main__":
    main()
