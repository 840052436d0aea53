#!/usr/bin/env bash
# Look at the HTML report in a real browser: re-render notebook 00 (cpu, from the committed
# results, nothing computed) into a scratch build directory and take headless-Chromium
# screenshots of the index (report.html) and of the notebook's page.
#
#   bash scripts/report_screenshot.sh [OUT_DIR] [NOTEBOOK]     (defaults: build/screenshots, 00)
#
# Needs chromium (Debian: apt-get install -y chromium); not part of CI, where
# tests/test_report.py checks the generated HTML instead.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(realpath -m "${1:-build/screenshots}")
notebook=${2:-00}
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$browser" ]; then
  echo "report_screenshot: no chromium found; install it (Debian: apt-get install -y chromium)" >&2
  exit 2
fi
if [ -z "${NASBOOK_DATA:-}" ] && [ -d ../shared/data ]; then export NASBOOK_DATA=$(realpath ../shared/data); fi
mkdir -p "$out"
build="$out/build"
OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} NASBOOK_QUIET=1 .venv/bin/nasbook run "$notebook" --profile cpu --from-results \
  --build "$build"
page=$(ls "$build"/[0-9]*.html | head -1)

shot() {  # shot FILE.html OUT.png WIDTH HEIGHT
  "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --disable-dev-shm-usage \
    --no-first-run --virtual-time-budget=3000 --window-size="$3,$4" --screenshot="$2" "file://$1" \
    >/dev/null 2>&1
  echo "wrote $2"
}
shot "$build/report.html" "$out/report_index.png" 1400 1800
shot "$page" "$out/report_page.png" 1280 2400
shot "$page" "$out/report_page_narrow.png" 800 1400
