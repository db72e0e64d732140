package spectrogen

import (
	"context"
	"fmt"
	"math"
	"sync"

	"github.com/tailsynth/tailsynth/spectro"
)

// Amplitude and power floors of the dB scales, librosa's defaults
// (amplitude_to_db amin=1e-5, power_to_db amin=1e-10).
const (
	aminAmplitude = 1e-5
	aminPower     = 1e-10
)

// analyzer turns decoded signals into the linear spectrogram the
// generators cache (|X|² or mel power) and linear spectrograms into the
// output scale, and back. It is safe for concurrent use.
type analyzer struct {
	p    FeatureParams
	stft *spectro.STFT

	mu    sync.Mutex
	banks map[int]*spectro.MelBank // by sample rate
}

func newAnalyzer(p FeatureParams) (*analyzer, error) {
	s, err := spectro.NewSTFT(p.stftConfig())
	if err != nil {
		return nil, err
	}
	return &analyzer{p: p, stft: s, banks: map[int]*spectro.MelBank{}}, nil
}

// fmax is the highest mel edge for a sample rate.
func (a *analyzer) fmax(rate int) float64 {
	if a.p.FMax == 0 {
		return float64(rate) / 2
	}
	return a.p.FMax
}

// bank returns the mel filter bank of a sample rate; key names the file in
// errors.
func (a *analyzer) bank(rate int, key string) (*spectro.MelBank, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if b, ok := a.banks[rate]; ok {
		return b, nil
	}
	nyq := float64(rate) / 2
	if a.fmax(rate) > nyq || a.p.FMin >= nyq {
		return nil, &badFileError{key: key, reason: fmt.Sprintf("sample rate %d Hz has a Nyquist frequency of %v Hz, below the mel range fmin %v .. fmax %v Hz; lower fmin/fmax or leave fmax at 0", rate, nyq, a.p.FMin, a.fmax(rate))}
	}
	scale := spectro.MelSlaney
	if a.p.MelScale == "htk" {
		scale = spectro.MelHTK
	}
	b, err := spectro.NewMelBank(spectro.MelConfig{SampleRate: float64(rate), NFFT: a.p.NFFT, NMels: a.p.NMels, FMin: a.p.FMin, FMax: a.fmax(rate), Scale: scale})
	if err != nil {
		return nil, fmt.Errorf("%s: mel filter bank: %w", key, err)
	}
	a.banks[rate] = b
	return b, nil
}

// melBlock is how many frames linear converts to float64 power at once for
// the mel filter bank, bounding that copy to melBlock·bins·8 bytes.
const melBlock = 256

// linear computes the cached representation of a mono signal: the power
// spectrogram |X|² (Bins×Frames), or the mel power W·|X|² for mel scales,
// stored as float32. The STFT is computed in float64 and stored as
// complex64 (relative rounding 6e-8 per value, the precision the cache
// keeps anyway), which halves the transient memory of long files.
func (a *analyzer) linear(x []float32, rate int, key string) (*spectro.Spectrogram[float32], error) {
	if a.stft.Frames(len(x)) == 0 {
		return nil, &badFileError{key: key, reason: fmt.Sprintf("%d samples are too short for one STFT frame of n_fft %d without center padding; use center or a smaller n_fft", len(x), a.p.NFFT)}
	}
	spec, err := a.stft.Forward32(nil, x)
	if err != nil {
		return nil, fmt.Errorf("%s: stft: %w", key, err)
	}
	pow := func(c complex64) float64 {
		re, im := float64(real(c)), float64(imag(c))
		return re*re + im*im
	}
	if !a.p.mel() {
		out := spectro.NewSpectrogram[float32](spec.Bins, spec.Frames)
		for i, c := range spec.Data {
			out.Data[i] = float32(pow(c))
		}
		return out, nil
	}
	b, err := a.bank(rate, key)
	if err != nil {
		return nil, err
	}
	out := spectro.NewSpectrogram[float32](b.NMels(), spec.Frames)
	var blk, mel *spectro.Spectrogram[float64]
	for t0 := 0; t0 < spec.Frames; t0 += melBlock {
		n := min(melBlock, spec.Frames-t0)
		if blk == nil || blk.Frames != n {
			blk = spectro.NewSpectrogram[float64](spec.Bins, n)
		}
		for k := 0; k < spec.Bins; k++ {
			row := blk.Row(k)
			for j, c := range spec.Row(k)[t0 : t0+n] {
				row[j] = pow(c)
			}
		}
		if mel, err = b.Apply(mel, blk); err != nil {
			return nil, fmt.Errorf("%s: mel: %w", key, err)
		}
		for m := 0; m < mel.Bins; m++ {
			dst := out.Row(m)[t0 : t0+n]
			for j, v := range mel.Row(m) {
				dst[j] = float32(v)
			}
		}
	}
	return out, nil
}

