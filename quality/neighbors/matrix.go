package neighbors

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/blas/blas32"
)

// CheckMatrix reports whether m is a well-formed row-major matrix with at
// least one row and column, Stride >= Cols, enough data, and only finite
// values. name is used in the error message.
func CheckMatrix(name string, m blas32.General) error {
	if m.Rows < 1 || m.Cols < 1 {
		return fmt.Errorf("%s: got %d rows x %d columns, want at least 1 x 1", name, m.Rows, m.Cols)
	}
	if m.Stride < m.Cols {
		return fmt.Errorf("%s: stride %d is less than the %d columns; use Stride = Cols for packed rows", name, m.Stride, m.Cols)
	}
	if need := (m.Rows-1)*m.Stride + m.Cols; len(m.Data) < need {
		return fmt.Errorf("%s: %d values for %d rows x %d columns (stride %d), want at least %d", name, len(m.Data), m.Rows, m.Cols, m.Stride, need)
	}
	for i := 0; i < m.Rows; i++ {
		for j, v := range Row(m, i) {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return fmt.Errorf("%s: value at row %d, column %d is %v; only finite values are accepted", name, i, j, v)
			}
		}
	}
	return nil
}

// Row returns row i of m (a view, not a copy).
func Row(m blas32.General, i int) []float32 {
	return m.Data[i*m.Stride : i*m.Stride+m.Cols]
}

// SquaredNorms returns ||row_i||² for every row, accumulated in float64.
func SquaredNorms(m blas32.General) []float64 {
	out := make([]float64, m.Rows)
	for i := range out {
		var s float64
		for _, v := range Row(m, i) {
			s += float64(v) * float64(v)
		}
		out[i] = s
	}
	return out
}

// SquaredDistance returns Σ(aᵢ-bᵢ)² accumulated in float64. a and b must have
// the same length.
func SquaredDistance(a, b []float32) float64 {
	var s float64
	for i, v := range a {
		d := float64(v) - float64(b[i])
		s += d * d
	}
	return s
}

// slice returns rows [i0, i1) of m as a view.
func slice(m blas32.General, i0, i1 int) blas32.General {
	if i0 == i1 {
		return blas32.General{Cols: m.Cols, Stride: m.Stride}
	}
	return blas32.General{
		Rows:   i1 - i0,
		Cols:   m.Cols,
		Stride: m.Stride,
		Data:   m.Data[i0*m.Stride : (i1-1)*m.Stride+m.Cols],
	}
}
