package evaluate

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/tailsynth/tailsynth/datasets"
	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/generators/pipeline"
	"github.com/tailsynth/tailsynth/quality"
	"github.com/tailsynth/tailsynth/storage"
	"github.com/tailsynth/tailsynth/tables"
)

// TableJudges are the judges of an evaluation on a table: logistic
// regression on the table's columns (quality.TabularUtility); the CNN
// judge reads images and is refused.
var TableJudges = []string{JudgeLogReg}

// TableEvaluation is leaderboard.json's "table": the table an evaluation
// measured and how its rows reached the judge.
type TableEvaluation struct {
	Format string   `json:"format"`
	Parts  []string `json:"parts"`
	// Rows is the table's rows; UnlabelledRows those without a label,
	// which are not used.
	Rows           int64 `json:"rows"`
	UnlabelledRows int64 `json:"unlabelled_rows,omitempty"`
	// Columns are the columns as read: type, role and why.
	Columns []TableColumn `json:"columns"`
	// SMOTE is the smote row's variant by the columns:
	// quality.TableSMOTE, TableSMOTENC or TableSMOTEN.
	SMOTE string `json:"smote,omitempty"`
	// ImputedCells counts the missing numbers the judge saw filled with
	// the training rows' column median (training, held-out and every
	// method's rows; the methods' own outputs keep what they made).
	ImputedCells int `json:"imputed_numeric_cells"`
}

// TableColumn is a column of the table as the evaluation read it.
type TableColumn struct {
	Name string `json:"name"`
	// Type is numeric, integer, categorical, boolean, datetime or text;
	// Role feature, label or excluded (text columns are kept out of the
	// model too); Why says why inference chose an unusual type or role.
	Type    string `json:"type"`
	Role    string `json:"role"`
	Why     string `json:"why,omitempty"`
	Missing int64  `json:"missing"`
	// Levels counts a categorical or boolean column's values.
	Levels int `json:"levels,omitempty"`
}

func tableColumns(cols []tables.Column) []TableColumn {
	out := make([]TableColumn, len(cols))
	for i, c := range cols {
		out[i] = TableColumn{Name: c.Name, Type: c.Type.String(), Role: c.Role.String(), Why: c.Why, Missing: c.Missing, Levels: len(c.Levels)}
	}
	return out
}

// tableSplit is the held-out split of a table's labelled rows: per class
// of n rows, round(fraction·n) held out, at least 1 and at most n−1 (as
// StratifiedSplit does for files). The rows themselves are chosen when
// the table is loaded (splitTableRows), by a seeded shuffle of each
// class's rows in file order.
func tableSplit(counts map[string]int, fraction float64, seed int64) (Split, error) {
	s := Split{Source: HeldOutStratified, Fraction: fraction, Seed: seed, TrainCounts: map[string]int{}, HeldOutCounts: map[string]int{}}
	held := 0
	for _, c := range slices.Sorted(maps.Keys(counts)) {
		n := counts[c]
		if n < 2 {
			return Split{}, &datasets.DatasetError{Msg: fmt.Sprintf("class %q has %d labelled row: an evaluation holds out at least one row of every class and trains on at least one; "+
				"accepted: classes of at least 2 rows (3 for a class that gets rows); add rows of the class or drop them from the table", c, n)}
		}
		k := min(max(int(math.Round(fraction*float64(n))), 1), n-1)
		s.HeldOutCounts[c], s.TrainCounts[c] = k, n-k
		held += k
	}
	s.Description = fmt.Sprintf("a seeded stratified split of the table's labelled rows: %.0f%% of each class held out (seed %d), %d rows", 100*fraction, seed, held)
	return s, nil
}

