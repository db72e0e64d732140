package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"os"
	"slices"
	"time"

	"github.com/tailsynth/tailsynth/datasets"
	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/smote"
	"github.com/tailsynth/tailsynth/storage"
	"github.com/tailsynth/tailsynth/tables"
)

// TablePlan is what Prepare learns of a table dataset.
type TablePlan struct {
	Format string   `json:"format"`
	Parts  []string `json:"parts"`
	Rows   int64    `json:"rows"`
	// Columns are the columns as read: type, role (feature, label,
	// excluded) and why inference chose them.
	Columns []tables.Column `json:"columns"`
	// UnlabelledRows have no value in the label column; they are not
	// used.
	UnlabelledRows int64 `json:"unlabelled_rows,omitempty"`

	table  *datasets.Table
	schema *tables.Schema
}

// openTable opens a table job's dataset and reads its schema; the caller
// closes the returned table.
func (p *Pipeline) openTable(ctx context.Context, spec generators.Spec) (*datasets.Table, *tables.Schema, error) {
	dir, key := datasets.SplitTableLocation(spec.Dataset)
	src, err := p.Open(ctx, dir)
	if err != nil {
		return nil, nil, err
	}
	t, err := datasets.OpenTable(ctx, src, key)
	if nf := (*datasets.NotFoundError)(nil); errors.As(err, &nf) {
		return nil, nil, fmt.Errorf("dataset %s: %w", spec.Dataset, err)
	} else if err != nil {
		return nil, nil, err
	}
	opts, err := spec.TablesOptions()
	if err != nil {
		t.Close()
		return nil, nil, err
	}
	s, err := t.Infer(ctx, opts)
	if err != nil {
		t.Close()
		return nil, nil, &datasets.DatasetError{Msg: fmt.Sprintf("table %s: %v", spec.Dataset, err)}
	}
	return t, s, nil
}

// prepareTable is Prepare for a table job: the rows per class (one pass
// over the table) and the strategy's plan. The returned plan holds the
// open table; close it with closeTable.
func (p *Pipeline) prepareTable(ctx context.Context, spec generators.Spec) (*Prepared, error) {
	t, s, err := p.openTable(ctx, spec)
	if err != nil {
		return nil, err
	}
	r, done, err := t.Read(ctx, s)
	if err != nil {
		t.Close()
		return nil, err
	}
	prof, err := tables.Profile(r)
	done()
	if err != nil {
		t.Close()
		return nil, &datasets.DatasetError{Msg: fmt.Sprintf("table %s: %v", spec.Dataset, err)}
	}
	features := int64(0)
	for _, c := range s.Columns {
		if c.Role == tables.Feature && c.Type != tables.Text {
			features++
		}
	}
	limit := p.MaxTableCells
	if limit <= 0 {
		limit = DefaultMaxTableCells
	}
	if cells := prof.Rows * features; cells > limit {
		t.Close()
		return nil, &datasets.DatasetError{Msg: fmt.Sprintf("table %s has %d rows of %d modelled columns, %d cells, more than the %d a job may hold in memory; "+
			"sample its rows, or keep columns out of the model with exclude_columns", spec.Dataset, prof.Rows, features, cells, limit)}
	}
	before := map[string]int{}
	tp := &TablePlan{Format: t.Format, Rows: prof.Rows, Columns: s.Columns, table: t, schema: s}
	for _, part := range t.Parts {
		tp.Parts = append(tp.Parts, part.Key)
	}
	for c, n := range prof.Classes {
		if c == "" {
			tp.UnlabelledRows = n
			continue
		}
		before[c] = int(n)
	}
	if len(before) == 0 {
		t.Close()
		return nil, &datasets.DatasetError{Msg: fmt.Sprintf("table %s: no row has a value in label_column %q", spec.Dataset, spec.LabelColumn)}
	}
	add, err := spec.Strategy.Plan(before)
	if err != nil {
		t.Close()
		return nil, err
	}
	pr := &Prepared{Dataset: &datasets.Dataset{Fingerprint: t.Fingerprint, Layout: "table:" + t.Format}, Before: before, Add: add, After: map[string]int{}, Table: tp}
	for c, n := range before {
		pr.After[c] = n + add[c]
		pr.Total += add[c]
	}
	return pr, nil
}

// closeTable releases what prepareTable opened.
func (pr *Prepared) closeTable() {
	if pr != nil && pr.Table != nil && pr.Table.table != nil {
		pr.Table.table.Close()
	}
}

