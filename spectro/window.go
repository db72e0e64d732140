package spectro

import (
	"fmt"
	"math"
)

// WindowKind names a window function. The zero value is Hann.
type WindowKind int

const (
	// WindowHann is the Hann window, 0.5 − 0.5·cos(2πn/N).
	WindowHann WindowKind = iota
	// WindowHamming is the Hamming window, 0.54 − 0.46·cos(2πn/N).
	WindowHamming
	// WindowBlackman is the exact-coefficient Blackman window,
	// 0.42 − 0.5·cos(2πn/N) + 0.08·cos(4πn/N).
	WindowBlackman
	// WindowRectangular is the rectangular (boxcar) window, all ones.
	WindowRectangular
)

// String returns the SciPy name of the window.
func (k WindowKind) String() string {
	switch k {
	case WindowHann:
		return "hann"
	case WindowHamming:
		return "hamming"
	case WindowBlackman:
		return "blackman"
	case WindowRectangular:
		return "boxcar"
	}
	return fmt.Sprintf("WindowKind(%d)", int(k))
}

// ParseWindow returns the WindowKind named by s: "hann", "hamming",
// "blackman", "boxcar" or "rectangular".
func ParseWindow(s string) (WindowKind, error) {
	switch s {
	case "hann":
		return WindowHann, nil
	case "hamming":
		return WindowHamming, nil
	case "blackman":
		return WindowBlackman, nil
	case "boxcar", "rectangular", "rect":
		return WindowRectangular, nil
	}
	return 0, fmt.Errorf("window %q: want hann, hamming, blackman or boxcar: %w", s, ErrInvalidConfig)
}

// MakeWindow returns the window of kind k and length n. A periodic window
// (periodic=true, "DFT-even") is the first n points of the symmetric window
// of length n+1; it is what scipy.signal.get_window returns by default
// (fftbins=True) and what scipy.signal.stft and librosa.stft use. A
// symmetric window (periodic=false) is what numpy.hanning and
// scipy.signal.windows.hann(n, sym=True) return.
//
// Generalised cosine windows: w[n] = Σ_k (−1)^k a_k cos(2πkn/M) with M = n
// for periodic and M = n−1 for symmetric windows.
func MakeWindow(k WindowKind, n int, periodic bool) ([]float64, error) {
	if n < 1 {
		return nil, fmt.Errorf("window length %d: want >= 1: %w", n, ErrInvalidConfig)
	}
	var a []float64
	switch k {
	case WindowHann:
		a = []float64{0.5, 0.5}
	case WindowHamming:
		a = []float64{0.54, 0.46}
	case WindowBlackman:
		a = []float64{0.42, 0.5, 0.08}
	case WindowRectangular:
		a = []float64{1}
	default:
		return nil, fmt.Errorf("window kind %d: want WindowHann, WindowHamming, WindowBlackman or WindowRectangular: %w", int(k), ErrInvalidConfig)
	}
	w := make([]float64, n)
	if n == 1 {
		w[0] = 1
		return w, nil
	}
	m := float64(n - 1)
	if periodic {
		m = float64(n)
	}
	for i := range w {
		var v, sign float64 = 0, 1
		for j, c := range a {
			v += sign * c * math.Cos(2*math.Pi*float64(j)*float64(i)/m)
			sign = -sign
		}
		w[i] = v
	}
	return w, nil
}

// padCenter returns w zero-padded on both sides to length n, with
// (n−len(w))/2 zeros on the left, as librosa.util.pad_center does.
func padCenter(w []float64, n int) []float64 {
	out := make([]float64, n)
	copy(out[(n-len(w))/2:], w)
	return out
}
