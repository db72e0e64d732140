package spectro

import (
	"fmt"
	"sync"
)

// blockBytes sizes the block of frames that are transformed before being
// written out transposed into the bins×frames layout, so that each output
// row is written in runs of several frames rather than one element at a
// time (measured: 8 frames per block ran about 1.5× slower than 32 on
// 1024-point frames). The block holds blockBytes/(16·bins) frames, 8 to 64.
const blockBytes = 256 << 10

// inverseTiny is the window-sum-square below which the inverse leaves a
// sample unnormalised (scipy.signal.istft's 1e-10).
const inverseTiny = 1e-10

// STFT is a short-time Fourier transform with a fixed configuration. It is
// built once by [NewSTFT], is immutable, and is safe for concurrent use: each
// call borrows an FFT and scratch buffers from an internal pool.
type STFT struct {
	cfg    Config
	nfft   int
	hop    int
	bins   int
	window []float64 // length nfft, zero-padded centred
	fwdWin []float64 // window · scale, applied before the forward FFT
	invMul float64   // 1/(nfft·scale): undoes scale and the unnormalised inverse FFT
	nola   bool
	block  int       // frames per transposition block
	pool   sync.Pool // *workspace
}

type workspace struct {
	fft   realFFT
	frame []float64
	block []complex128 // block × bins, frame-major
	out   []float64    // overlap-add accumulator (inverse only)
	wss   []float64    // window sum-square (inverse only)
}

// NewSTFT validates cfg and returns an STFT for it. The window's NOLA
// property is computed here; [STFT.Inverse] fails with [ErrNOLA] when it
// does not hold, while [STFT.Forward] works for any valid configuration.
func NewSTFT(cfg Config) (*STFT, error) {
	w, err := cfg.normalize()
	if err != nil {
		return nil, err
	}
	s := &STFT{cfg: cfg, nfft: cfg.NFFT, hop: cfg.Hop, bins: cfg.NFFT/2 + 1, window: w}
	scale := cfg.scaleFactor(w)
	s.fwdWin = make([]float64, len(w))
	for i, v := range w {
		s.fwdWin[i] = v * scale
	}
	s.invMul = 1 / (float64(s.nfft) * scale)
	if s.hop <= s.nfft {
		s.nola, _ = CheckNOLA(w, s.hop, NOLATolerance)
	}
	s.block = min(max(blockBytes/(16*s.bins), 8), 64)
	s.pool.New = func() any {
		return &workspace{
			fft:   newRealFFT(s.nfft),
			frame: make([]float64, s.nfft),
			block: make([]complex128, s.block*s.bins),
		}
	}
	return s, nil
}

// Config returns the normalised configuration (defaults filled in).
func (s *STFT) Config() Config {
	c := s.cfg
	c.CustomWindow = append([]float64(nil), c.CustomWindow...)
	return c
}

// NFFT returns the FFT length.
func (s *STFT) NFFT() int { return s.nfft }

// Hop returns the hop length in samples.
func (s *STFT) Hop() int { return s.hop }

// Bins returns the number of frequency bins, NFFT/2+1.
func (s *STFT) Bins() int { return s.bins }

// Window returns a copy of the window, zero-padded centred to NFFT.
func (s *STFT) Window() []float64 { return append([]float64(nil), s.window...) }

// NOLA reports whether the window and hop satisfy the NOLA condition, that
// is whether [STFT.Inverse] can reconstruct signals.
func (s *STFT) NOLA() bool { return s.nola }

// offset is the left padding added by Center.
func (s *STFT) offset() int {
	if s.cfg.Center {
		return s.nfft / 2
	}
	return 0
}

// Frames returns the number of frames the STFT of an n-sample signal has,
// or 0 when the signal is too short (n < NFFT without Center, or n < 1).
//
// With L = n + 2·(NFFT/2) if Center, else n, and L grown as
// [Config.PadEnd] says: frames = 1 + (L − NFFT)/Hop (integer division), as
// librosa counts them. With Center, Hop > NFFT/2 and no PadEnd, up to
// Hop − NFFT/2 samples at the end of the signal fall outside every frame;
// PadEnd (SciPy's padded=True) makes the frames reach the end.
func (s *STFT) Frames(n int) int {
	if n < 1 {
		return 0
	}
	l := n + 2*s.offset()
	if s.cfg.PadEnd {
		add := (-(l - s.nfft)) % s.hop
		if add < 0 {
			add += s.hop
		}
		l += add % s.nfft
	}
	if l < s.nfft {
		return 0
	}
	return 1 + (l-s.nfft)/s.hop
}

func (s *STFT) getWS() *workspace  { return s.pool.Get().(*workspace) }
func (s *STFT) putWS(w *workspace) { s.pool.Put(w) }

// Forward computes the STFT of x into dst and returns it, a Bins×Frames
// spectrogram (see [STFT.Frames]). If dst is nil a new spectrogram is
// allocated; otherwise dst is reshaped, reusing its Data when its capacity
// suffices. It fails when x is too short for one frame.
func (s *STFT) Forward(dst *Spectrogram[complex128], x []float64) (*Spectrogram[complex128], error) {
	return forward(s, dst, x)
}

