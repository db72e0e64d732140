#!/usr/bin/env bash
# Compare spectro's STFT throughput with SciPy's on the same cases, in one
# run: 1 s at 16 kHz, 10 s at 100 kHz, and a batch of 1,000 signals of
# 0.25 s at 16 kHz, each at 1 and 2 workers (Go: goroutines; SciPy: one
# process vs a 2-process pool), one BLAS/OpenMP thread per process.
#
# Usage (from the repository root): scripts/bench/spectro/bench.sh [min-seconds]
# Needs Go and Debian's SciPy (apt-get install -y python3-scipy python3-numpy).
set -euo pipefail
cd "$(dirname "$0")/../../.."
min="${1:-2}"
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 GOMAXPROCS="${GOMAXPROCS:-2}"
py="${PYTHON:-/usr/bin/python3}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), GOMAXPROCS=$GOMAXPROCS" >&2
go build -o "$tmp/spectro-bench" ./scripts/bench/spectro
"$tmp/spectro-bench" -min "${min}s" > "$tmp/go.jsonl"
"$py" scripts/bench/spectro/bench_scipy.py --min "$min" > "$tmp/scipy.jsonl"

"$py" - "$tmp/go.jsonl" "$tmp/scipy.jsonl" <<'PY'
import json, sys
rows = [json.loads(l) for f in sys.argv[1:] for l in open(f) if l.strip()]
by = {(r["impl"], r["case"], r["workers"]): r for r in rows}
scipy_v = next((r.get("scipy") for r in rows if r["impl"] == "scipy"), "?")
print(f"STFT throughput, Go spectro vs SciPy {scipy_v} (higher is better)")
print(f"{'case':<18} {'workers':>7} {'go MS/s':>9} {'scipy MS/s':>11} {'go sig/s':>10} {'scipy sig/s':>12} {'go/scipy':>9}")
for (impl, case, w), g in by.items():
    if impl != "go":
        continue
    s = by.get(("scipy", case, w))
    if s is None:
        continue
    print(f"{case:<18} {w:>7} {g['msamples_per_s']:>9.1f} {s['msamples_per_s']:>11.1f} "
          f"{g['signals_per_s']:>10.1f} {s['signals_per_s']:>12.1f} {g['msamples_per_s']/s['msamples_per_s']:>8.2f}x")
PY
