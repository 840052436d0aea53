#!/usr/bin/env bash
# The main job: set up (or reuse) .venv, then execute every notebook with papermill (profile cpu
# by default; results already in results/cpu are reused, so committed experiments only re-render).
# The data folder is found as everywhere else (nasbook/config.py): NASBOOK_DATA, else the folder
# saved by `nasbook data use`, else data/, else ../shared/data beside the checkout.
# Usage: bash scripts/main.sh [--profile smoke|cpu|paper] [NOTEBOOK ...]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
args=("$@"); [[ " ${args[*]-} " == *" --profile "* ]] || args+=(--profile cpu)
.venv/bin/nasbook run "${args[@]}"
