# Scripts/lib/common.sh — what every script shares, sourced (never run): the repository root, the release build of
# qpv and its binary path, and the project's ONE Python virtual environment (PyPI packages of
# Scripts/lib/requirements.txt: the benchmarks' peers geopandas, shapely, DuckDB, addok; schemathesis for
# Scripts/test-openapi; jsonschema for Scripts/lib/check-rules-schema).
#
#   . "$(dirname "$0")/lib/common.sh"          from Scripts/      (or "$(dirname "$0")/common.sh" from Scripts/lib/)
#   qpv_build_release [PRODUCT…]   swift build -c release of each product (default qpv), log on stderr;
#                                  sets QPV_BIN_DIR (the release folder) and QPV (its qpv binary). With QPV_BIN
#                                  set (a qpv binary) and no product named, builds nothing and uses that one.
#   qpv_venv                       makes or updates the venv ($QPV_VENV, default .venv at the root, git-ignored);
#                                  sets QPV_PYTHON (its python)
# Debian's own Python modules (python3-selenium, python3-requests) stay with /usr/bin/python3.

QPV_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
QPV_VENV=${QPV_VENV:-$QPV_ROOT/.venv}

qpv_build_release() {
  if [ $# -eq 0 ] && [ -n "${QPV_BIN:-}" ]; then
    QPV=$QPV_BIN
    QPV_BIN_DIR=$(dirname "$QPV_BIN")
    return
  fi
  [ $# -gt 0 ] || set -- qpv
  local product
  for product in "$@"; do
    (cd "$QPV_ROOT" && swift build -c release --product "$product" >&2)
  done
  QPV_BIN_DIR=$(cd "$QPV_ROOT" && swift build -c release --show-bin-path)
  QPV=$QPV_BIN_DIR/qpv
}

# The venv is (re)filled when Scripts/lib/requirements.txt differs from the copy kept inside it after the last
# successful install: one pip resolution for the union of the packages, so they always fit together.
qpv_venv() {
  local requirements=$QPV_ROOT/Scripts/lib/requirements.txt stamp=$QPV_VENV/.qpv-requirements.txt
  if [ ! -x "$QPV_VENV/bin/python" ]; then
    echo "== environnement Python $QPV_VENV (python3 -m venv)" >&2
    python3 -m venv "$QPV_VENV"
  fi
  if ! cmp -s "$requirements" "$stamp"; then
    echo "== paquets PyPI dans $QPV_VENV : $(grep -v '^#' "$requirements" | tr '\n' ' ')" >&2
    "$QPV_VENV/bin/pip" install -q --upgrade pip >&2
    "$QPV_VENV/bin/pip" install -q -r "$requirements" >&2
    cp "$requirements" "$stamp"
  fi
  QPV_PYTHON=$QPV_VENV/bin/python
}
