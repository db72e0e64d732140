package evaluate

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sort"

	"gonum.org/v1/gonum/blas/blas32"

	"github.com/tailsynth/tailsynth/quality"
	"github.com/tailsynth/tailsynth/quality/neighbors"
)

// References of the fidelity figures.
const (
	ReferenceHeldOut  = "held-out"
	ReferenceTraining = "training"
)

// ClassFidelity compares one class's synthetic rows with its real rows.
type ClassFidelity struct {
	Class string `json:"class"`
	// Reference says which real rows: the held-out rows of the class or,
	// without a held-out split, its training rows.
	Reference string `json:"reference"`
	NReal     int    `json:"n_real"`
	NFake     int    `json:"n_fake"`
	// Frechet is d² in the feature space; PrecisionRecall k-NN with k = K.
	Frechet         *quality.Frechet         `json:"frechet,omitempty"`
	PrecisionRecall *quality.PrecisionRecall `json:"precision_recall,omitempty"`
	Memorization    *MemorizationSummary     `json:"memorization,omitempty"`
	// Errors name the figures that could not be computed, and why.
	Errors []string `json:"errors,omitempty"`
}

// MemorizationSummary is quality.Memorization without the per-sample
// arrays, with the alert and the flagged samples' keys.
type MemorizationSummary struct {
	// Space is where distances are measured: "pixels" (the evaluation
	// image rows) or the feature space for baselines made there.
	Space          string            `json:"space"`
	Threshold      float64           `json:"threshold"`
	MedianTrainNN  float64           `json:"median_train_nn_distance"`
	NTrain         int               `json:"n_train"`
	NSynthetic     int               `json:"n_synthetic"`
	NFlagged       int               `json:"n_flagged"`
	FlaggedShare   float64           `json:"flagged_share"`
	Alert          bool              `json:"alert"`
	AlertShare     float64           `json:"alert_share"`
	RatioQuantiles quality.Quantiles `json:"ratio_quantiles"`
	// Flagged lists up to 20 flagged samples with their nearest training
	// file.
	Flagged []NearCopy `json:"flagged,omitempty"`
}

// NearCopy is a flagged sample.
type NearCopy struct {
	Sample       string  `json:"sample"`
	NearestTrain string  `json:"nearest_train,omitempty"`
	Ratio        float64 `json:"ratio"`
	index        int
}

// fakeSet is one class's synthetic rows in pixel space, with their keys.
type fakeSet struct {
	pix  blas32.General
	keys []string
}

// capRows returns at most n rows of s (seeded choice), with their keys.
func (s fakeSet) capRows(n int, seed uint64) fakeSet {
	if s.pix.Rows <= n {
		return s
	}
	idx := rand.New(rand.NewPCG(seed, 0x63617073)).Perm(s.pix.Rows)[:n]
	sort.Ints(idx)
	out := fakeSet{pix: blas32.General{Rows: n, Cols: s.pix.Cols, Stride: s.pix.Cols, Data: make([]float32, n*s.pix.Cols)}}
	for i, j := range idx {
		copy(neighbors.Row(out.pix, i), neighbors.Row(s.pix, j))
		if s.keys != nil {
			out.keys = append(out.keys, s.keys[j])
		}
	}
	return out
}

