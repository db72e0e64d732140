package quality

import (
	"context"
	"fmt"

	"gonum.org/v1/gonum/blas/blas32"

	"github.com/tailsynth/tailsynth/quality/neighbors"
)

// DefaultPRK is the neighbourhood size of Kynkäänniemi et al. 2019.
const DefaultPRK = 3

// PrecisionRecall is the k-NN precision and recall of Kynkäänniemi et al.
// 2019, "Improved Precision and Recall Metric for Assessing Generative
// Models" (NeurIPS). The real manifold is the union of the closed balls
// around every real vector with radius its distance to its k-th nearest other
// real vector; the fake manifold likewise.
//
//	precision = share of fake vectors inside the real manifold (fidelity)
//	recall    = share of real vectors inside the fake manifold (coverage)
//
// Both depend on the sample counts (radii shrink as a set grows), so compare
// values computed at equal counts.
type PrecisionRecall struct {
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	K         int     `json:"k"`
	NReal     int     `json:"n_real"`
	NFake     int     `json:"n_fake"`
}

// KNNPrecisionRecall computes [PrecisionRecall] with exact Euclidean
// distances (see package neighbors). k <= 0 means [DefaultPRK]; each set
// needs more than k rows. The cost is (n_real + n_fake)² × dim
// multiply-adds.
func KNNPrecisionRecall(ctx context.Context, real, fake blas32.General, k int) (PrecisionRecall, error) {
	if k <= 0 {
		k = DefaultPRK
	}
	if real.Cols != fake.Cols {
		return PrecisionRecall{}, fmt.Errorf("precision/recall: real features have %d columns and fake %d, want equal", real.Cols, fake.Cols)
	}
	for _, s := range []struct {
		name string
		m    blas32.General
	}{{"real", real}, {"fake", fake}} {
		if s.m.Rows <= k {
			return PrecisionRecall{}, fmt.Errorf("precision/recall: %d %s rows, want more than k = %d", s.m.Rows, s.name, k)
		}
	}
	realIx, err := neighbors.NewIndex(real)
	if err != nil {
		return PrecisionRecall{}, fmt.Errorf("precision/recall: real: %w", err)
	}
	fakeIx, err := neighbors.NewIndex(fake)
	if err != nil {
		return PrecisionRecall{}, fmt.Errorf("precision/recall: fake: %w", err)
	}
	precision, err := manifoldShare(ctx, realIx, fake, k)
	if err != nil {
		return PrecisionRecall{}, err
	}
	recall, err := manifoldShare(ctx, fakeIx, real, k)
	if err != nil {
		return PrecisionRecall{}, err
	}
	return PrecisionRecall{Precision: precision, Recall: recall, K: k, NReal: real.Rows, NFake: fake.Rows}, nil
}

// manifoldShare returns the share of queries inside the k-NN manifold of the
// index's rows.
func manifoldShare(ctx context.Context, ix *neighbors.Index, queries blas32.General, k int) (float64, error) {
	nb, err := ix.SearchSelf(ctx, nil, k)
	if err != nil {
		return 0, fmt.Errorf("precision/recall: k-NN radii: %w", err)
	}
	inside, err := ix.WithinAny(ctx, queries, nb.Kth())
	if err != nil {
		return 0, fmt.Errorf("precision/recall: manifold membership: %w", err)
	}
	n := 0
	for _, in := range inside {
		if in {
			n++
		}
	}
	return float64(n) / float64(len(inside)), nil
}
