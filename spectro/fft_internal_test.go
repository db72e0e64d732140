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
// FFTPACK port, forward and inverse, on seeded random input. The lengths
// cover both an even and an odd number of radix-2 stages in the half-size
// complex FFT (a last radix-2 stage, fused into the unpacking on the
// forward path). Tolerance: 1e-12·max|X| (both are O(log n·ε) accurate).
func TestPow2FFTMatchesGonum(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096} {
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

// TestForwardWindowedMatchesGonum checks the fused window, permutation and
// first-pass path on float32 and float64 input against gonum's transform of
// the windowed frame computed in float64. Tolerance: 1e-12·max|X|.
func TestForwardWindowedMatchesGonum(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{8, 16, 512, 1024} {
		x := make([]float64, n)
		x32 := make([]float32, n)
		win := make([]float64, n)
		for i := range x {
			x32[i] = float32(rng.NormFloat64())
			x[i] = float64(x32[i])
			win[i] = rng.Float64()
		}
		xw := make([]float64, n)
		for i := range x {
			xw[i] = x[i] * win[i]
		}
		want := fourier.NewFFT(n).Coefficients(nil, xw)
		var scale float64
		for _, v := range want {
			scale = math.Max(scale, cmplx.Abs(v))
		}
		f := newPow2FFT(n)
		for _, tc := range []struct {
			name string
			run  func(dst []complex128)
		}{
			{"float64", func(dst []complex128) { forwardWindowed(f, dst, x, win) }},
			{"float32", func(dst []complex128) { forwardWindowed(f, dst, x32, win) }},
		} {
			t.Run(fmt.Sprintf("%s/n=%d", tc.name, n), func(t *testing.T) {
				got := make([]complex128, n/2+1)
				tc.run(got)
				for k := range want {
					if d := cmplx.Abs(got[k] - want[k]); d > 1e-12*scale {
						t.Fatalf("X[%d]: got %v, want %v (gonum), |diff| %g", k, got[k], want[k], d)
					}
				}
			})
		}
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
