#!/usr/bin/env bash
# Demo of the method comparison (POST /v1/evaluations) on Fashion-MNIST with
# one class cut to 1% of its training images:
#
#   1. writes train/ and test/ class folders from the IDX files
#      (/usr/share/datasets/fashion-mnist, Debian dataset-fashion-mnist);
#   2. starts "tailsynth serve" on a fresh data directory;
#   3. runs "tailsynth evaluate --wait" comparing oversample, smote (when the
#      server has that generator), composite and, with WGAN=1, wgan-gp,
#      against the built-in real / random_oversampling / SMOTE rows, and
#      prints the leaderboard;
#   4. renders the evaluation's report.html in headless Chromium (Debian
#      "chromium") to a PNG.
#
# Everything goes to $WORK (default: a new temporary directory). Settings
# (environment variables, defaults in brackets):
#   CLASSES [0,2,4,6]      Fashion-MNIST labels (T-shirt/top, Pullover, Coat, Shirt)
#   RARE [6]               the label cut to RARE_FRACTION [0.01] of its training images
#   TRAIN_PER_CLASS [500]  training images per class before the cut (0: all 6000)
#   TEST_PER_CLASS [200]   test images per class (0: all 1000)
#   SEEDS [1,2,3]  FEATURES [pca: the utility classifier's space; or mlp]  PORT [18089]
#   WGAN [0]               1 adds wgan-gp (if registered) with WGAN_PARAMS
#   WGAN_PARAMS ['{"steps":300,"arch":"conv"}']
#   BIN                    a built tailsynth binary (default: go build ./cmd/tailsynth; not TAILSYNTH_*,
#                          which the server reads as settings)
# The full-size run is TRAIN_PER_CLASS=0 TEST_PER_CLASS=0 CLASSES=0,1,2,3,4,5,6,7,8,9.
set -euo pipefail

cd "$(dirname "$0")/../.."
WORK=${WORK:-$(mktemp -d /tmp/tailsynth-eval-XXXXXX)}
CLASSES=${CLASSES:-0,2,4,6}
RARE=${RARE:-6}
RARE_FRACTION=${RARE_FRACTION:-0.01}
TRAIN_PER_CLASS=${TRAIN_PER_CLASS:-500}
TEST_PER_CLASS=${TEST_PER_CLASS:-200}
SEEDS=${SEEDS:-1,2,3}
FEATURES=${FEATURES:-pca}
PORT=${PORT:-18089}
WGAN=${WGAN:-0}
WGAN_PARAMS=${WGAN_PARAMS:-'{"steps":300,"arch":"conv"}'}
SERVER=http://127.0.0.1:$PORT
mkdir -p "$WORK"
echo "work directory: $WORK" >&2

bin=${BIN:-}
if [[ -z $bin ]]; then
	bin=$WORK/tailsynth
	go build -o "$bin" ./cmd/tailsynth
fi

data=$WORK/data
dataset=$data/datasets/fashion
if [[ ! -d $dataset ]]; then
	go run ./scripts/demo/fashionfolders -out "$dataset" -classes "$CLASSES" -rare "$RARE" -rare-fraction "$RARE_FRACTION" \
		-train-per-class "$TRAIN_PER_CLASS" -test-per-class "$TEST_PER_CLASS"
fi

if curl -s -o /dev/null "$SERVER/healthz"; then
	echo "port $PORT already answers HTTP (another server?); set PORT" >&2
	exit 1
fi
"$bin" serve --addr "127.0.0.1:$PORT" --data-dir "$data" >"$WORK/serve.log" 2>&1 &
server_pid=$!
trap 'kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true' EXIT
for _ in $(seq 100); do
	curl -fsS "$SERVER/readyz" >/dev/null 2>&1 && break
	kill -0 "$server_pid" 2>/dev/null || break
	sleep 0.2
done
curl -fsS "$SERVER/readyz" >/dev/null || { cat "$WORK/serve.log" >&2; exit 1; }

generators=$("$bin" generators --server "$SERVER" 2>/dev/null || true)
has() { grep -qE "(^|[[:space:]\"])$1([[:space:]\":]|$)" <<<"$generators"; }
methods=(--method oversample)
if has smote; then methods+=(--method smote); else echo "note: the server has no smote generator; the built-in smote row stays" >&2; fi
methods+=(--method 'composite:{"layout":"3x1","size":28}')
if [[ $WGAN == 1 ]]; then
	if has wgan-gp; then methods+=(--method "wgan-gp:$WGAN_PARAMS"); else echo "note: WGAN=1 but the server has no wgan-gp generator" >&2; fi
fi

"$bin" evaluate --server "$SERVER" --timeout 10m --dataset "file://$dataset" "${methods[@]}" --seeds "$SEEDS" --features "$FEATURES" --wait |
	tee "$WORK/leaderboard.txt"
report=$(sed -n 's|^report_html: file://||p' "$WORK/leaderboard.txt")

shot=$WORK/report.png
profile=$(mktemp -d "$WORK/chromium-profile-XXXXXX")
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
	--disable-component-update --disable-sync --user-data-dir="$profile" --screenshot="$shot" --window-size=1200,3000 \
	"file://$report" >"$WORK/chromium.log" 2>&1
echo "report: $report" >&2
echo "screenshot: $shot" >&2
