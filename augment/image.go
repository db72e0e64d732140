package augment

import (
	"fmt"
	"image"
	"image/color"
	"math"
)

// Image is a planar float32 image: channel c's row y starts at
// Pix[c*W*H + y*W]. Values are levels of the source's depth, 0..255 for
// 8 bits and 0..65535 for 16 bits (float32 holds every 16-bit level
// exactly); they are kept unrounded between transforms and rounded once,
// by [Image.Image].
type Image struct {
	W, H int
	// Channels is 1 (gray), 3 (RGB) or 4 (RGBA, non-premultiplied, alpha
	// last).
	Channels int
	// Depth is 8 or 16 bits per channel.
	Depth int
	Pix   []float32
}

// NewImage returns a black (and, with 4 channels, transparent) image.
func NewImage(w, h, channels, depth int) (*Image, error) {
	m := &Image{W: w, H: h, Channels: channels, Depth: depth}
	if err := m.check(); err != nil {
		return nil, err
	}
	m.Pix = make([]float32, w*h*channels)
	return m, nil
}

// MaxSide bounds both sides of an Image (and of Options.Size).
const MaxSide = 1 << 15

func (m *Image) check() error {
	switch {
	case m.W < 1 || m.H < 1 || m.W > MaxSide || m.H > MaxSide:
		return fmt.Errorf("augment: image size %dx%d: want sides in 1..%d", m.W, m.H, MaxSide)
	case m.Channels != 1 && m.Channels != 3 && m.Channels != 4:
		return fmt.Errorf("augment: %d channels: want 1 (gray), 3 (RGB) or 4 (RGBA)", m.Channels)
	case m.Depth != 8 && m.Depth != 16:
		return fmt.Errorf("augment: depth %d: want 8 or 16 bits", m.Depth)
	case m.Pix != nil && len(m.Pix) != m.W*m.H*m.Channels:
		return fmt.Errorf("augment: %d values for %dx%dx%d: want %d", len(m.Pix), m.W, m.H, m.Channels, m.W*m.H*m.Channels)
	}
	return nil
}

// Max is the largest level: 255 or 65535.
func (m *Image) Max() float32 {
	if m.Depth == 16 {
		return 65535
	}
	return 255
}

// Plane returns channel c.
func (m *Image) Plane(c int) []float32 { n := m.W * m.H; return m.Pix[c*n : (c+1)*n : (c+1)*n] }

// colour is the number of colour channels (alpha excluded).
func (m *Image) colour() int {
	if m.Channels == 4 {
		return 3
	}
	return m.Channels
}

// Clone returns a deep copy.
func (m *Image) Clone() *Image {
	c := *m
	c.Pix = append([]float32(nil), m.Pix...)
	return &c
}

// FromImage converts a decoded image: *image.Gray gives 1 channel of 8 bits,
// *image.Gray16 1 channel of 16 bits; colour images give RGB (3 channels)
// when every pixel is opaque and RGBA (4) otherwise, at 8 bits (16-bit
// colour is reduced to its high byte; only gray keeps 16 bits).
func FromImage(src image.Image) *Image {
	b := src.Bounds()
	w, h := b.Dx(), b.Dy()
	n := w * h
	switch s := src.(type) {
	case *image.Gray:
		m := &Image{W: w, H: h, Channels: 1, Depth: 8, Pix: make([]float32, n)}
		for y := range h {
			row := s.Pix[s.PixOffset(b.Min.X, b.Min.Y+y):][:w]
			dst := m.Pix[y*w : (y+1)*w]
			for x, v := range row {
				dst[x] = float32(v)
			}
		}
		return m
	case *image.Gray16:
		m := &Image{W: w, H: h, Channels: 1, Depth: 16, Pix: make([]float32, n)}
		for y := range h {
			row := s.Pix[s.PixOffset(b.Min.X, b.Min.Y+y):][:2*w]
			dst := m.Pix[y*w : (y+1)*w]
			for x := range dst {
				dst[x] = float32(uint16(row[2*x])<<8 | uint16(row[2*x+1]))
			}
		}
		return m
	case *image.NRGBA:
		return fromRGBA(w, h, func(y int) []uint8 { return s.Pix[s.PixOffset(b.Min.X, b.Min.Y+y):][: 4*w : 4*w] })
	case *image.RGBA:
		if s.Opaque() { // premultiplied equals non-premultiplied: RGB PNGs decode to this
			return fromRGBA(w, h, func(y int) []uint8 { return s.Pix[s.PixOffset(b.Min.X, b.Min.Y+y):][: 4*w : 4*w] })
		}
	}
	// Anything else (RGBA, YCbCr, CMYK, paletted, 16-bit colour...) goes
	// through color.NRGBAModel one pixel at a time.
	rows := make([]uint8, 4*n)
	for y := range h {
		for x := range w {
			c := color.NRGBAModel.Convert(src.At(b.Min.X+x, b.Min.Y+y)).(color.NRGBA)
			i := 4 * (y*w + x)
			rows[i], rows[i+1], rows[i+2], rows[i+3] = c.R, c.G, c.B, c.A
		}
	}
	return fromRGBA(w, h, func(y int) []uint8 { return rows[4*w*y : 4*w*(y+1) : 4*w*(y+1)] })
}