// Forward32 is [STFT.Forward] for float32 signals. Arithmetic is done in
// float64 and rounded to complex64 on output.
func (s *STFT) Forward32(dst *Spectrogram[complex64], x []float32) (*Spectrogram[complex64], error) {
	return forward(s, dst, x)
}

type float interface{ ~float32 | ~float64 }

type complexT interface{ ~complex64 | ~complex128 }

func forward[T float, C complexT](s *STFT, dst *Spectrogram[C], x []T) (*Spectrogram[C], error) {
	frames := s.Frames(len(x))
	if frames == 0 {
		return nil, fmt.Errorf("signal of %d samples is too short for one frame of NFFT %d (center %v): %w", len(x), s.nfft, s.cfg.Center, ErrShape)
	}
	dst = reshape(dst, s.bins, frames)
	ws := s.getWS()
	defer s.putWS(ws)
	bins := s.bins
	p2, _ := ws.fft.(*pow2FFT)
	off := s.offset()
	for t0 := 0; t0 < frames; t0 += s.block {
		nb := min(s.block, frames-t0)
		for j := 0; j < nb; j++ {
			out := ws.block[j*bins : (j+1)*bins]
			p := (t0+j)*s.hop - off
			if p2 != nil && p >= 0 && p+s.nfft <= len(x) {
				// Interior frame: window while gathering (see forwardWindowed).
				forwardWindowed(p2, out, x[p:p+s.nfft], s.fwdWin)
				continue
			}
			fillFrame(s, ws.frame, x, (t0+j)*s.hop)
			ws.fft.forward(out, ws.frame)
		}
		transposeBlock(dst.Data, ws.block[:nb*bins], bins, frames, t0)
	}
	return dst, nil
}

// transposeTile is the number of bins moved together by transposeBlock: a
// 64-byte cache line of complex128 block values.
const transposeTile = 4

// transposeBlock writes block (nb frames × bins, frame-major) to columns
// t0..t0+nb−1 of data (bins × frames, row-major). Bins go in tiles of
// transposeTile, so each cache line read from block is used whole before
// the next frame's, and each tile writes transposeTile rows in step.
func transposeBlock[C complexT](data []C, block []complex128, bins, frames, t0 int) {
	nb := len(block) / bins
	b := 0
	for ; b+transposeTile <= bins; b += transposeTile {
		r0 := data[b*frames+t0 : b*frames+t0+nb]
		r1 := data[(b+1)*frames+t0 : (b+1)*frames+t0+nb]
		r2 := data[(b+2)*frames+t0 : (b+2)*frames+t0+nb]
		r3 := data[(b+3)*frames+t0 : (b+3)*frames+t0+nb]
		r1, r2, r3 = r1[:len(r0)], r2[:len(r0)], r3[:len(r0)]
		for j := range r0 {
			v := block[j*bins+b : j*bins+b+transposeTile : j*bins+b+transposeTile]
			r0[j], r1[j], r2[j], r3[j] = C(v[0]), C(v[1]), C(v[2]), C(v[3])
		}
	}
	for ; b < bins; b++ {
		row := data[b*frames+t0 : b*frames+t0+nb]
		for j := range row {
			row[j] = C(block[j*bins+b])
		}
	}
}

// fillFrame writes the windowed frame starting at padded position p into
// frame.
func fillFrame[T float](s *STFT, frame []float64, x []T, p int) {
	i0 := p - s.offset()
	w := s.fwdWin
	if i0 >= 0 && i0+s.nfft <= len(x) {
		src := x[i0 : i0+s.nfft]
		for k := range frame {
			frame[k] = float64(src[k]) * w[k]
		}
		return
	}
	// Edge frame: the in-range part directly, the padding sample by sample.
	lo, hi := max(0, -i0), min(s.nfft, len(x)-i0)
	if hi < lo {
		lo, hi = 0, 0
	}
	for k := 0; k < lo; k++ {
		frame[k] = float64(paddedSample(s, x, i0+k)) * w[k]
	}
	if hi > lo {
		src := x[i0+lo : i0+hi]
		for k, v := range src {
			frame[lo+k] = float64(v) * w[lo+k]
		}
	}
	for k := max(hi, lo); k < s.nfft; k++ {
		frame[k] = float64(paddedSample(s, x, i0+k)) * w[k]
	}
}

// paddedSample returns the sample at index i of x extended as the
// configuration says: PadMode on [−offset, 0) and [n, n+offset), zeros past
// that (PadEnd's extension).
func paddedSample[T float](s *STFT, x []T, i int) T {
	n := len(x)
	if i >= 0 && i < n {
		return x[i]
	}
	off := s.offset()
	if i < -off || i >= n+off {
		return 0
	}
	switch s.cfg.PadMode {
	case PadReflect:
		if n == 1 {
			return x[0]
		}
		period := 2 * (n - 1)
		j := i % period
		if j < 0 {
			j += period
		}
		if j >= n {
			j = period - j
		}
		return x[j]
	case PadEdge:
		if i < 0 {
			return x[0]
		}
		return x[n-1]
	}
	return 0
}
