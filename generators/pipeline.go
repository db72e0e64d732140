package generators

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"path"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/tailsynth/tailsynth/storage"
)

// Output layout, relative to <output>/<job>/.
const (
	DataDir      = "data"
	MetadataKey  = "metadata.jsonl"
	ReportKey    = "report.json"
	ClassesKey   = "classes.json"
	SuccessKey   = "_SUCCESS" // written last: its presence means the output is complete
	WorkDir      = "_work"    // scratch kept across attempts; see RemoveScratch
	metadataType = "application/x-ndjson"
)

// Spec is what a job asks for.
type Spec struct {
	ID        string          `json:"id"`
	Dataset   string          `json:"dataset"`            // location URI
	Manifest  string          `json:"manifest,omitempty"` // key of a manifest inside the dataset
	Generator string          `json:"generator"`
	Params    json.RawMessage `json:"params,omitempty"`
	Strategy  Strategy        `json:"strategy"`
	Seed      int64           `json:"seed"`
	Output    string          `json:"output"` // location URI; the job writes <output>/<id>/
	// Quality is QualityAuto (the default when empty) or QualityOff; see
	// Pipeline.Quality.
	Quality string `json:"quality,omitempty"`
}

// Progress is a job's progress.
type Progress struct {
	Stage   string                   `json:"stage"`
	Classes map[string]ClassProgress `json:"classes,omitempty"`
	Details map[string]any           `json:"details,omitempty"`
}

// ClassProgress counts one class's samples.
type ClassProgress struct {
	Done  int `json:"done"`
	Total int `json:"total"`
}

// Opener opens a location URI as a store.
type Opener func(ctx context.Context, uri string) (storage.Store, error)

// Pipeline runs jobs.
type Pipeline struct {
	Registry *Registry
	Open     Opener
	Log      *slog.Logger
	// Workers is the number of samples generated at once (default
	// GOMAXPROCS).
	Workers int
	// Writers is the number of samples written at once (default
	// DefaultWriters). Writing is I/O bound (an S3 PUT waits on the
	// network most of its time), so more writes than Workers are in
	// flight; a generated sample waits in memory until a writer takes it,
	// so at most Workers+Writers samples are held at once.
	Writers int
	// Quality, if set, measures every job's samples after they are written
	// (unless the job says quality "off"): its report becomes report.json's
	// "quality" and a section of report.html. It cannot fail a job.
	Quality QualityHook
}

// DefaultWriters is Pipeline.Writers when it is not set: 4 writes per
// GOMAXPROCS, and at least 8 (issue 17: raw PUTs to S3 on loopback were
// 1.4x faster with 8 in flight than with 2).
func DefaultWriters() int { return max(8, 4*runtime.GOMAXPROCS(0)) }

// Prepared is a job checked against its dataset: what Plan returns.
type Prepared struct {
	Dataset *Dataset       `json:"dataset"`
	Before  map[string]int `json:"before"`
	Add     map[string]int `json:"add"`
	After   map[string]int `json:"after"`
	Total   int            `json:"total"`
	// LeakageGuard is set when the dataset has splits: generation reads the
	// training split only.
	LeakageGuard bool `json:"leakage_guard"`
}

// Prepare opens and scans the dataset and applies the strategy, without
// generating anything.
func (p *Pipeline) Prepare(ctx context.Context, spec Spec) (*Prepared, storage.Store, error) {
	src, err := p.Open(ctx, spec.Dataset)
	if err != nil {
		return nil, nil, err
	}
	ds, err := Scan(ctx, src, ScanOptions{Manifest: spec.Manifest})
	if nf := (*NotFoundError)(nil); errors.As(err, &nf) {
		return nil, nil, fmt.Errorf("dataset %s: %w", spec.Dataset, err)
	} else if err != nil {
		return nil, nil, err
	}
	pr, err := PlanDataset(ds, spec.Strategy)
	if err != nil {
		return nil, nil, err
	}
	return pr, src, nil
}

