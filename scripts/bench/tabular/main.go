// Command tabular measures the utility of the classic oversampling baselines
// on real tables (issue 16) and prints one markdown table: a row per variant
// (real, random oversampling, SMOTE / SMOTE-NC / SMOTE-N by the table's
// columns) and, per table, the rare-class F1 and the balanced accuracy on
// the untouched test split, "mean ± sample std" over the seeds.
//
// Usage:
//
//	go run ./scripts/bench/tabular [-seeds 5] [-json out.json] DIR...
//
// Each DIR holds train.csv, test.csv and meta.json as
// scripts/bench/tabular/export.py writes them. Both CSVs are read with
// package tables under one schema inferred over the two (so both splits
// share the levels), and measured with quality.TabularUtility: a logistic
// regression on numeric columns standardised on the real training rows and
// one-hot categorical columns; the baselines add rows to bring every class
// to the size of the largest ("not majority").
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/tailsynth/tailsynth/quality"
	"github.com/tailsynth/tailsynth/tabgan"
	"github.com/tailsynth/tailsynth/tables"
)

// meta is the part of meta.json this command reads.
type meta struct {
	Label string   `json:"label"`
	Rare  []string `json:"rare"`
	Note  string   `json:"note"`
}

// measured is one table's outcome.
type measured struct {
	Name   string                 `json:"name"`
	Note   string                 `json:"note"`
	Result *quality.TabularResult `json:"result"`
}

func main() {
	seeds := flag.Int("seeds", 5, "number of seeds (1..n) for the seeded variants")
	flag.IntVar(&ganEpochs, "gan-epochs", 0, "also measure the conditional tabular GAN (package tabgan, CTGAN's defaults) trained this many epochs on the training split; 0 leaves it out")
	flag.DurationVar(&ganBudget, "gan-budget", 10*time.Minute, "with -gan-epochs: the most one table's training may take")
	jsonOut := flag.String("json", "", "also write every result as JSON to this file")
	evaluateFlag := flag.Bool("evaluate", false, "measure through the evaluation path instead (evaluate.Runner, as POST /v1/evaluations): each DIR's table.csv, split by the evaluation itself")
	methods := flag.String("methods", "oversample,smote", "with -evaluate: the methods, comma-separated GEN or NAME=GEN:JSON, e.g. gan=tabular-gan:{\"epochs\":300}")
	splits := flag.Int("splits", 3, "with -evaluate: evaluations per table, each with its own held-out split (split seeds 1, 101, 201, ...)")
	work := flag.String("work", "", "with -evaluate: where the evaluations write (default a new temporary directory)")
	flag.Parse()
	if flag.NArg() == 0 || *seeds < 1 || *splits < 1 {
		fmt.Fprintln(os.Stderr, "usage: tabular [-seeds 5] [-json out.json] [-evaluate [-methods M,...] [-splits 3] [-work DIR]] DIR...")
		os.Exit(2)
	}
	if *evaluateFlag {
		os.Exit(mainEvaluate(*methods, *seeds, *splits, *work, *jsonOut))
	}
	var all []measured
	for _, dir := range flag.Args() {
		m, err := measure(context.Background(), dir, *seeds)
		if err != nil {
			fmt.Fprintf(os.Stderr, "tabular: %s: %v\n", dir, err)
			os.Exit(1)
		}
		all = append(all, m)
	}
	if err := writeMarkdown(os.Stdout, all); err != nil {
		fmt.Fprintln(os.Stderr, "tabular:", err)
		os.Exit(1)
	}
	if *jsonOut != "" {
		b, err := json.MarshalIndent(all, "", " ")
		if err == nil {
			err = os.WriteFile(*jsonOut, b, 0o644)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "tabular:", err)
			os.Exit(1)
		}
	}
}

// mainEvaluate is main with -evaluate.
func mainEvaluate(methodList string, seeds, splits int, work, jsonOut string) int {
	methods, err := parseMethods(methodList)
	if err != nil {
		fmt.Fprintln(os.Stderr, "tabular:", err)
		return 2
	}
	if work == "" {
		if work, err = os.MkdirTemp("", "tailsynth-tabular-eval-"); err != nil {
			fmt.Fprintln(os.Stderr, "tabular:", err)
			return 1
		}
	}
	if work, err = filepath.Abs(work); err != nil {
		fmt.Fprintln(os.Stderr, "tabular:", err)
		return 1
	}
	all, err := runEvaluations(context.Background(), flag.Args(), methods, seeds, splits, work)
	if err != nil {
		fmt.Fprintln(os.Stderr, "tabular:", err)
		return 1
	}
	if err := writeEvalMarkdown(os.Stdout, all); err != nil {
		fmt.Fprintln(os.Stderr, "tabular:", err)
		return 1
	}
	fmt.Fprintf(os.Stderr, "evaluations (leaderboard.json, report.html, methods/): %s/evals\n", work)
	if jsonOut != "" {
		b, err := json.MarshalIndent(all, "", " ")
		if err == nil {
			err = os.WriteFile(jsonOut, b, 0o644)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "tabular:", err)
			return 1
		}
	}
	return 0
}

