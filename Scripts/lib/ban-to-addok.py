#!/usr/bin/env python3
"""Convert BAN CSV files (adresses-XX.csv[.gz], official columns) and optionally La Poste's postcode table
into addok's import format: one JSON document per line, a document per street with its house numbers, and a
document per municipality (as the BAN's own addok export does).

Usage: ban-to-addok.py [--postcodes laposte-codes-postaux.csv] adresses-59.csv.gz … > addok.ndjson
"""
import argparse
import csv
import gzip
import json
import sys
from collections import defaultdict


def open_text(path):
    if path.endswith(".gz"):
        return gzip.open(path, "rt", encoding="utf-8", newline="")
    return open(path, encoding="utf-8-sig", newline="")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="+")
    ap.add_argument("--postcodes")
    args = ap.parse_args()

    streets = {}  # (insee, name) -> doc
    communes = {}  # insee -> doc
    sums = defaultdict(lambda: [0.0, 0.0, 0])
    for path in args.files:
        with open_text(path) as f:
            for row in csv.DictReader(f, delimiter=";"):
                try:
                    lon, lat = float(row["lon"]), float(row["lat"])
                    numero = int(row["numero"])
                except (ValueError, KeyError):
                    continue
                insee = row["code_insee"]
                name = row["nom_voie"] or row.get("nom_ld", "")
                if not name:
                    continue
                key = (insee, name)
                doc = streets.get(key)
                if doc is None:
                    rid = row["id"]
                    prefix = "_".join(rid.split("_")[:2]) if rid.count("_") >= 2 else rid
                    doc = streets[key] = {
                        "id": prefix, "type": "street", "name": name, "postcode": row["code_postal"],
                        "citycode": insee, "city": row["nom_commune"], "lon": lon, "lat": lat,
                        "importance": 0.0, "housenumbers": {},
                    }
                rep = row.get("rep", "")
                hn = f"{numero} {rep}".strip() if rep else str(numero)
                doc["housenumbers"][hn] = {"id": row["id"], "lon": lon, "lat": lat}
                c = communes.setdefault(insee, {"id": insee, "type": "municipality", "name": row["nom_commune"],
                                                "postcode": set(), "citycode": insee, "city": row["nom_commune"],
                                                "importance": 0.0})
                if row["code_postal"]:
                    c["postcode"].add(row["code_postal"])
                s = sums[insee]
                s[0] += lon; s[1] += lat; s[2] += 1
    centres = {}
    if args.postcodes:
        with open_text(args.postcodes) as f:
            for row in csv.DictReader(f):
                insee = row["code_commune_insee"]
                c = communes.setdefault(insee, {"id": insee, "type": "municipality", "name": row["nom_de_la_commune"].title(),
                                                "postcode": set(), "citycode": insee,
                                                "city": row["nom_de_la_commune"].title(), "importance": 0.0})
                c["postcode"].add(row["code_postal"])
                try:
                    centres.setdefault(insee, (float(row["longitude"]), float(row["latitude"])))
                except ValueError:
                    pass
    out = sys.stdout
    for doc in streets.values():
        # Street position: its first address (addok needs one).
        first = next(iter(doc["housenumbers"].values()))
        doc["lon"], doc["lat"] = first["lon"], first["lat"]
        doc["importance"] = min(1.0, len(doc["housenumbers"]) / 500)
        out.write(json.dumps(doc, ensure_ascii=False) + "\n")
    for insee, c in communes.items():
        if insee in centres:
            c["lon"], c["lat"] = centres[insee]
        elif sums[insee][2]:
            c["lon"], c["lat"] = sums[insee][0] / sums[insee][2], sums[insee][1] / sums[insee][2]
        else:
            continue
        c["postcode"] = sorted(c["postcode"])
        c["importance"] = min(1.0, sums[insee][2] / 5000)
        out.write(json.dumps(c, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
