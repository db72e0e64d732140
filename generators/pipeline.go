package generators

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
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
	SuccessKey   = "_SUCCESS" // written last: its presence means the output is complete
	WorkDir      = "_work"    // scratch kept across retries, removed on success
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
}

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
	if err != nil {
		return nil, nil, err
	}
	train := ds.TrainFiles()
	if len(train) == 0 {
		return nil, nil, &DatasetError{Msg: "the dataset has splits but no training split (train/ or split=train) to generate from"}
	}
	before := Counts(train)
	for c := range before {
		if err := storage.ValidateKey(c); err != nil || c != pathSegment(c) {
			return nil, nil, &DatasetError{Msg: fmt.Sprintf("class name %q cannot be a folder name in the output; use names without '/', '.', '..' or NUL", c)}
		}
	}
	add, err := spec.Strategy.Plan(before)
	if err != nil {
		return nil, nil, err
	}
	pr := &Prepared{Dataset: ds, Before: before, Add: add, After: map[string]int{}, LeakageGuard: ds.HasSplits()}
	for c, n := range before {
		pr.After[c] = n + add[c]
		pr.Total += add[c]
	}
	return pr, src, nil
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
}

// SampleKey is the key of sample i of class, relative to the job's output.
func SampleKey(generator, class string, i int, ext string) string {
	return fmt.Sprintf("%s/%s/syn_%s_%06d%s", DataDir, class, generator, i, ext)
}

// Run executes a job: generate every sample, then metadata.jsonl, extras,
// report.json and, last, the _SUCCESS marker. A job whose marker exists is
// complete and is not run again. progress may be called often.
func (p *Pipeline) Run(ctx context.Context, spec Spec, progress func(Progress)) (*Result, error) {
	log := p.Log
	if log == nil {
		log = slog.Default()
	}
	times := map[string]float64{}
	mark := func(stage string, t0 time.Time) { times[stage] = time.Since(t0).Seconds() }
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
	pr, src, err := p.Prepare(ctx, spec)
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

	// Generate and write samples with a bounded pool; rows are kept by
	// (class, index) so metadata.jsonl does not depend on scheduling.
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
	tasks := make(chan task)
	gctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	workers := p.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for t := range tasks {
				row, err := p.writeSample(gctx, out, run, spec, t.class, t.i)
				if err != nil {
					cancel(err)
					continue
				}
				mu.Lock()
				rows[t.class][t.i] = row
				cp := prog.Classes[t.class]
				cp.Done++
				prog.Classes[t.class] = cp
				emit()
				mu.Unlock()
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
	report := map[string]any{
		"job": spec.ID, "dataset": spec.Dataset, "dataset_fingerprint": pr.Dataset.Fingerprint,
		"dataset_layout": pr.Dataset.Layout, "generator": spec.Generator, "params": rawOrEmpty(spec.Params),
		"strategy": spec.Strategy, "seed": spec.Seed, "counts_before": pr.Before, "added": pr.Add,
		"counts_after": pr.After, "leakage_guard": pr.LeakageGuard, "skipped_files": pr.Dataset.Skipped,
		"timings": times,
	}
	if pr.LeakageGuard {
		report["leakage_guard_note"] = "the dataset has splits: samples were generated from the training split only"
	}
	if extras != nil && extras.Report != nil {
		report["generator_report"] = extras.Report
	}
	mark("finish_s", t0)
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
	page, err := RenderReportHTML(report, pngs)
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
	return &Result{Output: outURI, Files: files, Added: pr.Add}, nil
}

func (p *Pipeline) writeSample(ctx context.Context, out storage.Store, run Run, spec Spec, class string, i int) (json.RawMessage, error) {
	s, err := run.Generate(ctx, class, i)
	if err != nil {
		return nil, fmt.Errorf("%s: sample %d of %q: %w", spec.Generator, i, class, err)
	}
	key := SampleKey(spec.Generator, class, i, s.Ext)
	if _, err := out.Put(ctx, key, bytes.NewReader(s.Data), int64(len(s.Data)), storage.PutOptions{ContentType: s.ContentType}); err != nil {
		return nil, err
	}
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
	return json.Marshal(row) // map keys are sorted: rows are byte-stable
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
