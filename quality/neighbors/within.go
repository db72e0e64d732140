package neighbors

import (
	"context"
	"fmt"
	"math"

	"gonum.org/v1/gonum/blas/blas32"
)

// float32Unit is the unit roundoff of float32, 2⁻²⁴.
const float32Unit = 1.0 / (1 << 24)

// WithinAny reports, for every query row q, whether some reference row r_j
// satisfies ||q - r_j|| <= radii[j]: whether q lies in the union of the balls
// around the reference rows. len(radii) must equal Len and every radius must
// be finite and non-negative. The answer is exact (see the package
// documentation); a query stops being scanned as soon as one ball holds it.
func (ix *Index) WithinAny(ctx context.Context, queries blas32.General, radii []float64) ([]bool, error) {
	if err := ix.checkQueries(queries); err != nil {
		return nil, err
	}
	if len(radii) != ix.Len() {
		return nil, fmt.Errorf("got %d radii, want one per reference row (%d)", len(radii), ix.Len())
	}
	r2 := make([]float64, len(radii))
	for j, r := range radii {
		if r < 0 || math.IsNaN(r) || math.IsInf(r, 0) {
			return nil, fmt.Errorf("radii[%d] = %v, want a finite value >= 0", j, r)
		}
		r2[j] = r * r
	}
	qn := SquaredNorms(queries)
	tol := float64(2*ix.Dim()+8) * float32Unit
	found := make([]bool, queries.Rows)
	skip := func(q0, q1 int) bool {
		for _, f := range found[q0:q1] {
			if !f {
				return false
			}
		}
		return true
	}
	visit := func(q0, r0 int, dots blas32.General, lo, hi int) {
		for r := lo; r < hi; r++ {
			gi := q0 + r
			if found[gi] {
				continue
			}
			row := dots.Data[r*dots.Stride : r*dots.Stride+dots.Cols]
			for col, dot := range row {
				j := r0 + col
				v := qn[gi] + ix.norms[j] - 2*float64(dot)
				margin := tol * (qn[gi] + ix.norms[j])
				if v > r2[j]+margin {
					continue
				}
				if v < r2[j]-margin || SquaredDistance(Row(queries, gi), Row(ix.ref, j)) <= r2[j] {
					found[gi] = true
					break
				}
			}
		}
	}
	if err := ix.scan(ctx, queries, skip, visit); err != nil {
		return nil, err
	}
	return found, nil
}
