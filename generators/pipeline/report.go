package pipeline

import (
	"encoding/json"
	"fmt"

	"github.com/tailsynth/tailsynth/datasets"
	"github.com/tailsynth/tailsynth/generators"
)

// Report is report.json. Its fields are declared in the order of their
// JSON names, so that it marshals as the map it replaced did (keys
// sorted), byte for byte.
type Report struct {
	Added              map[string]int     `json:"added"`
	Alerts             []generators.Alert `json:"alerts"` // never nil: an empty list is []
	Classes            []string           `json:"classes"`
	CountsAfter        map[string]int     `json:"counts_after"`
	CountsBefore       map[string]int     `json:"counts_before"`
	Dataset            string             `json:"dataset"`
	DatasetFingerprint string             `json:"dataset_fingerprint"`
	DatasetLayout      string             `json:"dataset_layout"`
	DatasetView        string             `json:"dataset_view,omitempty"` // RunDataset: what the view is
	Generator          string             `json:"generator"`
	GeneratorReport    map[string]any     `json:"generator_report,omitzero"` // the run's Extras.Report, when not nil
	Job                string             `json:"job"`
	LeakageGuard       bool               `json:"leakage_guard"`
	LeakageGuardNote   string             `json:"leakage_guard_note,omitempty"`
	Params             json.RawMessage    `json:"params"` // compact; {} when the job gave none
	// Quality is the quality hook's report, or a note that the job turned
	// it off; absent when the pipeline has no hook. A hook's nil report is
	// stored as the JSON null, so that it shows as "quality": null.
	Quality      any                 `json:"quality,omitzero"`
	Seed         int64               `json:"seed"`
	SkippedFiles []datasets.Problem  `json:"skipped_files"`
	Strategy     generators.Strategy `json:"strategy"`
	Timings      map[string]float64  `json:"timings"` // seconds per stage: scan_s, prepare_s, generate_s, finish_s, quality_s
}

// newReport starts the report of a job whose samples are generated.
func newReport(j *job) *Report {
	pr := j.plan
	r := &Report{
		Job: j.spec.ID, Dataset: j.spec.Dataset, DatasetFingerprint: pr.Dataset.Fingerprint, Classes: j.classes,
		DatasetLayout: pr.Dataset.Layout, Generator: j.spec.Generator, Params: rawOrEmpty(j.spec.Params),
		Strategy: j.spec.Strategy, Seed: j.spec.Seed, CountsBefore: pr.Before, Added: pr.Add,
		CountsAfter: pr.After, LeakageGuard: pr.LeakageGuard, SkippedFiles: pr.Dataset.Skipped,
		Timings: j.timings, Alerts: []generators.Alert{},
	}
	if pr.LeakageGuard {
		r.LeakageGuardNote = "the dataset has splits: samples were generated from the training split only"
	}
	if j.view != nil {
		r.DatasetView = fmt.Sprintf("a view of the dataset chosen by the caller (%d of its files, e.g. an evaluation's training part)", len(j.view.Files))
	}
	return r
}
