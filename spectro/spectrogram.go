package spectro

import "fmt"

// Spectrogram is a row-major matrix of Bins rows (frequency) by Frames
// columns (time): element (b, t) is Data[b*Frames+t]. T is complex128 or
// complex64 for a complex STFT, float64 or float32 for magnitudes, powers, dB
// or mel values.
type Spectrogram[T any] struct {
	Bins   int
	Frames int
	Data   []T
}

// NewSpectrogram returns a zeroed bins×frames spectrogram.
func NewSpectrogram[T any](bins, frames int) *Spectrogram[T] {
	return &Spectrogram[T]{Bins: bins, Frames: frames, Data: make([]T, bins*frames)}
}

// At returns element (b, t).
func (s *Spectrogram[T]) At(b, t int) T { return s.Data[b*s.Frames+t] }

// Set sets element (b, t) to v.
func (s *Spectrogram[T]) Set(b, t int, v T) { s.Data[b*s.Frames+t] = v }

// Row returns frequency row b as a slice aliasing Data.
func (s *Spectrogram[T]) Row(b int) []T { return s.Data[b*s.Frames : (b+1)*s.Frames] }

// Clone returns a deep copy of s.
func (s *Spectrogram[T]) Clone() *Spectrogram[T] {
	c := &Spectrogram[T]{Bins: s.Bins, Frames: s.Frames, Data: make([]T, len(s.Data))}
	copy(c.Data, s.Data)
	return c
}

// Rows returns the spectrogram as [freq][time] slices that alias Data.
func (s *Spectrogram[T]) Rows() [][]T {
	rows := make([][]T, s.Bins)
	for b := range rows {
		rows[b] = s.Row(b)
	}
	return rows
}

// FromRows copies a [freq][time] matrix into a new Spectrogram. All rows must
// have the same length.
func FromRows[T any](rows [][]T) (*Spectrogram[T], error) {
	if len(rows) == 0 {
		return &Spectrogram[T]{}, nil
	}
	s := NewSpectrogram[T](len(rows), len(rows[0]))
	for b, r := range rows {
		if len(r) != s.Frames {
			return nil, fmt.Errorf("row %d has %d frames, row 0 has %d: %w", b, len(r), s.Frames, ErrShape)
		}
		copy(s.Row(b), r)
	}
	return s, nil
}

// check validates that Data holds Bins*Frames elements.
func (s *Spectrogram[T]) check(name string) error {
	if s == nil {
		return fmt.Errorf("%s is nil: %w", name, ErrShape)
	}
	if s.Bins < 0 || s.Frames < 0 || len(s.Data) != s.Bins*s.Frames {
		return fmt.Errorf("%s has %d values, want Bins*Frames = %d*%d: %w", name, len(s.Data), s.Bins, s.Frames, ErrShape)
	}
	return nil
}

// reshape returns dst resized to bins×frames, reusing its Data when the
// capacity allows; a nil dst allocates.
func reshape[T any](dst *Spectrogram[T], bins, frames int) *Spectrogram[T] {
	n := bins * frames
	if dst == nil {
		return NewSpectrogram[T](bins, frames)
	}
	if cap(dst.Data) >= n {
		dst.Data = dst.Data[:n]
	} else {
		dst.Data = make([]T, n)
	}
	dst.Bins, dst.Frames = bins, frames
	return dst
}
