package smote

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"gonum.org/v1/gonum/blas/blas32"

	"github.com/tailsynth/tailsynth/quality/neighbors"
)

// Resampled is the output of [Resample]: the new rows, their labels, their
// provenance (indices are rows of the full input x) and the k used per class.
type Resampled struct {
	X          blas32.General
	Y          []int
	Provenance []Provenance
	K          map[int]int
}

// Resample runs SMOTE class by class on a labelled matrix: counts[c] new rows
// for class c, interpolated among the rows of x labelled c. Classes are
// processed in increasing order, each with its own random stream derived from
// seed, so adding a class to counts does not change the rows of another.
// Output rows are grouped by class in that order.
func Resample(ctx context.Context, x blas32.General, y []int, counts map[int]int, k int, seed int64) (Resampled, error) {
	if err := neighbors.CheckMatrix("smote: x", x); err != nil {
		return Resampled{}, err
	}
	if len(y) != x.Rows {
		return Resampled{}, fmt.Errorf("smote: %d labels for %d rows, want one label per row", len(y), x.Rows)
	}
	byClass := rowsByClass(y)
	total := 0
	for _, c := range slices.Sorted(maps.Keys(counts)) {
		if counts[c] < 0 {
			return Resampled{}, fmt.Errorf("smote: counts[%d] = %d, want >= 0", c, counts[c])
		}
		if counts[c] > 0 && len(byClass[c]) == 0 {
			return Resampled{}, fmt.Errorf("smote: counts asks for %d rows of class %d, which has no rows in x", counts[c], c)
		}
		total += counts[c]
	}
	out := Resampled{
		X: blas32.General{Cols: x.Cols, Stride: x.Cols, Data: make([]float32, 0, total*x.Cols)},
		K: make(map[int]int),
	}
	for _, c := range slices.Sorted(maps.Keys(counts)) {
		if counts[c] == 0 {
			continue
		}
		rows := byClass[c]
		sub := gather(x, rows)
		s, err := generate(ctx, sub, counts[c], k, newRand(seed, uint64(c)+1))
		if err != nil {
			return Resampled{}, fmt.Errorf("class %d: %w", c, err)
		}
		out.K[c] = s.K
		out.X.Data = append(out.X.Data, s.X.Data...)
		out.X.Rows += s.X.Rows
		for _, p := range s.Provenance {
			out.Y = append(out.Y, c)
			out.Provenance = append(out.Provenance, Provenance{Base: rows[p.Base], Neighbor: rows[p.Neighbor], Gap: p.Gap})
		}
	}
	return out, nil
}

// RandomOversample returns n indices drawn uniformly with replacement from
// [0, size), as imbalanced-learn's RandomOverSampler does.
func RandomOversample(size, n int, seed int64) ([]int, error) {
	if size < 1 {
		return nil, fmt.Errorf("random oversampling: %d source rows, want at least 1", size)
	}
	if n < 0 {
		return nil, fmt.Errorf("random oversampling: n = %d, want n >= 0", n)
	}
	rng := newRand(seed, 0)
	out := make([]int, n)
	for i := range out {
		out[i] = rng.IntN(size)
	}
	return out, nil
}

// RandomOversampleClasses returns, for each class c in counts, counts[c] row
// indices of y drawn with replacement among the rows labelled c; classes in
// increasing order, each with its own stream derived from seed.
func RandomOversampleClasses(y []int, counts map[int]int, seed int64) ([]int, error) {
	byClass := rowsByClass(y)
	var out []int
	for _, c := range slices.Sorted(maps.Keys(counts)) {
		if counts[c] < 0 {
			return nil, fmt.Errorf("random oversampling: counts[%d] = %d, want >= 0", c, counts[c])
		}
		if counts[c] == 0 {
			continue
		}
		rows := byClass[c]
		if len(rows) == 0 {
			return nil, fmt.Errorf("random oversampling: counts asks for %d rows of class %d, which has no rows", counts[c], c)
		}
		rng := newRand(seed, uint64(c)+1)
		for range counts[c] {
			out = append(out, rows[rng.IntN(len(rows))])
		}
	}
	return out, nil
}

func rowsByClass(y []int) map[int][]int {
	m := make(map[int][]int)
	for i, c := range y {
		m[c] = append(m[c], i)
	}
	return m
}

func gather(x blas32.General, rows []int) blas32.General {
	out := blas32.General{Rows: len(rows), Cols: x.Cols, Stride: x.Cols, Data: make([]float32, len(rows)*x.Cols)}
	for i, r := range rows {
		copy(neighbors.Row(out, i), neighbors.Row(x, r))
	}
	return out
}
