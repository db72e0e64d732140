package spectro

import "errors"

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
	// ErrMalformed reports a file whose structure is not valid (WAV, .npy or
	// PNG as this package reads them).
	ErrMalformed = errors.New("spectro: malformed file")
	// ErrTruncated reports a file that ends before its header says it does.
	ErrTruncated = errors.New("spectro: truncated file")
	// ErrUnsupported reports a valid file in an encoding this package does
	// not read (for example A-law WAV or a big-endian .npy).
	ErrUnsupported = errors.New("spectro: unsupported encoding")
)