// PlanDataset applies a strategy to an already-scanned dataset (or a view
// of one, such as its training part): the counts before, the samples to
// add and the counts after, per class of the files generation may use.
func PlanDataset(ds *Dataset, strategy Strategy) (*Prepared, error) {
	train := ds.TrainFiles()
	if len(train) == 0 {
		return nil, &DatasetError{Msg: "the dataset has splits but no training split (train/ or split=train) to generate from"}
	}
	before := Counts(train)
	for c := range before {
		if err := storage.ValidateKey(c); err != nil || c != pathSegment(c) {
			return nil, &DatasetError{Msg: fmt.Sprintf("class name %q cannot be a folder name in the output; use names without '/', '.', '..' or NUL", c)}
		}
	}
	add, err := strategy.Plan(before)
	if err != nil {
		return nil, err
	}
	pr := &Prepared{Dataset: ds, Before: before, Add: add, After: map[string]int{}, LeakageGuard: ds.HasSplits()}
	for c, n := range before {
		pr.After[c] = n + add[c]
		pr.Total += add[c]
	}
	return pr, nil
}

func pathSegment(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] == '/' {
			return ""
		}
	}
	return s
}

// Result is what a finished job wrote.
type Result struct {
	Output  string         `json:"output"`
	Files   int            `json:"files"`
	Added   map[string]int `json:"added"`
	Resumed bool           `json:"already_complete,omitempty"`
	// Alerts repeats report.json's "alerts", so that a client that
	// follows the job (tailsynth submit --wait) can print them.
	Alerts []Alert `json:"alerts,omitempty"`
}

// SampleKey is the key of sample i of class, relative to the job's output.
func SampleKey(generator, class string, i int, ext string) string {
	return fmt.Sprintf("%s/%s/syn_%s_%06d%s", DataDir, class, generator, i, ext)
}

// Run executes a job: generate every sample, then metadata.jsonl, extras,
// the quality report (see Pipeline.Quality), report.json, report.html and,
// last, the _SUCCESS marker. A job whose marker exists is complete and is
// not run again. progress may be called often.
func (p *Pipeline) Run(ctx context.Context, spec Spec, progress func(Progress)) (*Result, error) {
	return p.run(ctx, spec, nil, progress)
}

// RunDataset is Run on a dataset the caller has already scanned, or on a
// view of one: a *Dataset whose Files are a subset of the dataset at
// spec.Dataset (keys relative to it), for example its training part
// without the files an evaluation holds out. The generator sees only the
// view's files; spec.Manifest is not read.
func (p *Pipeline) RunDataset(ctx context.Context, spec Spec, ds *Dataset, progress func(Progress)) (*Result, error) {
	if ds == nil || len(ds.Files) == 0 {
		return nil, &DatasetError{Msg: "RunDataset: the dataset view holds no files"}
	}
	return p.run(ctx, spec, ds, progress)
}

