package quality

import (
	"fmt"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"

	"github.com/tailsynth/tailsynth/quality/neighbors"
)

// Gaussian is the sample mean and covariance of a set of vectors.
type Gaussian struct {
	N    int
	Mean []float64
	// Cov is the unbiased sample covariance, Σ (x−μ)(x−μ)ᵀ / (N−1), as
	// NumPy's np.cov (and therefore pytorch-fid) computes it.
	Cov *mat.SymDense
}

// gaussianChunk is the number of rows centred in float64 at a time.
const gaussianChunk = 1024

// FitGaussian returns the mean and unbiased covariance of the rows of x,
// accumulated in float64 (two passes: mean, then centred products). x needs
// at least 2 rows.
func FitGaussian(x blas32.General) (Gaussian, error) {
	if err := neighbors.CheckMatrix("features", x); err != nil {
		return Gaussian{}, err
	}
	if x.Rows < 2 {
		return Gaussian{}, fmt.Errorf("features: %d row, want at least 2 to estimate a covariance", x.Rows)
	}
	n, d := x.Rows, x.Cols
	mean := make([]float64, d)
	for i := range n {
		for j, v := range neighbors.Row(x, i) {
			mean[j] += float64(v)
		}
	}
	for j := range mean {
		mean[j] /= float64(n)
	}
	cov := blas64.Symmetric{Uplo: blas.Upper, N: d, Stride: d, Data: make([]float64, d*d)}
	chunk := blas64.General{Cols: d, Stride: d, Data: make([]float64, min(n, gaussianChunk)*d)}
	for i0 := 0; i0 < n; i0 += gaussianChunk {
		i1 := min(i0+gaussianChunk, n)
		chunk.Rows = i1 - i0
		for i := i0; i < i1; i++ {
			dst := chunk.Data[(i-i0)*d : (i-i0+1)*d]
			for j, v := range neighbors.Row(x, i) {
				dst[j] = float64(v) - mean[j]
			}
		}
		blas64.Syrk(blas.Trans, 1, chunk, 1, cov)
	}
	for i := range d {
		for j := i; j < d; j++ {
			cov.Data[i*d+j] /= float64(n - 1)
		}
	}
	return Gaussian{N: n, Mean: mean, Cov: mat.NewSymDense(d, cov.Data)}, nil
}
