package spectro_test

import (
	"errors"
	"fmt"
	"math"
	"math/cmplx"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/tailsynth/tailsynth/spectro"
)

func randSignal(seed uint64, n int) []float64 {
	rng := rand.New(rand.NewPCG(seed, 7))
	x := make([]float64, n)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	return x
}

// naiveSTFT is an independent O(N²) reference of librosa.stft's definition:
// pad by n_fft/2 with numpy.pad (mode constant or reflect) when center,
// window zero-padded centred to n_fft, frame t starts at t·hop, unnormalised
// DFT, bins 0..n_fft/2.
func naiveSTFT(x []float64, nfft, hop int, win []float64, center bool, mode spectro.PadMode) [][]complex128 {
	xp := x
	if center {
		p := nfft / 2
		xp = make([]float64, len(x)+2*p)
		copy(xp[p:], x)
		if mode == spectro.PadReflect {
			for i := 1; i <= p; i++ { // numpy reflect, valid while p < len(x)
				xp[p-i] = x[i]
				xp[p+len(x)-1+i] = x[len(x)-1-i]
			}
		}
	}
	w := make([]float64, nfft)
	copy(w[(nfft-len(win))/2:], win)
	frames := 1 + (len(xp)-nfft)/hop
	out := make([][]complex128, nfft/2+1)
	for k := range out {
		out[k] = make([]complex128, frames)
		for t := 0; t < frames; t++ {
			var s complex128
			for n := 0; n < nfft; n++ {
				s += complex(w[n]*xp[t*hop+n], 0) * cmplx.Exp(complex(0, -2*math.Pi*float64(k*n)/float64(nfft)))
			}
			out[k][t] = s
		}
	}
	return out
}

func TestForwardMatchesNaiveLibrosaDefinition(t *testing.T) {
	hann := func(n int) []float64 { w, _ := spectro.MakeWindow(spectro.WindowHann, n, true); return w }
	tests := []struct {
		name              string
		nfft, hop, winLen int
		center            bool
		mode              spectro.PadMode
	}{
		{"hann64_center_const", 64, 16, 64, true, spectro.PadConstant},
		{"hann64_center_reflect", 64, 16, 64, true, spectro.PadReflect},
		{"winlen40_of_64", 64, 10, 40, true, spectro.PadReflect},
		{"winlen31_of_50_gonum_path", 50, 7, 31, true, spectro.PadConstant},
		{"no_center", 32, 8, 32, false, spectro.PadConstant},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			x := randSignal(3, 300)
			cfg := spectro.DefaultConfig(tc.nfft)
			cfg.Hop, cfg.WinLength, cfg.Center, cfg.PadMode = tc.hop, tc.winLen, tc.center, tc.mode
			st, err := spectro.NewSTFT(cfg)
			if err != nil {
				t.Fatal(err)
			}
			got, err := st.Forward(nil, x)
			if err != nil {
				t.Fatal(err)
			}
			want := naiveSTFT(x, tc.nfft, tc.hop, hann(tc.winLen), tc.center, tc.mode)
			if got.Bins != len(want) || got.Frames != len(want[0]) {
				t.Fatalf("shape: got %dx%d, want %dx%d", got.Bins, got.Frames, len(want), len(want[0]))
			}
			for k := range want {
				for fr, w := range want[k] {
					if d := cmplx.Abs(got.At(k, fr) - w); d > 1e-9 {
						t.Fatalf("X[%d,%d]: got %v, want %v", k, fr, got.At(k, fr), w)
					}
				}
			}
		})
	}
}

