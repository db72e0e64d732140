package spectro

import (
	"fmt"
	"math"
	"math/cmplx"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/dsp/fourier"
)

// TestForwardFastPathMatchesReference checks STFT.Forward and Forward32,
// whose interior frames take the fused windowing path and whose blocks are
// written out by the tiled transpose, against a frame-by-frame reference:
// fillFrame (the generic padding and windowing) followed by gonum's FFT.
// The signals span several transposition blocks with a partial last one,
// and the bin counts are not multiples of the tile. Tolerance:
// 1e-12·max|X| for complex128; complex64 output is compared after rounding
// the reference, to 2e-7·max|X| (float32 ε ≈ 1.2e-7).
func TestForwardFastPathMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, tc := range []struct {
		cfg Config
		n   int
	}{
		{DefaultConfig(512), 20000},    // centre, reflect padding
		{ScipyConfig(1024, 768), 9001}, // zeros, padded end
		{Config{NFFT: 16, Hop: 5, Center: false}, 300},
	} {
		t.Run(fmt.Sprintf("nfft=%d/hop=%d/n=%d", tc.cfg.NFFT, tc.cfg.Hop, tc.n), func(t *testing.T) {
			s, err := NewSTFT(tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			x := make([]float64, tc.n)
			x32 := make([]float32, tc.n)
			for i := range x {
				x32[i] = float32(rng.NormFloat64())
				x[i] = float64(x32[i])
			}
			frames := s.Frames(tc.n)
			if frames <= s.block && tc.cfg.NFFT >= 512 {
				t.Fatalf("%d frames fit in one block of %d: the test needs several", frames, s.block)
			}
			ref := fourier.NewFFT(s.nfft)
			frame := make([]float64, s.nfft)
			coef := make([]complex128, s.bins)
			want := make([]complex128, s.bins*frames)
			var scale float64
			for tt := 0; tt < frames; tt++ {
				fillFrame(s, frame, x, tt*s.hop)
				ref.Coefficients(coef, frame)
				for b, v := range coef {
					want[b*frames+tt] = v
					scale = math.Max(scale, cmplx.Abs(v))
				}
			}
			got, err := s.Forward(nil, x)
			if err != nil {
				t.Fatal(err)
			}
			got32, err := s.Forward32(nil, x32)
			if err != nil {
				t.Fatal(err)
			}
			if got.Bins != s.bins || got.Frames != frames {
				t.Fatalf("shape: got %d×%d, want %d×%d", got.Bins, got.Frames, s.bins, frames)
			}
			for i, w := range want {
				if d := cmplx.Abs(got.Data[i] - w); d > 1e-12*scale {
					t.Fatalf("bin %d frame %d: got %v, want %v, |diff| %g", i/frames, i%frames, got.Data[i], w, d)
				}
				w32 := complex128(complex64(w))
				if d := cmplx.Abs(complex128(got32.Data[i]) - w32); d > 2e-7*scale {
					t.Fatalf("complex64 bin %d frame %d: got %v, want %v, |diff| %g", i/frames, i%frames, got32.Data[i], w32, d)
				}
			}
		})
	}
}
