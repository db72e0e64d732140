package quality

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/gonum/mat"

	"github.com/tailsynth/tailsynth/quality/neighbors"
)

// PCA is a principal-component projection fitted on a training split:
// z = (x − Mean) · W, W the top K eigenvectors of the sample covariance.
//
// It is the label-free feature space of this package: deterministic (no
// seed), cheap (one d×d covariance and its eigendecomposition), and it cannot
// over-fit the labels. Its distances are dominated by the largest-variance
// pixel patterns (overall brightness and silhouette for images) rather than
// by what separates the classes; see [MLP] for the class-aware embedding.
type PCA struct {
	Mean []float64 `json:"mean"`
	// Components is Dim×K, row-major; column j is the j-th component, with
	// the sign chosen so that its largest-magnitude entry is positive.
	Components []float64 `json:"components"`
	// Variance holds the eigenvalues (explained variance) of the components,
	// largest first; TotalVariance is the trace of the covariance.
	Variance      []float64 `json:"variance"`
	TotalVariance float64   `json:"total_variance"`
	Dim           int       `json:"dim"`
	K             int       `json:"k"`
}

// FitPCA fits a K-component [PCA] to the rows of x (1 <= k <= columns; at
// least 2 rows).
func FitPCA(x blas32.General, k int) (*PCA, error) {
	if k < 1 || k > x.Cols {
		return nil, fmt.Errorf("pca: k = %d components, want 1 <= k <= %d (the dimension)", k, x.Cols)
	}
	g, err := FitGaussian(x)
	if err != nil {
		return nil, fmt.Errorf("pca: %w", err)
	}
	var eig mat.EigenSym
	if !eig.Factorize(g.Cov, true) {
		return nil, fmt.Errorf("pca: eigendecomposition of the %d×%d covariance did not converge", x.Cols, x.Cols)
	}
	vals := eig.Values(nil) // ascending
	var vecs mat.Dense
	eig.VectorsTo(&vecs)
	d := x.Cols
	p := &PCA{Mean: g.Mean, Components: make([]float64, d*k), Variance: make([]float64, k), TotalVariance: mat.Trace(g.Cov), Dim: d, K: k}
	for c := range k {
		src := d - 1 - c
		p.Variance[c] = max(vals[src], 0)
		big := 0
		for i := range d {
			if math.Abs(vecs.At(i, src)) > math.Abs(vecs.At(big, src)) {
				big = i
			}
		}
		sign := 1.0
		if vecs.At(big, src) < 0 {
			sign = -1
		}
		for i := range d {
			p.Components[i*k+c] = sign * vecs.At(i, src)
		}
	}
	return p, nil
}

// Transform projects the rows of x onto the components: an n×K matrix.
func (p *PCA) Transform(x blas32.General) (blas32.General, error) {
	if x.Cols != p.Dim {
		return blas32.General{}, fmt.Errorf("pca: rows have %d columns, want %d", x.Cols, p.Dim)
	}
	w := blas32.General{Rows: p.Dim, Cols: p.K, Stride: p.K, Data: make([]float32, len(p.Components))}
	for i, v := range p.Components {
		w.Data[i] = float32(v)
	}
	// Centre a block of rows at a time (bounded memory), then project.
	out := newMatrix(x.Rows, p.K)
	block := newMatrix(min(x.Rows, gaussianChunk), p.Dim)
	for i0 := 0; i0 < x.Rows; i0 += gaussianChunk {
		i1 := min(i0+gaussianChunk, x.Rows)
		block.Rows = i1 - i0
		for i := i0; i < i1; i++ {
			dst := neighbors.Row(block, i-i0)
			for j, v := range neighbors.Row(x, i) {
				dst[j] = float32(float64(v) - p.Mean[j])
			}
		}
		dst := blas32.General{Rows: i1 - i0, Cols: p.K, Stride: p.K, Data: out.Data[i0*p.K : i1*p.K]}
		blas32.Gemm(blas.NoTrans, blas.NoTrans, 1, block, w, 0, dst)
	}
	return out, nil
}
