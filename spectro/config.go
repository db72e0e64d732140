package spectro

import (
	"fmt"
	"math"
)

// PadMode says how [Config.Center] extends the signal past its ends. The
// zero value is PadConstant.
type PadMode int

const (
	// PadConstant pads with zeros: librosa.stft's default pad_mode
	// "constant" (librosa >= 0.10) and scipy.signal.stft's boundary="zeros".
	PadConstant PadMode = iota
	// PadReflect mirrors the signal without repeating the edge sample
	// (numpy.pad mode "reflect"): librosa pad_mode="reflect" and
	// scipy.signal.stft boundary="even".
	PadReflect
	// PadEdge repeats the edge sample (numpy.pad mode "edge"):
	// scipy.signal.stft boundary="constant".
	PadEdge
)

// String returns the numpy.pad name of the mode.
func (m PadMode) String() string {
	switch m {
	case PadConstant:
		return "constant"
	case PadReflect:
		return "reflect"
	case PadEdge:
		return "edge"
	}
	return fmt.Sprintf("PadMode(%d)", int(m))
}

// Scaling says how the STFT is scaled. The zero value is ScaleNone.
type Scaling int

const (
	// ScaleNone leaves the FFT unnormalised, as librosa.stft does.
	ScaleNone Scaling = iota
	// ScaleSpectrum divides by Σw, scipy.signal.stft's default
	// scaling="spectrum": a sinusoid of amplitude A on a bin centre gives a
	// magnitude of A/2.
	ScaleSpectrum
	// ScalePSD divides by sqrt(fs·Σw²), scipy.signal.stft's
	// scaling="psd". It needs Config.SampleRate.
	ScalePSD
)

// String returns the SciPy name of the scaling ("none" for ScaleNone).
func (s Scaling) String() string {
	switch s {
	case ScaleNone:
		return "none"
	case ScaleSpectrum:
		return "spectrum"
	case ScalePSD:
		return "psd"
	}
	return fmt.Sprintf("Scaling(%d)", int(s))
}

// MaxNFFT bounds Config.NFFT, so a bad configuration cannot ask for an
// absurd allocation.
const MaxNFFT = 1 << 22

// Config configures an [STFT]. Start from [DefaultConfig] (librosa's
// defaults) or [ScipyConfig] (scipy.signal.stft's); the zero value is not
// valid (NFFT is required).
type Config struct {
	// NFFT is the FFT length and frame length, librosa's n_fft, SciPy's
	// nfft. The STFT has NFFT/2+1 frequency bins. Required, 2..MaxNFFT.
	NFFT int
	// Hop is the number of samples between frames, librosa's hop_length,
	// SciPy's nperseg−noverlap. 0 means WinLength/4 (librosa's default).
	Hop int
	// WinLength is the window length, 1..NFFT; a shorter window is
	// zero-padded centred to NFFT as librosa does. 0 means NFFT, or
	// len(CustomWindow) when that is set.
	WinLength int
	// Window is the window kind, periodic ("DFT-even") as scipy's
	// get_window returns it. Ignored when CustomWindow is set.
	Window WindowKind
	// CustomWindow, when not nil, is used as the window; its length must be
	// WinLength (or sets it when WinLength is 0). It is copied.
	CustomWindow []float64
	// Center pads the signal by NFFT/2 on both sides so that frame t is
	// centred on sample t·Hop (librosa center=True, SciPy boundary≠None).
	Center bool
	// PadMode says how Center pads.
	PadMode PadMode
	// PadEnd appends zeros so that the last frame reaches the end of the
	// (centre-padded) signal, as scipy.signal.stft's padded=True does: the
	// padded length L becomes L + ((−(L−NFFT)) mod Hop) mod NFFT.
	PadEnd bool
	// Scaling selects the normalisation; see [Scaling].
	Scaling Scaling
	// SampleRate in Hz; needed by ScalePSD only.
	SampleRate float64
}

// DefaultConfig returns librosa.stft's defaults for nfft: hop nfft/4, Hann
// window of length nfft, center=True with zero padding, no scaling.
func DefaultConfig(nfft int) Config {
	return Config{NFFT: nfft, Hop: nfft / 4, WinLength: nfft, Window: WindowHann, Center: true, PadMode: PadConstant}
}

