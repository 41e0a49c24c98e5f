#!/usr/bin/env python3
"""Score geocoding results against truth/geocodage-npdc.csv, per kind, with the issue's yardstick:
housenumber queries right when the result is a housenumber with the same BAN id or within 30 m; numero_absent
right when the result's street (name and INSEE code) is the expected one; commune_seule right when the INSEE
code is the expected one.

Usage: bench-evaluate.py TRUTH.csv RESULTS.csv   (RESULTS: api-adresse columns result_type, result_id,
result_street, result_citycode, longitude, latitude, one line per truth line, same order). Prints JSON.
"""
import csv
import json
import math
import re
import sys
import unicodedata

KINDS = ["raw", "poste", "sans_cp", "minuscules", "abrev", "faute", "numero_absent", "commune_seule"]


def words(s):
    s = unicodedata.normalize("NFKD", s.replace("œ", "oe").replace("Œ", "OE")).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", " ", s).split()


def metres(lon1, lat1, lon2, lat2):
    r, d = 6371008.8, math.pi / 180
    a = math.sin((lat2 - lat1) * d / 2) ** 2 + math.cos(lat1 * d) * math.cos(lat2 * d) * math.sin((lon2 - lon1) * d / 2) ** 2
    return 2 * r * math.asin(min(1, math.sqrt(a)))


def right(t, r):
    if t["expected_type"] == "housenumber":
        if r.get("result_type") != "housenumber":
            return False
        if r.get("result_id") == t["expected_id"]:
            return True
        try:
            return metres(float(r["longitude"]), float(r["latitude"]), float(t["expected_lon"]), float(t["expected_lat"])) <= 30
        except (ValueError, KeyError):
            return False
    if t["expected_type"] == "street":
        return r.get("result_citycode") == t["expected_code_insee"] and words(r.get("result_street", "")) == words(t["expected_street"])
    return r.get("result_citycode") == t["expected_code_insee"]


def main():
    with open(sys.argv[1], encoding="utf-8", newline="") as f:
        truth = list(csv.DictReader(f))
    with open(sys.argv[2], encoding="utf-8-sig", newline="") as f:
        results = list(csv.DictReader(f))
    if len(results) != len(truth):
        sys.exit(f"{sys.argv[2]}: {len(results)} lignes, {len(truth)} attendues")
    # The kinds of the truth file, the usual ones first (bench-geocode-forms.py writes others).
    kinds = [k for k in KINDS if any(t["kind"] == k for t in truth)] + list(dict.fromkeys(t["kind"] for t in truth if t["kind"] not in KINDS))
    per = {k: [0, 0] for k in kinds}
    for t, r in zip(truth, results):
        per[t["kind"]][0] += 1
        per[t["kind"]][1] += right(t, r)
    json.dump({k: {"queries": n, "right": ok, "rate": ok / n if n else 0} for k, (n, ok) in per.items()}, sys.stdout)
    print()


if __name__ == "__main__":
    main()
