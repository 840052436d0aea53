#!/usr/bin/env bash
# Create the project environment from scratch in .venv (CPU torch pinned: plain `torch`
# would pull several GB of CUDA packages on machines without a GPU).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv --clear .venv
.venv/bin/pip install -q --upgrade pip
.venv/bin/pip install -q torch==2.13.0
.venv/bin/pip install -q -e '.[dev]'
