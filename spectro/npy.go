package spectro

import (
	"io"

	"github.com/tailsynth/tailsynth/media"
)

// WriteNPY writes s as a 2-D .npy file of shape (Bins, Frames) with
// media.WriteNPY: bit for bit, so ReadNPY gives it back exactly.
func WriteNPY[T media.NPYElem](w io.Writer, s *Spectrogram[T]) error {
	if err := s.check("spectrogram"); err != nil {
		return err
	}
	return media.WriteNPY(w, media.NPYArray[T]{Rows: s.Bins, Cols: s.Frames, Data: s.Data})
}

// ReadNPY reads a 1-D or 2-D .npy file with media.ReadNPY into a
// Spectrogram: shape (r, c) gives Bins=r, Frames=c; shape (n,) gives
// Bins=1, Frames=n.
func ReadNPY[T media.NPYElem](r io.Reader) (*Spectrogram[T], error) {
	a, err := media.ReadNPY[T](r)
	if err != nil {
		return nil, err
	}
	return &Spectrogram[T]{Bins: a.Rows, Frames: a.Cols, Data: a.Data}, nil
}
