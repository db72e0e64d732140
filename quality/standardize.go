package quality

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/blas/blas32"

	"github.com/tailsynth/tailsynth/quality/neighbors"
)

// Standardizer maps each column to zero mean and unit variance:
// z = (x − Mean) · Scale with Scale = 1/σ (population σ, as scikit-learn's
// StandardScaler). A constant column (σ = 0) gets Scale 1, so it maps to 0.
// Fit it on the training split only.
type Standardizer struct {
	Mean  []float64 `json:"mean"`
	Scale []float64 `json:"scale"`
}

// FitStandardizer fits a [Standardizer] to the rows of x.
func FitStandardizer(x blas32.General) (Standardizer, error) {
	if err := neighbors.CheckMatrix("standardizer input", x); err != nil {
		return Standardizer{}, err
	}
	d := x.Cols
	s := Standardizer{Mean: make([]float64, d), Scale: make([]float64, d)}
	for i := range x.Rows {
		for j, v := range neighbors.Row(x, i) {
			s.Mean[j] += float64(v)
		}
	}
	for j := range s.Mean {
		s.Mean[j] /= float64(x.Rows)
	}
	for i := range x.Rows {
		for j, v := range neighbors.Row(x, i) {
			c := float64(v) - s.Mean[j]
			s.Scale[j] += c * c
		}
	}
	for j, ss := range s.Scale {
		sd := math.Sqrt(ss / float64(x.Rows))
		if sd == 0 {
			s.Scale[j] = 1
		} else {
			s.Scale[j] = 1 / sd
		}
	}
	return s, nil
}

// TransformFloat64 returns the standardised rows of x as a new float64
// matrix.
func (s Standardizer) TransformFloat64(x blas32.General) ([]float64, error) {
	if x.Cols != len(s.Mean) {
		return nil, fmt.Errorf("standardizer: rows have %d columns, want %d", x.Cols, len(s.Mean))
	}
	out := make([]float64, x.Rows*x.Cols)
	for i := range x.Rows {
		dst := out[i*x.Cols : (i+1)*x.Cols]
		for j, v := range neighbors.Row(x, i) {
			dst[j] = (float64(v) - s.Mean[j]) * s.Scale[j]
		}
	}
	return out, nil
}
