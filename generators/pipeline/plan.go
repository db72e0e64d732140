package pipeline

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/tailsynth/tailsynth/datasets"
	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/storage"
)

// Prepared is a job checked against its dataset: what Prepare returns.
type Prepared struct {
	Dataset *datasets.Dataset `json:"dataset"`
	Before  map[string]int    `json:"before"`
	Add     map[string]int    `json:"add"`
	After   map[string]int    `json:"after"`
	Total   int               `json:"total"`
	// LeakageGuard is set when the dataset has splits: generation reads the
	// training split only.
	LeakageGuard bool `json:"leakage_guard"`
	// Table is set for a table job (Spec.LabelColumn): the table as read.
	Table *TablePlan `json:"table,omitempty"`
}

// Prepare opens and scans the dataset and applies the strategy, without
// generating anything.
func (p *Pipeline) Prepare(ctx context.Context, spec generators.Spec) (*Prepared, storage.Store, error) {
	if spec.IsTable() {
		pr, err := p.prepareTable(ctx, spec)
		pr.closeTable()
		return pr, nil, err
	}
	src, err := p.Open(ctx, spec.Dataset)
	if err != nil {
		return nil, nil, err
	}
	ds, err := datasets.Scan(ctx, src, datasets.ScanOptions{Manifest: spec.Manifest})
	if err != nil {
		return nil, nil, scanError(spec, err)
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
func PlanDataset(ds *datasets.Dataset, strategy generators.Strategy) (*Prepared, error) {
	train := ds.TrainFiles()
	if len(train) == 0 {
		return nil, &datasets.DatasetError{Msg: "the dataset has splits but no training split (train/ or split=train) to generate from"}
	}
	before := datasets.Counts(train)
	for c := range before {
		if err := storage.ValidateKey(c); err != nil || c != pathSegment(c) {
			return nil, &datasets.DatasetError{Msg: fmt.Sprintf("class name %q cannot be a folder name in the output; use names without '/', '.', '..' or NUL", c)}
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

// scanError names the dataset in a scan's not-found error.
func scanError(spec generators.Spec, err error) error {
	if nf := (*datasets.NotFoundError)(nil); errors.As(err, &nf) {
		return fmt.Errorf("dataset %s: %w", spec.Dataset, err)
	}
	return err
}

func pathSegment(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] == '/' {
			return ""
		}
	}
	return s
}

// planJob scans the dataset (or takes the caller's view of it) and applies
// the job's strategy.
func (p *Pipeline) planJob(ctx context.Context, j *job) error {
	j.prog.stage("scanning dataset", nil)
	t0 := time.Now()
	var err error
	if j.view == nil {
		j.plan, j.src, err = p.Prepare(ctx, j.spec)
	} else if j.src, err = p.Open(ctx, j.spec.Dataset); err == nil {
		j.plan, err = PlanDataset(j.view, j.spec.Strategy)
	}
	if err != nil {
		return err
	}
	j.mark("scan_s", t0)
	j.classes = make([]string, 0, len(j.plan.Add)) // [] in report.json and classes.json, never null
	for c := range j.plan.Add {
		j.classes = append(j.classes, c)
	}
	slices.Sort(j.classes)
	j.prog.count("preparing "+j.spec.Generator, j.classes, j.plan.Add)
	return nil
}

// Fingerprint returns the fingerprint of spec's dataset, which changes
// when any of its files (a table's part files) changes: what a schedule
// with only_if_changed compares. It lists the files; it reads none.
func (p *Pipeline) Fingerprint(ctx context.Context, spec generators.Spec) (string, error) {
	if spec.IsTable() {
		dir, key := datasets.SplitTableLocation(spec.Dataset)
		src, err := p.Open(ctx, dir)
		if err != nil {
			return "", err
		}
		t, err := datasets.OpenTable(ctx, src, key)
		if err != nil {
			return "", err
		}
		return t.Fingerprint, nil
	}
	src, err := p.Open(ctx, spec.Dataset)
	if err != nil {
		return "", err
	}
	ds, err := datasets.Scan(ctx, src, datasets.ScanOptions{Manifest: spec.Manifest})
	if err != nil {
		return "", err
	}
	return ds.Fingerprint, nil
}
