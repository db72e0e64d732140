package composite

import (
	"fmt"
	"image"
	"strconv"
	"strings"

	"github.com/tailsynth/tailsynth/media"
)

// Layout limits: Rows and Cols in 1..MaxSide, Rows*Cols <= MaxTiles.
const (
	MaxSide  = 8
	MaxTiles = 16
)

// Layout is a grid of Rows x Cols tiles. The string form is "RxC", ROWS FIRST:
// "3x1" is 3 rows and 1 column (three images stacked vertically, the layout of
// Hlali et al. 2025 on OCTDL), "1x3" is 1 row of three images side by side.
// Tiles are numbered in row-major order: tile i sits at row i/Cols, column
// i%Cols, and Plan.Sources[i] is drawn there.
type Layout struct {
	Rows, Cols int
}

// ParseLayout parses "RxC" (rows x columns; 'x' or 'X' or '*' as separator),
// for example "3x1", "1x3", "2x2".
func ParseLayout(s string) (Layout, error) {
	r, c, ok := splitPair(s)
	if !ok {
		return Layout{}, fmt.Errorf("composite: layout %q: want ROWSxCOLS such as \"3x1\" (3 rows, 1 column), \"1x3\" or \"2x2\"", s)
	}
	l := Layout{Rows: r, Cols: c}
	if err := l.Validate(); err != nil {
		return Layout{}, err
	}
	return l, nil
}

// Validate checks the limits: Rows and Cols in 1..8 and Rows*Cols <= 16.
func (l Layout) Validate() error {
	if l.Rows < 1 || l.Rows > MaxSide || l.Cols < 1 || l.Cols > MaxSide || l.Rows*l.Cols > MaxTiles {
		return fmt.Errorf("composite: layout %dx%d (rows x cols): want rows and cols in 1..%d with rows*cols <= %d", l.Rows, l.Cols, MaxSide, MaxTiles)
	}
	return nil
}

// Tiles is the number of images per composite, Rows*Cols.
func (l Layout) Tiles() int { return l.Rows * l.Cols }

// String returns "RxC".
func (l Layout) String() string { return fmt.Sprintf("%dx%d", l.Rows, l.Cols) }

// MarshalText implements encoding.TextMarshaler ("3x1").
func (l Layout) MarshalText() ([]byte, error) { return []byte(l.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler with ParseLayout.
func (l *Layout) UnmarshalText(b []byte) error {
	v, err := ParseLayout(string(b))
	if err != nil {
		return err
	}
	*l = v
	return nil
}

// TileRect returns the pixel rectangle of tile i in a canvas of size sz.
// Column boundaries are x_j = floor(j*W/Cols) and row boundaries
// y_r = floor(r*H/Rows), so tiles tile the canvas exactly and differ in width
// (height) by at most one pixel when W (H) is not a multiple of Cols (Rows).
// For example H=28, Rows=3 gives rows of 9, 9 and 10 pixels.
func (l Layout) TileRect(sz media.Size, i int) image.Rectangle {
	r, c := i/l.Cols, i%l.Cols
	return image.Rect(c*sz.W/l.Cols, r*sz.H/l.Rows, (c+1)*sz.W/l.Cols, (r+1)*sz.H/l.Rows)
}

// splitPair parses "AxB" into two positive-looking integers.
func splitPair(s string) (int, int, bool) {
	s = strings.TrimSpace(s)
	i := strings.IndexAny(s, "xX*")
	if i <= 0 || i == len(s)-1 {
		return 0, 0, false
	}
	a, err1 := strconv.Atoi(s[:i])
	b, err2 := strconv.Atoi(s[i+1:])
	if err1 != nil || err2 != nil {
		return 0, 0, false
	}
	return a, b, true
}
