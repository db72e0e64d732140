package spectro

import (
	"fmt"
	"math"
)

// MelScale selects the Hz↔mel formula. The zero value is MelSlaney.
type MelScale int

const (
	// MelSlaney is the Slaney (Auditory Toolbox) scale, librosa's default
	// (htk=False): linear below 1 kHz (200/3 Hz per mel), logarithmic above,
	// mel = 15 + 27·ln(f/1000)/ln(6.4).
	MelSlaney MelScale = iota
	// MelHTK is the HTK scale: mel = 2595·log10(1 + f/700).
	MelHTK
)

// MelNorm selects how the triangular filters are normalised. The zero
// value is MelNormSlaney.
type MelNorm int

const (
	// MelNormSlaney divides each triangle by its width in Hz (2/(f[i+2] −
	// f[i])), so every filter has the same area: librosa's norm="slaney".
	MelNormSlaney MelNorm = iota
	// MelNormNone leaves triangles with peak 1: librosa's norm=None.
	MelNormNone
)

const (
	slaneyFSp      = 200.0 / 3 // Hz per mel below 1 kHz
	slaneyMinLogHz = 1000.0
	slaneyMinLog   = slaneyMinLogHz / slaneyFSp // 15 mel
)

var slaneyLogStep = math.Log(6.4) / 27

// HzToMel converts a frequency in Hz to mels (librosa.hz_to_mel).
func HzToMel(f float64, s MelScale) float64 {
	if s == MelHTK {
		return 2595 * math.Log10(1+f/700)
	}
	if f >= slaneyMinLogHz {
		return slaneyMinLog + math.Log(f/slaneyMinLogHz)/slaneyLogStep
	}
	return f / slaneyFSp
}

// MelToHz converts mels to Hz (librosa.mel_to_hz), the inverse of HzToMel.
func MelToHz(m float64, s MelScale) float64 {
	if s == MelHTK {
		return 700 * (math.Pow(10, m/2595) - 1)
	}
	if m >= slaneyMinLog {
		return slaneyMinLogHz * math.Exp(slaneyLogStep*(m-slaneyMinLog))
	}
	return slaneyFSp * m
}

// MelConfig configures a mel filter bank, as librosa.filters.mel's
// arguments.
type MelConfig struct {
	SampleRate float64 // Hz, > 0
	NFFT       int     // FFT length; the bank applies to NFFT/2+1 bins
	NMels      int     // number of mel bands, > 0 (librosa's default 128)
	FMin       float64 // lowest edge in Hz, >= 0
	FMax       float64 // highest edge in Hz; 0 means SampleRate/2
	Scale      MelScale
	Norm       MelNorm
}

// MelBank is a mel filter bank: an NMels×(NFFT/2+1) matrix of triangular
// filters equal to librosa.filters.mel(sr, n_fft, n_mels, fmin, fmax, htk,
// norm). It is read-only after construction and safe for concurrent use.
type MelBank struct {
	cfg    MelConfig
	bins   int
	w      []float64 // NMels × bins, row-major
	lo, hi []int     // nonzero support of each filter: [lo[i], hi[i])
	edges  []float64 // NMels+2 band edges in Hz
}

