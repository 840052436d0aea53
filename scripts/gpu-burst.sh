#!/usr/bin/env bash
# One lent GPU window, start to end: what the machine is, the RMI speed bench, then a burst of
# the paper profile until the time is up. Run on the GPU machine from the checkout, with the
# ignored folders .gpu-data (`nasbook data pack .gpu-data`) and .bench-deps (xautodl, see
# bench/rmi_speed.py) sent along; OUT is the folder that comes back.
#
#   bash scripts/gpu-burst.sh OUT SECONDS [PROFILE]      # e.g. bash scripts/gpu-burst.sh $OUT 520
#
# SECONDS is the whole window (the bench gets at most BENCH_S of it, the archive RESERVE_S).
set -uo pipefail
out=${1:?usage: bash scripts/gpu-burst.sh OUT SECONDS [PROFILE]}
total=${2:?usage: bash scripts/gpu-burst.sh OUT SECONDS [PROFILE]}
profile=${3:-paper}
BENCH_S=${BENCH_S:-90}      # the bench is cut off after this many seconds (0: no bench)
BENCH_ARGS=${BENCH_ARGS:-}  # more options of bench/rmi_speed.py, e.g. "--cudnn-benchmark" or "--tf32"
RESERVE_S=${RESERVE_S:-25}  # python start-up, the archive and the manifest
start=$(date +%s)
mkdir -p "$out"
export NASBOOK_DATA=.gpu-data PYTHONPATH=.   # (the burst turns progress bars off: one line per step)
{ python3 --version; python3 -c "import torch; print('torch', torch.__version__, 'cuda', torch.cuda.is_available())"
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv 2>/dev/null || echo "no nvidia-smi"
  nproc; } 2>&1 | tee "$out/machine.txt"
if [ "$BENCH_S" -gt 0 ]; then
  PYTHONPATH=.:.bench-deps timeout "$BENCH_S" python3 bench/rmi_speed.py --archs 32 --loop-archs 8 --steps 30 --repeats 1 \
    $BENCH_ARGS --json "$out/bench-rmi-speed.json" 2>&1 | tail -n 20 | tee "$out/bench-rmi-speed.txt"
fi
left=$(( total - ($(date +%s) - start) - RESERVE_S ))
echo "burst: $left s"
python3 -m nasbook burst --profile "$profile" --deadline "$left" --out "$out" 2>&1 | tail -n 60
