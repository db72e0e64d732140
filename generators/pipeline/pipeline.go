package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"time"

	"github.com/tailsynth/tailsynth/datasets"
	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/storage"
)

// Opener opens a location URI as a store.
type Opener func(ctx context.Context, uri string) (storage.Store, error)

// Pipeline runs jobs.
type Pipeline struct {
	Registry *generators.Registry
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
	// MaxTableCells bounds the feature cells (rows times modelled
	// columns) of a table job, which the table generators hold in memory
	// at 8 bytes a cell; 0 means DefaultMaxTableCells.
	MaxTableCells int64
	// Quality, if set, measures every job's samples after they are written
	// (unless the job says quality "off"): its report becomes report.json's
	// "quality" and a section of report.html. It cannot fail a job.
	Quality QualityHook

	scans scanGroup // PrepareShared's scans in flight
}

// DefaultMaxTableCells is Pipeline.MaxTableCells when it is not set: 2^29
// cells, 4 GiB of float64s.
const DefaultMaxTableCells = 1 << 29

// DefaultWriters is Pipeline.Writers when it is not set: 4 writes per
// GOMAXPROCS, and at least 8 (issue 17: raw PUTs to S3 on loopback were
// 1.4x faster with 8 in flight than with 2).
func DefaultWriters() int { return max(8, 4*runtime.GOMAXPROCS(0)) }

// Result is what a finished job wrote.
type Result struct {
	Output  string         `json:"output"`
	Files   int            `json:"files"`
	Added   map[string]int `json:"added"`
	Resumed bool           `json:"already_complete,omitempty"`
	// Alerts repeats report.json's "alerts", so that a client that
	// follows the job (tailsynth submit --wait) can print them.
	Alerts []generators.Alert `json:"alerts,omitempty"`
}

// Run executes a job: generate every sample, then metadata.jsonl, extras,
// the quality report (see Pipeline.Quality), report.json, report.html and,
// last, the _SUCCESS marker. A job whose marker exists is complete and is
// not run again. progress may be called often.
func (p *Pipeline) Run(ctx context.Context, spec generators.Spec, progress func(generators.Progress)) (*Result, error) {
	return p.run(ctx, spec, nil, progress)
}

// RunDataset is Run on a dataset the caller has already scanned, or on a
// view of one: a *Dataset whose Files are a subset of the dataset at
// spec.Dataset (keys relative to it), for example its training part
// without the files an evaluation holds out. The generator sees only the
// view's files; spec.Manifest is not read.
func (p *Pipeline) RunDataset(ctx context.Context, spec generators.Spec, ds *datasets.Dataset, progress func(generators.Progress)) (*Result, error) {
	if ds == nil || len(ds.Files) == 0 {
		return nil, &datasets.DatasetError{Msg: "RunDataset: the dataset view holds no files"}
	}
	return p.run(ctx, spec, ds, progress)
}

// job is one run of a job, as its steps fill it in.
type job struct {
	spec    generators.Spec
	view    *datasets.Dataset // the caller's view of the dataset, or nil
	log     *slog.Logger
	prog    *tracker
	timings map[string]float64

	out    storage.Store // <output>/<id>/
	outURI string
	gen    generators.Generator

	src     storage.Store // the dataset
	plan    *Prepared
	classes []string // of the plan, sorted

	run  generators.Run
	rows map[string][]json.RawMessage // metadata rows by class, in index order
}

// mark records the time since t0 as report.json's timings[stage].
func (j *job) mark(stage string, t0 time.Time) { j.timings[stage] = time.Since(t0).Seconds() }

// run runs a job's steps: openOutput, planJob, start (the generator's
// Start), generate and seal.
func (p *Pipeline) run(ctx context.Context, spec generators.Spec, view *datasets.Dataset, progress func(generators.Progress)) (*Result, error) {
	j := &job{spec: spec, view: view, log: p.Log, prog: &tracker{progress: progress}, timings: map[string]float64{}}
	if j.log == nil {
		j.log = slog.Default()
	}
	done, err := p.openOutput(ctx, j)
	if err != nil {
		return nil, err
	}
	if done {
		return &Result{Output: j.outURI, Resumed: true}, nil
	}
	if spec.IsTable() {
		if view != nil {
			return nil, &datasets.DatasetError{Msg: "RunDataset: views of tables are not supported"}
		}
		return p.runTable(ctx, j)
	}
	if err := p.planJob(ctx, j); err != nil {
		return nil, err
	}
	if err := p.start(ctx, j); err != nil {
		return nil, err
	}
	if err := p.generate(ctx, j); err != nil {
		return nil, err
	}
	return p.seal(ctx, j)
}

// openOutput opens the job's output and validates the spec. done is true
// when the output is complete already (its _SUCCESS exists): such a job
// is not validated again, so that it ends as it did even if its generator
// is no longer registered.
func (p *Pipeline) openOutput(ctx context.Context, j *job) (done bool, err error) {
	spec := j.spec
	// Validate checks this too, but only after the output is opened and
	// found incomplete; a symlink may have changed since submit.
	if err := generators.CheckOutput(spec.Dataset, spec.Output); err != nil {
		return false, err
	}
	outRoot, err := p.Open(ctx, spec.Output)
	if err != nil {
		return false, err
	}
	j.out = storage.Sub(outRoot, spec.ID)
	j.outURI = spec.Output + "/" + spec.ID
	if _, err := j.out.Stat(ctx, generators.SuccessKey); err == nil {
		return true, nil
	} else if !errors.Is(err, storage.ErrNotFound) {
		return false, err
	}
	j.gen, err = spec.Validate(p.Registry)
	return false, err
}

// start prepares the generator's run (loading sources, training a
// model...).
func (p *Pipeline) start(ctx context.Context, j *job) error {
	env := &generators.Env{
		Params: j.spec.Params, Seed: j.spec.Seed, Source: j.src, Dataset: j.plan.Dataset,
		Train: datasets.ByClass(j.plan.Dataset.TrainFiles()), Plan: j.plan.Add,
		Work: storage.Sub(j.out, generators.WorkDir), Log: j.log,
		Progress: func(stage string, fields map[string]any) { j.prog.stage(stage, fields) },
		JobID:    j.spec.ID,
	}
	t0 := time.Now()
	run, err := j.gen.Start(ctx, env)
	if err != nil {
		return fmt.Errorf("%s: %w", j.spec.Generator, err)
	}
	j.run = run
	j.mark("prepare_s", t0)
	return nil
}
