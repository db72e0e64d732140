package tables_test

import (
	"math"
	"slices"
	"testing"

	"github.com/tailsynth/tailsynth/smote"
	"github.com/tailsynth/tailsynth/tables"
)

func TestImputeClassMedians(t *testing.T) {
	nan := math.NaN()
	in := smote.Table{Numeric: [][]float64{{1, 3, nan, 10, 20, 40, nan, nan}, {5, 6, 7, 8, 9, 10, 11, 12}}}
	y := []int{0, 0, 0, 1, 1, 1, 1, 2}
	out, n := tables.ImputeClassMedians(in, y)
	if want := []float64{1, 3, 2, 10, 20, 40, 20, 0}; n != 3 || !slices.Equal(out.Numeric[0], want) {
		t.Errorf("filled %d: %v, want 3: %v (class medians; 0 for a class with no value)", n, out.Numeric[0], want)
	}
	if !math.IsNaN(in.Numeric[0][2]) || &out.Numeric[1][0] != &in.Numeric[1][0] {
		t.Error("the input changed, or an untouched column was copied")
	}
	if m := tables.Median([]float64{4, nan, 1, 3, 2}); m != 2.5 {
		t.Errorf("Median = %g, want 2.5 (NaN left out)", m)
	}
}
