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
	out := t
	out.Numeric = slices.Clone(t.Numeric)
	filled := 0
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
		med := map[int]float64{}
		for c, vs := range vals {
			slices.Sort(vs)
			n := len(vs)
			med[c] = vs[n/2]
			if n%2 == 0 {
				med[c] = (vs[n/2-1] + vs[n/2]) / 2
			}
		}
		nc := slices.Clone(col)
		for i, v := range nc {
			if math.IsNaN(v) {
				nc[i] = med[y[i]]
				filled++
			}
		}
		out.Numeric[j] = nc
	}
	return out, filled
}
