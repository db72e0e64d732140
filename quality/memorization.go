package quality

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"

	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/gonum/stat"

	"github.com/tailsynth/tailsynth/quality/neighbors"
)

// Defaults for [MemorizationConfig].
const (
	// DefaultMemorizationThreshold flags a synthetic vector whose nearest
	// training vector is closer than this fraction of the typical
	// (median) nearest-neighbour distance inside the training set. See
	// [Memorization] for how it was chosen.
	DefaultMemorizationThreshold = 0.1
	// DefaultReferenceQueries is how many training rows, drawn at random,
	// estimate the median training nearest-neighbour distance.
	DefaultReferenceQueries = 2000
)

// MemorizationConfig sets the memorization check. Zero values mean the
// defaults.
type MemorizationConfig struct {
	// Threshold is the distance ratio below which a synthetic vector counts
	// as a near-copy of a training vector.
	Threshold float64 `json:"threshold"`
	// ReferenceQueries is the number of training rows whose nearest other
	// training row estimates the median; all rows when the training set is
	// that small or smaller. A negative value means all rows.
	ReferenceQueries int `json:"reference_queries"`
	// Seed picks the reference rows.
	Seed int64 `json:"seed"`
}

// Memorization reports how close synthetic vectors are to the training set.
//
// For synthetic vector s with nearest training vector t(s),
//
//	ratio(s) = ||s − t(s)|| / median_i ||x_i − NN_train\{i}(x_i)||
//
// the denominator being the median distance from a training vector to its
// nearest other training vector (over ReferenceQueries random training rows,
// each searched against the whole training set). A ratio of 0 is an exact
// copy; a fresh sample from the data distribution has a ratio near 1
// (slightly below, since the synthetic set is searched against all n
// training rows while each training row sees n−1 others). Vectors with
// ratio < Threshold are flagged.
//
// The default threshold 0.1 is deliberately strict: a flagged vector is
// closer to a training vector than one tenth of the typical gap between
// neighbouring training vectors, i.e. a copy up to small noise or
// compression error. Calibration on Fashion-MNIST pixels, whose test split
// holds no deliberate copies of training images (10,000 test against 60,000
// training images, median training gap 3.50): test ratios have 1st
// percentile 0.44 and median 0.99, and 3 of 10,000 (0.03%) fall under 0.1
// (0.07% under 0.2, 2.3% under 0.5). So a flag at 0.1 is rarely a false
// alarm, while the 0.4-0.6 band is where genuine new samples already start.
// Near-copies that were moved (shifted, flipped, composited) are not caught
// by a pixel-space ratio; run the check also on embedding features for
// those. The median is the empirical (lower) median; it is 0, and the ratio
// undefined, when at least half of the sampled training rows have an exact
// duplicate: that is an error.
type Memorization struct {
	Threshold        float64   `json:"threshold"`
	MedianTrainNN    float64   `json:"median_train_nn_distance"`
	ReferenceQueries int       `json:"reference_queries"`
	NTrain           int       `json:"n_train"`
	NSynthetic       int       `json:"n_synthetic"`
	NFlagged         int       `json:"n_flagged"`
	FlaggedShare     float64   `json:"flagged_share"`
	Flagged          []int     `json:"flagged"`
	NearestTrain     []int     `json:"nearest_train"`
	Ratio            []float64 `json:"ratio"`
	RatioQuantiles   Quantiles `json:"ratio_quantiles"`
}

// Quantiles summarises a distribution.
type Quantiles struct {
	P01 float64 `json:"p01"`
	P05 float64 `json:"p05"`
	P50 float64 `json:"p50"`
	P95 float64 `json:"p95"`
}

// CheckMemorization returns the [Memorization] report of synthetic against
// train (same columns; train needs at least 2 rows). Use the same space for
// both: raw pixels for literal copies, embeddings for copies up to small
// changes.
func CheckMemorization(ctx context.Context, train, synthetic blas32.General, cfg MemorizationConfig) (Memorization, error) {
	if cfg.Threshold == 0 {
		cfg.Threshold = DefaultMemorizationThreshold
	}
	if cfg.Threshold < 0 {
		return Memorization{}, fmt.Errorf("memorization: threshold %v, want > 0 (default %v)", cfg.Threshold, DefaultMemorizationThreshold)
	}
	if cfg.ReferenceQueries == 0 {
		cfg.ReferenceQueries = DefaultReferenceQueries
	}
	if train.Cols != synthetic.Cols {
		return Memorization{}, fmt.Errorf("memorization: training rows have %d columns and synthetic %d, want equal", train.Cols, synthetic.Cols)
	}
	if train.Rows < 2 {
		return Memorization{}, fmt.Errorf("memorization: %d training row, want at least 2", train.Rows)
	}
	ix, err := neighbors.NewIndex(train)
	if err != nil {
		return Memorization{}, fmt.Errorf("memorization: training set: %w", err)
	}
	median, nRef, err := medianSelfNN(ctx, ix, cfg.ReferenceQueries, cfg.Seed)
	if err != nil {
		return Memorization{}, err
	}
	if median == 0 {
		return Memorization{}, fmt.Errorf("memorization: the median nearest-neighbour distance inside the training set is 0 (at least half of the sampled rows have an exact duplicate); deduplicate the training set first")
	}
	nb, err := ix.Search(ctx, synthetic, 1)
	if err != nil {
		return Memorization{}, fmt.Errorf("memorization: synthetic set: %w", err)
	}
	out := Memorization{
		Threshold:        cfg.Threshold,
		MedianTrainNN:    median,
		ReferenceQueries: nRef,
		NTrain:           train.Rows,
		NSynthetic:       synthetic.Rows,
		Flagged:          []int{},
		NearestTrain:     nb.Indices,
		Ratio:            make([]float64, synthetic.Rows),
	}
	for i, d := range nb.Distances {
		out.Ratio[i] = d / median
		if out.Ratio[i] < cfg.Threshold {
			out.Flagged = append(out.Flagged, i)
		}
	}
	out.NFlagged = len(out.Flagged)
	out.FlaggedShare = float64(out.NFlagged) / float64(synthetic.Rows)
	out.RatioQuantiles = quantiles(out.Ratio)
	return out, nil
}

// medianSelfNN returns the median distance from a training row to its
// nearest other training row over up to nQueries random rows.
func medianSelfNN(ctx context.Context, ix *neighbors.Index, nQueries int, seed int64) (float64, int, error) {
	var rows []int
	if nQueries > 0 && nQueries < ix.Len() {
		rng := rand.New(rand.NewPCG(uint64(seed), 0x6d656d6f))
		rows = rng.Perm(ix.Len())[:nQueries]
		slices.Sort(rows)
	}
	nb, err := ix.SearchSelf(ctx, rows, 1)
	if err != nil {
		return 0, 0, fmt.Errorf("memorization: training nearest neighbours: %w", err)
	}
	d := slices.Clone(nb.Distances)
	slices.Sort(d)
	return stat.Quantile(0.5, stat.Empirical, d, nil), len(d), nil
}

// quantiles returns empirical quantiles of v (gonum stat.Empirical: the
// smallest value with cumulative share >= p).
func quantiles(v []float64) Quantiles {
	s := slices.Clone(v)
	slices.Sort(s)
	q := func(p float64) float64 { return stat.Quantile(p, stat.Empirical, s, nil) }
	return Quantiles{P01: q(0.01), P05: q(0.05), P50: q(0.5), P95: q(0.95)}
}
