#!/usr/bin/env bash
# The main job: set up, then execute every notebook with papermill (profile cpu by default;
# results already in results/cpu are reused, so committed experiments only re-render).
# Usage: bash scripts/main.sh [--profile smoke|cpu|paper] [NOTEBOOK ...]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export NASBOOK_DATA="${NASBOOK_DATA:-$(cd .. && pwd)/shared/data}"
[ -d "$NASBOOK_DATA" ] || export NASBOOK_DATA="$PWD/data"
args=("$@"); [[ " ${args[*]-} " == *" --profile "* ]] || args+=(--profile cpu)
.venv/bin/nasbook run "${args[@]}"