// ScipyConfig returns the configuration that reproduces
// scipy.signal.stft(x, window="hann", nperseg=nperseg, noverlap=noverlap)
// with its defaults nfft=nperseg, boundary="zeros", padded=True,
// scaling="spectrum", return_onesided=True, detrend=False. SciPy's
// noverlap default is nperseg//2. To match other SciPy arguments:
// window=name → Window; boundary="even" → PadReflect, "constant" → PadEdge,
// None → Center=false; padded=False → PadEnd=false; scaling="psd" →
// ScalePSD with SampleRate=fs. SciPy's nfft > nperseg zero-pads each frame
// at its end rather than centring the window, which this package does not
// reproduce (only the phase differs).
func ScipyConfig(nperseg, noverlap int) Config {
	return Config{
		NFFT: nperseg, Hop: nperseg - noverlap, WinLength: nperseg, Window: WindowHann,
		Center: true, PadMode: PadConstant, PadEnd: true, Scaling: ScaleSpectrum,
	}
}

// normalize fills defaults and validates c, returning the padded window.
func (c *Config) normalize() ([]float64, error) {
	if c.NFFT < 2 || c.NFFT > MaxNFFT {
		return nil, fmt.Errorf("NFFT %d: want 2..%d: %w", c.NFFT, MaxNFFT, ErrInvalidConfig)
	}
	if c.WinLength == 0 {
		c.WinLength = c.NFFT
		if c.CustomWindow != nil {
			c.WinLength = len(c.CustomWindow)
		}
	}
	if c.WinLength < 1 || c.WinLength > c.NFFT {
		return nil, fmt.Errorf("WinLength %d: want 1..NFFT (%d): %w", c.WinLength, c.NFFT, ErrInvalidConfig)
	}
	if c.Hop == 0 {
		c.Hop = max(c.WinLength/4, 1)
	}
	if c.Hop < 1 {
		return nil, fmt.Errorf("Hop %d: want >= 1: %w", c.Hop, ErrInvalidConfig)
	}
	switch c.PadMode {
	case PadConstant, PadReflect, PadEdge:
	default:
		return nil, fmt.Errorf("PadMode %d: want PadConstant, PadReflect or PadEdge: %w", int(c.PadMode), ErrInvalidConfig)
	}
	var w []float64
	if c.CustomWindow != nil {
		if len(c.CustomWindow) != c.WinLength {
			return nil, fmt.Errorf("CustomWindow has %d points, WinLength is %d: %w", len(c.CustomWindow), c.WinLength, ErrInvalidConfig)
		}
		for i, v := range c.CustomWindow {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("CustomWindow[%d] = %v: want finite values: %w", i, v, ErrInvalidConfig)
			}
		}
		w = append([]float64(nil), c.CustomWindow...)
		c.CustomWindow = w
	} else {
		var err error
		if w, err = MakeWindow(c.Window, c.WinLength, true); err != nil {
			return nil, err
		}
	}
	var sum, sumSq float64
	for _, v := range w {
		sum += v
		sumSq += v * v
	}
	switch c.Scaling {
	case ScaleNone:
	case ScaleSpectrum:
		if sum == 0 {
			return nil, fmt.Errorf("ScaleSpectrum divides by the window sum, which is 0: %w", ErrInvalidConfig)
		}
	case ScalePSD:
		if !(c.SampleRate > 0) || math.IsInf(c.SampleRate, 0) {
			return nil, fmt.Errorf("ScalePSD needs SampleRate > 0, got %v: %w", c.SampleRate, ErrInvalidConfig)
		}
		if sumSq == 0 {
			return nil, fmt.Errorf("ScalePSD divides by the window energy, which is 0: %w", ErrInvalidConfig)
		}
	default:
		return nil, fmt.Errorf("Scaling %d: want ScaleNone, ScaleSpectrum or ScalePSD: %w", int(c.Scaling), ErrInvalidConfig)
	}
	return padCenter(w, c.NFFT), nil
}

// scaleFactor returns s of the package formula for window w.
func (c *Config) scaleFactor(w []float64) float64 {
	var sum, sumSq float64
	for _, v := range w {
		sum += v
		sumSq += v * v
	}
	switch c.Scaling {
	case ScaleSpectrum:
		return 1 / sum
	case ScalePSD:
		return 1 / math.Sqrt(c.SampleRate*sumSq)
	}
	return 1
}
