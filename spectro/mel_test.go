package spectro_test

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/tailsynth/tailsynth/spectro"
)

// TestHzMelKnownValues uses the examples printed in librosa's
// documentation (hz_to_mel, mel_to_hz, 0.10), a value from the mel_filter
// crate's port of librosa (hz_to_mel(11025) = 49.91059448015905) and the
// HTK defining formula.
func TestHzMelKnownValues(t *testing.T) {
	tests := []struct {
		name      string
		got, want float64
	}{
		{"hz_to_mel(60)", spectro.HzToMel(60, spectro.MelSlaney), 0.9},
		{"hz_to_mel(110)", spectro.HzToMel(110, spectro.MelSlaney), 1.65},
		{"hz_to_mel(440)", spectro.HzToMel(440, spectro.MelSlaney), 6.6},
		{"hz_to_mel(11025)", spectro.HzToMel(11025, spectro.MelSlaney), 49.91059448015905},
		{"mel_to_hz(3)", spectro.MelToHz(3, spectro.MelSlaney), 200},
		{"mel_to_hz(5)", spectro.MelToHz(5, spectro.MelSlaney), 333.333333333333},
		{"hz_to_mel(1000)", spectro.HzToMel(1000, spectro.MelSlaney), 15},
		{"hz_to_mel(6400)", spectro.HzToMel(6400, spectro.MelSlaney), 15 + 27}, // one log step of 6.4 is 27 mels
		{"htk(700)", spectro.HzToMel(700, spectro.MelHTK), 2595 * math.Log10(2)},
		{"htk_inv(2595)", spectro.MelToHz(2595, spectro.MelHTK), 6300},
	}
	for _, tc := range tests {
		if math.Abs(tc.got-tc.want) > 1e-9*math.Max(1, math.Abs(tc.want)) {
			t.Errorf("%s: got %v, want %v", tc.name, tc.got, tc.want)
		}
	}
	for _, s := range []spectro.MelScale{spectro.MelSlaney, spectro.MelHTK} {
		for _, f := range []float64{0, 50, 999.9, 1000, 4321, 22050} {
			if back := spectro.MelToHz(spectro.HzToMel(f, s), s); math.Abs(back-f) > 1e-9*math.Max(1, f) {
				t.Errorf("scale %d: MelToHz(HzToMel(%v)) = %v", s, f, back)
			}
		}
	}
}

// TestMelBankMatchesLibrosaTranscription compares with
// librosa.filters.mel as transcribed to NumPy in make_fixtures.py.
func TestMelBankMatchesLibrosaTranscription(t *testing.T) {
	tests := []struct {
		file string
		cfg  spectro.MelConfig
	}{
		{"mel_slaney_sr16000_nfft256_m24.npy", spectro.MelConfig{SampleRate: 16000, NFFT: 256, NMels: 24}},
		{"mel_htk_nonorm_sr8000_nfft128_m16_f100_3000.npy", spectro.MelConfig{SampleRate: 8000, NFFT: 128, NMels: 16, FMin: 100, FMax: 3000, Scale: spectro.MelHTK, Norm: spectro.MelNormNone}},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			bank, err := spectro.NewMelBank(tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			want := loadNPY[float64](t, tc.file)
			got := bank.Weights()
			if got.Bins != want.Bins || got.Frames != want.Frames {
				t.Fatalf("shape: got %dx%d, want %dx%d", got.Bins, got.Frames, want.Bins, want.Frames)
			}
			if i := closeTo(got.Data, want.Data, 1e-9, 1e-12); i >= 0 {
				t.Errorf("weight (%d, %d): got %v, want %v", i/got.Frames, i%got.Frames, got.Data[i], want.Data[i])
			}
		})
	}
}

