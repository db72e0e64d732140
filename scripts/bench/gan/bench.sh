#!/bin/sh
# Compares gan's WGAN-GP steps with the same architecture in PyTorch on CPU:
# conv critic/generator of gan/arch.go, 28x28x1, 10 classes, batch 64,
# float32. For 1 and 2 threads it runs, alternately and ROUNDS times,
#   Go (pure-Go gonum BLAS), Go with -tags openblas, and PyTorch
# (torch.set_num_threads), and prints the median time per critic update,
# generator update and 64-image sampling call, the ratio Go/PyTorch, and the
# largest peak RSS of each process (/usr/bin/time -v).
#
# Threads: Go uses GOMAXPROCS=n and OPENBLAS_NUM_THREADS=n; PyTorch uses
# torch.set_num_threads(n) (OMP_NUM_THREADS=n as well).
#
# usage: scripts/bench/gan/bench.sh [ROUNDS] [ITERS]     (defaults 3 and 8)
# needs: Go, libopenblas-dev, a python3 with torch (Debian python3-torch).
# env:   PYTHON (default /usr/bin/python3); GAN_BENCH_BIN: a directory with
#        prebuilt gan-pure.test and gan-openblas.test (go test -c [-tags
#        openblas] ./gan) to run on a machine without Go.
set -eu
cd "$(dirname "$0")/../../.."
ROUNDS=${1:-3}
ITERS=${2:-8}
PYTHON=${PYTHON:-/usr/bin/python3}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

if [ -n "${GAN_BENCH_BIN:-}" ]; then
	cp "$GAN_BENCH_BIN/gan-pure.test" "$GAN_BENCH_BIN/gan-openblas.test" "$TMP/"
else
	go test -c -o "$TMP/gan-pure.test" ./gan
	go test -c -tags openblas -o "$TMP/gan-openblas.test" ./gan
fi
TIME=/usr/bin/time
[ -x "$TIME" ] || TIME=""

# run NAME THREADS CMD...: appends "NAME THREADS METRIC NS" lines and "NAME THREADS rss KB"
run() {
	name=$1 threads=$2
	shift 2
	GOMAXPROCS=$threads OPENBLAS_NUM_THREADS=$threads OMP_NUM_THREADS=$threads \
		$TIME ${TIME:+-v} "$@" >"$TMP/out" 2>"$TMP/time" || { cat "$TMP/out" "$TMP/time" >&2; exit 1; }
	awk -v n="$name" -v t="$threads" '
		/^BenchmarkStep\/critic/    { print n, t, "critic", $3 }
		/^BenchmarkStep\/generator/ { print n, t, "generator", $3 }
		/^BenchmarkStep\/sample/    { print n, t, "sample", $3 }
		/^torch /                   { print n, t, $2, $3 }' "$TMP/out" >>"$TMP/results"
	awk -v n="$name" -v t="$threads" '/Maximum resident set size/ { print n, t, "rss", $NF }' "$TMP/time" >>"$TMP/results"
}

: >"$TMP/results"
for threads in 1 2; do
	r=0
	while [ $r -lt "$ROUNDS" ]; do
		run go-pure "$threads" "$TMP/gan-pure.test" -test.run '^$' -test.bench BenchmarkStep -test.benchtime "${ITERS}x"
		run go-openblas "$threads" "$TMP/gan-openblas.test" -test.run '^$' -test.bench BenchmarkStep -test.benchtime "${ITERS}x"
		run torch "$threads" "$PYTHON" scripts/bench/gan/bench_torch.py "$threads" "$ITERS"
		r=$((r + 1))
	done
done

echo "gan WGAN-GP step times, 28x28x1, batch 64, median of $ROUNDS rounds x $ITERS iterations"
echo "machine: $(nproc) CPUs, $(uname -m), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'); torch $("$PYTHON" -c 'import torch; print(torch.__version__)')"
[ -n "$TIME" ] || echo "(no /usr/bin/time: peak RSS not measured)"
sort -k1,1 -k2,2n -k3,3 -k4,4n "$TMP/results" | awk '
	{ key = $1 " " $2 " " $3; v[key, ++n[key]] = $4; keys[key] = 1 }
	END {
		for (k in keys) {
			c = n[k]; m = (k ~ / rss$/) ? v[k, c] : v[k, int((c + 1) / 2)]
			med[k] = m
		}
		printf "%-8s %-12s %14s %14s %10s\n", "threads", "step", "go-openblas", "torch", "ratio"
		for (t = 1; t <= 2; t++) {
			split("critic generator sample", steps, " ")
			for (i = 1; i <= 3; i++) {
				s = steps[i]; g = med["go-openblas " t " " s]; p = med["torch " t " " s]; q = med["go-pure " t " " s]
				printf "%-8d %-12s %11.1f ms %11.1f ms %9.2fx   (pure Go %.1f ms, %.2fx)\n", t, s, g / 1e6, p / 1e6, g / p, q / 1e6, q / p
			}
			printf "%-8d %-12s %11.0f MB %11.0f MB              (pure Go %.0f MB)\n", t, "peak RSS", med["go-openblas " t " rss"] / 1024, med["torch " t " rss"] / 1024, med["go-pure " t " rss"] / 1024
		}
		print "ratio = Go time / PyTorch time (below 1: Go is faster)"
	}'
