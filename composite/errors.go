package composite

import (
	"errors"
	"fmt"
)

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

// SourceError reports a failure to load or render one source image. Key is the
// caller's name for the file (a path or object key); Tile is the tile index in
// row-major order, or -1 when the error is not tied to a tile.
//
// Use errors.As to get the key and errors.Is with the sentinels above to get
// the kind:
//
//	var se *composite.SourceError
//	if errors.As(err, &se) && errors.Is(err, composite.ErrCorrupt) { report(se.Key) }
type SourceError struct {
	Key  string
	Tile int
	Err  error
}

func (e *SourceError) Error() string {
	if e.Tile >= 0 {
		return fmt.Sprintf("composite: source %q (tile %d): %v", e.Key, e.Tile, e.Err)
	}
	return fmt.Sprintf("composite: source %q: %v", e.Key, e.Err)
}

func (e *SourceError) Unwrap() error { return e.Err }
