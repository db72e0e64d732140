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
