package spectro

import (
	"fmt"
	"math"
	"sort"
)

// NOLATolerance is the default tolerance of [CheckNOLA] and [CheckCOLA], as
// in scipy.signal.check_NOLA and check_COLA.
const NOLATolerance = 1e-10

// overlapBins returns Σ_j f(w[j·hop + i]) for i in [0, hop): the sum that
// every sample of a long signal sees when frames of w are overlapped every
// hop samples (scipy.signal.check_NOLA's "binsums").
func overlapBins(w []float64, hop int, f func(float64) float64) []float64 {
	bins := make([]float64, hop)
	for j, v := range w {
		bins[j%hop] += f(v)
	}
	return bins
}

func checkHop(w []float64, hop int) error {
	if len(w) == 0 {
		return fmt.Errorf("empty window: %w", ErrInvalidConfig)
	}
	if hop < 1 {
		return fmt.Errorf("hop %d: want >= 1: %w", hop, ErrInvalidConfig)
	}
	return nil
}

// CheckNOLA reports whether window w with hop satisfies the nonzero
// overlap-add condition, min_i Σ_j w²[i + j·hop] > tol, which makes the
// STFT invertible by weighted overlap-add. It matches
// scipy.signal.check_NOLA(w, len(w), len(w)-hop, tol) for hop <= len(w); a
// hop longer than the window leaves gaps and is never NOLA.
func CheckNOLA(w []float64, hop int, tol float64) (bool, error) {
	if err := checkHop(w, hop); err != nil {
		return false, err
	}
	bins := overlapBins(w, hop, func(v float64) float64 { return v * v })
	for _, b := range bins {
		if !(b > tol) {
			return false, nil
		}
	}
	return true, nil
}

// CheckCOLA reports whether window w with hop satisfies the constant
// overlap-add condition: Σ_j w[i + j·hop] is the same for every i, within
// tol of its median (scipy.signal.check_COLA). COLA is not needed for
// inversion by this package (NOLA is); it tells whether plain overlap-add
// without normalisation would reconstruct the signal.
func CheckCOLA(w []float64, hop int, tol float64) (bool, error) {
	if err := checkHop(w, hop); err != nil {
		return false, err
	}
	bins := overlapBins(w, hop, func(v float64) float64 { return v })
	sorted := append([]float64(nil), bins...)
	sort.Float64s(sorted)
	n := len(sorted)
	med := sorted[n/2]
	if n%2 == 0 {
		med = (sorted[n/2-1] + sorted[n/2]) / 2
	}
	for _, b := range bins {
		if math.Abs(b-med) >= tol {
			return false, nil
		}
	}
	return true, nil
}
