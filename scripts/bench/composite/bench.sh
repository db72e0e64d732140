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
echo "nproc $(nproc);$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2); load $(cut -d' ' -f1-3 /proc/loadavg)"
printf "%-8s %-5s %-7s %12s %12s %9s %13s %13s %9s %9s\n" size level workers "go img/s" "pillow img/s" "go/pillow" "go cpu ms/img" "py cpu ms/img" "go KB/img" "py KB/img"
for s in 28 224 512; do
  case $s in 28) n=4000 ;; 224) n=200 ;; 512) n=40 ;; esac
  n=$((n * scale))
  for level in 6 1; do
    for w in 1 2; do
      g=$(GOMAXPROCS=$w pin "$w" "$bin" -dir "$tmp/src" -size "$s" -n "$n" -workers "$w" -level "$level" ${GO_BENCH_ARGS:-})
      p='{"images_per_s": 0, "cpu_ms_per_image": 0}'
      [[ $havepil == 1 ]] && p=$(pin "$w" "$PYTHON" "$here/bench.py" "$tmp/src" "$s" "$n" "$w" "$level")
      gi=$(echo "$g" | field images_per_s); pi=$(echo "$p" | field images_per_s)
      gc=$(echo "$g" | field cpu_ms_per_image); pc=$(echo "$p" | field cpu_ms_per_image)
      gb=$(echo "$g" | field bytes_per_image); pb=$(echo "$p" | field bytes_per_image)
      printf "%-8s %-5s %-7s %12.1f %12.1f %9.2f %13.2f %13.2f %9.1f %9.1f\n" "${s}x${s}" "$level" "$w" "$gi" "$pi" \
        "$(echo "if ($pi > 0) $gi / $pi else 0" | bc -l)" "$gc" "$pc" "$(echo "${gb:-0} / 1000" | bc -l)" "$(echo "${pb:-0} / 1000" | bc -l)"
    done
  done
done
