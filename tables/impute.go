package tables

import (
	"math"
	"slices"

	"github.com/tailsynth/tailsynth/smote"
)

// ImputeClassMedians returns t with every missing (NaN) numeric value
// replaced by the median of its column within its class (0 when the class
// has no value in the column), copying only the columns it changes, and
// how many cells it filled. The tabular generators (SMOTE-NC, the tabular
// GAN) take no missing numbers; they impute with it first.
func ImputeClassMedians(t smote.Table, y []int) (smote.Table, int) {
	med := make([]map[int]float64, len(t.Numeric))
	for j, col := range t.Numeric {
		if !slices.ContainsFunc(col, math.IsNaN) {
			continue
		}
		vals := map[int][]float64{}
		for i, v := range col {
			if !math.IsNaN(v) {
				vals[y[i]] = append(vals[y[i]], v)
			}
		}
		med[j] = map[int]float64{}
		for c, vs := range vals {
			med[j][c] = Median(vs)
		}
	}
	return FillNaN(t, func(row, col int) float64 { return med[col][y[row]] })
}

// FillNaN returns t with every missing (NaN) numeric value at (row, col)
// replaced by value(row, col), copying only the columns it changes, and
// how many cells it filled.
func FillNaN(t smote.Table, value func(row, col int) float64) (smote.Table, int) {
	out := t
	out.Numeric = slices.Clone(t.Numeric)
	filled := 0
	for j, col := range t.Numeric {
		if !slices.ContainsFunc(col, math.IsNaN) {
			continue
		}
		nc := slices.Clone(col)
		for i, v := range nc {
			if math.IsNaN(v) {
				nc[i] = value(i, j)
				filled++
			}
		}
		out.Numeric[j] = nc
	}
	return out, filled
}

// Median is the median of the non-NaN values of v (the mean of the middle
// two for an even count), 0 when there are none. v is not changed.
func Median(v []float64) float64 {
	s := slices.DeleteFunc(slices.Clone(v), math.IsNaN)
	n := len(s)
	if n == 0 {
		return 0
	}
	slices.Sort(s)
	if n%2 == 0 {
		return (s[n/2-1] + s[n/2]) / 2
	}
	return s[n/2]
}