func (p *Pipeline) run(ctx context.Context, spec Spec, view *Dataset, progress func(Progress)) (*Result, error) {
	if err := ValidateQuality(spec.Quality); err != nil {
		return nil, err
	}
	log := p.Log
	if log == nil {
		log = slog.Default()
	}
	times := map[string]float64{}
	mark := func(stage string, t0 time.Time) { times[stage] = time.Since(t0).Seconds() }
	if err := CheckOutput(spec.Dataset, spec.Output); err != nil { // again: a symlink may have changed since submit
		return nil, err
	}
	outRoot, err := p.Open(ctx, spec.Output)
	if err != nil {
		return nil, err
	}
	out := storage.Sub(outRoot, spec.ID)
	outURI := spec.Output + "/" + spec.ID
	if _, err := out.Stat(ctx, SuccessKey); err == nil {
		return &Result{Output: outURI, Resumed: true}, nil
	} else if !errors.Is(err, storage.ErrNotFound) {
		return nil, err
	}
	gen, err := p.Registry.Get(spec.Generator)
	if err != nil {
		return nil, err
	}
	progress(Progress{Stage: "scanning dataset"})
	t0 := time.Now()
	var (
		pr  *Prepared
		src storage.Store
	)
	if view == nil {
		pr, src, err = p.Prepare(ctx, spec)
	} else if src, err = p.Open(ctx, spec.Dataset); err == nil {
		pr, err = PlanDataset(view, spec.Strategy)
	}
	if err != nil {
		return nil, err
	}
	mark("scan_s", t0)
	classes := make([]string, 0, len(pr.Add))
	for c := range pr.Add {
		classes = append(classes, c)
	}
	sort.Strings(classes)
	var mu sync.Mutex
	prog := Progress{Stage: "preparing " + spec.Generator, Classes: map[string]ClassProgress{}}
	for _, c := range classes {
		prog.Classes[c] = ClassProgress{Total: pr.Add[c]}
	}
	emit := func() { // mu held
		cp := prog
		cp.Classes = make(map[string]ClassProgress, len(prog.Classes))
		for k, v := range prog.Classes {
			cp.Classes[k] = v
		}
		progress(cp)
	}
	mu.Lock()
	emit()
	mu.Unlock()
	env := &Env{
		Params: spec.Params, Seed: spec.Seed, Source: src, Dataset: pr.Dataset,
		Train: ByClass(pr.Dataset.TrainFiles()), Plan: pr.Add, Work: storage.Sub(out, WorkDir), Log: log,
		Progress: func(stage string, fields map[string]any) {
			mu.Lock()
			prog.Stage, prog.Details = stage, fields
			emit()
			mu.Unlock()
		},
	}
	t0 = time.Now()
	run, err := gen.Start(ctx, env)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", spec.Generator, err)
	}
	mark("prepare_s", t0)

	// Generate samples with a bounded pool of Workers and write them with
	// one of Writers; rows are kept by (class, index) so metadata.jsonl
	// does not depend on scheduling.
	t0 = time.Now()
	mu.Lock()
	prog.Stage, prog.Details = "generating", nil
	emit()
	mu.Unlock()
	rows := make(map[string][]json.RawMessage, len(classes))
	for _, c := range classes {
		rows[c] = make([]json.RawMessage, pr.Add[c])
	}
	type task struct {
		class string
		i     int
	}
	stored, err := listStored(ctx, out)
	if err != nil {
		return nil, err
	}
	tasks := make(chan task)
	writes := make(chan *pendingSample)
	gctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	workers := p.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	writers := p.Writers
	if writers <= 0 {
		writers = DefaultWriters()
	}
	done := func(class string, i int, row json.RawMessage) {
		mu.Lock()
		rows[class][i] = row
		cp := prog.Classes[class]
		cp.Done++
		prog.Classes[class] = cp
		emit()
		mu.Unlock()
	}
	var wwg sync.WaitGroup
	for range writers {
		wwg.Go(func() {
			for w := range writes {
				if gctx.Err() != nil {
					continue // the job failed or was cancelled: drop the rest
				}
				if err := w.put(gctx, out); err != nil {
					cancel(err)
					continue
				}
				done(w.class, w.i, w.row)
			}
		})
	}
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for t := range tasks {
				w, err := p.makeSample(gctx, stored, run, spec, t.class, t.i)
				if err != nil {
					cancel(err)
					continue
				}
				if w.stored {
					done(t.class, t.i, w.row)
					continue
				}
				select {
				case writes <- w:
				case <-gctx.Done():
				}
			}
		})
	}
