package spectro

import (
	"context"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// MelInverseMethod selects how [MelBank.Invert] maps mel bands back to
// linear-frequency bins. The zero value is MelInverseNNLS.
type MelInverseMethod int

const (
	// MelInverseNNLS solves the non-negative least-squares problem
	// min_{S≥0} ‖W·S − M‖_F, as librosa.feature.inverse.mel_to_stft does
	// (librosa uses L-BFGS-B; this package uses FISTA, accelerated projected
	// gradient with step 1/‖W‖₂², started from the clipped pseudo-inverse
	// solution as librosa is).
	MelInverseNNLS MelInverseMethod = iota
	// MelInversePinv returns max(0, W⁺·M) with W⁺ the Moore-Penrose
	// pseudo-inverse (SVD, singular values below 1e-15·σ_max dropped as
	// numpy.linalg.pinv does): the minimum-norm least-squares solution,
	// clipped to be non-negative. Faster, less accurate than NNLS.
	MelInversePinv
)

// MelInverseConfig configures [MelBank.Invert].
type MelInverseConfig struct {
	Method MelInverseMethod
	// Iterations bounds the NNLS iterations; 0 means 200.
	Iterations int
	// Tol stops NNLS early when the relative change of the objective
	// between iterations falls below it; 0 means 1e-10.
	Tol float64
}

// Invert estimates a non-negative linear-frequency spectrogram S
// (Bins×Frames) whose mel spectrogram W·S approximates mel (NMels×Frames).
// The result is in the domain of the input: invert a mel power
// spectrogram to get a power spectrogram (take the square root for a
// magnitude to feed [GriffinLim], as librosa's mel_to_stft does with
// power=2). The problem is underdetermined (NMels < Bins): the energy
// within a band is spread smoothly, fine detail is lost. ctx cancels long
// NNLS runs. dst is allocated when nil, reshaped otherwise.
func (m *MelBank) Invert(ctx context.Context, dst, mel *Spectrogram[float64], c MelInverseConfig) (*Spectrogram[float64], error) {
	if err := mel.check("mel spectrogram"); err != nil {
		return nil, err
	}
	if mel.Bins != m.cfg.NMels {
		return nil, fmt.Errorf("mel spectrogram has %d bands, bank has %d: %w", mel.Bins, m.cfg.NMels, ErrShape)
	}
	if c.Iterations == 0 {
		c.Iterations = 200
	}
	if c.Tol == 0 {
		c.Tol = 1e-10
	}
	if c.Iterations < 0 || c.Tol < 0 {
		return nil, fmt.Errorf("mel inverse Iterations %d, Tol %v: want >= 0: %w", c.Iterations, c.Tol, ErrInvalidConfig)
	}
	if c.Method != MelInverseNNLS && c.Method != MelInversePinv {
		return nil, fmt.Errorf("mel inverse Method %d: want MelInverseNNLS or MelInversePinv: %w", c.Method, ErrInvalidConfig)
	}
	frames := mel.Frames
	dst = reshape(dst, m.bins, frames)
	pinv, err := m.pinv()
	if err != nil {
		return nil, err
	}
	// x0 = max(0, W⁺·M); W⁺ is Bins×NMels.
	x := dst.Data
	clear(x)
	for k := 0; k < m.bins; k++ {
		row := x[k*frames : (k+1)*frames]
		for i := 0; i < m.cfg.NMels; i++ {
			if p := pinv.At(k, i); p != 0 {
				axpy(row, p, mel.Data[i*frames:(i+1)*frames])
			}
		}
		for j, v := range row {
			row[j] = math.Max(0, v)
		}
	}
	if c.Method == MelInversePinv {
		return dst, nil
	}
	return dst, m.fista(ctx, x, mel.Data, frames, c)
}

// pinv returns the pseudo-inverse of the filter matrix.
func (m *MelBank) pinv() (*mat.Dense, error) {
	w := mat.NewDense(m.cfg.NMels, m.bins, append([]float64(nil), m.w...))
	var svd mat.SVD
	if !svd.Factorize(w, mat.SVDThin) {
		return nil, fmt.Errorf("SVD of the %dx%d mel matrix did not converge: %w", m.cfg.NMels, m.bins, ErrInvalidConfig)
	}
	var u, v mat.Dense
	svd.UTo(&u)
	svd.VTo(&v)
	s := svd.Values(nil)
	cut := 1e-15 * s[0]
	// W⁺ = V·Σ⁺·Uᵀ
	for j, sv := range s {
		inv := 0.0
		if sv > cut {
			inv = 1 / sv
		}
		for r := 0; r < v.RawMatrix().Rows; r++ {
			v.Set(r, j, v.At(r, j)*inv)
		}
	}
	var p mat.Dense
	p.Mul(&v, u.T())
	return &p, nil
}

// fista runs accelerated projected gradient on ½‖W·X − M‖²_F, X ≥ 0,
// starting from x (overwritten with the result).
func (m *MelBank) fista(ctx context.Context, x, mel []float64, frames int, c MelInverseConfig) error {
	lip := m.lipschitz()
	if lip == 0 {
		return nil // all filters empty: nothing to fit
	}
	step := 1 / lip
	n := len(x)
	y := append([]float64(nil), x...)
	prev := make([]float64, n)
	grad := make([]float64, n)
	resid := make([]float64, len(mel))
	tk := 1.0
	prevObj := math.Inf(1)
	for it := 0; it < c.Iterations; it++ {
		if it%16 == 0 {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("mel inverse stopped after %d iterations: %w", it, err)
			}
		}
		// grad = Wᵀ(W·y − M)
		clear(resid)
		m.mul(resid, y, frames)
		obj := 0.0
		for i, v := range mel {
			resid[i] -= v
			obj += resid[i] * resid[i]
		}
		if math.Abs(prevObj-obj) <= c.Tol*math.Max(obj, 1e-300) {
			break
		}
		prevObj = obj
		m.mulT(grad, resid, frames)
		copy(prev, x)
		for i := range x {
			x[i] = math.Max(0, y[i]-step*grad[i])
		}
		tn := (1 + math.Sqrt(1+4*tk*tk)) / 2
		mom := (tk - 1) / tn
		for i := range y {
			y[i] = x[i] + mom*(x[i]-prev[i])
		}
		tk = tn
	}
	return nil
}

// lipschitz returns ‖W‖₂² = λ_max(W·Wᵀ), computed exactly from the small
// NMels×NMels Gram matrix.
func (m *MelBank) lipschitz() float64 {
	nm := m.cfg.NMels
	g := mat.NewSymDense(nm, nil)
	for i := 0; i < nm; i++ {
		for j := i; j < nm; j++ {
			var s float64
			for k := max(m.lo[i], m.lo[j]); k < min(m.hi[i], m.hi[j]); k++ {
				s += m.w[i*m.bins+k] * m.w[j*m.bins+k]
			}
			g.SetSym(i, j, s)
		}
	}
	var eig mat.EigenSym
	if !eig.Factorize(g, false) {
		// Fall back to the Gershgorin bound, always >= λ_max.
		var b float64
		for i := 0; i < nm; i++ {
			var r float64
			for j := 0; j < nm; j++ {
				r += math.Abs(g.At(i, j))
			}
			b = math.Max(b, r)
		}
		return b
	}
	vals := eig.Values(nil)
	return vals[len(vals)-1]
}
