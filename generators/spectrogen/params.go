package spectrogen

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/spectro"
)

// Accepted values of the string parameters.
var (
	windows   = []string{"hann", "hamming", "blackman", "rectangular"}
	padModes  = []string{"constant", "reflect", "edge"}
	scales    = []string{ScaleDB, ScaleMagnitude, ScalePower, ScaleMelDB, ScaleMelPower}
	melScales = []string{"slaney", "htk"}
	formats   = []string{FormatPNG16, FormatNPY}
	chanModes = []string{"mean", "first"}
	fills     = []string{"min", "mean"}
)

// Values of FeatureParams.Scale.
const (
	// ScaleDB is 20·log10(|X|/ref), librosa.amplitude_to_db (amin 1e-5).
	ScaleDB = "db"
	// ScaleMagnitude is |X|.
	ScaleMagnitude = "magnitude"
	// ScalePower is |X|².
	ScalePower = "power"
	// ScaleMelDB is 10·log10(M/ref) of the mel power M = W·|X|²,
	// librosa.power_to_db(melspectrogram) (amin 1e-10).
	ScaleMelDB = "mel_db"
	// ScaleMelPower is the mel power M = W·|X|².
	ScaleMelPower = "mel_power"
)

// Values of FeatureParams.Format.
const (
	// FormatPNG16 writes a 16-bit grayscale PNG, low frequencies at the
	// bottom; the metadata row's "scale" maps pixel values back.
	FormatPNG16 = "png16"
	// FormatNPY writes a float32 .npy array of shape (bins, frames), row 0
	// the lowest frequency (librosa's layout).
	FormatNPY = "npy"
)

// Limits of the numeric parameters.
const (
	minNFFT       = 8
	maxNFFT       = 1 << 16
	maxNMels      = 1024
	maxSeconds    = 3600
	maxCacheMiB   = 1 << 16
	maxMasks      = 64
	maxMaskWidth  = 1 << 16
	maxShiftLimit = 1 << 20
	maxIterations = 1000
)

// Ref is the dB reference: the loudest value of each spectrogram
// (librosa's ref=np.max, JSON "max") or a fixed positive number, a
// magnitude for "db" and a power for "mel_db".
type Ref struct {
	Max   bool
	Value float64
}

// UnmarshalJSON accepts "max" or a positive number.
func (r *Ref) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	var s string
	if string(b) != "null" && json.Unmarshal(b, &s) == nil {
		if s != "max" {
			return fmt.Errorf("ref %q: want \"max\" or a positive number", s)
		}
		*r = Ref{Max: true}
		return nil
	}
	v, err := strconv.ParseFloat(string(b), 64)
	if err != nil || !(v > 0) || math.IsInf(v, 0) {
		return fmt.Errorf("ref %s: want \"max\" or a positive number", b)
	}
	*r = Ref{Value: v}
	return nil
}

// MarshalJSON writes "max" or the number.
func (r Ref) MarshalJSON() ([]byte, error) {
	if r.Max {
		return []byte(`"max"`), nil
	}
	return json.Marshal(r.Value)
}

// FeatureParams say how a WAV file becomes a spectrogram; both generators
// take them. Zero hop_length, win_length and fmax mean "derive the
// default".
type FeatureParams struct {
	NFFT       int       `json:"n_fft"`
	HopLength  int       `json:"hop_length"`
	WinLength  int       `json:"win_length"`
	Window     string    `json:"window"`
	Center     bool      `json:"center"`
	PadMode    string    `json:"pad_mode"`
	Scale      string    `json:"scale"`
	NMels      int       `json:"n_mels"`
	FMin       float64   `json:"fmin"`
	FMax       float64   `json:"fmax"`
	MelScale   string    `json:"mel_scale"`
	TopDB      float64   `json:"top_db"`
	Ref        Ref       `json:"ref"`
	Format     string    `json:"format"`
	PNGRange   []float64 `json:"png_range"`
	Channels   string    `json:"channels"`
	MaxSeconds float64   `json:"max_seconds"`
	CacheMiB   int       `json:"cache_mib"`
	// SourceFloor is min_sources (spectrogram 1, specaugment 2) and
	// allow_few_sources.
	generators.SourceFloor
}