// TestRoundTrip checks Inverse(Forward(x)) == x within 1e-9 (float64) for
// windows and hops that satisfy NOLA, and within 1e-5 for float32.
func TestRoundTrip(t *testing.T) {
	type tc struct {
		name   string
		cfg    spectro.Config
		n      int
		center bool
	}
	mk := func(nfft, hop, winLen int, w spectro.WindowKind, mode spectro.PadMode, center bool, sc spectro.Scaling) spectro.Config {
		c := spectro.DefaultConfig(nfft)
		c.Hop, c.WinLength, c.Window, c.PadMode, c.Center, c.Scaling, c.SampleRate = hop, winLen, w, mode, center, sc, 8000
		return c
	}
	padEnd := func(c spectro.Config) spectro.Config { c.PadEnd = true; return c }
	tests := []tc{
		{"hann512_hop128", mk(512, 128, 512, spectro.WindowHann, spectro.PadConstant, true, spectro.ScaleNone), 4000, true},
		{"hann512_reflect", mk(512, 128, 512, spectro.WindowHann, spectro.PadReflect, true, spectro.ScaleNone), 4001, true},
		{"hann_edge_spectrum", mk(256, 100, 256, spectro.WindowHann, spectro.PadEdge, true, spectro.ScaleSpectrum), 2000, true},
		// Hop > NFFT/2 leaves up to Hop−NFFT/2 tail samples outside every
		// frame (librosa's frame count); PadEnd (scipy's padded=True) covers them.
		{"hamming_hop_eq_nfft_padend", padEnd(mk(128, 128, 128, spectro.WindowHamming, spectro.PadConstant, true, spectro.ScaleNone)), 1000, true},
		{"blackman_psd", mk(1024, 256, 1024, spectro.WindowBlackman, spectro.PadReflect, true, spectro.ScalePSD), 5000, true},
		{"rect_no_overlap", mk(64, 64, 64, spectro.WindowRectangular, spectro.PadConstant, true, spectro.ScaleNone), 640, true},
		{"winlen_300_of_512", mk(512, 75, 300, spectro.WindowHann, spectro.PadConstant, true, spectro.ScaleNone), 3000, true},
		{"odd_nfft_gonum", mk(99, 33, 99, spectro.WindowHann, spectro.PadConstant, true, spectro.ScaleNone), 1000, true},
		{"short_signal", mk(256, 64, 256, spectro.WindowHann, spectro.PadReflect, true, spectro.ScaleNone), 100, true},
		{"no_center_interior", mk(128, 32, 128, spectro.WindowHann, spectro.PadConstant, false, spectro.ScaleNone), 1000, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st, err := spectro.NewSTFT(tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			if !st.NOLA() {
				t.Fatal("NOLA() = false for a NOLA window")
			}
			x := randSignal(11, tc.n)
			spec, err := st.Forward(nil, x)
			if err != nil {
				t.Fatal(err)
			}
			y, err := st.Inverse(nil, spec, len(x))
			if err != nil {
				t.Fatal(err)
			}
			lo, hi := 0, len(x)
			if !tc.center { // edges are covered by a single tapered frame
				lo, hi = tc.cfg.NFFT, len(x)-2*tc.cfg.NFFT
			}
			for i := lo; i < hi; i++ {
				if d := math.Abs(y[i] - x[i]); d > 1e-9 {
					t.Fatalf("y[%d] = %v, want %v (|diff| %g > 1e-9)", i, y[i], x[i], d)
				}
			}

			x32 := make([]float32, len(x))
			for i, v := range x {
				x32[i] = float32(v)
			}
			s32, err := st.Forward32(nil, x32)
			if err != nil {
				t.Fatal(err)
			}
			y32, err := st.Inverse32(nil, s32, len(x))
			if err != nil {
				t.Fatal(err)
			}
			for i := lo; i < hi; i++ {
				if d := math.Abs(float64(y32[i] - x32[i])); d > 1e-5 {
					t.Fatalf("float32 y[%d] = %v, want %v", i, y32[i], x32[i])
				}
			}
		})
	}
}

