#!/usr/bin/env python3
"""Write a synthetic file in the official BAN format (adresses-XX.csv columns, semicolon) with realistic
French commune and street names, and optionally a file of free-text queries drawn from it.

Usage: generate-ban.py --rows 2000000 --output ban-2M.csv.gz [--queries 100000 --queries-output q.csv] [--seed 1]

Deterministic for a given seed. Communes are fictional, names are assembled from common French naming patterns.
INSEE codes: the first 10,000 communes get 90000-99999, whose départements 90-95 are real (so these files must
never be mixed with real BAN data: codes may coincide with real communes); the next 24,000 get 2C000-2Z999,
which no real commune has (Corsica uses only 2A and 2B). Every code is unique, up to 34,000 communes (about
47 million rows); a larger --rows is refused.

Homonyms as in France at every size (La Poste's table of 35,008 communes: 11 % share their name with another
commune, at most 12 of them; a postcode covers 5.6 communes on average, and a commune shares its postcode with
11.8 on average): a name already taken is kept only 1 time in 10 (never past 12, unless 20 draws in a row are
taken), otherwise another is drawn; consecutive communes share a postcode, in groups of 1 + Exp(5) communes
(5.5 on average, 10 seen from a commune). Without this, a small file had almost no homonyms and a national one
far more than France.
"""
import argparse
import csv
import gzip
import math
import random

HOMONYM_KEPT = 0.1  # chance that a commune name already taken is kept
HOMONYMS_MAX = 12
POSTCODE_GROUP_MEAN = 5.0  # communes per postcode: 1 + Exp(mean)
EXTRA_LETTERS = "CDEFGHIJKLMNOPQRSTUVWXYZ"  # 2C000-2Z999: Corsica's real codes are 2A and 2B only
HEADER = ("id;id_fantoir;numero;rep;nom_voie;code_postal;code_insee;nom_commune;code_insee_ancienne_commune;"
          "nom_ancienne_commune;x;y;lon;lat;type_position;alias;nom_ld;libelle_acheminement;nom_afnor;"
          "source_position;source_nom_voie;certification_commune;cad_parcelles")

SAINTS = ["Martin", "Laurent", "Amand", "Omer", "Pol", "Quentin", "Nicolas", "Pierre", "Georges", "Étienne",
          "Éloi", "Vaast", "Léger", "Hilaire", "Aubin", "Venant", "Josse", "Riquier", "Germain", "Rémy"]
ROOTS = ["Ville", "Fontaine", "Neuville", "Villers", "Mont", "Bois", "Bourg", "Haut", "Mesnil", "Beau",
         "Long", "Roque", "Château", "Val", "Champ", "Marais", "Pré", "Moulin", "Fresnoy", "Bailleul",
         "Hénin", "Courcelles", "Aubigny", "Avesnes", "Berck", "Hesdin", "Lens", "Liévin", "Wimille", "Marck",
         "Oye", "Haisnes", "Loos", "Annay", "Bully", "Carvin", "Douvrin", "Estrée", "Frévent", "Guînes"]
SYLLABLES = ["ba", "be", "bi", "bo", "ca", "co", "cu", "da", "de", "di", "fa", "fe", "ga", "gue", "la",
             "le", "li", "lo", "ma", "me", "mi", "mo", "na", "ne", "ni", "pa", "pe", "ra", "re", "ri", "ro",
             "sa", "se", "ta", "te", "ti", "va", "ve", "vi", "vo", "court", "ville", "mont", "val", "ghem",
             "hem", "becque", "zeele", "ques", "ain", "ois", "ans", "ier", "eau"]
QUALIFIERS = ["", "", "", "", "-sur-Mer", "-lès-Arras", "-en-Artois", "-le-Grand", "-le-Petit", "-la-Forêt",
              "-sur-la-Lys", "-au-Bois", "-en-Ternois", "-lez-Lille", "-sur-Canche", "-le-Château", "-en-Cambrésis"]