// measure reads one table directory and runs the utility measurement.
func measure(ctx context.Context, dir string, seeds int) (measured, error) {
	var md meta
	b, err := os.ReadFile(filepath.Join(dir, "meta.json"))
	if err != nil {
		return measured{}, err
	}
	if err := json.Unmarshal(b, &md); err != nil {
		return measured{}, fmt.Errorf("meta.json: %w", err)
	}
	files := []string{filepath.Join(dir, "train.csv"), filepath.Join(dir, "test.csv")}
	parts, closeAll, err := open(files...)
	if err != nil {
		return measured{}, err
	}
	s, err := tables.InferCSV(parts, tables.Options{Label: md.Label})
	closeAll()
	if err != nil {
		return measured{}, err
	}
	enc := tables.NewEncoding(s)
	var split [2]quality.LabeledTable
	for i, f := range files {
		parts, closeAll, err := open(f)
		if err != nil {
			return measured{}, err
		}
		r, err := tables.NewCSVReader(parts, s, 0)
		if err != nil {
			closeAll()
			return measured{}, err
		}
		l, err := tables.Load(r, enc)
		closeAll()
		if err != nil {
			return measured{}, fmt.Errorf("%s: %w", f, err)
		}
		split[i] = quality.LabeledTable{Table: l.Table, Y: l.Y}
	}
	cfg := quality.TabularConfig{Utility: quality.UtilityConfig{
		NumClasses: len(enc.Classes),
		ClassNames: enc.Classes,
	}}
	for i := range seeds {
		cfg.Utility.Seeds = append(cfg.Utility.Seeds, int64(i+1))
	}
	label := &s.Columns[s.Index(md.Label)]
	for _, c := range md.Rare {
		k := label.Code(c)
		if k < 0 {
			return measured{}, fmt.Errorf("meta.json: rare class %q is not one of %v", c, label.Levels)
		}
		cfg.Utility.Minority = append(cfg.Utility.Minority, k)
	}
	var synthetic []quality.NamedTable
	if ganEpochs > 0 {
		rows, err := ganRows(ctx, split[0], len(enc.Classes), cfg.Utility.Minority)
		if err != nil {
			return measured{}, fmt.Errorf("tabular-gan: %w", err)
		}
		synthetic = append(synthetic, rows)
	}
	res, err := quality.TabularUtility(ctx, split[0], split[1], synthetic, cfg)
	if err != nil {
		return measured{}, err
	}
	return measured{Name: filepath.Base(dir), Note: md.Note, Result: res}, nil
}

// The GAN's settings (flags).
var (
	ganEpochs int
	ganBudget time.Duration
)

// ganRows trains tabgan on train and samples, for each rare class, as many
// rows as the baselines add (enough to bring it to the largest class).
func ganRows(ctx context.Context, train quality.LabeledTable, numClasses int, rare []int) (quality.NamedTable, error) {
	cfg := tabgan.DefaultConfig()
	cfg.Epochs, cfg.Seed, cfg.TimeBudget = ganEpochs, 1, ganBudget
	t0 := time.Now()
	m, err := tabgan.Fit(ctx, train.Table, train.Y, numClasses, cfg)
	if err != nil {
		return quality.NamedTable{}, err
	}
	count := map[int]int{}
	most := 0
	for _, y := range train.Y {
		count[y]++
		most = max(most, count[y])
	}
	out := quality.NamedTable{Name: "tabular-gan"}
	for _, c := range rare {
		rows, err := m.Sample(ctx, c, most-count[c], 1)
		if err != nil {
			return out, err
		}
		out.Rows.Table = out.Rows.Table.Append(rows)
		for range most - count[c] {
			out.Rows.Y = append(out.Rows.Y, c)
		}
	}
	fmt.Fprintf(os.Stderr, "tabular-gan: trained %d epochs in %s\n", ganEpochs, time.Since(t0).Round(time.Second))
	return out, nil
}

// open opens files as CSV parts; closeAll closes them.
func open(files ...string) (parts []tables.CSVPart, closeAll func(), err error) {
	var fs []*os.File
	closeAll = func() {
		for _, f := range fs {
			f.Close()
		}
	}
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			closeAll()
			return nil, nil, err
		}
		fs = append(fs, f)
		parts = append(parts, tables.CSVPart{Name: name, R: f})
	}
	return parts, closeAll, nil
}

// writeMarkdown prints the figures: a table of rare-class F1 and balanced
// accuracy per table, then one line per table on its shape.
func writeMarkdown(w io.Writer, all []measured) error {
	header := []string{"variant"}
	for _, m := range all {
		header = append(header, m.Name+" rare F1", m.Name+" bal. acc.")
	}
	var b strings.Builder
	row := func(cells []string) { fmt.Fprintf(&b, "| %s |\n", strings.Join(cells, " | ")) }
	row(header)
	sep := make([]string, len(header))
	for i := range sep {
		sep[i] = "---"
	}
	row(sep)
	for vi, v := range all[0].Result.Utility.Variants {
		cells := []string{v.Name}
		if v.Name == quality.VariantSMOTE {
			cells[0] = "smote (SMOTE / SMOTE-NC / SMOTE-N)"
		}
		for _, m := range all {
			u := m.Result.Utility.Variants[vi]
			cells = append(cells, u.MinorityF1.String(), u.BalancedAccuracy.String())
		}
		row(cells)
	}
	b.WriteString("\n")
	for _, m := range all {
		u := m.Result.Utility
		fmt.Fprintf(&b, "- %s (%s): %d train rows %v, %d test rows %v (classes %v), rare %v; smote variant = %s adding %v; %d features\n",
			m.Name, m.Note, u.NTrain, u.TrainCount, u.NTest, u.TestCount, u.Config.ClassNames, rareNames(u), m.Result.SMOTE, m.Result.Counts, m.Result.Features.Width)
	}
	fmt.Fprintf(&b, "- judge: %s; %d seeds; real is deterministic (one run, no spread)\n", all[0].Result.Utility.Classifier, len(all[0].Result.Utility.Config.Seeds))
	_, err := io.WriteString(w, b.String())
	return err
}

func rareNames(u *quality.UtilityResult) []string {
	var out []string
	for _, c := range u.Config.Minority {
		out = append(out, u.Config.ClassNames[c])
	}
	return out
}