func TestMelApplyAndSlaneyArea(t *testing.T) {
	bank, err := spectro.NewMelBank(spectro.MelConfig{SampleRate: 16000, NFFT: 1024, NMels: 40})
	if err != nil {
		t.Fatal(err)
	}
	// Slaney normalisation: each triangle has area ∫ = 1 in Hz (peak 2/width,
	// base width) — check by the trapezoid rule on the bin grid.
	w := bank.Weights()
	df := 16000.0 / 1024
	for i := 0; i < w.Bins; i++ {
		var area float64
		for _, v := range w.Row(i) {
			area += v * df
		}
		if math.Abs(area-1) > 0.05 {
			t.Errorf("filter %d area %v, want ≈1 (slaney norm)", i, area)
		}
	}
	// Apply equals the dense product W·S.
	s := spectro.NewSpectrogram[float64](513, 7)
	rng := rand.New(rand.NewPCG(4, 4))
	for i := range s.Data {
		s.Data[i] = rng.Float64()
	}
	m, err := bank.Apply(nil, s)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 40; i++ {
		for f := 0; f < 7; f++ {
			var want float64
			for k := 0; k < 513; k++ {
				want += w.At(i, k) * s.At(k, f)
			}
			if math.Abs(m.At(i, f)-want) > 1e-12 {
				t.Fatalf("mel (%d,%d): got %v, want %v", i, f, m.At(i, f), want)
			}
		}
	}
	if _, err := bank.Apply(nil, spectro.NewSpectrogram[float64](10, 2)); !errors.Is(err, spectro.ErrShape) {
		t.Errorf("wrong bins: got %v, want ErrShape", err)
	}
}

// TestMelInvert checks that both inverses give non-negative spectrograms
// whose mel projection reproduces the input: NNLS to 1e-3 relative
// (Frobenius) on a mel spectrogram of a real power spectrogram, and that
// NNLS fits at least as well as the clipped pseudo-inverse.
func TestMelInvert(t *testing.T) {
	const sr, nfft = 8000.0, 256
	st, _ := spectro.NewSTFT(spectro.DefaultConfig(nfft))
	spec, _ := st.Forward(nil, chirp(4000, 100, 3500, sr))
	pow := spectro.Power(nil, spec)
	bank, err := spectro.NewMelBank(spectro.MelConfig{SampleRate: sr, NFFT: nfft, NMels: 32})
	if err != nil {
		t.Fatal(err)
	}
	mel, _ := bank.Apply(nil, pow)
	relErr := func(x *spectro.Spectrogram[float64]) float64 {
		for _, v := range x.Data {
			if v < 0 {
				t.Fatalf("negative value %v in inverse", v)
			}
		}
		back, _ := bank.Apply(nil, x)
		var num, den float64
		for i, v := range mel.Data {
			num += (back.Data[i] - v) * (back.Data[i] - v)
			den += v * v
		}
		return math.Sqrt(num / den)
	}
	pinv, err := bank.Invert(context.Background(), nil, mel, spectro.MelInverseConfig{Method: spectro.MelInversePinv})
	if err != nil {
		t.Fatal(err)
	}
	nnls, err := bank.Invert(context.Background(), nil, mel, spectro.MelInverseConfig{Iterations: 500})
	if err != nil {
		t.Fatal(err)
	}
	ep, en := relErr(pinv), relErr(nnls)
	t.Logf("relative mel residual: pinv %.3g, nnls %.3g", ep, en)
	if en > 1e-3 {
		t.Errorf("NNLS residual %g, want <= 1e-3", en)
	}
	if en > ep {
		t.Errorf("NNLS residual %g worse than clipped pinv %g", en, ep)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := bank.Invert(ctx, nil, mel, spectro.MelInverseConfig{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: got %v, want context.Canceled", err)
	}
}

func TestNewMelBankRejects(t *testing.T) {
	for _, c := range []spectro.MelConfig{
		{NFFT: 256, NMels: 10},
		{SampleRate: 8000, NFFT: 1, NMels: 10},
		{SampleRate: 8000, NFFT: 256},
		{SampleRate: 8000, NFFT: 256, NMels: 10, FMin: 5000, FMax: 1000},
		{SampleRate: 8000, NFFT: 256, NMels: 10, Scale: 7},
	} {
		if _, err := spectro.NewMelBank(c); !errors.Is(err, spectro.ErrInvalidConfig) {
			t.Errorf("%+v: got %v, want ErrInvalidConfig", c, err)
		}
	}
}
