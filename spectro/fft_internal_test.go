package spectro

import (
	"fmt"
	"math"
	"math/cmplx"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/dsp/fourier"
)

// TestPow2FFTMatchesGonum checks the power-of-two real FFT against gonum's
// FFTPACK port, forward and inverse, on seeded random input. Tolerance:
// 1e-12·max|X| (both are O(log n·ε) accurate).
func TestPow2FFTMatchesGonum(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{8, 16, 64, 256, 1024, 4096} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			x := make([]float64, n)
			for i := range x {
				x[i] = rng.NormFloat64()
			}
			ref := fourier.NewFFT(n)
			want := ref.Coefficients(nil, x)
			f := newPow2FFT(n)
			got := make([]complex128, n/2+1)
			f.forward(got, x)
			var scale float64
			for _, v := range want {
				scale = math.Max(scale, cmplx.Abs(v))
			}
			for k := range want {
				if d := cmplx.Abs(got[k] - want[k]); d > 1e-12*scale {
					t.Fatalf("X[%d]: got %v, want %v (gonum), |diff| %g", k, got[k], want[k], d)
				}
			}
			// Give the inverse nonzero imaginary DC/Nyquist parts, which
			// irfft semantics ignore.
			got[0] += 3i
			got[n/2] -= 2i
			back := make([]float64, n)
			f.inverse(back, got)
			for i := range x {
				if d := math.Abs(back[i]/float64(n) - x[i]); d > 1e-12 {
					t.Fatalf("inverse[%d]/n: got %v, want %v", i, back[i]/float64(n), x[i])
				}
			}
		})
	}
}

// BenchmarkRealFFT compares the power-of-two real FFT with gonum's FFTPACK
// port on the same lengths.
func BenchmarkRealFFT(b *testing.B) {
	for _, n := range []int{256, 1024, 4096} {
		x := make([]float64, n)
		for i := range x {
			x[i] = float64(i%7) - 3
		}
		dst := make([]complex128, n/2+1)
		b.Run(fmt.Sprintf("pow2/n=%d", n), func(b *testing.B) {
			f := newPow2FFT(n)
			b.ReportAllocs()
			for b.Loop() {
				f.forward(dst, x)
			}
		})
		b.Run(fmt.Sprintf("gonum/n=%d", n), func(b *testing.B) {
			f := fourier.NewFFT(n)
			b.ReportAllocs()
			for b.Loop() {
				f.Coefficients(dst, x)
			}
		})
	}
}
