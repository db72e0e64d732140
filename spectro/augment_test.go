package spectro_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/tailsynth/tailsynth/spectro"
)

func ramp(bins, frames int) *spectro.Spectrogram[float64] {
	s := spectro.NewSpectrogram[float64](bins, frames)
	for i := range s.Data {
		s.Data[i] = float64(i + 1)
	}
	return s
}

func TestTimeAndFreqMask(t *testing.T) {
	s := ramp(20, 50)
	orig := s.Clone()
	cfg := spectro.MaskConfig{Count: 2, MaxWidth: 10, MaxFraction: 0.1, Value: -80}
	out, masks, err := spectro.TimeMask(rand.New(rand.NewPCG(1, 1)), s, cfg)
	if err != nil {
		t.Fatal(err)
	}
	for i := range s.Data {
		if s.Data[i] != orig.Data[i] {
			t.Fatal("TimeMask modified its input")
		}
	}
	masked := map[int]bool{}
	for _, m := range masks {
		if m.Width > 5 || m.Start < 0 || m.Start+m.Width > 50 { // p·τ = 5 caps T = 10
			t.Errorf("mask %+v outside limits (width <= 5, inside 50 frames)", m)
		}
		for f := m.Start; f < m.Start+m.Width; f++ {
			masked[f] = true
		}
	}
	for b := 0; b < 20; b++ {
		for f := 0; f < 50; f++ {
			want := s.At(b, f)
			if masked[f] {
				want = -80
			}
			if out.At(b, f) != want {
				t.Fatalf("(%d,%d): got %v, want %v", b, f, out.At(b, f), want)
			}
		}
	}
	again, masks2, _ := spectro.TimeMask(rand.New(rand.NewPCG(1, 1)), s, cfg)
	for i := range masks {
		if masks[i] != masks2[i] || again.Data[i] != out.Data[i] {
			t.Fatal("same seed gave different masks")
		}
	}

	fo, fm, err := spectro.FreqMask(rand.New(rand.NewPCG(2, 2)), s, spectro.MaskConfig{Count: 3, MaxWidth: 4})
	if err != nil {
		t.Fatal(err)
	}
	rows := map[int]bool{}
	for _, m := range fm {
		for b := m.Start; b < m.Start+m.Width; b++ {
			rows[b] = true
		}
	}
	for b := 0; b < 20; b++ {
		for f := 0; f < 50; f++ {
			if got := fo.At(b, f); (got == 0) != rows[b] {
				t.Fatalf("(%d,%d) = %v, masked row %v", b, f, got, rows[b])
			}
		}
	}
	// Statistics: widths are uniform on 0..F (mean F/2) over many draws.
	rng := rand.New(rand.NewPCG(3, 3))
	var sum float64
	const n = 4000
	for range n {
		_, m, _ := spectro.FreqMask(rng, ramp(100, 1), spectro.MaskConfig{Count: 1, MaxWidth: 27})
		sum += float64(m[0].Width)
	}
	if mean := sum / n; math.Abs(mean-13.5) > 0.5 {
		t.Errorf("mean width %v, want 13.5 ± 0.5 (uniform 0..27)", mean)
	}
	if _, _, err := spectro.TimeMask(rng, s, spectro.MaskConfig{Count: -1}); !errors.Is(err, spectro.ErrInvalidConfig) {
		t.Errorf("negative count: got %v", err)
	}
}

func TestTimeShift(t *testing.T) {
	s := &spectro.Spectrogram[float32]{Bins: 2, Frames: 4, Data: []float32{1, 2, 3, 4, 5, 6, 7, 8}}
	tests := []struct {
		shift int
		mode  spectro.ShiftMode
		want  []float32
	}{
		{1, spectro.ShiftCircular, []float32{4, 1, 2, 3, 8, 5, 6, 7}},
		{-5, spectro.ShiftCircular, []float32{2, 3, 4, 1, 6, 7, 8, 5}},
		{2, spectro.ShiftFill, []float32{-1, -1, 1, 2, -1, -1, 5, 6}},
		{-1, spectro.ShiftFill, []float32{2, 3, 4, -1, 6, 7, 8, -1}},
	}
	for _, tc := range tests {
		got, err := spectro.TimeShift(s, tc.shift, tc.mode, -1)
		if err != nil {
			t.Fatal(err)
		}
		for i := range tc.want {
			if got.Data[i] != tc.want[i] {
				t.Errorf("shift %d mode %d: got %v, want %v", tc.shift, tc.mode, got.Data, tc.want)
				break
			}
		}
	}
	_, shift, err := spectro.RandomTimeShift(rand.New(rand.NewPCG(9, 9)), s, 2, spectro.ShiftCircular, 0)
	if err != nil || shift < -2 || shift > 2 {
		t.Errorf("RandomTimeShift: shift %d, err %v, want -2..2", shift, err)
	}
}

func TestMix(t *testing.T) {
	a := &spectro.Spectrogram[float64]{Bins: 1, Frames: 2, Data: []float64{1, 4}}
	b := &spectro.Spectrogram[float64]{Bins: 1, Frames: 2, Data: []float64{3, 0}}
	got, err := spectro.MixPower(a, b, 0.25)
	if err != nil {
		t.Fatal(err)
	}
	if got.Data[0] != 0.25+2.25 || got.Data[1] != 1 {
		t.Errorf("MixPower: got %v, want [2.5 1]", got.Data)
	}
	// MixDB equals MixPower through dB conversion: 0 dB and 10 dB at w=0.5
	// give 10·log10((1+10)/2).
	da := &spectro.Spectrogram[float64]{Bins: 1, Frames: 1, Data: []float64{0}}
	dbb := &spectro.Spectrogram[float64]{Bins: 1, Frames: 1, Data: []float64{10}}
	m, _ := spectro.MixDB(da, dbb, 0.5)
	if want := 10 * math.Log10(5.5); math.Abs(m.Data[0]-want) > 1e-12 {
		t.Errorf("MixDB: got %v, want %v", m.Data[0], want)
	}
	if _, err := spectro.MixPower(a, ramp(2, 2), 0.5); !errors.Is(err, spectro.ErrShape) {
		t.Errorf("shape mismatch: got %v", err)
	}
	if _, err := spectro.MixPower(a, b, 1.5); !errors.Is(err, spectro.ErrInvalidConfig) {
		t.Errorf("weight 1.5: got %v", err)
	}
}
