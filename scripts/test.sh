#!/usr/bin/env bash
# The test suite: set up .venv (from scratch when it is missing or stale, see setup.sh), then
# pytest (unit tests + smoke execution of every notebook + re-rendering of the committed cpu
# figures from committed results).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export NASBOOK_DATA="${NASBOOK_DATA:-$(cd .. && pwd)/shared/data}"
.venv/bin/python -m pytest -q -p no:cacheprovider "$@"