// runTable runs a table job: plan, load the labelled rows, generate the
// new rows with the generator's GenerateTable, then write data.csv or
// data.parquet (the new rows only, in the input's columns and types),
// metadata.jsonl (a row per new row: its row in the data file, class,
// generator, seed and provenance), report.json, report.html and, last,
// _SUCCESS. The quality hook does not run on tables yet.
func (p *Pipeline) runTable(ctx context.Context, j *job) (*Result, error) {
	j.prog.stage("reading table", nil)
	t0 := time.Now()
	pr, err := p.prepareTable(ctx, j.spec)
	if err != nil {
		return nil, err
	}
	defer pr.closeTable()
	j.plan = pr
	for c := range pr.Add {
		j.classes = append(j.classes, c)
	}
	slices.Sort(j.classes)
	j.mark("scan_s", t0)
	j.prog.count("preparing "+j.spec.Generator, j.classes, pr.Add)

	t0 = time.Now()
	tp := pr.Table
	enc := tables.NewEncoding(tp.schema)
	r, done, err := tp.table.Read(ctx, tp.schema)
	if err != nil {
		return nil, err
	}
	data, err := tables.Load(r, enc, enc.Classes...)
	done()
	if err != nil {
		return nil, &datasets.DatasetError{Msg: fmt.Sprintf("table %s: %v", j.spec.Dataset, err)}
	}
	add := map[int]int{}
	for c, n := range pr.Add {
		if n > 0 {
			add[slices.Index(enc.Classes, c)] = n
		}
	}
	j.mark("prepare_s", t0)

	t0 = time.Now()
	j.prog.stage("generating rows", nil)
	tg := j.gen.(generators.TableGenerator) // Spec.Validate checked it
	rows, err := tg.GenerateTable(ctx, &generators.TableEnv{Params: j.spec.Params, Seed: j.spec.Seed, Data: data, Encoding: enc, Add: add,
		Work: storage.Sub(j.out, generators.WorkDir), Log: j.log})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", j.spec.Generator, err)
	}
	if n := len(rows.Y); n != pr.Total {
		return nil, fmt.Errorf("%s made %d rows, want the plan's %d", j.spec.Generator, n, pr.Total)
	}
	j.mark("generate_s", t0)

	t0 = time.Now()
	j.prog.stage("writing rows", nil)
	format := j.spec.OutputFormat
	if format == "" {
		format = tp.Format
	}
	if err := writeTableRows(ctx, j, enc, rows, format); err != nil {
		return nil, err
	}
	for _, c := range j.classes {
		j.prog.sampleDoneN(c, pr.Add[c])
	}
	metaSum, err := writeMetadata(ctx, j)
	if err != nil {
		return nil, err
	}
	rep := newReport(j)
	rep.GeneratorReport = rows.Report
	if rep.GeneratorReport == nil {
		rep.GeneratorReport = map[string]any{}
	}
	if a, ok := rows.Report["alerts"].([]generators.Alert); ok {
		rep.Alerts = append(rep.Alerts, a...)
	}
	rep.GeneratorReport["table"] = tp
	rep.GeneratorReport["data_file"] = generators.TableDataKey(format)
	j.mark("finish_s", t0)
	html, err := p.measureTableQuality(ctx, j, rep, &TableQualityInput{Spec: j.spec, Data: data, Encoding: enc, Add: add, Generator: tg, Log: j.log,
		Progress: func(stage string) { j.prog.stage("measuring quality: "+stage, nil) }})
	if err != nil {
		return nil, err
	}
	if err := writeReport(ctx, j.out, rep, nil, html); err != nil {
		return nil, err
	}
	if err := writeMarker(ctx, j, metaSum); err != nil {
		return nil, err
	}
	cleanWork(ctx, j.out, j.log)
	j.prog.stage("done", nil)
	res := &Result{Output: j.outURI, Files: 1, Added: pr.Add}
	if len(rep.Alerts) > 0 {
		res.Alerts = rep.Alerts
	}
	return res, nil
}

