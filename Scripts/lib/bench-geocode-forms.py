#!/usr/bin/env python3
"""Writes, in the format of truth/geocodage-npdc.csv, the query forms of issue 13 generated from the real BAN
extract (the same forms as Tests/QPVGeocodingTests/NewFormsTests.swift): postcode and commune first,
postcode in parentheses, commune first with the postcode last, N° / numéro, ranges (12-14, 12 à 14), number
glued to the street type. Generated at run time: nothing derived from ../shared is stored.

Usage: bench-geocode-forms.py adresses-npdc-extrait.csv OUT.csv
"""
import csv
import sys

STREET_TYPES = {"rue", "avenue", "av", "boulevard", "bd", "place", "pl", "impasse", "allee", "allée", "chemin", "route",
                "faubourg", "square", "quai", "cours", "passage", "residence", "résidence", "ruelle", "sentier", "hameau",
                "lotissement", "quartier", "carrefour", "chaussee", "chaussée", "cite", "cité", "domaine", "esplanade",
                "promenade", "rond", "traverse", "village", "zone", "voie", "venelle", "sente", "parvis", "mail", "clos",
                "cour", "parc", "port", "pont", "digue", "lieu", "montee", "montée", "rampe", "tour", "villa", "contour", "rang"}


def main():
    src, out = sys.argv[1], sys.argv[2]
    with open(src, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter=";"))
    with open(out, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["query", "kind", "expected_type", "expected_id", "expected_street", "expected_code_insee", "expected_lon", "expected_lat"])
        for r in rows:
            try:
                n = int(r["numero"])
            except ValueError:
                continue
            if n >= 99999:
                continue
            rep, street, pc, city = r["rep"], r["nom_voie"], r["code_postal"], r["nom_commune"]
            num = f"{n} {rep}" if rep else str(n)
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
