package media

import "errors"

// Sentinel errors for per-file problems. Decode wraps exactly one of them, so a
// caller can classify a failure with errors.Is and put the file in a report
// instead of failing a whole job.
var (
	// ErrEmptyFile: the file has zero bytes.
	ErrEmptyFile = errors.New("empty file (0 bytes)")
	// ErrUnsupportedFormat: the bytes are neither PNG nor JPEG (for example a
	// text file named .png).
	ErrUnsupportedFormat = errors.New("unsupported image format (accepted: PNG, JPEG)")
	// ErrTooManyPixels: the header declares more pixels than the limit. The
	// pixel data is never decoded.
	ErrTooManyPixels = errors.New("image exceeds the pixel limit")
	// ErrFileTooLarge: the encoded file is larger than the byte limit.
	ErrFileTooLarge = errors.New("file exceeds the byte limit")
	// ErrCorrupt: the header or pixel data is invalid or truncated.
	ErrCorrupt = errors.New("corrupt or truncated image data")
)

// Sentinel errors of the audio and array files (WAV, .npy). Errors of
// those readers and writers wrap one of them, so callers can test them
// with errors.Is; the message names the bad value and what is accepted.
var (
	// ErrMalformed reports a file whose structure is not valid.
	ErrMalformed = errors.New("malformed file")
	// ErrTruncated reports a file that ends before its header says it does.
	ErrTruncated = errors.New("truncated file")
	// ErrUnsupported reports a valid file in an encoding this package does
	// not read (for example A-law WAV or a big-endian .npy).
	ErrUnsupported = errors.New("unsupported encoding")
	// ErrInvalidInput reports what a writer or reader cannot take: audio or
	// a WAV format that cannot be written (no channels, ragged channels, an
	// unknown bit depth, NaN in PCM), an array whose data does not fit its
	// shape, a ReadFrames buffer that does not fit the channels.
	ErrInvalidInput = errors.New("invalid input (audio, wav format or array)")
)
