package evaluate

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"time"

	"gonum.org/v1/gonum/blas/blas32"

	"github.com/tailsynth/tailsynth/datasets"
	"github.com/tailsynth/tailsynth/generators/pipeline"
	"github.com/tailsynth/tailsynth/quality"
)

// Status values of a quality report.
const (
	StatusComputed    = "computed"     // every figure was computed
	StatusPartial     = "partial"      // some figures failed; Errors says which
	StatusFailed      = "failed"       // nothing could be measured; Errors says why
	StatusNotComputed = "not computed" // nothing to measure; Note says why
)

// NoHeldOutNote is the report's note on a dataset without a test or
// validation split.
const NoHeldOutNote = "no held-out split: fidelity measured against the training files, utility not computed — " +
	"run an evaluation (POST /v1/evaluations), which holds out a seeded stratified split that generation never sees"

// maxListed bounds the unreadable files listed in a report.
const maxListed = 50

// JobQuality is the "quality" section of a job's report.json.
type JobQuality struct {
	Status string `json:"status"`
	Note   string `json:"note,omitempty"`
	// HeldOut says which real files the figures compare against.
	HeldOut  Split       `json:"held_out"`
	Features *Featurizer `json:"features,omitempty"`
	// Space is the feature space of the fidelity figures, UtilitySpace
	// that of the utility classifier.
	Space        *FeatureSpace `json:"feature_space,omitempty"`
	UtilitySpace *FeatureSpace `json:"utility_space,omitempty"`
	// Classes holds the fidelity and memorization figures of each class
	// the job generated, sorted by class.
	Classes         []ClassFidelity `json:"classes"`
	FrechetBiasNote string          `json:"frechet_bias_note"`
	// Judges are the utility classifiers, the headline first
	// (Config.Judges; "logreg" alone for audio); HeadlineJudge is
	// Judges[0]. Absent without a held-out split.
	Judges        []string `json:"judges,omitempty"`
	HeadlineJudge string   `json:"headline_judge,omitempty"`
	// Utility compares the headline judge trained on real data, plus
	// random oversampling, plus SMOTE and plus this job's samples
	// (variant "job:<generator>"); UtilityByJudge holds every judge's
	// result (a judge that failed is absent; Errors says why). Absent
	// without a held-out split.
	Utility        *quality.UtilityResult            `json:"utility,omitempty"`
	UtilityByJudge map[string]*quality.UtilityResult `json:"utility_by_judge,omitempty"`
	UtilityNote    string                            `json:"utility_note,omitempty"`
	// Alerts are [HarmAlerts] of this job's samples for every judge, and
	// [SmallTestCaveat] once when the held-out split is small; the
	// pipeline repeats them in report.json's top-level "alerts".
	Alerts []Alert `json:"alerts,omitempty"`
	// Unreadable lists (up to 50 of) the files that could not be read;
	// NUnreadable counts them all.
	Unreadable  []datasets.Problem `json:"unreadable,omitempty"`
	NUnreadable int                `json:"n_unreadable"`
	Errors      []string           `json:"errors,omitempty"`
	Config      Config             `json:"config"`
	Timings     map[string]float64 `json:"timings"`

	pictures     []classPicture
	utilityNotes map[string]string
}

// Hook measures every job's samples: it implements
// pipeline.QualityHook. Config's zero value means DefaultConfig.
type Hook struct {
	Config Config
}

var _ pipeline.QualityHook = (*Hook)(nil)

// Assess implements pipeline.QualityHook: it compares each generated
// class's samples with the real held-out samples of that class (the
// dataset's test or validation split; without one, the training files and
// no utility), checks memorization against the training files, and
// measures utility. It never returns an error: problems are in the report.
func (h *Hook) Assess(ctx context.Context, in *pipeline.QualityInput) pipeline.QualityOutput {
	q := AssessJob(ctx, h.Config, in)
	return pipeline.QualityOutput{Report: q, HTML: renderJobQuality(q), Alerts: q.Alerts}
}

