#!/bin/sh
# Compares gan's WGAN-GP steps with the same architecture in PyTorch on CPU:
# conv critic/generator of gan/arch.go, 28x28x1, 10 classes, batch 64,
# float32. For 1 and 2 threads it runs, alternately and ROUNDS times,
#   Go as built by default (pure Go, gonum BLAS: `go run`, the Docker
#   image), Go with -tags openblas (cgo), and PyTorch,
# and prints the median time per critic update, generator update, whole
# WGAN-GP step (5 critic updates + 1 generator update) and 64-image
# sampling call, and the largest peak RSS of each process
# (/usr/bin/time -v). The default build is printed first: it is what most
# users run.
#
# Ratios are Go time / PyTorch time (below 1: Go is faster), against
# PyTorch at the same thread count and against PyTorch's best thread count
# up to that one (on some machines PyTorch is slower on 2 threads than on
# 1, and a 2-thread ratio against that would flatter Go). The last line is
# machine-readable, exactly:
#   summary whole_step_2t_default=<ratio> whole_step_2t_fast=<ratio>
# (2 threads, against PyTorch's best).
#
# Both sides make 2 untimed warm-up calls of each step before timing it
# (the first call builds graphs and buffers on both).
#
# Threads are pinned on both sides: Go uses GOMAXPROCS=n and n
# data-parallel training workers (gan's Trainer.SetWorkers, the wgan-gp
# generator's "threads"; n > 1 sets OpenBLAS to one thread per worker);
# PyTorch torch.set_num_threads(n) and OMP_NUM_THREADS=n. The machine, its load average before and after, and
# every round's figures go to the output.
#
# usage: scripts/bench/gan/bench.sh [ROUNDS] [ITERS]     (defaults 3 and 8)
#        AVX2_ROW=1 also runs the default build held to its AVX2/FMA kernel
#        (TAILSYNTH_GEMM=avx2), what a CPU without AVX-512 runs.
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
	GOMAXPROCS=$threads OPENBLAS_NUM_THREADS=$threads OMP_NUM_THREADS=$threads TAILSYNTH_GAN_WORKERS=$threads \
		$TIME ${TIME:+-v} "$@" >"$TMP/out" 2>"$TMP/time" || { cat "$TMP/out" "$TMP/time" >&2; exit 1; }
	awk -v n="$name" -v t="$threads" '
		/^BenchmarkStep\/critic/    { print n, t, "critic", $3 }
		/^BenchmarkStep\/generator/ { print n, t, "generator", $3 }
		/^BenchmarkStep\/sample/    { print n, t, "sample", $3 }
		/^torch /                   { print n, t, $2, $3 }' "$TMP/out" >>"$TMP/results"
	awk -v n="$name" -v t="$threads" '/Maximum resident set size/ { print n, t, "rss", $NF }' "$TMP/time" >>"$TMP/results"
}

: >"$TMP/results"
load_before=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')
for threads in 1 2; do
	r=0
	while [ $r -lt "$ROUNDS" ]; do
		run go-pure "$threads" "$TMP/gan-pure.test" -test.run '^$' -test.bench BenchmarkStep -test.benchtime "${ITERS}x"
		run go-openblas "$threads" "$TMP/gan-openblas.test" -test.run '^$' -test.bench BenchmarkStep -test.benchtime "${ITERS}x"
		if [ "${AVX2_ROW:-0}" = 1 ]; then
			TAILSYNTH_GEMM=avx2 run go-avx2 "$threads" "$TMP/gan-pure.test" -test.run '^$' -test.bench BenchmarkStep -test.benchtime "${ITERS}x"
		fi
		run torch "$threads" "$PYTHON" scripts/bench/gan/bench_torch.py "$threads" "$ITERS"
		r=$((r + 1))
	done
done

echo "gan WGAN-GP step times, 28x28x1, batch 64, median of $ROUNDS rounds x $ITERS iterations"
echo "machine: $(nproc) CPUs, $(uname -m), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'); torch $("$PYTHON" -c 'import torch; print(torch.__version__)')"
echo "load average: $load_before before, $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?') after"
[ -n "$TIME" ] || echo "(no /usr/bin/time: peak RSS not measured)"
echo "every round (name threads step ns/op):"
awk '$3 != "rss" { printf "  %s %s %s %.1f ms\n", $1, $2, $3, $4 / 1e6 }' "$TMP/results"
kernel=$(GOMAXPROCS=1 "$TMP/gan-pure.test" -test.run '^TestGEMMKernelName$' -test.v 2>/dev/null | sed -n 's/.*sgemm kernel: //p' | head -1)
echo "default build's matrix kernel: ${kernel:-unknown} (internal/sgemm, the widest this CPU has)"
sort -k1,1 -k2,2n -k3,3 -k4,4n "$TMP/results" | awk -v kernel="${kernel:-?}" '
	{ key = $1 " " $2 " " $3; v[key, ++n[key]] = $4; keys[key] = 1 }
	END {
		# A true median: the mean of the two middle values of an even
		# count (of 2 rounds, not their minimum); the largest peak RSS.
		for (k in keys) {
			c = n[k]
			if (k ~ / rss$/) med[k] = v[k, c]
			else if (c % 2) med[k] = v[k, (c + 1) / 2]
			else med[k] = (v[k, c / 2] + v[k, c / 2 + 1]) / 2
		}
		for (t = 1; t <= 2; t++)
			for (b = 1; b <= 4; b++) {
				split("go-pure go-openblas torch go-avx2", names, " ")
				m = names[b]
				med[m " " t " whole"] = 5 * med[m " " t " critic"] + med[m " " t " generator"]
			}
		split("critic generator whole sample", steps, " ")
		split("go-pure go-openblas go-avx2", builds, " ")
		split("default (pure Go, " kernel " kernel)|fast (-tags openblas)|default build held to its AVX2 kernel (TAILSYNTH_GEMM=avx2: a CPU without AVX-512)", labels, "|")
		for (bi = 1; bi <= 3; bi++) {
			b = builds[bi]
			if (!((b " 1 critic") in keys)) continue
			printf "\n%s build\n", labels[bi]
			printf "%-8s %-10s %12s %12s %12s %10s %10s\n", "threads", "step", "go", "torch", "torch best", "ratio", "vs best"
			for (t = 1; t <= 2; t++) {
				for (i = 1; i <= 4; i++) {
					s = steps[i]; g = med[b " " t " " s]; p = med["torch " t " " s]
					best = p
					for (u = 1; u < t; u++) if (med["torch " u " " s] < best) best = med["torch " u " " s]
					printf "%-8d %-10s %9.1f ms %9.1f ms %9.1f ms %9.2fx %9.2fx\n", t, s, g / 1e6, p / 1e6, best / 1e6, g / p, g / best
					if (s == "whole" && t == 2) ratio[b] = g / best
				}
				printf "%-8d %-10s %9.0f MB %9.0f MB\n", t, "peak RSS", med[b " " t " rss"] / 1024, med["torch " t " rss"] / 1024
			}
		}
		print "\nratio = Go time / PyTorch time at the same threads; vs best = against PyTorch'"'"'s fastest thread count up to that one (below 1: Go is faster)"
		printf "summary whole_step_2t_default=%.2f whole_step_2t_fast=%.2f\n", ratio["go-pure"], ratio["go-openblas"]
	}'