// checkTable is Check for a table (Request.LabelColumn): one pass over
// the table (pipeline.Pipeline.Prepare: its columns, rows per class and
// the job's cell limit), the split, and the strategy on the training
// rows. A class that gets rows needs 2 training rows (SMOTE interpolates
// between two).
func checkTable(ctx context.Context, p *pipeline.Pipeline, r *Request) (*Plan, *datasets.Dataset, error) {
	pr, _, err := p.Prepare(ctx, generators.Spec{Dataset: r.Dataset, Strategy: generators.Strategy{Mode: generators.ModeAuto}, TableOptions: r.TableOptions})
	if err != nil {
		return nil, nil, err
	}
	if len(pr.Before) < 2 {
		return nil, nil, &datasets.DatasetError{Msg: fmt.Sprintf("label_column %q holds %d class (%s); an evaluation needs at least 2", r.LabelColumn, len(pr.Before), strings.Join(slices.Sorted(maps.Keys(pr.Before)), ", "))}
	}
	split, err := tableSplit(pr.Before, r.TestFraction, r.Seeds[0])
	if err != nil {
		return nil, nil, err
	}
	add, err := r.Strategy.Plan(split.TrainCounts)
	if err != nil {
		return nil, nil, err
	}
	total := 0
	for _, c := range slices.Sorted(maps.Keys(add)) {
		if add[c] == 0 {
			continue
		}
		total += add[c]
		if n := split.TrainCounts[c]; n < 2 {
			return nil, nil, &datasets.DatasetError{Msg: fmt.Sprintf("class %q has %d labelled rows: the evaluation holds out %d (test_fraction %g) and leaves %d for training, and a class that gets rows needs at least 2 training rows; "+
				"accepted: at least 3 rows for a class that gets rows; add rows of the class, or leave it out of the strategy", c, pr.Before[c], split.HeldOutCounts[c], r.TestFraction, n)}
		}
	}
	if total == 0 {
		return nil, nil, &generators.StrategyError{Msg: "the strategy asks for no rows on the training part: every class it names is already at its target"}
	}
	plan := &Plan{Split: split, Add: add, Total: total, table: pr.Table}
	return plan, pr.Dataset, nil
}

// loadTable reads every labelled row of the evaluation's table.
func loadTable(ctx context.Context, p *pipeline.Pipeline, r *Request) (*tables.Loaded, *tables.Encoding, error) {
	dir, key := datasets.SplitTableLocation(r.Dataset)
	src, err := p.Open(ctx, dir)
	if err != nil {
		return nil, nil, err
	}
	t, err := datasets.OpenTable(ctx, src, key)
	if err != nil {
		return nil, nil, fmt.Errorf("dataset %s: %w", r.Dataset, err)
	}
	defer t.Close()
	opts, err := r.TablesOptions()
	if err != nil {
		return nil, nil, err
	}
	s, err := t.Infer(ctx, opts)
	if err != nil {
		return nil, nil, &datasets.DatasetError{Msg: fmt.Sprintf("table %s: %v", r.Dataset, err)}
	}
	enc := tables.NewEncoding(s)
	rd, done, err := t.Read(ctx, s)
	if err != nil {
		return nil, nil, err
	}
	defer done()
	data, err := tables.Load(rd, enc, enc.Classes...)
	if err != nil {
		return nil, nil, &datasets.DatasetError{Msg: fmt.Sprintf("table %s: %v", r.Dataset, err)}
	}
	return data, enc, nil
}

// splitTableRows deals the loaded rows into training and held-out rows
// by the split's counts: each class's rows in file order, shuffled with
// the split's seed and the class's index, the first HeldOutCounts[c]
// held out. Both lists are in file order.
func splitTableRows(data *tables.Loaded, enc *tables.Encoding, s Split) (train, test []int, err error) {
	byClass := map[int][]int{}
	for i, y := range data.Y {
		byClass[y] = append(byClass[y], i)
	}
	for ci, c := range enc.Classes {
		rows := byClass[ci]
		if len(rows) != s.TrainCounts[c]+s.HeldOutCounts[c] {
			return nil, nil, &datasets.DatasetError{Msg: fmt.Sprintf("class %q has %d rows, but %d when the evaluation was planned: the table changed; submit the evaluation again",
				c, len(rows), s.TrainCounts[c]+s.HeldOutCounts[c])}
		}
		rng := rand.New(rand.NewPCG(uint64(s.Seed), uint64(ci)+0x5eed))
		rng.Shuffle(len(rows), func(i, j int) { rows[i], rows[j] = rows[j], rows[i] })
		k := s.HeldOutCounts[c]
		test = append(test, rows[:k]...)
		train = append(train, rows[k:]...)
	}
	slices.Sort(train)
	slices.Sort(test)
	return train, test, nil
}

// tableSplitFile is split.json of a table evaluation: the split and the
// held-out rows (0-based data rows of the table, in file order).
type tableSplitFile struct {
	Split
	HeldOutRows []int64 `json:"held_out_rows"`
}

