// Package spectro turns signals into spectrograms and back: the short-time
// Fourier transform (STFT) and its inverse, dB and mel scaling, Griffin-Lim
// phase reconstruction, spectral augmentations and lossless or quantised
// spectrogram files (.npy through package media, 16-bit PNG). WAV and .npy
// I/O live in package media.
//
// It is the signal side of STFTSynth (Farhadi et al. 2025, GAN-generated STFT
// spectrograms of rare wire-break acoustic events). It is a pure library: it
// knows nothing of HTTP, storage or jobs.
//
// # Layout
//
// A [Spectrogram] is a row-major matrix with Bins rows (frequency, bin 0 is
// 0 Hz) and Frames columns (time), the layout of librosa.stft and
// scipy.signal.stft (shape (n_fft/2+1, n_frames)). Element (b, t) is
// Data[b*Frames+t].
//
// # Conventions
//
// The STFT follows librosa's conventions (center padding of n_fft/2 on each
// side, windows shorter than n_fft zero-padded centred, unnormalised FFT)
// unless [Config.Scaling] and [Config.PadEnd] select SciPy's. [ScipyConfig]
// builds the configuration that matches scipy.signal.stft's defaults; the
// mapping is spelled out there and tested against fixtures computed with
// SciPy (spectro/testdata, made by scripts/fixtures/spectro/make_fixtures.py).
//
// For a one-sided STFT X of a real signal x with window w (length n_fft), hop
// H and frame t:
//
//	X[k, t] = s · Σ_{n=0}^{N-1} w[n] · xp[t·H + n] · exp(-2πi·k·n/N),  k = 0..N/2
//
// where xp is x padded as [Config.Center] and [Config.PadMode] say and s is
// 1 ([ScaleNone], librosa), 1/Σw ([ScaleSpectrum], scipy's default) or
// 1/sqrt(fs·Σw²) ([ScalePSD]).
//
// The inverse is the least-squares overlap-add of Griffin and Lim (1984),
// as librosa.istft and scipy.signal.istft compute it:
//
//	y[m] = Σ_t w[m - tH] · irfft(X[:, t]/s)[m - tH] / Σ_t w²[m - tH]
//
// evaluated where the denominator exceeds 1e-10 (SciPy's threshold); it
// reconstructs x exactly (to rounding) wherever the window satisfies the
// nonzero overlap-add (NOLA) condition, see [CheckNOLA].
//
// # Concurrency
//
// An [STFT] is immutable after [NewSTFT] and safe for concurrent use by
// several goroutines; each call borrows scratch buffers from a pool. A
// [MelBank] is likewise read-only after construction. Functions that take a
// *rand.Rand (math/rand/v2) use it without locking: give each goroutine its
// own.
package spectro
