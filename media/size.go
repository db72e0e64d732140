package media

import (
	"fmt"
	"strconv"
	"strings"
)

// Size is an image size in pixels.
type Size struct {
	W, H int
}

// MaxOutputSide bounds each side of an image a job writes (a composite,
// a resized sample).
const MaxOutputSide = 16384

// ParseSize parses "N" (a square N x N) or "WxH" (width first, as in every
// image tool), for example "224" or "672x224".
func ParseSize(s string) (Size, error) {
	if n, err := strconv.Atoi(strings.TrimSpace(s)); err == nil {
		sz := Size{W: n, H: n}
		return sz, sz.Validate()
	}
	w, h, ok := splitPair(s)
	if !ok {
		return Size{}, fmt.Errorf("size %q: want N (square) or WIDTHxHEIGHT such as \"224\" or \"672x224\"", s)
	}
	sz := Size{W: w, H: h}
	return sz, sz.Validate()
}

// Validate reports a side outside 1..MaxOutputSide.
func (s Size) Validate() error {
	if s.W < 1 || s.H < 1 || s.W > MaxOutputSide || s.H > MaxOutputSide {
		return fmt.Errorf("size %dx%d: want width and height in 1..%d", s.W, s.H, MaxOutputSide)
	}
	return nil
}

// String returns "WxH".
func (s Size) String() string { return fmt.Sprintf("%dx%d", s.W, s.H) }

// MarshalText implements encoding.TextMarshaler ("224x224").
func (s Size) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler with ParseSize.
func (s *Size) UnmarshalText(b []byte) error {
	v, err := ParseSize(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// splitPair parses "AxB" (or "A*B"), as sizes are written.
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
