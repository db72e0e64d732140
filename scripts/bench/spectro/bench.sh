#!/usr/bin/env bash
# Compare spectro's STFT throughput with SciPy's and torch.stft's on the
# same cases, in one run: 1 s at 16 kHz, 10 s at 100 kHz, and a batch of
# 1,000 signals of 0.25 s at 16 kHz, each at 1 and 2 workers.
#
#   Go:    goroutines; "reuse" (a spectrogram kept per worker) and "alloc"
#          (a new one per signal, as the peers do).
#   SciPy: one process vs a 2-process pool, one BLAS/OpenMP thread each;
#          per signal in a loop and as one 2-D batch call: Go is compared
#          with the faster of the two.
#   torch: torch.set_num_threads(1 or 2), float64 and float64's ratio
#          beside float32's; loop and batch, the faster counts.
#
# ROUNDS rounds (default 3) run Go, SciPy and torch one after the other,
# so a change in the machine's load hits all three; each figure is the
# median of its rounds. Ratios are time ratios, Go time / peer time (below
# 1: Go is faster), like for like: Go "alloc" against the peers (who
# allocate), Go "reuse" beside it.
#
# Usage (from the repository root): scripts/bench/spectro/bench.sh [min-seconds]
# Needs Go, Debian's SciPy and torch (apt-get install -y python3-scipy
# python3-numpy python3-torch).
set -euo pipefail
cd "$(dirname "$0")/../../.."
min="${1:-1}"
rounds="${ROUNDS:-3}"
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 GOMAXPROCS="${GOMAXPROCS:-2}"
py="${PYTHON:-/usr/bin/python3}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

echo "machine: $(getconf _NPROCESSORS_ONLN) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), GOMAXPROCS=$GOMAXPROCS; load average $(cut -d' ' -f1-3 /proc/loadavg) before"
go build -o "$tmp/spectro-bench" ./scripts/bench/spectro
for r in $(seq "$rounds"); do
	"$tmp/spectro-bench" -min "${min}s" >> "$tmp/go.jsonl"
	"$py" scripts/bench/spectro/bench_scipy.py --min "$min" >> "$tmp/scipy.jsonl"
	# torch's intra-op threads are its own way to use 2 cores: OMP set per call.
	OMP_NUM_THREADS=2 "$py" scripts/bench/spectro/bench_torch.py --min "$min" >> "$tmp/torch.jsonl"
done
echo "load average $(cut -d' ' -f1-3 /proc/loadavg) after $rounds rounds"

"$py" - "$tmp/go.jsonl" "$tmp/scipy.jsonl" "$tmp/torch.jsonl" <<'PY'
import json, statistics, sys
from collections import defaultdict
rows = [json.loads(l) for f in sys.argv[1:] for l in open(f) if l.strip()]
runs = defaultdict(list)
for r in rows:
    runs[(r["impl"], r.get("dtype", "float64"), r["form"], r["case"], r["workers"])].append(r["msamples_per_s"])
med = {k: statistics.median(v) for k, v in runs.items()}
ver = {r["impl"]: r.get(r["impl"]) for r in rows if r["impl"] != "go"}

def best(impl, dtype, case, w):
    c = [(v, k[2]) for k, v in med.items() if k[0] == impl and k[1] == dtype and k[3] == case and k[4] == w]
    return max(c) if c else (None, None)

print(f"STFT throughput in million input samples/s (higher is better), median of {len(runs[next(iter(runs))])} rounds; SciPy {ver.get('scipy')}, torch {ver.get('torch')}")
print(f"{'case':<18} {'w':>2} {'go alloc':>9} {'go reuse':>9} {'scipy':>14} {'torch f64':>16} {'torch f32':>16} {'t/scipy':>8} {'t/torch64':>10} {'t/torch32':>10}")
summary = []
for case in dict.fromkeys(k[3] for k in med):
    for w in sorted({k[4] for k in med if k[3] == case}):
        ga, gr = med.get(("go", "float64", "alloc", case, w)), med.get(("go", "float64", "reuse", case, w))
        s, sf = best("scipy", "float64", case, w)
        t64, tf64 = best("torch", "float64", case, w)
        t32, tf32 = best("torch", "float32", case, w)
        # time ratio = go time / peer time = peer throughput / go throughput
        rs, r64, r32 = s / ga, t64 / ga, t32 / ga
        print(f"{case:<18} {w:>2} {ga:>9.1f} {gr:>9.1f} {s:>8.1f} ({sf:<5}) {t64:>9.1f} ({tf64:<5}) {t32:>9.1f} ({tf32:<5}) {rs:>7.2f}x {r64:>9.2f}x {r32:>9.2f}x")
        summary.append((case, w, rs, r64))
print("t/peer = Go time / peer time for the same work (Go allocating, as the peers do; the peer in its faster form); below 1: Go is faster")
print("summary " + " ".join(f"{c}_{w}w_scipy={a:.2f} {c}_{w}w_torch64={b:.2f}" for c, w, a, b in summary))
PY