func TestInverseLengths(t *testing.T) {
	st, err := spectro.NewSTFT(spectro.DefaultConfig(64))
	if err != nil {
		t.Fatal(err)
	}
	x := randSignal(5, 1000)
	spec, err := st.Forward(nil, x)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := spec.Frames, 1+1000/16; got != want {
		t.Errorf("frames: got %d, want %d (1 + n/hop with center)", got, want)
	}
	for _, length := range []int{0, 10, 1000, 1100} {
		y, err := st.Inverse(nil, spec, length)
		if err != nil {
			t.Fatal(err)
		}
		want := length
		if length == 0 {
			want = st.OutputLength(spec.Frames)
		}
		if len(y) != want {
			t.Errorf("length %d: got %d samples, want %d", length, len(y), want)
		}
		for i := range min(len(y), len(x)) {
			if math.Abs(y[i]-x[i]) > 1e-9 {
				t.Fatalf("length %d: y[%d] = %v, want %v", length, i, y[i], x[i])
			}
		}
		// Past the signal: reconstructed zero padding, then exact zeros.
		for i := len(x); i < len(y); i++ {
			if math.Abs(y[i]) > 1e-9 {
				t.Errorf("length %d: y[%d] = %v past the signal, want 0", length, i, y[i])
			}
		}
	}
}

func TestNOLAViolation(t *testing.T) {
	tests := []struct {
		name string
		cfg  spectro.Config
	}{
		// Periodic Hann is 0 at n=0; with hop = NFFT no other frame covers it
		// (scipy.signal.check_NOLA("hann", 64, 0) is False).
		{"hann_hop_eq_nfft", spectro.Config{NFFT: 64, Hop: 64, Center: true}},
		{"hop_longer_than_window", spectro.Config{NFFT: 64, Hop: 80, Window: spectro.WindowRectangular, Center: true}},
		{"zero_window", spectro.Config{NFFT: 16, Hop: 4, CustomWindow: make([]float64, 16)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st, err := spectro.NewSTFT(tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			spec, err := st.Forward(nil, randSignal(1, 500))
			if err != nil {
				t.Fatalf("Forward must work without NOLA: %v", err)
			}
			if _, err := st.Inverse(nil, spec, 0); !errors.Is(err, spectro.ErrNOLA) {
				t.Errorf("Inverse: got error %v, want ErrNOLA", err)
			}
		})
	}
}

// TestCheckNOLACOLA compares with scipy.signal.check_NOLA / check_COLA
// results (values from SciPy 1.10.1 docs and runs, quoted per case).
func TestCheckNOLACOLA(t *testing.T) {
	win := func(k spectro.WindowKind, n int) []float64 { w, _ := spectro.MakeWindow(k, n, true); return w }
	tests := []struct {
		name       string
		w          []float64
		hop        int
		nola, cola bool
	}{
		{"hann256_50pct", win(spectro.WindowHann, 256), 128, true, true},          // check_COLA(hann,256,128) True (SciPy docs)
		{"boxcar100_25pct", win(spectro.WindowRectangular, 100), 75, true, false}, // check_COLA(boxcar,100,25) False (docs)
		{"hann256_hop256", win(spectro.WindowHann, 256), 256, false, false},       // check_NOLA(hann,256,0) False (docs)
		{"hann256_hop255", win(spectro.WindowHann, 256), 255, true, false},        // check_NOLA(hann,256,1) True (docs)
		{"hamming_75pct", win(spectro.WindowHamming, 64), 16, true, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			nola, err := spectro.CheckNOLA(tc.w, tc.hop, spectro.NOLATolerance)
			if err != nil {
				t.Fatal(err)
			}
			cola, err := spectro.CheckCOLA(tc.w, tc.hop, spectro.NOLATolerance)
			if err != nil {
				t.Fatal(err)
			}
			if nola != tc.nola || cola != tc.cola {
				t.Errorf("NOLA, COLA: got %v, %v, want %v, %v", nola, cola, tc.nola, tc.cola)
			}
		})
	}
	if _, err := spectro.CheckNOLA([]float64{1}, 0, 1e-10); !errors.Is(err, spectro.ErrInvalidConfig) {
		t.Errorf("hop 0: got %v, want ErrInvalidConfig", err)
	}
}