// DefaultFeatureParams returns the defaults: librosa's STFT defaults
// (n_fft 1024, hop n_fft/4, Hann, centred with zero padding), dB relative
// to the loudest bin clipped 80 dB below it, 128 Slaney mel bands when a
// mel scale is chosen, 16-bit PNG output, channels averaged, signals cut
// at 60 s, 256 MiB of cached spectrograms, at least one usable file per
// class that gets samples (a conversion of one file is a conversion).
func DefaultFeatureParams() FeatureParams {
	return FeatureParams{
		NFFT: 1024, Window: "hann", Center: true, PadMode: "constant", Scale: ScaleDB,
		NMels: 128, MelScale: "slaney", TopDB: 80, Ref: Ref{Max: true}, Format: FormatPNG16,
		Channels: "mean", MaxSeconds: 60, CacheMiB: 256, SourceFloor: generators.SourceFloor{MinSources: 1},
	}
}

// SpecAugmentParams are the specaugment generator's parameters.
type SpecAugmentParams struct {
	FeatureParams
	// SpecAugment (Park et al. 2019): m_T time masks of width U{0..T},
	// m_F frequency masks of width U{0..F}.
	TimeMasks        int     `json:"time_masks"`
	TimeMaskMax      int     `json:"time_mask_max"`
	TimeMaskFraction float64 `json:"time_mask_fraction"`
	FreqMasks        int     `json:"freq_masks"`
	FreqMaskMax      int     `json:"freq_mask_max"`
	MaskFill         string  `json:"mask_fill"`
	MaxShift         int     `json:"max_shift"`
	MixProb          float64 `json:"mix_prob"`
	Waveform         bool    `json:"waveform"`
	Iterations       int     `json:"iterations"`
	Momentum         float64 `json:"momentum"`
}

// DefaultSpecAugmentParams returns the defaults: two time masks of up to
// 20 frames, two frequency masks of up to 15 rows, filled with the
// spectrogram's minimum, no shift, no mixing, spectrogram output;
// Griffin-Lim with librosa's 32 iterations and momentum 0.99 when
// waveform is set; at least 2 usable files per class that gets samples
// (with one, every sample is a masking of the same file and no mixing can
// happen).
func DefaultSpecAugmentParams() SpecAugmentParams {
	p := SpecAugmentParams{
		FeatureParams: DefaultFeatureParams(),
		TimeMasks:     2, TimeMaskMax: 20, FreqMasks: 2, FreqMaskMax: 15, MaskFill: "min",
		Iterations: 32, Momentum: 0.99,
	}
	p.MinSources = 2
	return p
}

func paramErr(gen, format string, args ...any) error {
	return &generators.ParamError{Msg: gen + " params: " + fmt.Sprintf(format, args...)}
}

func oneOf(gen, name, got string, accepted []string) error {
	if slices.Contains(accepted, got) {
		return nil
	}
	return paramErr(gen, "%s %q: want one of %s", name, got, strings.Join(accepted, ", "))
}