feed:
	for _, c := range classes {
		for i := range pr.Add[c] {
			select {
			case tasks <- task{c, i}:
			case <-gctx.Done():
				break feed
			}
		}
	}
	close(tasks)
	wg.Wait()
	close(writes)
	wwg.Wait()
	if err := context.Cause(gctx); err != nil {
		return nil, err
	}
	mark("generate_s", t0)

	t0 = time.Now()
	mu.Lock()
	prog.Stage = "writing metadata and report"
	emit()
	mu.Unlock()
	extras, err := run.Finish(ctx)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", spec.Generator, err)
	}
	files := pr.Total
	if extras != nil {
		for _, f := range extras.Files {
			if !strings.HasPrefix(f.Key, ReportDir+"/") || path.Clean(f.Key) != f.Key {
				return nil, fmt.Errorf("%s: extra file %q is not under %s/: loaders would read it as a sample", spec.Generator, f.Key, ReportDir)
			}
			if _, err := out.Put(ctx, f.Key, bytes.NewReader(f.Data), int64(len(f.Data)), storage.PutOptions{ContentType: f.ContentType}); err != nil {
				return nil, err
			}
		}
	}
	var meta bytes.Buffer
	for _, c := range classes {
		for _, r := range rows[c] {
			meta.Write(r)
			meta.WriteByte('\n')
		}
	}
	metaSum := sha256.Sum256(meta.Bytes())
	if _, err := out.Put(ctx, MetadataKey, bytes.NewReader(meta.Bytes()), int64(meta.Len()), storage.PutOptions{ContentType: metadataType}); err != nil {
		return nil, err
	}
	if err := writeClasses(ctx, out, classes); err != nil {
		return nil, err
	}
	report := map[string]any{
		"job": spec.ID, "dataset": spec.Dataset, "dataset_fingerprint": pr.Dataset.Fingerprint, "classes": classes,
		"dataset_layout": pr.Dataset.Layout, "generator": spec.Generator, "params": rawOrEmpty(spec.Params),
		"strategy": spec.Strategy, "seed": spec.Seed, "counts_before": pr.Before, "added": pr.Add,
		"counts_after": pr.After, "leakage_guard": pr.LeakageGuard, "skipped_files": pr.Dataset.Skipped,
		"timings": times,
	}
	if pr.LeakageGuard {
		report["leakage_guard_note"] = "the dataset has splits: samples were generated from the training split only"
	}
	if view != nil {
		report["dataset_view"] = fmt.Sprintf("a view of the dataset chosen by the caller (%d of its files, e.g. an evaluation's training part)", len(view.Files))
	}
	alerts := []Alert{}
	if extras != nil && extras.Report != nil {
		report["generator_report"] = extras.Report
		if a, ok := extras.Report["alerts"].([]Alert); ok {
			alerts = append(alerts, a...)
		}
	}
	mark("finish_s", t0)
	var qualityHTML []template.HTML
	if spec.Quality == QualityOff {
		report["quality"] = map[string]any{"status": QualityOff, "note": "quality measurement was turned off in the job request"}
	} else if p.Quality != nil {
		mu.Lock()
		prog.Stage, prog.Details = "measuring quality", nil
		emit()
		mu.Unlock()
		t0 = time.Now()
		q := p.assessQuality(ctx, &QualityInput{
			Spec: spec, Source: src, Dataset: pr.Dataset, Train: pr.Dataset.TrainFiles(), Output: out,
			Samples: sampleKeys(classes, rows), Added: pr.Add, Log: log,
			Progress: func(stage string) {
				mu.Lock()
				prog.Stage = "measuring quality: " + stage
				emit()
				mu.Unlock()
			},
		})
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		report["quality"] = q.Report
		alerts = append(alerts, q.Alerts...)
		if q.HTML != "" {
			qualityHTML = append(qualityHTML, q.HTML)
		}
		mark("quality_s", t0)
	}
	report["alerts"] = alerts
	rb, err := json.MarshalIndent(report, "", "  ")
	if err != nil {
		return nil, err
	}
	if _, err := out.Put(ctx, ReportKey, bytes.NewReader(rb), int64(len(rb)), storage.PutOptions{ContentType: "application/json"}); err != nil {
		return nil, err
	}
	pngs := map[string][]byte{}
	if extras != nil {
		for _, f := range extras.Files {
			if strings.HasSuffix(f.Key, ".png") {
				pngs[f.Key] = f.Data
			}
		}
	}
	page, err := RenderReportHTML(report, pngs, qualityHTML...)
	if err != nil {
		return nil, fmt.Errorf("report.html: %w", err)
	}
	if _, err := out.Put(ctx, ReportHTMLKey, bytes.NewReader(page), int64(len(page)), storage.PutOptions{ContentType: "text/html; charset=utf-8"}); err != nil {
		return nil, err
	}
	marker, _ := json.Marshal(map[string]any{
		"job": spec.ID, "samples": files, "metadata_sha256": hex.EncodeToString(metaSum[:]),
		"completed_at": time.Now().UTC().Format(time.RFC3339),
	})
	if _, err := out.Put(ctx, SuccessKey, bytes.NewReader(marker), int64(len(marker)),
		storage.PutOptions{ContentType: "application/json", IfNotExists: true}); err != nil && !errors.Is(err, storage.ErrExists) {
		return nil, err
	}
	p.cleanWork(ctx, out, log)
	mu.Lock()
	prog.Stage, prog.Details = "done", nil
	emit()
	mu.Unlock()
	res := &Result{Output: outURI, Files: files, Added: pr.Add}
	if len(alerts) > 0 {
		res.Alerts = alerts
	}
	return res, nil
}

