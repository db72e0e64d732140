#!/usr/bin/env bash
# Tabular utility benchmark (issue 16): does SMOTE / SMOTE-NC / SMOTE-N help a
# classifier on a rare class of a real table more than random oversampling?
#
#   1. export.py writes five tables from the datasets Debian's
#      python3-sklearn bundles (breast_cancer, wine, digits, and binned mixed
#      and all-categorical versions of the first two; see export.py): a stratified 70/30
#      split, the rare class cut to a few tens of training rows, the test
#      split untouched;
#   2. the Go command in this directory reads them with package tables and
#      measures quality.TabularUtility (logistic regression; real, random
#      oversampling, SMOTE-family rows), printing one markdown table.
#
# Settings (environment variables, defaults in brackets):
#   SEEDS [5]   seeds of the seeded variants
#   GAN_EPOCHS [0]  also measure the conditional tabular GAN (package tabgan)
#                   trained this many epochs per table (CTGAN's default is
#                   300); GAN_BUDGET [10m] bounds each table's training
#   WORK  [a new temporary directory]  where the CSVs and results.json go
#   EVALUATE [0]  1: measure through the evaluation path instead (what POST
#                 /v1/evaluations runs: evaluate.Runner) on each table's
#                 table.csv, which the evaluation splits itself (30% of each
#                 class held out), growing the rare class to the largest;
#                 METHODS [oversample,smote] the methods (GEN or
#                 NAME=GEN:JSON, comma-separated), SPLITS [3] the held-out
#                 splits per table (split seeds 1, 101, 201); the
#                 evaluations' leaderboard.json and report.html stay in
#                 $WORK/evals
#
# Needs /usr/bin/python3 with python3-sklearn (apt-get install python3-sklearn).
set -euo pipefail
cd "$(dirname "$0")/../../.."
SEEDS=${SEEDS:-5}
WORK=${WORK:-$(mktemp -d /tmp/tailsynth-tabular-XXXXXX)}
/usr/bin/python3 scripts/bench/tabular/export.py "$WORK/data" >&2
TABLES=("$WORK/data/breast_cancer" "$WORK/data/breast_cancer_mixed" "$WORK/data/wine" "$WORK/data/wine_categorical" "$WORK/data/digits")
if [ "${EVALUATE:-0}" = 1 ]; then
	go run ./scripts/bench/tabular -evaluate -seeds "$SEEDS" -splits "${SPLITS:-3}" -methods "${METHODS:-oversample,smote}" \
		-work "$WORK" -json "$WORK/evaluations.json" "${TABLES[@]}" | tee "$WORK/evaluations.md"
	exit
fi
go run ./scripts/bench/tabular -seeds "$SEEDS" -gan-epochs "${GAN_EPOCHS:-0}" -gan-budget "${GAN_BUDGET:-10m}" -json "$WORK/results.json" \
	"${TABLES[@]}" | tee "$WORK/table.md"
echo "results: $WORK/results.json" >&2
