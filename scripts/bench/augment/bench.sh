#!/usr/bin/env bash
# Benchmark label-preserving augmentation: tailsynth (Go, package augment)
# vs torchvision's transforms, on the SAME pipeline and sizes, one core each.
#
# Pipeline: horizontal flip p 0.5; affine always (translate ±10%, rotate
# ±15°, scale 0.9..1.1, bilinear); brightness and contrast ±0.2 always;
# Gaussian blur always (kernel 5, sigma 0.1..2). Sizes: 28x28 gray and
# 224x224 RGB, n random images each. Each side: a warm-up pass, then the
# best of `rounds` passes, timed from a decoded image to an image (Go:
# image.Image -> image.Image with the planar float32 conversions; torch:
# uint8 tensor -> tensor, and PIL image -> PIL image). Single thread:
# GOMAXPROCS=1 and torch.set_num_threads(1); with taskset both are pinned
# to the same CPU. The ratio is Go over the faster torchvision input.
#
# Usage: scripts/bench/augment/bench.sh [n] [rounds]   (default 200 3)
# Env:   PYTHON (default /usr/bin/python3: Debian's python3-torchvision)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
n="${1:-200}"
rounds="${2:-3}"
PYTHON="${PYTHON:-/usr/bin/python3}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

pin=()
if command -v taskset >/dev/null; then pin=(taskset -c 0); fi
(cd "$here/gobench" && go build -o "$tmp/gobench" .)
go version
"$PYTHON" -c 'import torch, torchvision' || { echo "no torchvision for $PYTHON (Debian: apt install python3-torchvision)"; exit 1; }

GOMAXPROCS=1 "${pin[@]}" "$tmp/gobench" -n "$n" -rounds "$rounds" | tee "$tmp/go.txt"
OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 "${pin[@]}" "$PYTHON" "$here/bench_torch.py" "$n" "$rounds" | tee "$tmp/torch.txt"

echo
printf '%-12s %14s %16s %14s %20s\n' size "go img/s" "torch tensor" "torch PIL" "go / best torch"
for size in 28x28gray 224x224rgb; do
  g=$(awk -v s="$size" '$1=="go" && $2==s {print $3}' "$tmp/go.txt")
  tt=$(awk -v s="$size" '$1=="torch-tensor" && $2==s {print $3}' "$tmp/torch.txt")
  tp=$(awk -v s="$size" '$1=="torch-pil" && $2==s {print $3}' "$tmp/torch.txt")
  awk -v s="$size" -v g="$g" -v tt="$tt" -v tp="$tp" 'BEGIN {
    best = (tt > tp) ? tt : tp
    printf "%-12s %14.1f %16.1f %14.1f %19.2fx\n", s, g, tt, tp, g / best }'
done