// AssessJob computes the JobQuality of a finished job.
func AssessJob(ctx context.Context, cfg Config, in *pipeline.QualityInput) *JobQuality {
	cfg = cfg.withDefaults()
	q := &JobQuality{Status: StatusComputed, Config: cfg, FrechetBiasNote: quality.FrechetBiasNote, Classes: []ClassFidelity{}, Timings: map[string]float64{}}
	log := in.Log
	if log == nil {
		log = slog.Default()
	}
	progress := in.Progress
	if progress == nil {
		progress = func(string) {}
	}
	fail := func(err error) *JobQuality {
		q.Status = StatusFailed
		q.Errors = append(q.Errors, err.Error())
		log.Warn("quality measurement failed", "job", in.Spec.ID, "err", err)
		return q
	}
	if err := cfg.validate(); err != nil {
		return fail(err)
	}
	q.HeldOut = DatasetSplit(in.Dataset)
	if q.HeldOut.Source == HeldOutNone {
		q.Note = NoHeldOutNote
	}
	var classes []string
	for c, keys := range in.Samples {
		if len(keys) > 0 {
			classes = append(classes, c)
		}
	}
	sort.Strings(classes)
	if len(classes) == 0 {
		q.Status, q.Note = StatusNotComputed, "the job wrote no samples"
		return q
	}
	t0 := time.Now()
	progress("reading real files and fitting the feature space")
	real, err := loadReal(ctx, in.Source, q.HeldOut, cfg)
	if err != nil {
		return fail(fmt.Errorf("real data: %w", err))
	}
	q.Features, q.Space = real.fz, real.space
	if real.hasHeldOut() {
		q.UtilitySpace = real.uspace
	}
	q.Timings["real_s"] = time.Since(t0).Seconds()

	t0 = time.Now()
	progress("reading synthetic samples")
	var unreadable []datasets.Problem
	fakes := map[int]fakeSet{}
	var synth []quality.Dataset
	for _, c := range classes {
		ci, ok := real.index[c]
		if !ok {
			q.Errors = append(q.Errors, fmt.Sprintf("class %q has samples but no training files", c))
			continue
		}
		rows, err := real.fz.Load(ctx, in.Output, in.Samples[c])
		if err != nil {
			return fail(err)
		}
		unreadable = append(unreadable, rows.Skipped...)
		fakes[ci] = fakeSet{pix: rows.X, keys: rows.Keys}
		synth = append(synth, quality.Dataset{X: rows.X, Y: fill(rows.X.Rows, ci)})
	}
	progress("fidelity and memorization")
	for _, c := range classes {
		ci, ok := real.index[c]
		if !ok {
			continue
		}
		f := real.fidelity(ctx, ci, fakes[ci])
		if len(f.Errors) > 0 {
			q.Status = StatusPartial
		}
		q.Classes = append(q.Classes, f)
		q.pictures = append(q.pictures, real.picture(ci, fakes[ci].pix))
	}
	q.Timings["fidelity_s"] = time.Since(t0).Seconds()
	if err := ctx.Err(); err != nil {
		return fail(err)
	}

	if real.hasHeldOut() {
		t0 = time.Now()
		progress("utility")
		all, err := concatAll(synth, real.fz.Dim)
		if err == nil && all.Len() > 0 {
			counts := quality.CountsOf(all)
			var minority []int
			for c := range counts {
				minority = append(minority, c)
			}
			sort.Ints(minority)
			name := "job:" + in.Spec.Generator
			judges, note := cfg.judgesFor(real.fz.Kind)
			q.Judges, q.HeadlineJudge = judges, judges[0]
			sets := []synthSet{{name: name, bySeed: map[int64]quality.Dataset{0: all}}}
			var errs []string
			q.UtilityByJudge, errs = real.utilities(ctx, judges, sets, real.scaled(counts), minority)
			q.Utility = q.UtilityByJudge[q.HeadlineJudge]
			if len(errs) > 0 {
				q.Status = StatusPartial
				q.Errors = append(q.Errors, errs...)
			}
			q.utilityNotes = map[string]string{}
			notes := []string{headlineNote(judges)}
			if note != "" {
				notes = append(notes, note)
			}
			for _, j := range judges {
				once := "its spread is 0, its lifts pair it with every seed of the baselines"
				if j == JudgeCNN {
					once = "the CNN trains on them once per seed, so its spread is the network's own, and its lifts pair runs of the same seed"
				}
				q.utilityNotes[j] = real.utilityNote(j) + fmt.Sprintf("; %q is this job's samples, generated once (%s)", name, once)
				notes = append(notes, q.utilityNotes[j])
			}
			var results []*quality.UtilityResult
			for _, j := range judges {
				results = append(results, q.UtilityByJudge[j])
			}
			q.Alerts = append(q.Alerts, utilityAlerts(name, results...)...)
			q.UtilityNote = strings.Join(notes, " ")
		} else if err == nil {
			err = fmt.Errorf("no readable synthetic samples")
		}
		if err != nil {
			q.Status = StatusPartial
			q.Errors = append(q.Errors, "utility: "+err.Error())
		}
		q.Timings["utility_s"] = time.Since(t0).Seconds()
	}
	unreadable = append(unreadable, real.skipped...)
	q.NUnreadable = len(unreadable)
	q.Unreadable = unreadable[:min(maxListed, len(unreadable))]
	if ctx.Err() != nil {
		return fail(ctx.Err())
	}
	return q
}

func fill(n, v int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = v
	}
	return out
}

// concatAll stacks datasets of dim columns (zero rows allowed).
func concatAll(sets []quality.Dataset, dim int) (quality.Dataset, error) {
	out := quality.Dataset{X: blas32.General{Cols: dim, Stride: dim}}
	for _, s := range sets {
		var err error
		if out, err = quality.Concat(out, s); err != nil {
			return quality.Dataset{}, err
		}
	}
	return out, nil
}
