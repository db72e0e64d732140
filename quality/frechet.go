package quality

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/gonum/mat"
)

// FrechetBiasNote is the caveat to print beside every Fréchet distance.
const FrechetBiasNote = "The Fréchet distance is estimated from sample means and covariances and is biased upwards for small sets " +
	"(its expectation falls as the sample counts grow, even between two samples of one distribution); " +
	"compare values only at equal sample counts and in the same feature space."

// Frechet is the Fréchet (2-Wasserstein) distance between Gaussians fitted to
// two sets of feature vectors (Heusel et al. 2017, "GANs Trained by a Two
// Time-Scale Update Rule Converge to a Local Nash Equilibrium", eq. for FID):
//
//	d² = ||μ₁ − μ₂||² + tr(C₁) + tr(C₂) − 2 tr((C₁ C₂)^½)
//
// Distance is d² (the quantity FID reports), MeanTerm its first term and
// CovarianceTerm the rest.
type Frechet struct {
	Distance       float64 `json:"distance"`
	MeanTerm       float64 `json:"mean_term"`
	CovarianceTerm float64 `json:"covariance_term"`
	NReal          int     `json:"n_real"`
	NFake          int     `json:"n_fake"`
	Dim            int     `json:"dim"`
}

// FrechetDistance fits a Gaussian to each set (see [FitGaussian]; each needs
// at least 2 rows, and more rows than columns for a full-rank covariance) and
// returns their Fréchet distance. See [FrechetBiasNote].
func FrechetDistance(real, fake blas32.General) (Frechet, error) {
	if real.Cols != fake.Cols {
		return Frechet{}, fmt.Errorf("frechet: real features have %d columns and fake %d, want equal", real.Cols, fake.Cols)
	}
	g1, err := FitGaussian(real)
	if err != nil {
		return Frechet{}, fmt.Errorf("frechet: real: %w", err)
	}
	g2, err := FitGaussian(fake)
	if err != nil {
		return Frechet{}, fmt.Errorf("frechet: fake: %w", err)
	}
	return FrechetFromGaussians(g1, g2)
}

// FrechetFromGaussians returns the Fréchet distance between two fitted
// Gaussians. tr((C₁C₂)^½) is computed in the symmetric form
// tr((S C₂ S)^½) with S = C₁^½ (equal, since S C₂ S is similar to C₁C₂), both
// square roots by symmetric eigendecomposition with eigenvalues below zero
// (rounding on singular covariances) clamped to 0. A distance below 0 from
// rounding is reported as 0.
func FrechetFromGaussians(a, b Gaussian) (Frechet, error) {
	d := len(a.Mean)
	if len(b.Mean) != d || a.Cov == nil || b.Cov == nil || a.Cov.SymmetricDim() != d || b.Cov.SymmetricDim() != d {
		return Frechet{}, fmt.Errorf("frechet: Gaussians of dimension %d and %d (covariances present: %v, %v), want two of one dimension", d, len(b.Mean), a.Cov != nil, b.Cov != nil)
	}
	var meanTerm float64
	for i := range d {
		diff := a.Mean[i] - b.Mean[i]
		meanTerm += diff * diff
	}
	s, err := sqrtSym(a.Cov)
	if err != nil {
		return Frechet{}, fmt.Errorf("frechet: square root of the real covariance: %w", err)
	}
	var t, m mat.Dense
	t.Mul(s, b.Cov)
	m.Mul(&t, s)
	sym := mat.NewSymDense(d, nil)
	for i := range d {
		for j := i; j < d; j++ {
			sym.SetSym(i, j, (m.At(i, j)+m.At(j, i))/2)
		}
	}
	var eig mat.EigenSym
	if !eig.Factorize(sym, false) {
		return Frechet{}, fmt.Errorf("frechet: eigendecomposition of C₁^½ C₂ C₁^½ did not converge")
	}
	var trSqrt float64
	for _, v := range eig.Values(nil) {
		trSqrt += math.Sqrt(max(v, 0))
	}
	covTerm := mat.Trace(a.Cov) + mat.Trace(b.Cov) - 2*trSqrt
	return Frechet{
		Distance:       max(meanTerm+covTerm, 0),
		MeanTerm:       meanTerm,
		CovarianceTerm: covTerm,
		NReal:          a.N,
		NFake:          b.N,
		Dim:            d,
	}, nil
}

// sqrtSym returns the symmetric square root V diag(√max(λ,0)) Vᵀ of c.
func sqrtSym(c *mat.SymDense) (*mat.Dense, error) {
	var eig mat.EigenSym
	if !eig.Factorize(c, true) {
		return nil, fmt.Errorf("eigendecomposition did not converge")
	}
	vals := eig.Values(nil)
	var v mat.Dense
	eig.VectorsTo(&v)
	d := len(vals)
	scaled := mat.NewDense(d, d, nil)
	for j, l := range vals {
		r := math.Sqrt(max(l, 0))
		for i := range d {
			scaled.Set(i, j, v.At(i, j)*r)
		}
	}
	out := mat.NewDense(d, d, nil)
	out.Mul(scaled, v.T())
	return out, nil
}