// toFloat64 copies a cached spectrogram into a new float64 one.
func toFloat64(s *spectro.Spectrogram[float32]) *spectro.Spectrogram[float64] {
	out := spectro.NewSpectrogram[float64](s.Bins, s.Frames)
	for i, v := range s.Data {
		out.Data[i] = float64(v)
	}
	return out
}

// scaled is a spectrogram in the output scale.
type scaled struct {
	S *spectro.Spectrogram[float64]
	// Ref is the dB reference actually used, max(amin, ref) (a magnitude
	// for db, a power for mel_db), so that values map back to absolute
	// ones: |X| = Ref·10^(db/20), M = Ref·10^(mel_db/10). 0 for linear
	// scales.
	Ref float64
}

// scale converts a linear spectrogram (power or mel power, as linear
// returns) into the output scale, in place.
func (a *analyzer) scale(pow *spectro.Spectrogram[float64]) (scaled, error) {
	d := pow.Data
	switch a.p.Scale {
	case ScaleMagnitude:
		for i, v := range d {
			d[i] = math.Sqrt(v)
		}
	case ScaleDB:
		ref := a.p.Ref.Value
		for i, v := range d {
			d[i] = math.Sqrt(v)
			if a.p.Ref.Max {
				ref = math.Max(ref, d[i])
			}
		}
		c := spectro.DBConfig{Ref: ref, Amin: aminAmplitude, TopDB: a.p.TopDB}
		if ref == 0 { // a silent file under ref "max": librosa's max(amin, ref)
			c.Ref = aminAmplitude
		}
		if _, err := spectro.AmplitudeToDB(d, d, c); err != nil {
			return scaled{}, err
		}
		return scaled{S: pow, Ref: math.Max(aminAmplitude, ref)}, nil
	case ScaleMelDB:
		ref := a.p.Ref.Value
		if a.p.Ref.Max {
			for _, v := range d {
				ref = math.Max(ref, v)
			}
		}
		c := spectro.DBConfig{Ref: math.Max(ref, aminPower), Amin: aminPower, TopDB: a.p.TopDB}
		if _, err := spectro.PowerToDB(d, d, c); err != nil {
			return scaled{}, err
		}
		return scaled{S: pow, Ref: math.Max(aminPower, ref)}, nil
	}
	return scaled{S: pow}, nil // power, mel_power
}

// magnitude maps a spectrogram in the output scale back to the linear STFT
// magnitude |X| (Bins×Frames) that Griffin-Lim needs: dB values through
// the recorded reference (spectro.DBToAmplitude / DBToPower), mel power
// through the non-negative least-squares inverse of the filter bank
// (spectro.MelBank.Invert, librosa's mel_to_stft), then a square root.
// Clipping by top_db and masks are not undone.
func (a *analyzer) magnitude(ctx context.Context, s scaled, rate int, key string) (*spectro.Spectrogram[float64], error) {
	out := s.S.Clone()
	d := out.Data
	var err error
	switch a.p.Scale {
	case ScaleMagnitude:
		for i, v := range d {
			d[i] = math.Max(v, 0)
		}
		return out, nil
	case ScaleDB:
		_, err = spectro.DBToAmplitude(d, d, s.Ref)
		return out, err
	case ScalePower:
		for i, v := range d {
			d[i] = math.Sqrt(math.Max(v, 0))
		}
		return out, nil
	case ScaleMelDB:
		if _, err = spectro.DBToPower(d, d, s.Ref); err != nil {
			return nil, err
		}
	}
	b, err := a.bank(rate, key)
	if err != nil {
		return nil, err
	}
	lin, err := b.Invert(ctx, nil, out, spectro.MelInverseConfig{})
	if err != nil {
		return nil, fmt.Errorf("inverting the mel spectrogram: %w", err)
	}
	for i, v := range lin.Data {
		lin.Data[i] = math.Sqrt(v)
	}
	return lin, nil
}

// describe is the resolved analysis configuration for provenance and
// reports; rate > 0 adds the sample rate and the mel range for it.
func (a *analyzer) describe(rate int) map[string]any {
	p := a.p
	m := map[string]any{
		"n_fft": p.NFFT, "hop_length": p.HopLength, "win_length": p.WinLength, "window": p.Window,
		"center": p.Center, "pad_mode": p.PadMode, "scale": p.Scale, "stft_scaling": "none (librosa)",
	}
	switch p.Scale {
	case ScaleDB:
		m["ref"], m["top_db"], m["amin"] = p.Ref, p.TopDB, aminAmplitude
	case ScaleMelDB:
		m["ref"], m["top_db"], m["amin"] = p.Ref, p.TopDB, aminPower
	}
	if p.mel() {
		m["n_mels"], m["fmin"], m["mel_scale"], m["mel_norm"] = p.NMels, p.FMin, p.MelScale, "slaney"
		if rate > 0 {
			m["fmax"] = a.fmax(rate)
		} else if p.FMax > 0 {
			m["fmax"] = p.FMax
		} else {
			m["fmax"] = "sample_rate/2"
		}
	}
	if rate > 0 {
		m["sample_rate"] = rate
	}
	return m
}