// runTable runs an evaluation on a table: the table is loaded once and
// split; every method's TableGenerator makes rows from the training rows
// (once, or once per seed with repeat_generation), written to
// methods/<name>/data.<format> with a metadata.jsonl; then
// quality.TabularUtility trains the logistic-regression judge on the
// training rows alone, plus random oversampling, plus SMOTE (SMOTE-NC,
// SMOTE-N by the columns) and plus each method's rows, every variant
// adding the plan's rows per class, and tests it on the held-out rows.
func (r *Runner) runTable(ctx context.Context, id string, req *Request, out storage.Store, uri string, log *slog.Logger,
	progress func(generators.Progress)) (*pipeline.Result, error) {
	times := map[string]float64{}
	progress(generators.Progress{Stage: "reading the table"})
	t0 := time.Now()
	plan, ds, err := Check(ctx, r.Pipeline, req)
	if err != nil {
		return nil, err
	}
	data, enc, err := loadTable(ctx, r.Pipeline, req)
	if err != nil {
		return nil, err
	}
	trainRows, testRows, err := splitTableRows(data, enc, plan.Split)
	if err != nil {
		return nil, err
	}
	train, test := subsetLoaded(data, trainRows), subsetLoaded(data, testRows)
	sf := tableSplitFile{Split: plan.Split, HeldOutRows: test.Rows}
	if err := putJSON(ctx, out, SplitKey, sf); err != nil {
		return nil, err
	}
	add := map[int]int{}
	var minority []int
	for ci, c := range enc.Classes {
		if n := plan.Add[c]; n > 0 {
			add[ci] = n
			minority = append(minority, ci)
		}
	}
	times["scan_s"] = time.Since(t0).Seconds()

	format := req.OutputFormat
	if format == "" {
		format = plan.table.Format
	}
	med := columnMedians(train.Table)
	imputed := 0
	fill := func(t quality.LabeledTable) quality.LabeledTable {
		filled, n := tables.FillNaN(t.Table, func(_, col int) float64 { return med[col] })
		imputed += n
		return quality.LabeledTable{Table: filled, Y: t.Y}
	}

	t0 = time.Now()
	runs := make([]methodRun, len(req.Methods))
	var synthetic []quality.NamedTable
	for i, m := range req.Methods {
		runs[i] = methodRun{Method: m, outputs: map[int64]string{}}
		gen, err := r.Pipeline.Registry.Get(m.Generator)
		if err != nil {
			return nil, err
		}
		tg := gen.(generators.TableGenerator) // Normalize checked it
		genSeeds := req.Seeds[:1]
		if req.RepeatGeneration {
			genSeeds = req.Seeds
		}
		named := quality.NamedTable{Name: m.Name}
		if req.RepeatGeneration {
			named.BySeed = map[int64]quality.LabeledTable{}
		}
		for _, seed := range genSeeds {
			jobID := m.Name
			if req.RepeatGeneration {
				jobID = fmt.Sprintf("%s/seed-%d", m.Name, seed)
			}
			progress(generators.Progress{Stage: fmt.Sprintf("method %d of %d (%s, seed %d): generating rows", i+1, len(req.Methods), m.Name, seed)})
			job := storage.Sub(out, MethodsDir+"/"+jobID)
			rows, err := tg.GenerateTable(ctx, &generators.TableEnv{Params: m.Params, Seed: seed, Data: train, Encoding: enc, Add: add,
				Work: storage.Sub(job, generators.WorkDir), Log: log})
			if err == nil {
				err = checkTableRows(rows, add, enc)
			}
			if err == nil {
				err = writeMethodRows(ctx, job, enc, m.Generator, seed, rows, format)
			}
			if err != nil {
				if ctx.Err() != nil {
					return nil, ctx.Err()
				}
				runs[i].err = fmt.Sprintf("generation with seed %d failed: %v", seed, err)
				log.Warn("evaluation method failed", "evaluation", id, "method", m.Name, "err", err)
				break
			}
			cleanScratch(ctx, job, log)
			runs[i].outputs[seed] = uri + "/" + MethodsDir + "/" + jobID + "/" + generators.TableDataKey(format)
			if a, ok := rows.Report["alerts"].([]generators.Alert); ok && seed == genSeeds[0] {
				runs[i].alerts = a
			}
			lt := fill(quality.LabeledTable{Table: rows.Data, Y: rows.Y})
			if req.RepeatGeneration {
				named.BySeed[seed] = lt
			} else {
				named.Rows = lt
			}
		}
		if runs[i].err == "" {
			synthetic = append(synthetic, named)
		}
	}
	times["generate_s"] = time.Since(t0).Seconds()

	progress(generators.Progress{Stage: "measuring: utility on the held-out rows"})
	t0 = time.Now()
	cfg := r.Config
	cfg.Seeds, cfg.Judges = req.Seeds, req.Judges
	cfg = cfg.withDefaults()
	lb := &Leaderboard{Evaluation: id, Dataset: req.Dataset, DatasetFingerprint: ds.Fingerprint, Request: *req, Split: plan.Split, Plan: plan.Add,
		Config: cfg, Fidelity: map[string][]ClassFidelity{}, Judges: req.Judges, HeadlineJudge: req.Judges[0],
		Tabular: &TableEvaluation{Format: plan.table.Format, Parts: plan.table.Parts, Rows: plan.table.Rows, UnlabelledRows: plan.table.UnlabelledRows, Columns: tableColumns(plan.table.Columns)}}
	for _, ci := range minority {
		lb.Minority = append(lb.Minority, enc.Classes[ci])
	}
	tcfg := quality.TabularConfig{Counts: add, Utility: quality.UtilityConfig{NumClasses: len(enc.Classes), ClassNames: enc.Classes, Minority: minority, Seeds: req.Seeds}}
	res, err := quality.TabularUtility(ctx, fill(quality.LabeledTable{Table: train.Table, Y: train.Y}), fill(quality.LabeledTable{Table: test.Table, Y: test.Y}), synthetic, tcfg)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	utils := map[string]*quality.UtilityResult{}
	if err != nil {
		lb.Errors = append(lb.Errors, fmt.Sprintf("utility: %v", err))
	} else {
		utils[JudgeLogReg] = res.Utility
		lb.Utility, lb.Tabular.SMOTE = res.Utility, res.SMOTE
	}
	lb.UtilityByJudge, lb.Tabular.ImputedCells = utils, imputed
	note := fmt.Sprintf("%s judge: logistic regression trained on %d real training rows (plus each variant's rows), numeric columns standardised and categorical columns one-hot, "+
		"tested on %d held-out rows; seeds %v", JudgeLogReg, len(train.Y), len(test.Y), req.Seeds)
	lb.utilityNotes, lb.UtilityNote = map[string]string{JudgeLogReg: note}, note
	lb.Rows = buildRows(req.Judges, utils, runs, nil)
	smoteName := lb.Tabular.SMOTE
	if smoteName == "" {
		smoteName = "SMOTE"
	}
	for i := range lb.Rows {
		switch lb.Rows[i].Name {
		case quality.VariantRandomOversampling:
			lb.Rows[i].Description = "plus copies of training rows of the generated classes, drawn with replacement (seeded)"
		case quality.VariantSMOTE:
			lb.Rows[i].Description = fmt.Sprintf("plus %s rows (k = 5) interpolated in the table's own units, missing numbers filled with the training medians first (seeded)", smoteName)
		}
	}
	lb.Alerts, lb.AlertRule = []Alert{}, HarmRule
	for _, row := range lb.Rows {
		lb.Alerts = append(lb.Alerts, row.Alerts...)
	}
	lb.Notes = append(lb.Notes,
		"The table's judge is logistic regression on its columns (the cnn judge reads images); the rows' minority_f1, macro_f1, balanced_accuracy, minority_recall and lifts are its figures, by_judge holds them under \"logreg\".",
		"Rows are sorted by minority F1 (the mean F1 over the generated classes on the held-out rows); utility cells are mean ± sample standard deviation over the seeds.",
		"Every method generated from the training rows only; the held-out rows (split.json held_out_rows, 0-based data rows of the table) were never given to a generator.",
		fmt.Sprintf("Every variant adds the plan's rows per class (%s), so the rows compare like for like.", planText(lb.Minority, plan.Add)),
		"Missing numbers are filled with the training rows' column median for the judge only; a missing category is a level of its own.",
		"Alerts: "+HarmRule+".")
	if !req.RepeatGeneration {
		lb.Notes = append(lb.Notes, fmt.Sprintf("Each method generated once (seed %d): its utility has one run (spread 0) and its lifts pair that run with every seed of the baselines; set repeat_generation to include the generators' randomness.", req.Seeds[0]))
	}
	times["measure_s"] = time.Since(t0).Seconds()
	lb.Timings = times
	return r.finish(ctx, id, out, uri, lb, plan, progress)
}

