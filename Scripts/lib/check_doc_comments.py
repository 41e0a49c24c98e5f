#!/usr/bin/python3
"""Every public declaration of the given modules has a doc comment (issue 15.9).

Reads the symbol graphs that `swift package generate-documentation` wrote under the build folder
(.build/<triple>/extracted-symbols/…, the newest of each name): <Module>.symbols.json and <Module>@<Other>.symbols.json
(extensions of other modules' types). A public or open symbol declared in Sources/<Module> without a doc comment
is listed as file:line. Not listed: what the compiler synthesizes (no source location, or "::SYNTHESIZED::"),
and the implementations of standard protocol requirements whose documentation is the protocol's
(description, errorDescription, encode(to:), init(from:), hash(into:), ==, <).
Exit status 1 when anything is undocumented; `--list FILE` writes the list (one `path:line: kind name` a line).
"""
import argparse
import glob
import json
import os
import sys
from urllib.parse import unquote, urlparse

STANDARD_REQUIREMENTS = {"description", "errorDescription", "debugDescription", "encode(to:)", "init(from:)", "hash(into:)",
                         "==(_:_:)", "<(_:_:)", "makeIterator()", "next()", "failureReason", "recoverySuggestion"}


def graphs(build, module):
    found = {}
    for path in glob.glob(os.path.join(build, "**", f"{module}*.symbols.json"), recursive=True):
        name = os.path.basename(path)
        if name != f"{module}.symbols.json" and not name.startswith(f"{module}@"):
            continue
        if name not in found or os.path.getmtime(path) > os.path.getmtime(found[name]):
            found[name] = path
    return sorted(found.values())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("--list")
    ap.add_argument("modules", nargs="+")
    args = ap.parse_args()
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    missing = []
    total = 0
    for module in args.modules:
        files = graphs(args.build, module)
        if not files:
            print(f"check_doc_comments : aucun graphe de symboles pour {module} sous {args.build}", file=sys.stderr)
            return 1
        seen = set()
        for f in files:
            for s in json.load(open(f))["symbols"]:
                precise = s["identifier"]["precise"]
                if precise in seen or "::SYNTHESIZED::" in precise or s.get("accessLevel") not in ("public", "open"):
                    continue
                seen.add(precise)
                loc = s.get("location")
                if not loc:
                    continue
                path = unquote(urlparse(loc["uri"]).path)
                rel = os.path.relpath(path, root)
                if not rel.startswith(f"Sources/{module}/"):
                    continue
                total += 1
                title = s["names"]["title"]
                if s.get("docComment", {}).get("lines") or title in STANDARD_REQUIREMENTS:
                    continue
                missing.append((rel, loc["position"]["line"] + 1, s["kind"]["identifier"].replace("swift.", ""), ".".join(s["pathComponents"])))
    missing.sort()
    if args.list:
        with open(args.list, "w") as out:
            for rel, line, kind, name in missing:
                out.write(f"{rel}:{line}: {kind} {name}\n")
    if missing:
        for rel, line, kind, name in missing[:60]:
            print(f"{rel}:{line}: {kind} {name} sans commentaire de documentation", file=sys.stderr)
        if len(missing) > 60:
            print(f"… et {len(missing) - 60} autres", file=sys.stderr)
        print(f"check_doc_comments : {len(missing)} déclarations publiques sur {total} sans commentaire de documentation", file=sys.stderr)
        return 1
    print(f"commentaires de documentation : {total} déclarations publiques, toutes documentées", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
