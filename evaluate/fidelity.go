package evaluate

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"

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
	// FrechetReliable and PrecisionRecallReliable say whether the sets
	// were large enough for the figure to mean anything (see
	// [MinFrechetRows], [MinPRRows]); Reliable is both, and
	// ReliabilityNote says which figure is not, and why.
	FrechetReliable         bool   `json:"frechet_reliable"`
	PrecisionRecallReliable bool   `json:"precision_recall_reliable"`
	Reliable                bool   `json:"reliable"`
	ReliabilityNote         string `json:"reliability_note,omitempty"`
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
	markReliability(&out, real.Cols, r.cfg.K)
	return out
}

// MinPRRows is the fewest rows each set (real and synthetic) needs for
// k-NN precision/recall to be reliable: max(k+1, 50). With a handful of
// real rows the k-NN balls around them are wide and cover almost anything,
// so noise can score precision 1.000.
func MinPRRows(k int) int { return max(k+1, 50) }

// MinFrechetRows is the fewest rows each set needs for the Fréchet
// distance to be reliable: max(dim+1, 100). With fewer rows than the
// feature dimension the covariance is singular, and below about a hundred
// the distance's upward bias dominates (see quality.FrechetBiasNote).
func MinFrechetRows(dim int) int { return max(dim+1, 100) }

// ReliabilityRule states the reliability thresholds for reports.
const ReliabilityRule = "A figure marked \"(unreliable: n=…)\" was computed on too few rows to mean anything: " +
	"k-NN precision/recall needs at least max(k+1, 50) real and 50 synthetic rows of the class, " +
	"the Fréchet distance at least max(feature dimension + 1, 100) of each; n is the smaller count."

// markReliability sets the reliability fields of f from its sample
// counts, the feature dimension and k.
func markReliability(f *ClassFidelity, dim, k int) {
	var notes []string
	n := min(f.NReal, f.NFake)
	if f.Frechet != nil {
		dim = f.Frechet.Dim
	}
	if need := MinFrechetRows(dim); n >= need {
		f.FrechetReliable = true
	} else {
		notes = append(notes, fmt.Sprintf("Fréchet distance unreliable: n_real=%d, n_fake=%d, want at least %d of each (max(feature dim %d + 1, 100))", f.NReal, f.NFake, need, dim))
	}
	if need := MinPRRows(k); n >= need {
		f.PrecisionRecallReliable = true
	} else {
		notes = append(notes, fmt.Sprintf("k-NN precision/recall unreliable: n_real=%d, n_fake=%d, want at least %d of each (max(k %d + 1, 50))", f.NReal, f.NFake, need, k))
	}
	f.Reliable = f.FrechetReliable && f.PrecisionRecallReliable
	f.ReliabilityNote = strings.Join(notes, "; ")
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
