package spectro

import "fmt"

// Inverse reconstructs a signal from a complex STFT by least-squares
// weighted overlap-add (see the package documentation). length > 0 gives
// the output length exactly (trimming or zero-padding, librosa's length);
// length == 0 gives the natural length NFFT + Hop·(Frames−1), less 2·(NFFT/2)
// with Center (scipy.signal.istft's output length). If dst has enough
// capacity it is reused, otherwise a new slice is allocated.
//
// Samples where Σ_t w²[m − tH] ≤ 1e-10 are left unnormalised, as librosa
// and SciPy do; with Center that only happens for windows that vanish at
// the frame centre. It fails with [ErrNOLA] when the window and hop violate
// NOLA, and with [ErrShape] when spec.Bins is not NFFT/2+1.
func (s *STFT) Inverse(dst []float64, spec *Spectrogram[complex128], length int) ([]float64, error) {
	return inverse(s, dst, spec, length)
}

// Inverse32 is [STFT.Inverse] for complex64 spectrograms. Arithmetic is
// done in float64.
func (s *STFT) Inverse32(dst []float32, spec *Spectrogram[complex64], length int) ([]float32, error) {
	return inverse(s, dst, spec, length)
}

// OutputLength returns the length [STFT.Inverse] gives for frames frames
// when no length is asked for.
func (s *STFT) OutputLength(frames int) int {
	if frames < 1 {
		return 0
	}
	return s.nfft + s.hop*(frames-1) - 2*s.offset()
}

func inverse[T float, C complexT](s *STFT, dst []T, spec *Spectrogram[C], length int) ([]T, error) {
	if !s.nola {
		return nil, fmt.Errorf("window %v of length %d with hop %d: %w; use a hop <= NFFT and a window without common zeros", s.cfg.Window, s.cfg.WinLength, s.hop, ErrNOLA)
	}
	if err := spec.check("spectrogram"); err != nil {
		return nil, err
	}
	if spec.Bins != s.bins {
		return nil, fmt.Errorf("spectrogram has %d bins, NFFT %d needs %d: %w", spec.Bins, s.nfft, s.bins, ErrShape)
	}
	if spec.Frames < 1 {
		return nil, fmt.Errorf("spectrogram has no frames: %w", ErrShape)
	}
	if length < 0 {
		return nil, fmt.Errorf("length %d: want >= 0 (0 for the natural length): %w", length, ErrInvalidConfig)
	}
	frames, bins := spec.Frames, s.bins
	full := s.nfft + s.hop*(frames-1)
	off := s.offset()
	if length == 0 {
		length = full - 2*off
	}

	ws := s.getWS()
	defer s.putWS(ws)
	ws.out = grow(ws.out, full)
	ws.wss = grow(ws.wss, full)
	y, wss := ws.out, ws.wss
	clear(y)
	clear(wss)
	w := s.window
	for i := range w {
		ws.frame[i] = w[i] * w[i]
	}
	for t := 0; t < frames; t++ {
		seg := wss[t*s.hop : t*s.hop+s.nfft]
		for k, v := range ws.frame {
			seg[k] += v
		}
	}
	for t0 := 0; t0 < frames; t0 += s.block {
		nb := min(s.block, frames-t0)
		for b := 0; b < bins; b++ {
			row := spec.Data[b*frames+t0 : b*frames+t0+nb]
			for j, v := range row {
				ws.block[j*bins+b] = complex128(v)
			}
		}
		for j := 0; j < nb; j++ {
			ws.fft.inverse(ws.frame, ws.block[j*bins:(j+1)*bins])
			seg := y[(t0+j)*s.hop : (t0+j)*s.hop+s.nfft]
			for k, v := range ws.frame {
				seg[k] += v * w[k] * s.invMul
			}
		}
	}

	if cap(dst) >= length {
		dst = dst[:length]
	} else {
		dst = make([]T, length)
	}
	for i := range dst {
		p := i + off
		if p >= full {
			dst[i] = 0
			continue
		}
		v := y[p]
		if wss[p] > inverseTiny {
			v /= wss[p]
		}
		dst[i] = T(v)
	}
	return dst, nil
}

// grow returns buf resized to n, reallocating only when its capacity is
// too small.
func grow(buf []float64, n int) []float64 {
	if cap(buf) >= n {
		return buf[:n]
	}
	return make([]float64, n)
}