// pendingSample is a generated sample on its way to a writer.
type pendingSample struct {
	class       string
	i           int
	key         string
	data        []byte
	contentType string
	stored      bool // an earlier attempt stored it: not written again
	row         json.RawMessage
}

func (w *pendingSample) put(ctx context.Context, out storage.Store) error {
	_, err := out.Put(ctx, w.key, bytes.NewReader(w.data), int64(len(w.data)), storage.PutOptions{ContentType: w.contentType})
	return err
}

// makeSample makes sample i of class and its metadata row, and notes
// whether an earlier attempt of the job stored the same file already
// (stored), which then is not written again. The row is made either way.
func (p *Pipeline) makeSample(ctx context.Context, stored storedSamples, run Run, spec Spec, class string, i int) (*pendingSample, error) {
	s, err := run.Generate(ctx, class, i)
	if err != nil {
		return nil, fmt.Errorf("%s: sample %d of %q: %w", spec.Generator, i, class, err)
	}
	key := SampleKey(spec.Generator, class, i, s.Ext)
	w := &pendingSample{class: class, i: i, key: key, data: s.Data, contentType: s.ContentType, stored: stored.holds(key, s.Data)}
	row := map[string]any{}
	for k, v := range s.Provenance {
		row[k] = v
	}
	row["file_name"] = key
	row["label"] = class
	row["generator"] = spec.Generator
	row["params"] = rawOrEmpty(spec.Params)
	row["seed"] = spec.Seed
	row["index"] = i
	w.row, err = json.Marshal(row) // map keys are sorted: rows are byte-stable
	if err != nil {
		return nil, err
	}
	return w, nil
}

func rawOrEmpty(r json.RawMessage) json.RawMessage {
	if len(bytes.TrimSpace(r)) == 0 {
		return json.RawMessage("{}")
	}
	var buf bytes.Buffer
	if json.Compact(&buf, r) != nil {
		return r
	}
	return buf.Bytes()
}

func (p *Pipeline) cleanWork(ctx context.Context, out storage.Store, log *slog.Logger) {
	var keys []string
	for info, err := range out.List(ctx, WorkDir+"/", storage.ListOptions{}) {
		if err != nil {
			log.Warn("listing the job's scratch space", "err", err)
			return
		}
		keys = append(keys, info.Key)
	}
	for _, k := range keys {
		if err := out.Delete(ctx, k); err != nil {
			log.Warn("removing scratch file", "key", k, "err", err)
		}
	}
}

// Quality settings of a job request.
const (
	QualityAuto = "auto" // measure when the pipeline has a QualityHook (the default)
	QualityOff  = "off"  // skip the measurement
)

// ValidateQuality checks a Spec.Quality value ("" means QualityAuto).
func ValidateQuality(q string) error {
	switch q {
	case "", QualityAuto, QualityOff:
		return nil
	}
	return &ParamError{Msg: fmt.Sprintf("quality %q: accepted: %q (the default) or %q", q, QualityAuto, QualityOff)}
}