func planText(classes []string, add map[string]int) string {
	var parts []string
	for _, c := range classes {
		parts = append(parts, fmt.Sprintf("%s: %d", c, add[c]))
	}
	return strings.Join(parts, ", ")
}

// checkTableRows holds a method to the plan: exactly add[c] rows of each
// class c, and rows of the encoding's shape.
func checkTableRows(rows *generators.TableRows, add map[int]int, enc *tables.Encoding) error {
	got := map[int]int{}
	for _, y := range rows.Y {
		got[y]++
	}
	if !maps.Equal(got, add) || rows.Data.Rows() != len(rows.Y) {
		named := func(m map[int]int) map[string]int {
			out := map[string]int{}
			for c, n := range m {
				if c >= 0 && c < len(enc.Classes) {
					out[enc.Classes[c]] = n
				} else {
					out[fmt.Sprint(c)] = n
				}
			}
			return out
		}
		return fmt.Errorf("made %d rows (%d labels) of classes %v, want exactly %v", rows.Data.Rows(), len(rows.Y), named(got), named(add))
	}
	return nil
}

// writeMethodRows writes a method's rows as a table job would: data.<format>
// (the new rows only, in the input's columns and types, class by class),
// metadata.jsonl (a row per new row: its row in the data file, label,
// generator, seed and provenance) and report.json (the generator's own
// report, e.g. the GAN's steps and training time, as generator_report).
func writeMethodRows(ctx context.Context, job storage.Store, enc *tables.Encoding, generator string, seed int64, rows *generators.TableRows, format string) error {
	f, err := os.CreateTemp("", "tailsynth-eval-rows-*."+format)
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	w, err := generators.NewTableWriter(f, enc.Schema, format)
	if err != nil {
		return err
	}
	key := generators.TableDataKey(format)
	var meta bytes.Buffer
	byClass := map[int][]int{}
	for i, y := range rows.Y {
		byClass[y] = append(byClass[y], i)
	}
	line := 0
	for _, c := range slices.Sorted(maps.Keys(byClass)) {
		idx := byClass[c]
		chunk, err := enc.Decode(rows.Data.Select(idx), enc.Classes[c])
		if err != nil {
			return err
		}
		if err := w.Write(chunk); err != nil {
			return err
		}
		for n, i := range idx {
			b, _ := json.Marshal(map[string]any{"file": key, "row": line, "label": enc.Classes[c], "generator": generator, "seed": seed,
				"index": n, "provenance": rows.MarshalProvenance(i)})
			meta.Write(append(b, '\n'))
			line++
		}
	}
	if err := w.Close(); err != nil {
		return err
	}
	size, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		return err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	ct := "text/csv"
	if format == generators.FormatParquet {
		ct = "application/vnd.apache.parquet"
	}
	if _, err := job.Put(ctx, key, f, size, storage.PutOptions{ContentType: ct}); err != nil {
		return err
	}
	if _, err := job.Put(ctx, generators.MetadataKey, bytes.NewReader(meta.Bytes()), int64(meta.Len()), storage.PutOptions{ContentType: "application/x-ndjson"}); err != nil {
		return err
	}
	return putJSON(ctx, job, generators.ReportKey, map[string]any{"generator": generator, "seed": seed, "rows": len(rows.Y),
		"data_file": key, "generator_report": rows.Report})
}