// fromRGBA splits 8-bit NRGBA rows into planes, dropping alpha when every
// pixel is opaque.
func fromRGBA(w, h int, row func(y int) []uint8) *Image {
	opaque := true
	for y := 0; y < h && opaque; y++ {
		r := row(y)
		for i := 3; i < len(r); i += 4 {
			if r[i] != 0xff {
				opaque = false
				break
			}
		}
	}
	ch := 4
	if opaque {
		ch = 3
	}
	n := w * h
	m := &Image{W: w, H: h, Channels: ch, Depth: 8, Pix: make([]float32, ch*n)}
	rp, gp, bp := m.Pix[:n], m.Pix[n:2*n], m.Pix[2*n:3*n]
	for y := range h {
		r := row(y)
		o := y * w
		for x := range w {
			p := r[4*x : 4*x+4 : 4*x+4]
			rp[o+x], gp[o+x], bp[o+x] = float32(p[0]), float32(p[1]), float32(p[2])
		}
		if ch == 4 {
			ap := m.Pix[3*n+o : 3*n+o+w]
			for x := range w {
				ap[x] = float32(r[4*x+3])
			}
		}
	}
	return m
}

// Image rounds the levels to the nearest integer (halves away from zero),
// clamps them to 0..Max and returns an *image.Gray (1 channel, 8 bits),
// *image.Gray16 (1 channel, 16 bits) or *image.NRGBA (3 channels with
// opaque alpha, or 4).
func (m *Image) Image() image.Image {
	w, h, n := m.W, m.H, m.W*m.H
	r := image.Rect(0, 0, w, h)
	switch {
	case m.Channels == 1 && m.Depth == 16:
		g := image.NewGray16(r)
		for i, v := range m.Pix[:n] {
			q := quant16(v)
			g.Pix[2*i], g.Pix[2*i+1] = uint8(q>>8), uint8(q)
		}
		return g
	case m.Channels == 1:
		g := image.NewGray(r)
		for i, v := range m.Pix[:n] {
			g.Pix[i] = quant8(v)
		}
		return g
	}
	o := image.NewNRGBA(r)
	rp, gp, bp := m.Pix[:n], m.Pix[n:2*n], m.Pix[2*n:3*n]
	var ap []float32
	if m.Channels == 4 {
		ap = m.Pix[3*n : 4*n]
	}
	if m.Depth == 16 { // only reachable through a hand-built Image
		for i := range n {
			p := o.Pix[4*i : 4*i+4 : 4*i+4]
			p[0], p[1], p[2], p[3] = uint8(quant16(rp[i])>>8), uint8(quant16(gp[i])>>8), uint8(quant16(bp[i])>>8), 0xff
			if ap != nil {
				p[3] = uint8(quant16(ap[i]) >> 8)
			}
		}
		return o
	}
	for i := range n {
		p := o.Pix[4*i : 4*i+4 : 4*i+4]
		p[0], p[1], p[2], p[3] = quant8(rp[i]), quant8(gp[i]), quant8(bp[i]), 0xff
		if ap != nil {
			p[3] = quant8(ap[i])
		}
	}
	return o
}

func quant8(v float32) uint8 {
	if !(v > 0) { // also NaN
		return 0
	}
	if v >= 255 {
		return 255
	}
	return uint8(v + 0.5)
}

func quant16(v float32) uint16 {
	if !(v > 0) {
		return 0
	}
	if v >= 65535 {
		return 65535
	}
	return uint16(v + 0.5)
}

// finite reports whether every value is a finite number.
func finite(vs ...float64) bool {
	for _, v := range vs {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}