func TestNewSTFTRejects(t *testing.T) {
	tests := []struct {
		name string
		cfg  spectro.Config
	}{
		{"zero_nfft", spectro.Config{}},
		{"huge_nfft", spectro.Config{NFFT: spectro.MaxNFFT + 1}},
		{"winlen_gt_nfft", spectro.Config{NFFT: 64, WinLength: 65}},
		{"neg_hop", spectro.Config{NFFT: 64, Hop: -1}},
		{"custom_len", spectro.Config{NFFT: 64, WinLength: 64, CustomWindow: make([]float64, 10)}},
		{"custom_nan", spectro.Config{NFFT: 4, CustomWindow: []float64{1, math.NaN(), 1, 1}}},
		{"psd_no_rate", spectro.Config{NFFT: 64, Scaling: spectro.ScalePSD}},
		{"bad_pad", spectro.Config{NFFT: 64, PadMode: 9}},
		{"bad_window", spectro.Config{NFFT: 64, Window: 9}},
		{"bad_scaling", spectro.Config{NFFT: 64, Scaling: 9}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := spectro.NewSTFT(tc.cfg); !errors.Is(err, spectro.ErrInvalidConfig) {
				t.Errorf("got %v, want ErrInvalidConfig", err)
			}
		})
	}
}

func TestForwardErrorsAndReuse(t *testing.T) {
	cfg := spectro.DefaultConfig(64)
	cfg.Center = false
	st, _ := spectro.NewSTFT(cfg)
	if _, err := st.Forward(nil, make([]float64, 63)); !errors.Is(err, spectro.ErrShape) {
		t.Errorf("63 samples, no center: got %v, want ErrShape", err)
	}
	dst := spectro.NewSpectrogram[complex128](33, 1000)
	backing := &dst.Data[0]
	got, err := st.Forward(dst, randSignal(2, 640))
	if err != nil {
		t.Fatal(err)
	}
	if got != dst || &got.Data[0] != backing {
		t.Error("Forward did not reuse dst with enough capacity")
	}
	if got.Frames != 1+(640-64)/16 {
		t.Errorf("frames: got %d, want %d", got.Frames, 1+(640-64)/16)
	}
	if _, err := st.Inverse(nil, spectro.NewSpectrogram[complex128](10, 5), 0); !errors.Is(err, spectro.ErrShape) {
		t.Errorf("wrong bins: got %v, want ErrShape", err)
	}
}

// TestConcurrentUse runs Forward and Inverse from several goroutines on one
// STFT (meaningful under -race).
func TestConcurrentUse(t *testing.T) {
	st, _ := spectro.NewSTFT(spectro.DefaultConfig(256))
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			x := randSignal(uint64(g), 3000+g)
			spec, err := st.Forward(nil, x)
			if err != nil {
				errs <- err
				return
			}
			y, err := st.Inverse(nil, spec, len(x))
			if err != nil {
				errs <- err
				return
			}
			for i := range x {
				if math.Abs(y[i]-x[i]) > 1e-9 {
					errs <- fmt.Errorf("goroutine %d: y[%d] = %v, want %v", g, i, y[i], x[i])
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestSpectrumScalingSine checks the documented meaning of ScaleSpectrum: a
// sine of amplitude A on a bin centre gives |X| = A/2 (SciPy's convention).
func TestSpectrumScalingSine(t *testing.T) {
	const sr, nfft = 1024.0, 256
	cfg := spectro.ScipyConfig(nfft, nfft/2)
	st, _ := spectro.NewSTFT(cfg)
	x := sine(4096, 64, sr, 3) // bin 64·256/1024 = 16
	spec, _ := st.Forward(nil, x)
	mid := spec.Frames / 2
	if got, want := cmplx.Abs(spec.At(16, mid)), 1.5; math.Abs(got-want) > 1e-9 {
		t.Errorf("|X[16]|: got %v, want %v (A/2)", got, want)
	}
}
