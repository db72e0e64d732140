#!/usr/bin/env bash
# Benchmark CB-ImgComp composites: tailsynth (Go, composite package) vs Pillow.
#
# Both build the SAME composites: 3 sources per composite, 3x1 layout (3 rows),
# stretch, Lanczos-3, output the size of the sources; 28x28 gray, 224x224 RGB
# and 512x512 RGB. Timed per composite on both sides: read 3 PNG files, decode,
# resize each to its tile, paste, encode PNG into memory. PNG compression
# level 6 (zlib default; Go png.DefaultCompression, Pillow compress_level=6)
# and level 1 (Go png.BestSpeed, Pillow compress_level=1). Both use the same
# adaptive per-row PNG filter heuristic; the deflate implementations differ
# (Go: composite.NewEncoder = klauspost/compress level 7 for level 6 and Go
# compress/flate for level 1; Pillow: zlib), so the mean output size per
# composite is printed for both ("KB/img") to show the comparison is fair.
#
# Workers: Go = goroutines with GOMAXPROCS=workers; Pillow = a multiprocessing
# pool of `workers` processes. With taskset available, both are pinned to the
# same `workers` CPUs, so "per core" means per core.
#
# Both sides do the same work with the same warm-up (max(n/10, workers)
# untimed composites) and keep their PNG bytes in the worker. ROUNDS
# rounds (default 3) alternate Go and Pillow for each configuration; the
# table gives the medians and the throughput ratio of the medians.
#
# Usage: scripts/bench/composite/bench.sh [scale]   (scale multiplies n; default 1)
# Env:   PYTHON (default /usr/bin/python3 if it has PIL, else python3),
#        GO_BENCH_BIN (use a prebuilt Go bench binary instead of go build),
#        GO_BENCH_ARGS (extra flags for it, e.g. "-enc stdlib" for image/png).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
scale="${1:-1}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

if [[ -z "${PYTHON:-}" ]]; then
  PYTHON=python3
  if /usr/bin/python3 -c 'import PIL' 2>/dev/null; then PYTHON=/usr/bin/python3; fi
fi
havepil=1
"$PYTHON" -c 'import PIL; print("Pillow", PIL.__version__)' || { havepil=0; echo "no Pillow for $PYTHON: Go figures only"; }
bin="${GO_BENCH_BIN:-}"
if [[ -z "$bin" ]]; then
  bin="$tmp/bench"
  (cd "$here" && go build -o "$bin" .)
  go version
fi
"$bin" -gen "$tmp/src"

pin() { # pin to the first $1 CPUs when taskset exists
  if command -v taskset >/dev/null; then taskset -c "0-$(($1 - 1))" "${@:2}"; else "${@:2}"; fi
}
field() { sed -n "s/.*\"$1\": *\([0-9.]*\).*/\1/p"; }

echo
echo "Output agreement (composite 0, level 6): max per-channel |Go - Pillow| out of 255"
for s in 28 224 512; do
  [[ $havepil == 1 ]] || break
  GOMAXPROCS=1 "$bin" -dir "$tmp/src" -size "$s" -n 1 -out "$tmp/go_$s.png" >/dev/null
  "$PYTHON" "$here/bench.py" "$tmp/src" "$s" 1 1 6 "$tmp/py_$s.png" >/dev/null
  echo "  ${s}x${s}: $("$PYTHON" "$here/compare.py" "$tmp/go_$s.png" "$tmp/py_$s.png")"
done

echo
rounds="${ROUNDS:-3}"
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
echo "CPUs $(getconf _NPROCESSORS_ONLN);$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2); load $(cut -d' ' -f1-3 /proc/loadavg) before; median of $rounds alternating rounds"
printf "%-8s %-5s %-7s %12s %12s %9s %13s %13s %9s %9s\n" size level workers "go img/s" "pillow img/s" "go/pillow" "go cpu ms/img" "py cpu ms/img" "go KB/img" "py KB/img"
for s in 28 224 512; do
  case $s in 28) n=4000 ;; 224) n=200 ;; 512) n=40 ;; esac
  n=$((n * scale))
  for level in 6 1; do
    for w in 1 2; do
      : > "$tmp/g"; : > "$tmp/p"
      for r in $(seq "$rounds"); do
        GOMAXPROCS=$w pin "$w" "$bin" -dir "$tmp/src" -size "$s" -n "$n" -workers "$w" -level "$level" ${GO_BENCH_ARGS:-} >> "$tmp/g"
        if [[ $havepil == 1 ]]; then pin "$w" "$PYTHON" "$here/bench.py" "$tmp/src" "$s" "$n" "$w" "$level" >> "$tmp/p"; fi
      done
      [[ $havepil == 1 ]] || echo '{"images_per_s": 0, "cpu_ms_per_image": 0, "bytes_per_image": 0}' > "$tmp/p"
      gi=$(field images_per_s < "$tmp/g" | median); pi=$(field images_per_s < "$tmp/p" | median)
      gc=$(field cpu_ms_per_image < "$tmp/g" | median); pc=$(field cpu_ms_per_image < "$tmp/p" | median)
      gb=$(field bytes_per_image < "$tmp/g" | median); pb=$(field bytes_per_image < "$tmp/p" | median)
      printf "%-8s %-5s %-7s %12.1f %12.1f %9.2f %13.2f %13.2f %9.1f %9.1f\n" "${s}x${s}" "$level" "$w" "$gi" "$pi" \
        "$(echo "if ($pi > 0) $gi / $pi else 0" | bc -l)" "$gc" "$pc" "$(echo "${gb:-0} / 1000" | bc -l)" "$(echo "${pb:-0} / 1000" | bc -l)"
    done
  done
done
echo "load $(cut -d' ' -f1-3 /proc/loadavg) after; go/pillow = throughput ratio (above 1: Go is faster)"
