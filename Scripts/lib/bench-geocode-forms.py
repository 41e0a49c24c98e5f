#!/usr/bin/env python3
"""Writes, in the format of truth/geocodage-npdc.csv, the query forms of issue 13 generated from the real BAN
extract (the same forms as Tests/QPVGeocodingTests/NewFormsTests.swift): postcode and commune first,
postcode in parentheses, commune first with the postcode last, N° / numéro, ranges (12-14, 12 à 14), number
glued to the street type. Generated at run time: nothing derived from ../shared is stored.

Usage: bench-geocode-forms.py adresses-npdc-extrait.csv OUT.csv
       bench-geocode-forms.py adresses-npdc-extrait.csv OUT.csv --la-poste N [MORE.csv[.gz] …]
          (issue 17, goal 4: N well-formed queries instead, number, street, postcode and commune in La Poste's
          upper case — the BAN's nom_afnor and libelle_acheminement where given —, addresses drawn at random with a fixed seed over every file given — the extract and the
          synthetic homonyms of the reference —: the throughput mix of the issue)
"""
import csv
import gzip
import random
import sys

STREET_TYPES = {"rue", "avenue", "av", "boulevard", "bd", "place", "pl", "impasse", "allee", "allée", "chemin", "route",
                "faubourg", "square", "quai", "cours", "passage", "residence", "résidence", "ruelle", "sentier", "hameau",
                "lotissement", "quartier", "carrefour", "chaussee", "chaussée", "cite", "cité", "domaine", "esplanade",
                "promenade", "rond", "traverse", "village", "zone", "voie", "venelle", "sente", "parvis", "mail", "clos",
                "cour", "parc", "port", "pont", "digue", "lieu", "montee", "montée", "rampe", "tour", "villa", "contour", "rang"}


def numbered(rows):
    """(row, number, "number rep") for the rows with a plain house number."""
    for r in rows:
        try:
            n = int(r["numero"])
        except ValueError:
            continue
        if n < 99999:
            yield r, n, (f"{n} {r['rep']}" if r["rep"] else str(n))


def ban_rows(path):
    """The rows of a BAN file (plain or gzip), streamed."""
    with (gzip.open(path, "rt", encoding="utf-8", newline="") if path.endswith(".gz") else open(path, encoding="utf-8", newline="")) as f:
        yield from csv.DictReader(f, delimiter=";")


def sample_la_poste(paths, n):
    """n numbered addresses drawn uniformly over every file (reservoir sampling, seed 17), in file order."""
    rng = random.Random(17)
    kept = []
    seen = 0
    for path in paths:
        for item in numbered(ban_rows(path)):
            seen += 1
            if len(kept) < n:
                kept.append((seen, item))
            else:
                j = rng.randrange(seen)
                if j < n:
                    kept[j] = (seen, item)
    return [item for _, item in sorted(kept, key=lambda k: k[0])]


def main():
    src, out = sys.argv[1], sys.argv[2]
    la_poste = int(sys.argv[4]) if len(sys.argv) > 4 and sys.argv[3] == "--la-poste" else None
    with open(out, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["query", "kind", "expected_type", "expected_id", "expected_street", "expected_code_insee", "expected_lon", "expected_lat"])
        if la_poste is not None:
            for r, n, num in sample_la_poste([src] + sys.argv[5:], la_poste):
                # La Poste's own forms where the BAN gives them (AFNOR street name, delivery locality).
                street = r.get("nom_afnor") or r["nom_voie"].upper()
                city = r.get("libelle_acheminement") or r["nom_commune"].upper()
                q = f"{num.upper()} {street} {r['code_postal']} {city}"
                w.writerow([q, "la_poste", "housenumber", r["id"], r["nom_voie"], r["code_insee"], r["lon"], r["lat"]])
            return
        rows = list(ban_rows(src))
        for r, n, num in numbered(rows):
            rep, street, pc, city = r["rep"], r["nom_voie"], r["code_postal"], r["nom_commune"]
            forms = [
                ("cp_en_tete", f"{pc} {city}, {num} {street}"),
                ("cp_en_tete_sans_virgule", f"{pc} {city.upper()} {num} {street.upper()}"),
                ("parentheses", f"{city} ({pc}) {num} {street}"),
                ("commune_en_tete_cp_fin", f"{city}, {num} {street} {pc}"),
                ("numero_symbole", f"N° {num} {street} {pc} {city}"),
                ("numero_mot", f"numéro {num}, {street}, {pc} {city}"),
            ]
            if not rep:
                forms.append(("plage_tiret", f"{n}-{n + 2} {street} {pc} {city}"))
                forms.append(("plage_a", f"{n} à {n + 2} {street} {pc} {city}"))
            first = street.split(" ")[0].lower() if street else ""
            if first in STREET_TYPES:
                forms.append(("colle", f"{n}{rep}{street.lower()} {pc} {city.lower()}"))
            for kind, q in forms:
                w.writerow([q, kind, "housenumber", r["id"], street, r["code_insee"], r["lon"], r["lat"]])


if __name__ == "__main__":
    main()
