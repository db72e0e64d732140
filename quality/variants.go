package quality

import (
	"context"
	"fmt"

	"github.com/tailsynth/tailsynth/smote"
)

// Variant is one recipe for the training set of the utility test: the real
// training split plus the rows Augment returns.
type Variant struct {
	Name string `json:"name"`
	// Augment returns the rows to add to the real training split for one
	// seed; nil adds nothing.
	Augment func(ctx context.Context, train Dataset, seed int64) (Dataset, error) `json:"-"`
	// Seeded reports whether Augment depends on the seed. A variant that
	// does not is trained once and its single run is paired with every seed.
	Seeded bool `json:"seeded"`
}

// Names of the built-in variants.
const (
	VariantReal               = "real"
	VariantRandomOversampling = "random_oversampling"
	VariantSMOTE              = "smote"
)

// Real is the baseline: the real training split alone.
func Real() Variant { return Variant{Name: VariantReal} }

// Fixed adds the given rows (for example a generator's synthetic samples,
// in the same feature space as the training split) whatever the seed.
func Fixed(name string, rows Dataset) Variant {
	return Variant{Name: name, Augment: func(context.Context, Dataset, int64) (Dataset, error) { return rows, nil }}
}

// RandomOversampling adds counts[c] rows of each class c drawn with
// replacement from the training rows of that class (see
// [smote.RandomOversampleClasses]).
func RandomOversampling(counts map[int]int) Variant {
	return Variant{Name: VariantRandomOversampling, Seeded: true, Augment: func(_ context.Context, train Dataset, seed int64) (Dataset, error) {
		rows, err := smote.RandomOversampleClasses(train.Y, counts, seed)
		if err != nil {
			return Dataset{}, err
		}
		return train.Subset(rows), nil
	}}
}

// SMOTE adds counts[c] SMOTE rows of each class c, interpolated between
// training rows of that class in the training split's feature space (see
// [smote.Resample]); k <= 0 means [smote.DefaultK].
func SMOTE(k int, counts map[int]int) Variant {
	return Variant{Name: VariantSMOTE, Seeded: true, Augment: func(ctx context.Context, train Dataset, seed int64) (Dataset, error) {
		r, err := smote.Resample(ctx, train.X, train.Y, counts, k, seed)
		if err != nil {
			return Dataset{}, err
		}
		return Dataset{X: r.X, Y: r.Y}, nil
	}}
}

// CountsOf returns the number of rows of each class in d: pass the counts of
// a synthetic set to [RandomOversampling] and [SMOTE] so that the baselines
// add exactly as many rows per class as the generator did.
func CountsOf(d Dataset) map[int]int {
	out := make(map[int]int)
	for _, c := range d.Y {
		out[c]++
	}
	return out
}

// CountsToBalance returns, for every class of train with fewer rows than the
// largest class, the number of rows that would bring it to that size
// (imbalanced-learn's "not majority" strategy).
func CountsToBalance(train Dataset, numClasses int) (map[int]int, error) {
	if err := train.Validate(numClasses); err != nil {
		return nil, fmt.Errorf("balance: %w", err)
	}
	counts := train.ClassCounts(numClasses)
	most := 0
	for _, n := range counts {
		most = max(most, n)
	}
	out := make(map[int]int)
	for c, n := range counts {
		if n > 0 && n < most {
			out[c] = most - n
		}
	}
	return out, nil
}