// writeTableRows writes the new rows, class by class in the plan's class
// order, to data.<format> through a local temporary file, and fills the
// job's metadata rows.
func writeTableRows(ctx context.Context, j *job, enc *tables.Encoding, rows *generators.TableRows, format string) error {
	f, err := os.CreateTemp("", "tailsynth-rows-*."+format)
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
	j.rows = map[string][]json.RawMessage{}
	// rows.Y is grouped by class code; write in the order of j.classes.
	start := map[int]int{}
	for i := len(rows.Y) - 1; i >= 0; i-- {
		start[rows.Y[i]] = i
	}
	line := 0
	for _, class := range j.classes {
		code := slices.Index(enc.Classes, class)
		n := j.plan.Add[class]
		if n == 0 {
			continue
		}
		lo := start[code]
		chunk, err := enc.Decode(sliceTable(rows.Data, lo, lo+n), class)
		if err != nil {
			return err
		}
		if err := w.Write(chunk); err != nil {
			return err
		}
		for i := range n {
			meta := map[string]any{"file": key, "row": line, "label": class, "generator": j.spec.Generator, "seed": j.spec.Seed,
				"index": i, "provenance": rows.MarshalProvenance(lo + i)}
			b, _ := json.Marshal(meta)
			j.rows[class] = append(j.rows[class], b)
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
	_, err = j.out.Put(ctx, key, f, size, storage.PutOptions{ContentType: ct})
	return err
}

// sliceTable returns rows lo..hi of t (sharing its memory).
func sliceTable(t smote.Table, lo, hi int) smote.Table {
	out := smote.Table{Numeric: make([][]float64, len(t.Numeric)), Categorical: make([][]int, len(t.Categorical)), Levels: t.Levels}
	for j, c := range t.Numeric {
		out.Numeric[j] = c[lo:hi]
	}
	for j, c := range t.Categorical {
		out.Categorical[j] = c[lo:hi]
	}
	return out
}

// TableInspection is what inspect shows of a table dataset.
type TableInspection struct {
	Format      string               `json:"format"`
	Parts       []string             `json:"parts"`
	Fingerprint string               `json:"fingerprint"`
	Profile     *tables.TableProfile `json:"profile"`
}

// InspectTable reads a table dataset (spec.Dataset and its TableOptions;
// the label column may be left out) and profiles it: rows, each column's
// type, role, missing and distinct values and range, and the rows per
// class when a label column is named.
func (p *Pipeline) InspectTable(ctx context.Context, spec generators.Spec) (*TableInspection, error) {
	t, s, err := p.openTable(ctx, spec)
	if err != nil {
		return nil, err
	}
	defer t.Close()
	r, done, err := t.Read(ctx, s)
	if err != nil {
		return nil, err
	}
	defer done()
	prof, err := tables.Profile(r)
	if err != nil {
		return nil, &datasets.DatasetError{Msg: fmt.Sprintf("table %s: %v", spec.Dataset, err)}
	}
	in := &TableInspection{Format: t.Format, Fingerprint: t.Fingerprint, Profile: prof}
	for _, part := range t.Parts {
		in.Parts = append(in.Parts, part.Key)
	}
	return in, nil
}

// TableQualityHook is a QualityHook that also measures table jobs.
type TableQualityHook interface {
	// AssessTable measures a table job's method on the job's table (for
	// example: does it lift the rare classes' F1 on held-out rows, and
	// does it beat SMOTE?). It must not fail the job.
	AssessTable(ctx context.Context, in *TableQualityInput) QualityOutput
}

// TableQualityInput is what a TableQualityHook gets.
type TableQualityInput struct {
	Spec generators.Spec
	// Data are the table's labelled rows, Encoding their shape, Add the
	// rows the job made per class code.
	Data      *tables.Loaded
	Encoding  *tables.Encoding
	Add       map[int]int
	Generator generators.TableGenerator
	Progress  func(stage string)
	Log       *slog.Logger
}

// measureTableQuality fills rep.Quality of a table job: a note when the
// job turned the measurement off or the pipeline's hook does not measure
// tables, else the hook's report and alerts.
func (p *Pipeline) measureTableQuality(ctx context.Context, j *job, rep *Report, in *TableQualityInput) ([]template.HTML, error) {
	if j.spec.Quality == generators.QualityOff {
		rep.Quality = map[string]any{"status": generators.QualityOff, "note": "quality measurement was turned off in the job request"}
		return nil, nil
	}
	th, ok := p.Quality.(TableQualityHook)
	if !ok {
		if p.Quality != nil {
			rep.Quality = map[string]any{"status": "not measured", "note": "this server's quality hook does not measure tables"}
		}
		return nil, nil
	}
	j.prog.stage("measuring quality", nil)
	t0 := time.Now()
	q := func() (out QualityOutput) {
		defer func() {
			if r := recover(); r != nil {
				in.Log.Error("table quality measurement panicked", "job", in.Spec.ID, "panic", r)
				out = QualityOutput{Report: map[string]any{"status": "failed", "errors": []string{fmt.Sprintf("internal error: %v", r)}}}
			}
		}()
		return th.AssessTable(ctx, in)
	}()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	rep.Quality = q.Report
	rep.Alerts = append(rep.Alerts, q.Alerts...)
	j.mark("quality_s", t0)
	if q.HTML == "" {
		return nil, nil
	}
	return []template.HTML{q.HTML}, nil
}