TYPES = [("Rue", 60), ("Avenue", 8), ("Place", 5), ("Impasse", 6), ("Chemin", 6), ("Allée", 4),
         ("Boulevard", 3), ("Route", 4), ("Résidence", 2), ("Square", 1), ("Quai", 1)]
PEOPLE = ["Jean Jaurès", "Victor Hugo", "Pasteur", "Gambetta", "du Général de Gaulle", "Jean Moulin",
          "Anatole France", "Émile Zola", "Roger Salengro", "Jules Ferry", "Léon Blum", "Paul Bert",
          "Voltaire", "Jean-Baptiste Lebas", "Henri Barbusse", "du Maréchal Foch", "du Général Leclerc",
          "Pierre Curie", "Marie Curie", "Gabriel Péri", "Lamartine", "Alphonse Daudet", "Arthur Lamendin",
          "Maurice Thorez", "Salvador Allende", "Édouard Vaillant", "Condorcet", "Molière", "Racine",
          "Louis Pasteur", "Aristide Briand", "Georges Clemenceau", "Raymond Poincaré", "Jean Lebas",
          "du Président Kennedy", "Pierre Brossolette", "Danton", "Robespierre", "Parmentier", "Carnot",
          "Sadi Carnot", "Alfred de Musset", "Charles Péguy", "Frédéric Mistral", "Guy Mollet"]
PLACES = ["de la Gare", "de l'Église", "du Moulin", "des Écoles", "de la Mairie", "du Stade", "de Paris",
          "de Lille", "d'Arras", "de Béthune", "du Château", "de la Liberté", "de la République", "du Marais",
          "du Bois", "de la Fontaine", "du Calvaire", "de la Paix", "du Canal", "des Prés", "du Cimetière",
          "de la Chapelle", "du 8 Mai 1945", "du 11 Novembre", "du 14 Juillet", "des Fusillés", "Nationale",
          "Principale", "Haute", "Basse", "Neuve", "Verte", "de la Croix", "du Pont", "des Champs", "de la Ferme"]
NATURE = ["des Lilas", "des Acacias", "des Tilleuls", "des Roses", "des Peupliers", "des Chênes",
          "des Érables", "des Bleuets", "des Coquelicots", "des Violettes", "des Jonquilles", "des Mésanges",
          "des Alouettes", "des Hirondelles", "des Cerisiers", "des Pommiers", "du Vieux Puits", "des Saules"]


def commune_name(rng):
    r = rng.random()
    if r < 0.2:
        name = "Saint-" + rng.choice(SAINTS)
    elif r < 0.5:
        name = rng.choice(ROOTS) + rng.choice(["", "-" + rng.choice(SAINTS), ""])
    else:
        n = rng.choice([2, 2, 3, 3, 4])
        name = "".join(rng.choice(SYLLABLES) for _ in range(n)).capitalize()
    return name + rng.choice(QUALIFIERS)


def street_name(rng):
    t = rng.choices([t for t, _ in TYPES], weights=[w for _, w in TYPES])[0]
    pool = rng.choices([PEOPLE, PLACES, NATURE], weights=[5, 4, 2])[0]
    return f"{t} {rng.choice(pool)}"


def upper_ascii(s):
    table = str.maketrans("ÉÈÊËÀÂÎÏÔÛÙÇéèêëàâîïôûùç'-", "EEEEAAIIOUUCeeeeaaiiouuc  ")
    return s.translate(table).upper()


