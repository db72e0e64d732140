#!/usr/bin/env bash
# Compare a generation job writing small PNGs to S3 with raw minio-go
# PutObject calls of the same objects at the same concurrency, in one run,
# on a versitygw started on loopback (issue 17 §5; target: the job at
# >= 0.8x the raw throughput). Prints the machine, the load average, each
# round, the medians and the ratio. See main.go for what is timed.
#
# Usage (from anywhere): scripts/bench/s3write/run.sh [-n 2000] [-rounds 5] [-concurrency 8] ...
# Needs Go and versitygw: $TAILSYNTH_VERSITYGW, .cache/bin/versitygw
# (./scripts/test installs it) or $PATH.
set -euo pipefail
cd "$(dirname "$0")/../../.."
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
if [[ -z "${TAILSYNTH_VERSITYGW:-}" && -x .cache/bin/versitygw ]]; then
	export TAILSYNTH_VERSITYGW="$PWD/.cache/bin/versitygw"
fi
go build -o "$tmp/s3write-bench" ./scripts/bench/s3write
# versitygw's start-up notice goes to stderr; the figures to stdout.
"$tmp/s3write-bench" "$@" 2> >(grep -v 'single account mode' >&2)