func intIn(gen, name string, got, lo, hi int) error {
	if got < lo || got > hi {
		return paramErr(gen, "%s %d: want %d..%d", name, got, lo, hi)
	}
	return nil
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// resolve fills the derived defaults and validates p; gen names the
// generator in errors.
func (p *FeatureParams) resolve(gen string) error {
	if err := intIn(gen, "n_fft", p.NFFT, minNFFT, maxNFFT); err != nil {
		return err
	}
	if p.WinLength == 0 {
		p.WinLength = p.NFFT
	}
	if p.WinLength < 1 || p.WinLength > p.NFFT {
		return paramErr(gen, "win_length %d: want 1..n_fft (%d), or 0 for n_fft", p.WinLength, p.NFFT)
	}
	if p.HopLength == 0 {
		p.HopLength = max(p.WinLength/4, 1) // librosa: win_length // 4
	}
	if p.HopLength < 1 || p.HopLength > p.NFFT {
		return paramErr(gen, "hop_length %d: want 1..n_fft (%d), or 0 for win_length/4", p.HopLength, p.NFFT)
	}
	for _, c := range []struct {
		name, got string
		accepted  []string
	}{
		{"window", p.Window, windows}, {"pad_mode", p.PadMode, padModes}, {"scale", p.Scale, scales},
		{"mel_scale", p.MelScale, melScales}, {"format", p.Format, formats}, {"channels", p.Channels, chanModes},
	} {
		if err := oneOf(gen, c.name, c.got, c.accepted); err != nil {
			return err
		}
	}
	if err := intIn(gen, "n_mels", p.NMels, 1, min(maxNMels, p.NFFT/2+1)); err != nil {
		return err
	}
	if !finite(p.FMin) || p.FMin < 0 {
		return paramErr(gen, "fmin %v: want >= 0 Hz", p.FMin)
	}
	if !finite(p.FMax) || p.FMax < 0 || (p.FMax != 0 && p.FMax <= p.FMin) {
		return paramErr(gen, "fmax %v: want > fmin (%v) Hz, or 0 for half the sample rate", p.FMax, p.FMin)
	}
	if !finite(p.TopDB) || p.TopDB < 0 {
		return paramErr(gen, "top_db %v: want >= 0 (0 disables clipping)", p.TopDB)
	}
	if !p.Ref.Max && !(p.Ref.Value > 0) {
		return paramErr(gen, "ref %v: want \"max\" or a positive number", p.Ref.Value)
	}
	if p.PNGRange != nil {
		if len(p.PNGRange) != 2 || !finite(p.PNGRange[0]) || !finite(p.PNGRange[1]) || !(p.PNGRange[0] < p.PNGRange[1]) {
			return paramErr(gen, "png_range %v: want [min, max] with finite min < max, or leave it out for each file's own range", p.PNGRange)
		}
	}
	if !finite(p.MaxSeconds) || !(p.MaxSeconds > 0) || p.MaxSeconds > maxSeconds {
		return paramErr(gen, "max_seconds %v: want (0, %d]", p.MaxSeconds, maxSeconds)
	}
	if err := intIn(gen, "cache_mib", p.CacheMiB, 0, maxCacheMiB); err != nil {
		return err
	}
	return p.SourceFloor.Validate(gen, 1)
}

// stftConfig is the spectro configuration of p (resolved).
func (p *FeatureParams) stftConfig() spectro.Config {
	c := spectro.DefaultConfig(p.NFFT)
	c.Hop, c.WinLength, c.Center = p.HopLength, p.WinLength, p.Center
	c.Window, _ = spectro.ParseWindow(p.Window)
	switch p.PadMode {
	case "reflect":
		c.PadMode = spectro.PadReflect
	case "edge":
		c.PadMode = spectro.PadEdge
	}
	return c
}

func (p *FeatureParams) mel() bool { return p.Scale == ScaleMelDB || p.Scale == ScaleMelPower }

func (p *SpecAugmentParams) resolve(gen string) error {
	if err := p.FeatureParams.resolve(gen); err != nil {
		return err
	}
	for _, c := range []struct {
		name    string
		got, hi int
	}{
		{"time_masks", p.TimeMasks, maxMasks}, {"time_mask_max", p.TimeMaskMax, maxMaskWidth},
		{"freq_masks", p.FreqMasks, maxMasks}, {"freq_mask_max", p.FreqMaskMax, maxMaskWidth},
		{"max_shift", p.MaxShift, maxShiftLimit},
	} {
		if err := intIn(gen, c.name, c.got, 0, c.hi); err != nil {
			return err
		}
	}
	if !(p.TimeMaskFraction >= 0 && p.TimeMaskFraction <= 1) {
		return paramErr(gen, "time_mask_fraction %v: want 0..1 (0: no cap)", p.TimeMaskFraction)
	}
	if err := oneOf(gen, "mask_fill", p.MaskFill, fills); err != nil {
		return err
	}
	if !(p.MixProb >= 0 && p.MixProb <= 1) {
		return paramErr(gen, "mix_prob %v: want 0..1", p.MixProb)
	}
	if err := intIn(gen, "iterations", p.Iterations, 1, maxIterations); err != nil {
		return err
	}
	if !(p.Momentum >= 0 && p.Momentum < 1) {
		return paramErr(gen, "momentum %v: want 0 <= momentum < 1 (librosa's default 0.99; 0 is classic Griffin-Lim)", p.Momentum)
	}
	return nil
}

// featureParamInfo documents FeatureParams for Info; minSources is the
// generator's default min_sources.
func featureParamInfo(minSources int) []generators.ParamInfo {
	d := DefaultFeatureParams()
	why := "1: a conversion of one file is still a conversion"
	if minSources > 1 {
		why = "with one file every sample is a masking of it, and no mixing can happen"
	}
	return append([]generators.ParamInfo{
		{Name: "n_fft", Type: "integer", Default: d.NFFT, Description: fmt.Sprintf("FFT length; the spectrogram has n_fft/2+1 frequency bins (%d..%d)", minNFFT, maxNFFT)},
		{Name: "hop_length", Type: "integer", Description: "samples between frames, 1..n_fft; default (absent or 0) win_length/4"},
		{Name: "win_length", Type: "integer", Description: "window length, 1..n_fft, zero-padded centred; default (absent or 0) n_fft"},
		{Name: "window", Type: "string", Default: d.Window, Description: "window: " + strings.Join(windows, ", ")},
		{Name: "center", Type: "boolean", Default: d.Center, Description: "pad n_fft/2 on both sides so frame t is centred on sample t·hop (librosa center=True)"},
		{Name: "pad_mode", Type: "string", Default: d.PadMode, Description: "padding when center: " + strings.Join(padModes, ", ")},
		{Name: "scale", Type: "string", Default: d.Scale, Description: "values: db = 20·log10(|X|/ref); magnitude |X|; power |X|²; mel_db = 10·log10(mel/ref); mel_power = mel filter bank · |X|²"},
		{Name: "n_mels", Type: "integer", Default: d.NMels, Description: "mel bands for mel scales, 1..min(1024, n_fft/2+1)"},
		{Name: "fmin", Type: "number", Default: d.FMin, Description: "lowest mel band edge, Hz"},
		{Name: "fmax", Type: "number", Description: "highest mel band edge, Hz, at most half each file's sample rate; default (absent or 0) half the sample rate"},
		{Name: "mel_scale", Type: "string", Default: d.MelScale, Description: "mel formula: slaney (librosa's default) or htk; filters are Slaney-normalised"},
		{Name: "top_db", Type: "number", Default: d.TopDB, Description: "dB scales: clip at max − top_db (0: no clipping)"},
		{Name: "ref", Type: "string|number", Default: d.Ref, Description: `dB reference: "max" (each spectrogram's loudest value is 0 dB) or a positive magnitude (db) or power (mel_db)`},
		{Name: "format", Type: "string", Default: d.Format, Description: "png16: 16-bit grayscale PNG, low frequencies at the bottom, scale in the metadata row; npy: float32 array (bins, frames), row 0 lowest"},
		{Name: "png_range", Type: "[number, number]", Description: "quantise every PNG between these values (e.g. [-80, 0] for db) instead of each file's own min..max; values outside are clipped"},
		{Name: "channels", Type: "string", Default: d.Channels, Description: "multi-channel WAV: mean (average the channels) or first"},
		{Name: "max_seconds", Type: "number", Default: d.MaxSeconds, Description: fmt.Sprintf("analyse at most this many seconds of each file, (0, %d]", maxSeconds)},
		{Name: "cache_mib", Type: "integer", Default: d.CacheMiB, Description: "memory for decoded spectrograms kept between samples, MiB (0: none)"},
	}, generators.SourceFloorParams(minSources, why)...)
}

func specAugmentParamInfo() []generators.ParamInfo {
	d := DefaultSpecAugmentParams()
	return append(featureParamInfo(d.MinSources),
		generators.ParamInfo{Name: "time_masks", Type: "integer", Default: d.TimeMasks, Description: "SpecAugment time masks per sample (m_T)"},
		generators.ParamInfo{Name: "time_mask_max", Type: "integer", Default: d.TimeMaskMax, Description: "largest time mask, frames (T); widths are uniform in 0..T"},
		generators.ParamInfo{Name: "time_mask_fraction", Type: "number", Default: d.TimeMaskFraction, Description: "also cap time masks at this fraction of the frames (SpecAugment's p; 0: no cap)"},
		generators.ParamInfo{Name: "freq_masks", Type: "integer", Default: d.FreqMasks, Description: "SpecAugment frequency masks per sample (m_F)"},
		generators.ParamInfo{Name: "freq_mask_max", Type: "integer", Default: d.FreqMaskMax, Description: "largest frequency mask, rows of the output (mel bands or FFT bins) (F)"},
		generators.ParamInfo{Name: "mask_fill", Type: "string", Default: d.MaskFill, Description: "masked value: min (the spectrogram's minimum: silence) or mean (its mean, SpecAugment's 0 on normalised features)"},
		generators.ParamInfo{Name: "max_shift", Type: "integer", Default: d.MaxShift, Description: "circular time shift, uniform in −max_shift..max_shift frames"},
		generators.ParamInfo{Name: "mix_prob", Type: "number", Default: d.MixProb, Description: "probability of mixing with a second file of the class, in the power domain, weight U[0.3, 0.7]"},
		generators.ParamInfo{Name: "waveform", Type: "boolean", Default: d.Waveform, Description: "write a float32 WAV reconstructed by Griffin-Lim instead of a spectrogram (format is then ignored)"},
		generators.ParamInfo{Name: "iterations", Type: "integer", Default: d.Iterations, Description: fmt.Sprintf("Griffin-Lim iterations, 1..%d", maxIterations)},
		generators.ParamInfo{Name: "momentum", Type: "number", Default: d.Momentum, Description: "fast Griffin-Lim momentum, [0, 1)"},
	)
}