def typo(rng, s):
    letters = [i for i, c in enumerate(s) if c.isalpha()]
    if len(letters) < 4:
        return s
    i = rng.choice(letters[1:-1])
    kind = rng.randrange(3)
    if kind == 0:
        return s[:i] + s[i + 1:]
    if kind == 1:
        return s[:i] + s[i + 1] + s[i] + s[i + 2:]
    return s[:i] + rng.choice("aeioulnrst") + s[i + 1:]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=2_000_000)
    ap.add_argument("--output", required=True)
    ap.add_argument("--queries", type=int, default=0)
    ap.add_argument("--queries-output")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = random.Random(args.seed)

    opener = (lambda p: gzip.open(p, "wt", encoding="utf-8", compresslevel=1, newline="")) if args.output.endswith(".gz") \
        else (lambda p: open(p, "w", encoding="utf-8", newline=""))
    sample = []
    want = args.queries
    written = 0
    commune_index = 0
    postcode_number = -1
    postcode_left = 0
    name_count = {}
    with opener(args.output) as out:
        out.write(HEADER + "\n")
        while written < args.rows:
            commune_index += 1
            dept = 90 + (commune_index // 1000) % 6  # fictional départements 90-95 block, INSEE 9xxxx
            insee = f"{dept:02d}{commune_index % 1000:03d}"
            if 6000 <= commune_index < 10000:
                insee = f"9{commune_index:04d}"
            elif commune_index >= 10000:
                block, rest = divmod(commune_index - 10000, 1000)
                if block >= len(EXTRA_LETTERS):
                    raise SystemExit(f"generate-ban.py: more than {10000 + 1000 * len(EXTRA_LETTERS)} communes, "
                                     "no unique fictional INSEE code left (lower --rows)")
                insee = f"2{EXTRA_LETTERS[block]}{rest:03d}"
            if postcode_left == 0:
                postcode_number += 1
                postcode_left = 1 + int(rng.expovariate(1 / POSTCODE_GROUP_MEAN))
            postcode_left -= 1
            p = postcode_number % 6000  # 90000-95999, shared by neighbouring communes
            postcode = f"{90 + p // 1000}{p % 1000:03d}"
            for _ in range(20):
                name = commune_name(rng)
                taken = name_count.get(name, 0)
                if taken == 0 or (taken < HOMONYMS_MAX and rng.random() < HOMONYM_KEPT):
                    break
            name_count[name] = name_count.get(name, 0) + 1
            lon0, lat0 = rng.uniform(1.6, 4.2), rng.uniform(49.9, 51.0)
            streets = set()
            nstreets = rng.randint(10, 120)
            for s in range(nstreets):
                street = street_name(rng)
                if street in streets:
                    continue
                streets.add(street)
                fantoir = f"{s + 1:04d}"
                count = max(1, int(rng.expovariate(1 / 22)))
                slon, slat = lon0 + rng.uniform(-0.03, 0.03), lat0 + rng.uniform(-0.02, 0.02)
                angle = rng.uniform(0, math.pi)
                for k in range(count):
                    if written >= args.rows:
                        break
                    numero = 1 + 2 * k + rng.choice([0, 0, 0, 1])
                    rep = rng.choices(["", "bis", "ter", "a"], weights=[92, 6, 1, 1])[0]
                    lon = slon + math.cos(angle) * k * 0.00012
                    lat = slat + math.sin(angle) * k * 0.00008
                    rid = f"{insee}_{fantoir}_{numero:05d}" + (f"_{rep}" if rep else "")
                    out.write(f"{rid};;{numero};{rep};{street};{postcode};{insee};{name};;;;;{lon:.7f};{lat:.7f};"
                              f"entrance;;;{upper_ascii(name)};{upper_ascii(street)};commune;commune;0;\n")
                    written += 1
                    if want and (len(sample) < 50_000 or rng.random() < 0.02):
                        if len(sample) < 50_000:
                            sample.append((numero, rep, street, postcode, name))
                        else:
                            sample[rng.randrange(len(sample))] = (numero, rep, street, postcode, name)
    if want:
        with open(args.queries_output, "w", encoding="utf-8", newline="") as q:
            w = csv.writer(q, delimiter=";")
            w.writerow(["ref", "adresse"])
            for i in range(want):
                numero, rep, street, postcode, name = sample[rng.randrange(len(sample))]
                number = f"{numero}{rep}" if rep else str(numero)
                v = rng.random()
                if v < 0.4:
                    text = f"{number} {street} {postcode} {name}"
                elif v < 0.6:
                    text = upper_ascii(f"{number} {street} {postcode} {name}")
                elif v < 0.8:
                    text = f"{number}, {street.lower()} {name}"
                else:
                    text = f"{number} {typo(rng, street)} {postcode} {name}"
                w.writerow([i + 1, text])


if __name__ == "__main__":
    main()
