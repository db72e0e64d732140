package spectro

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Augmentations for spectrograms (SpecAugment, Park et al. 2019, "SpecAugment:
// A Simple Data Augmentation Method for Automatic Speech Recognition", and
// mixup, Zhang et al. 2018). They are pure: they return a new spectrogram
// and leave the input untouched. Random choices come only from the
// *rand.Rand passed in (math/rand/v2), so a seeded generator gives the same
// output every time; a *rand.Rand is not safe for concurrent use.

// Real is the element type augmentations accept.
type Real interface{ ~float32 | ~float64 }

// Mask is one applied mask: Width rows (frequency masks) or columns (time
// masks) starting at Start. Record them as provenance.
type Mask struct {
	Start int `json:"start"`
	Width int `json:"width"`
}

// MaskConfig configures [TimeMask] and [FreqMask].
type MaskConfig struct {
	// Count is the number of masks (SpecAugment's m_T or m_F), >= 0.
	Count int
	// MaxWidth is the largest width (SpecAugment's T or F), >= 0; each
	// width is drawn uniformly from 0..MaxWidth inclusive.
	MaxWidth int
	// MaxFraction, when > 0, also caps each width at
	// floor(MaxFraction·size) (SpecAugment's p for time masks), in (0, 1].
	MaxFraction float64
	// Value fills masked cells: 0 for mean-normalised input (SpecAugment),
	// the floor (for example −80) for dB spectrograms.
	Value float64
}

func (c MaskConfig) validate() error {
	if c.Count < 0 || c.MaxWidth < 0 {
		return fmt.Errorf("mask Count %d, MaxWidth %d: want >= 0: %w", c.Count, c.MaxWidth, ErrInvalidConfig)
	}
	if !(c.MaxFraction >= 0 && c.MaxFraction <= 1) {
		return fmt.Errorf("mask MaxFraction %v: want 0..1: %w", c.MaxFraction, ErrInvalidConfig)
	}
	return nil
}

// drawMasks draws c.Count masks over size positions: width w uniform in
// 0..min(MaxWidth, floor(MaxFraction·size), size), start uniform in
// 0..size−w.
func drawMasks(rng *rand.Rand, size int, c MaskConfig) []Mask {
	limit := min(c.MaxWidth, size)
	if c.MaxFraction > 0 {
		limit = min(limit, int(math.Floor(c.MaxFraction*float64(size))))
	}
	masks := make([]Mask, c.Count)
	for i := range masks {
		w := rng.IntN(limit + 1)
		masks[i] = Mask{Start: rng.IntN(size - w + 1), Width: w}
	}
	return masks
}

// TimeMask returns a copy of s with c.Count time masks: for each, a width
// t ~ U{0..T} and a start t0 ~ U{0..τ−t} are drawn and frames
// [t0, t0+t) are set to c.Value in every bin (SpecAugment time masking;
// masks may overlap).
func TimeMask[T Real](rng *rand.Rand, s *Spectrogram[T], c MaskConfig) (*Spectrogram[T], []Mask, error) {
	if err := c.validate(); err != nil {
		return nil, nil, err
	}
	if err := s.check("spectrogram"); err != nil {
		return nil, nil, err
	}
	out := s.Clone()
	masks := drawMasks(rng, s.Frames, c)
	for _, m := range masks {
		for b := 0; b < s.Bins; b++ {
			row := out.Row(b)[m.Start : m.Start+m.Width]
			for i := range row {
				row[i] = T(c.Value)
			}
		}
	}
	return out, masks, nil
}

// FreqMask returns a copy of s with c.Count frequency masks: width
// f ~ U{0..F}, start f0 ~ U{0..ν−f}, bins [f0, f0+f) set to c.Value in
// every frame (SpecAugment frequency masking).
func FreqMask[T Real](rng *rand.Rand, s *Spectrogram[T], c MaskConfig) (*Spectrogram[T], []Mask, error) {
	if err := c.validate(); err != nil {
		return nil, nil, err
	}
	if err := s.check("spectrogram"); err != nil {
		return nil, nil, err
	}
	out := s.Clone()
	masks := drawMasks(rng, s.Bins, c)
	for _, m := range masks {
		for b := m.Start; b < m.Start+m.Width; b++ {
			row := out.Row(b)
			for i := range row {
				row[i] = T(c.Value)
			}
		}
	}
	return out, masks, nil
}

// ShiftMode says what [TimeShift] does with frames shifted past an edge.
type ShiftMode int

const (
	// ShiftCircular wraps frames around (a roll, numpy.roll along time).
	ShiftCircular ShiftMode = iota
	// ShiftFill drops frames shifted out and fills the vacated ones with a
	// value.
	ShiftFill
)

// TimeShift returns a copy of s shifted by shift frames (positive: later
// in time, frame t moves to t+shift). Under ShiftFill the vacated frames
// hold fill.
func TimeShift[T Real](s *Spectrogram[T], shift int, mode ShiftMode, fill T) (*Spectrogram[T], error) {
	if err := s.check("spectrogram"); err != nil {
		return nil, err
	}
	if mode != ShiftCircular && mode != ShiftFill {
		return nil, fmt.Errorf("shift mode %d: want ShiftCircular or ShiftFill: %w", mode, ErrInvalidConfig)
	}
	out := NewSpectrogram[T](s.Bins, s.Frames)
	n := s.Frames
	if n == 0 {
		return out, nil
	}
	for b := 0; b < s.Bins; b++ {
		src, dst := s.Row(b), out.Row(b)
		for t := range dst {
			j := t - shift
			switch {
			case mode == ShiftCircular:
				j %= n
				if j < 0 {
					j += n
				}
				dst[t] = src[j]
			case j >= 0 && j < n:
				dst[t] = src[j]
			default:
				dst[t] = fill
			}
		}
	}
	return out, nil
}

// RandomTimeShift draws a shift uniformly from −maxShift..maxShift and
// applies [TimeShift]; it returns the shift for provenance.
func RandomTimeShift[T Real](rng *rand.Rand, s *Spectrogram[T], maxShift int, mode ShiftMode, fill T) (*Spectrogram[T], int, error) {
	if maxShift < 0 {
		return nil, 0, fmt.Errorf("maxShift %d: want >= 0: %w", maxShift, ErrInvalidConfig)
	}
	shift := rng.IntN(2*maxShift+1) - maxShift
	out, err := TimeShift(s, shift, mode, fill)
	return out, shift, err
}

// MixPower mixes two power (or magnitude²-like, linear) spectrograms of the
// same class and shape: out = w·a + (1−w)·b, w in [0, 1]. Mixing in the
// power domain adds the energies of two recordings as if their sources
// sounded together (up to the cross terms that average out for
// independent phases); the label stays the shared class (same-class
// mixup, Zhang et al. 2018, restricted to one class so that no soft label
// is needed). Draw w from Beta(α, α) for mixup proper, or fix it.
func MixPower[T Real](a, b *Spectrogram[T], w float64) (*Spectrogram[T], error) {
	if err := mixCheck(a, b, w); err != nil {
		return nil, err
	}
	out := NewSpectrogram[T](a.Bins, a.Frames)
	for i := range out.Data {
		out.Data[i] = T(w*float64(a.Data[i]) + (1-w)*float64(b.Data[i]))
	}
	return out, nil
}

// MixDB mixes two dB spectrograms of the same class in the power domain:
// out = 10·log10(w·10^(a/10) + (1−w)·10^(b/10)). The reference cancels, so
// any common ref works; see [MixPower].
func MixDB[T Real](a, b *Spectrogram[T], w float64) (*Spectrogram[T], error) {
	if err := mixCheck(a, b, w); err != nil {
		return nil, err
	}
	out := NewSpectrogram[T](a.Bins, a.Frames)
	for i := range out.Data {
		pa, pb := math.Pow(10, float64(a.Data[i])/10), math.Pow(10, float64(b.Data[i])/10)
		out.Data[i] = T(10 * math.Log10(w*pa+(1-w)*pb))
	}
	return out, nil
}

func mixCheck[T Real](a, b *Spectrogram[T], w float64) error {
	if err := a.check("a"); err != nil {
		return err
	}
	if err := b.check("b"); err != nil {
		return err
	}
	if a.Bins != b.Bins || a.Frames != b.Frames {
		return fmt.Errorf("mix of %dx%d and %dx%d spectrograms: want equal shapes: %w", a.Bins, a.Frames, b.Bins, b.Frames, ErrShape)
	}
	if !(w >= 0 && w <= 1) {
		return fmt.Errorf("mix weight %v: want 0..1: %w", w, ErrInvalidConfig)
	}
	return nil
}