// QualityHook measures a finished job's samples against the real data.
type QualityHook interface {
	// Assess runs after the samples, metadata.jsonl and the extras are
	// written and before report.json. It must not fail the job: problems
	// go into the returned report. It stops when ctx is cancelled (the
	// job then ends cancelled, not with a partial report).
	Assess(ctx context.Context, in *QualityInput) QualityOutput
}

// QualityInput is what a QualityHook gets.
type QualityInput struct {
	Spec Spec
	// Source is the dataset's store; Dataset the files as the job saw them
	// (all splits, or the caller's view) and Train those generation used.
	Source  storage.Store
	Dataset *Dataset
	Train   []File
	// Output is the job's output (keys relative to <output>/<job>/);
	// Samples lists the written sample keys by class, in index order.
	Output  storage.Store
	Samples map[string][]string
	// Added is the number of samples planned per class.
	Added    map[string]int
	Progress func(stage string)
	Log      *slog.Logger
}

// QualityOutput is a QualityHook's result: Report goes into report.json as
// "quality" (it must marshal to JSON) and HTML, a self-contained fragment
// (pictures as data URIs), into report.html.
type QualityOutput struct {
	Report any
	HTML   template.HTML
	// Alerts go into report.json's "alerts", the banner of report.html
	// and the job's Result.
	Alerts []Alert
}

// Alert kinds and severities.
const (
	// AlertHarm: a method made the classifier worse on the rare classes
	// than a baseline, by more than the noise (see package evaluate).
	AlertHarm = "harm"
	// AlertCaveat: a generator's known limit, such as composites added
	// to a training set of single images.
	AlertCaveat = "caveat"

	SeverityRed   = "red"   // worse than adding nothing
	SeverityAmber = "amber" // worse than a trivial baseline, or a caveat
)

// Alert is a warning that a job's report and an evaluation's leaderboard
// show prominently: report.json's top-level "alerts" (the quality hook's
// and the generator report's "alerts" entry, a []Alert, together), the
// banner of report.html, and Result.Alerts, which the CLI prints.
type Alert struct {
	Kind     string `json:"kind"`
	Severity string `json:"severity"`
	// Judge is the classifier whose figures raised a harm alert
	// ("logreg"); Method the variant or generator it is about.
	Judge  string `json:"judge,omitempty"`
	Method string `json:"method,omitempty"`
	// Metric ("minority_f1", "balanced_accuracy") fell by -Lift (the
	// mean paired lift, negative) under the baseline Over, by more than
	// Threshold = max(Noise, floor), Noise being the spread across seeds.
	// Absent numbers are 0.
	Metric    string  `json:"metric,omitempty"`
	Over      string  `json:"over,omitempty"`
	Lift      float64 `json:"lift,omitempty"`
	Noise     float64 `json:"noise,omitempty"`
	Threshold float64 `json:"threshold,omitempty"`
	// Message is one line for people: what, by how much, against what.
	Message string `json:"message"`
}

// assessQuality calls the hook and turns a panic into a reported error, so
// that a bug in a measurement cannot fail a job whose samples are written.
func (p *Pipeline) assessQuality(ctx context.Context, in *QualityInput) (out QualityOutput) {
	defer func() {
		if r := recover(); r != nil {
			in.Log.Error("quality measurement panicked", "job", in.Spec.ID, "panic", r)
			out = QualityOutput{Report: map[string]any{"status": "failed", "errors": []string{fmt.Sprintf("internal error: %v", r)}}}
		}
	}()
	return p.Quality.Assess(ctx, in)
}

// sampleKeys returns the sample keys of the metadata rows by class.
func sampleKeys(classes []string, rows map[string][]json.RawMessage) map[string][]string {
	out := make(map[string][]string, len(classes))
	for _, c := range classes {
		for _, r := range rows[c] {
			var row struct {
				FileName string `json:"file_name"`
			}
			if json.Unmarshal(r, &row) == nil && row.FileName != "" {
				out[c] = append(out[c], row.FileName)
			}
		}
	}
	return out
}
