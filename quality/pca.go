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
// seed), cheap, and it cannot over-fit the labels. With at least as many
// rows as columns it decomposes the d×d covariance; with fewer rows (images:
// d in the thousands, n in the tens) it takes the thin SVD of the centred
// n×d rows instead, whose right singular vectors are the same eigenvectors
// (milliseconds instead of close to a minute at d = 2,352). Its distances
// are dominated by the largest-variance pixel patterns (overall brightness
// and silhouette for images) rather than by what separates the classes; see
// [MLP] for the class-aware embedding.
type PCA struct {
	Mean []float64 `json:"mean"`
	// Components is Dim×K, row-major; column j is the j-th component, with
	// the sign chosen so that its largest-magnitude entry is positive (the
	// first such entry on a tie), so both routes give the same signs.
	Components []float64 `json:"components"`
	// Variance holds the eigenvalues (explained variance) of the components,
	// largest first; TotalVariance is the trace of the covariance.
	// n rows span at most n−1 directions after centring: components beyond
	// the rank of the centred rows have variance 0 (up to rounding) and are
	// orthonormal directions orthogonal to the data, with no further meaning.
	Variance      []float64 `json:"variance"`
	TotalVariance float64   `json:"total_variance"`
	Dim           int       `json:"dim"`
	K             int       `json:"k"`
}

// FitPCA fits a K-component [PCA] to the rows of x (1 <= k <= columns; at
// least 2 rows). Fewer rows than columns take the n×n route (a thin SVD of
// the centred rows), otherwise the d×d covariance is decomposed; both give
// the same components, variances and projections up to rounding.
func FitPCA(x blas32.General, k int) (*PCA, error) {
	if k < 1 || k > x.Cols {
		return nil, fmt.Errorf("pca: k = %d components, want 1 <= k <= %d (the dimension)", k, x.Cols)
	}
	if x.Rows < x.Cols {
		return fitPCARows(x, k)
	}
	return fitPCACov(x, k)
}

// fitPCACov decomposes the d×d sample covariance: O(n·d² + d³).
func fitPCACov(x blas32.General, k int) (*PCA, error) {
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
		p.setComponent(c, vecs.ColView(src))
	}
	return p, nil
}

// fitPCARows takes the SVD of the centred n×d rows Xc = U·S·Vᵀ: the
// covariance is Xcᵀ·Xc/(n−1) = V·S²/(n−1)·Vᵀ, so the columns of V are its
// eigenvectors and S²/(n−1) its eigenvalues, without forming the d×d matrix:
// O(n²·d) for the thin V (n columns). The SVD is also more accurate than
// squaring the data into a covariance. More than n components (k up to d is
// allowed) take the full d×d V, whose columns beyond n complete an
// orthonormal basis; their variance is 0, as is that of the n-th column and
// of any beyond the rank of Xc (at most n−1 after centring).
func fitPCARows(x blas32.General, k int) (*PCA, error) {
	if err := neighbors.CheckMatrix("features", x); err != nil {
		return nil, fmt.Errorf("pca: %w", err)
	}
	n, d := x.Rows, x.Cols
	if n < 2 {
		return nil, fmt.Errorf("pca: features: %d row, want at least 2 to estimate a covariance", n)
	}
	// The mean as FitGaussian computes it, so both routes share it exactly.
	mean := make([]float64, d)
	for i := range n {
		for j, v := range neighbors.Row(x, i) {
			mean[j] += float64(v)
		}
	}
	for j := range mean {
		mean[j] /= float64(n)
	}
	xc := mat.NewDense(n, d, nil)
	var total float64
	for i := range n {
		dst := xc.RawRowView(i)
		for j, v := range neighbors.Row(x, i) {
			c := float64(v) - mean[j]
			dst[j] = c
			total += c * c
		}
	}
	kind := mat.SVDThinV
	if k > n {
		kind = mat.SVDFullV
	}
	var svd mat.SVD
	if !svd.Factorize(xc, kind) {
		return nil, fmt.Errorf("pca: SVD of the %d×%d centred rows did not converge", n, d)
	}
	s := svd.Values(nil) // descending, n of them
	var v mat.Dense
	svd.VTo(&v)
	p := &PCA{Mean: mean, Components: make([]float64, d*k), Variance: make([]float64, k), TotalVariance: total / float64(n-1), Dim: d, K: k}
	for c := range k {
		if c < len(s) {
			p.Variance[c] = s[c] * s[c] / float64(n-1)
		}
		p.setComponent(c, v.ColView(c))
	}
	return p, nil
}

// setComponent stores v as component c, its sign chosen so that its
// largest-magnitude entry (the first on a tie) is positive.
func (p *PCA) setComponent(c int, v mat.Vector) {
	big := 0
	for i := range p.Dim {
		if math.Abs(v.AtVec(i)) > math.Abs(v.AtVec(big)) {
			big = i
		}
	}
	sign := 1.0
	if v.AtVec(big) < 0 {
		sign = -1
	}
	for i := range p.Dim {
		p.Components[i*p.K+c] = sign * v.AtVec(i)
	}
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