// cleanScratch removes a finished method's scratch space (a GAN's
// checkpoints: kept while the evaluation may run again, useless once the
// method's rows are written).
func cleanScratch(ctx context.Context, job storage.Store, log *slog.Logger) {
	var keys []string
	for info, err := range job.List(ctx, generators.WorkDir+"/", storage.ListOptions{}) {
		if err != nil {
			log.Warn("listing a method's scratch space", "err", err)
			return
		}
		keys = append(keys, info.Key)
	}
	for _, k := range keys {
		if err := job.Delete(ctx, k); err != nil {
			log.Warn("removing a method's scratch file", "key", k, "err", err)
		}
	}
}

// finish writes leaderboard.json, report.html and, last, _SUCCESS.
func (r *Runner) finish(ctx context.Context, id string, out storage.Store, uri string, lb *Leaderboard, plan *Plan, progress func(generators.Progress)) (*pipeline.Result, error) {
	progress(generators.Progress{Stage: "writing leaderboard and report"})
	if err := putJSON(ctx, out, LeaderboardKey, lb); err != nil {
		return nil, err
	}
	page, err := renderEvaluation(lb)
	if err != nil {
		return nil, fmt.Errorf("report.html: %w", err)
	}
	if _, err := out.Put(ctx, generators.ReportHTMLKey, bytes.NewReader(page), int64(len(page)), storage.PutOptions{ContentType: "text/html; charset=utf-8"}); err != nil {
		return nil, err
	}
	marker, _ := json.Marshal(map[string]any{"evaluation": id, "rows": len(lb.Rows), "completed_at": time.Now().UTC().Format(time.RFC3339)})
	if _, err := out.Put(ctx, generators.SuccessKey, bytes.NewReader(marker), int64(len(marker)),
		storage.PutOptions{ContentType: "application/json", IfNotExists: true}); err != nil && !errors.Is(err, storage.ErrExists) {
		return nil, err
	}
	progress(generators.Progress{Stage: "done"})
	res := &pipeline.Result{Output: uri, Files: 3, Added: plan.Add}
	if len(lb.Alerts) > 0 {
		res.Alerts = lb.Alerts
	}
	return res, nil
}