// fidelity measures class c's synthetic rows: Fréchet distance and k-NN
// precision/recall in the feature space against the class's held-out rows
// (training rows without a held-out split), and memorization in pixel space
// against the class's training rows. Each figure that cannot be computed
// is named in Errors; the others stand.
func (r *realSet) fidelity(ctx context.Context, c int, fake fakeSet) ClassFidelity {
	fake = fake.capRows(r.cfg.MaxSyntheticPerClass, 3)
	if fake.pix.Rows == 0 {
		return ClassFidelity{Class: r.classes[c], Reference: ReferenceHeldOut, Errors: []string{"no readable synthetic samples"}}
	}
	fakeFt, err := r.space.transform(fake.pix)
	if err != nil {
		return ClassFidelity{Class: r.classes[c], Reference: ReferenceHeldOut, Errors: []string{"feature space: " + err.Error()}}
	}
	out := r.compare(ctx, c, fakeFt)
	train, err := r.trainClassPix(ctx, c)
	if err != nil {
		out.Errors = append(out.Errors, "memorization: training rows: "+err.Error())
		return out
	}
	m, err := r.memorization(ctx, train, fake.pix, "pixels", c)
	if err != nil {
		out.Errors = append(out.Errors, "memorization: "+err.Error())
		return out
	}
	for i := range m.Flagged {
		if fake.keys != nil {
			m.Flagged[i].Sample = fake.keys[m.Flagged[i].index]
		}
	}
	out.Memorization = m
	return out
}

// baselineFidelity measures rows that a baseline made in the feature space
// (random oversampling, SMOTE): as fidelity, with memorization measured in
// the feature space against the class's training rows there.
func (r *realSet) baselineFidelity(ctx context.Context, c int, fakeFt blas32.General) ClassFidelity {
	out := r.compare(ctx, c, fakeFt)
	m, err := r.memorization(ctx, classRows(r.trainFt, c), fakeFt, r.space.Name+" features", c)
	if err != nil {
		out.Errors = append(out.Errors, "memorization: "+err.Error())
	} else {
		out.Memorization = m
	}
	return out
}

// compare computes the Fréchet distance and k-NN precision/recall of
// class c's synthetic feature rows against its reference rows.
func (r *realSet) compare(ctx context.Context, c int, fakeFt blas32.General) ClassFidelity {
	out := ClassFidelity{Class: r.classes[c], Reference: ReferenceHeldOut}
	real := classRows(r.heldFt, c)
	if real.Rows < 2 {
		out.Reference = ReferenceTraining
		real = classRows(r.trainFt, c)
	}
	out.NReal, out.NFake = real.Rows, fakeFt.Rows
	if f, err := quality.FrechetDistance(real, fakeFt); err != nil {
		out.Errors = append(out.Errors, "Fréchet distance: "+err.Error())
	} else {
		out.Frechet = &f
	}
	if pr, err := quality.KNNPrecisionRecall(ctx, real, fakeFt, r.cfg.K); err != nil {
		out.Errors = append(out.Errors, "precision/recall: "+err.Error())
	} else {
		out.PrecisionRecall = &pr
	}
	return out
}

// memorization runs quality.CheckMemorization and summarises it; the
// caller names the flagged samples (Sample is "row i" until then).
func (r *realSet) memorization(ctx context.Context, train, fake blas32.General, space string, c int) (*MemorizationSummary, error) {
	m, err := quality.CheckMemorization(ctx, train, fake, r.cfg.Memorization)
	if err != nil {
		return nil, err
	}
	s := &MemorizationSummary{Space: space, Threshold: m.Threshold, MedianTrainNN: m.MedianTrainNN, NTrain: m.NTrain,
		NSynthetic: m.NSynthetic, NFlagged: m.NFlagged, FlaggedShare: m.FlaggedShare, AlertShare: r.cfg.NearCopyAlert,
		Alert: m.FlaggedShare > r.cfg.NearCopyAlert, RatioQuantiles: m.RatioQuantiles}
	for _, i := range m.Flagged[:min(20, len(m.Flagged))] {
		nc := NearCopy{Sample: fmt.Sprintf("row %d", i), Ratio: m.Ratio[i], index: i}
		if space == "pixels" && r.fraction == 1 {
			// Training rows of the class are in key order when not
			// subsampled: name the nearest file.
			if keys := r.trainKeys[r.classes[c]]; m.NearestTrain[i] < len(keys) && len(keys) == train.Rows {
				nc.NearestTrain = keys[m.NearestTrain[i]]
			}
		}
		s.Flagged = append(s.Flagged, nc)
	}
	return s, nil
}
