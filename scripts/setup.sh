#!/usr/bin/env bash
# The project environment in .venv (CPU torch pinned: plain `torch` would pull several GB of
# CUDA packages on machines without a GPU). An existing .venv is reused as it is, extras you
# installed such as '.[lab]' included, when it is current: its stamp .venv/.nasbook-setup holds
# the hash of this pyproject.toml and this script, and it runs nasbook from this checkout.
# Otherwise (missing, stale or broken) .venv is created from scratch.
set -euo pipefail
cd "$(dirname "$0")/.."
stamp=.venv/.nasbook-setup
want="$(python3 -c 'import hashlib, sys; print(hashlib.sha256(b"".join(open(f, "rb").read() for f in sys.argv[1:])).hexdigest())' \
        pyproject.toml scripts/setup.sh)"
current() {
  [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] || return 1
  .venv/bin/nasbook --version >/dev/null 2>&1 || return 1
  local installed
  installed="$(.venv/bin/python -I -c 'import nasbook, os; print(os.path.realpath(os.path.dirname(os.path.dirname(nasbook.__file__))))' 2>/dev/null)" || return 1
  [ "$installed" = "$(pwd -P)" ]
}
if current; then
  echo "[setup] .venv is current ($stamp matches pyproject.toml and scripts/setup.sh): reusing it"
  exit 0
fi
echo "[setup] creating .venv from scratch (about a minute; needs the package index)"
python3 -m venv --clear .venv
.venv/bin/pip install -q --upgrade pip
.venv/bin/pip install -q torch==2.13.0
.venv/bin/pip install -q -e '.[dev]'
echo "$want" > "$stamp"
