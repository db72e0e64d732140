package spectro

import (
	"errors"

	"github.com/tailsynth/tailsynth/media"
)

// Sentinel errors. Errors returned by this package wrap one of these where it
// applies, so callers can test them with errors.Is; the message names the bad
// value and what is accepted.
var (
	// ErrInvalidConfig reports a parameter outside its accepted range.
	ErrInvalidConfig = errors.New("spectro: invalid configuration")
	// ErrShape reports arrays whose sizes do not fit together.
	ErrShape = errors.New("spectro: shape mismatch")
	// ErrNOLA reports a window and hop that violate the nonzero overlap-add
	// condition, so the STFT cannot be inverted.
	ErrNOLA = errors.New("spectro: window violates the NOLA condition")
	// ErrMalformed reports a file whose structure is not valid (a PNG as
	// this package reads it; WAV and .npy files are read by package media).
	// It is media's sentinel, so errors.Is matches either name.
	ErrMalformed = media.ErrMalformed
	// ErrTruncated reports a file that ends before its header says it does.
	ErrTruncated = media.ErrTruncated
	// ErrUnsupported reports a valid file in an encoding that is not read.
	ErrUnsupported = media.ErrUnsupported
)