// NewMelBank builds the filter bank. Filter i rises linearly from edge i to
// edge i+1 and falls to edge i+2, where the NMels+2 edges are equally spaced
// on the mel scale between FMin and FMax; weights are sampled at the FFT
// bin frequencies k·SampleRate/NFFT. With too many mels for NFFT some
// filters can be empty (all zero), as in librosa, which warns about it.
func NewMelBank(cfg MelConfig) (*MelBank, error) {
	if !(cfg.SampleRate > 0) || math.IsInf(cfg.SampleRate, 0) {
		return nil, fmt.Errorf("mel SampleRate %v: want > 0: %w", cfg.SampleRate, ErrInvalidConfig)
	}
	if cfg.NFFT < 2 || cfg.NFFT > MaxNFFT {
		return nil, fmt.Errorf("mel NFFT %d: want 2..%d: %w", cfg.NFFT, MaxNFFT, ErrInvalidConfig)
	}
	if cfg.NMels < 1 || cfg.NMels > 1<<14 {
		return nil, fmt.Errorf("mel NMels %d: want 1..%d: %w", cfg.NMels, 1<<14, ErrInvalidConfig)
	}
	if cfg.FMax == 0 {
		cfg.FMax = cfg.SampleRate / 2
	}
	if !(cfg.FMin >= 0) || !(cfg.FMax > cfg.FMin) {
		return nil, fmt.Errorf("mel range [%v, %v] Hz: want 0 <= FMin < FMax: %w", cfg.FMin, cfg.FMax, ErrInvalidConfig)
	}
	if cfg.Scale != MelSlaney && cfg.Scale != MelHTK {
		return nil, fmt.Errorf("mel Scale %d: want MelSlaney or MelHTK: %w", cfg.Scale, ErrInvalidConfig)
	}
	if cfg.Norm != MelNormSlaney && cfg.Norm != MelNormNone {
		return nil, fmt.Errorf("mel Norm %d: want MelNormSlaney or MelNormNone: %w", cfg.Norm, ErrInvalidConfig)
	}
	bins := cfg.NFFT/2 + 1
	m := &MelBank{cfg: cfg, bins: bins, w: make([]float64, cfg.NMels*bins), lo: make([]int, cfg.NMels), hi: make([]int, cfg.NMels)}
	lo, hi := HzToMel(cfg.FMin, cfg.Scale), HzToMel(cfg.FMax, cfg.Scale)
	n := cfg.NMels + 2
	m.edges = make([]float64, n)
	for i := range m.edges {
		m.edges[i] = MelToHz(lo+(hi-lo)*float64(i)/float64(n-1), cfg.Scale)
	}
	// fftfreqs = linspace(0, sr/2, bins), as librosa.fft_frequencies.
	freq := func(k int) float64 { return cfg.SampleRate / 2 * float64(k) / float64(bins-1) }
	for i := 0; i < cfg.NMels; i++ {
		f0, f1, f2 := m.edges[i], m.edges[i+1], m.edges[i+2]
		enorm := 1.0
		if cfg.Norm == MelNormSlaney {
			enorm = 2 / (f2 - f0)
		}
		row := m.w[i*bins : (i+1)*bins]
		m.lo[i], m.hi[i] = bins, 0
		for k := range row {
			f := freq(k)
			lower := (f - f0) / (f1 - f0)
			upper := (f2 - f) / (f2 - f1)
			if v := math.Max(0, math.Min(lower, upper)); v > 0 {
				row[k] = v * enorm
				m.lo[i] = min(m.lo[i], k)
				m.hi[i] = max(m.hi[i], k+1)
			}
		}
		if m.hi[i] == 0 {
			m.lo[i] = 0
		}
	}
	return m, nil
}

// Config returns the configuration with defaults filled in.
func (m *MelBank) Config() MelConfig { return m.cfg }

// NMels returns the number of mel bands.
func (m *MelBank) NMels() int { return m.cfg.NMels }

// Bins returns the number of linear-frequency bins, NFFT/2+1.
func (m *MelBank) Bins() int { return m.bins }

// Weights returns a copy of the filter matrix, NMels×Bins (librosa's
// layout).
func (m *MelBank) Weights() *Spectrogram[float64] {
	s := NewSpectrogram[float64](m.cfg.NMels, m.bins)
	copy(s.Data, m.w)
	return s
}

// EdgesHz returns the NMels+2 band edges in Hz (librosa.mel_frequencies(
// n_mels+2, fmin, fmax, htk)); filter i peaks at edge i+1.
func (m *MelBank) EdgesHz() []float64 { return append([]float64(nil), m.edges...) }

// Apply computes the mel spectrogram M = W·S of a linear-frequency
// spectrogram S (Bins×Frames, usually the power |STFT|² as
// librosa.feature.melspectrogram uses) into dst and returns it (allocated
// when dst is nil, reshaped otherwise).
func (m *MelBank) Apply(dst, s *Spectrogram[float64]) (*Spectrogram[float64], error) {
	if err := s.check("spectrogram"); err != nil {
		return nil, err
	}
	if s.Bins != m.bins {
		return nil, fmt.Errorf("spectrogram has %d bins, mel bank expects %d (NFFT %d): %w", s.Bins, m.bins, m.cfg.NFFT, ErrShape)
	}
	dst = reshape(dst, m.cfg.NMels, s.Frames)
	clear(dst.Data)
	m.mul(dst.Data, s.Data, s.Frames)
	return dst, nil
}

// mul computes out = W·x for x of Bins×frames (row-major), using each
// filter's support.
func (m *MelBank) mul(out, x []float64, frames int) {
	for i := 0; i < m.cfg.NMels; i++ {
		o := out[i*frames : (i+1)*frames]
		for k := m.lo[i]; k < m.hi[i]; k++ {
			axpy(o, m.w[i*m.bins+k], x[k*frames:(k+1)*frames])
		}
	}
}

// mulT computes out = Wᵀ·y for y of NMels×frames.
func (m *MelBank) mulT(out, y []float64, frames int) {
	clear(out)
	for i := 0; i < m.cfg.NMels; i++ {
		yi := y[i*frames : (i+1)*frames]
		for k := m.lo[i]; k < m.hi[i]; k++ {
			axpy(out[k*frames:(k+1)*frames], m.w[i*m.bins+k], yi)
		}
	}
}

// axpy computes y += a·x.
func axpy(y []float64, a float64, x []float64) {
	x = x[:len(y)]
	for j := range y {
		y[j] += a * x[j]
	}
}
