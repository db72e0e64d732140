package composite

import (
	"fmt"
)

// SourceError reports a failure to load or render one source image. Key is the
// caller's name for the file (a path or object key); Tile is the tile index in
// row-major order, or -1 when the error is not tied to a tile.
//
// Use errors.As to get the key and errors.Is with the sentinels above to get
// the kind:
//
//	var se *composite.SourceError
//	if errors.As(err, &se) && errors.Is(err, media.ErrCorrupt) { report(se.Key) }
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
