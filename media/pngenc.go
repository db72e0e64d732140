package media

import (
	"bytes"
	stdzlib "compress/zlib"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/png"
	"io"
	"sync"

	"github.com/klauspost/compress/zlib"
)

// PNG colour types (PNG spec, section 11.2.2).
const (
	ctGray      = 0
	ctRGB       = 2
	ctGrayAlpha = 4
	ctRGBA      = 6
)

// idatChunk is the largest IDAT chunk written. One chunk would do for the
// composites and contact sheets; chunks of 256 KiB keep streaming readers'
// buffers bounded.
const idatChunk = 256 << 10

// retainBytes: a state whose output buffer grew past this is not pooled, so
// one huge image does not pin its buffers for the life of the Encoder.
const retainBytes = 8 << 20

// Encoder writes PNG files, as png.Encoder does, faster. Safe for
// concurrent use; its buffers (zlib state, rows, output) are pooled.
//
//   - *image.Gray, *image.Gray16, *image.NRGBA and *image.RGBA (opaque) take
//     the fast path: 8-bit gray, 16-bit gray, 8-bit RGB when every alpha is
//     0xff, else 8-bit RGBA (*image.RGBA with transparency goes to
//     image/png, which un-premultiplies it). Other types are written by
//     image/png with the same level.
//   - The per-row filter is chosen as image/png, libpng and Pillow choose
//     it: the one minimising the sum of |int8(filtered byte)| over the row,
//     ties in image/png's order. The filtered stream is image/png's, byte for
//     byte (tested); only the deflate implementation differs.
//   - Deflate, chosen per level by output size against zlib at the same
//     level on filtered image rows (noisy, smooth and mostly-dark RGB; see
//     the package benchmark):
//     DefaultCompression: github.com/klauspost/compress level 7 (lazy
//     matching like zlib's; sizes within about 5% of zlib 6, Pillow's
//     default, at under half its time). klauspost's levels 1-6 are not
//     used: on sensor-like noise they find no 4-byte matches and store
//     blocks raw, up to 30% above zlib.
//     BestSpeed: Go's compress/flate level 1 (as image/png).
//     BestCompression: klauspost level 9. NoCompression: stored blocks and
//     filter None, as image/png does.
type Encoder struct {
	zlevel   int       // klauspost level, or -1 for compress/zlib BestSpeed
	filter   bool      // adaptive filters (all levels but NoCompression)
	states   sync.Pool // *encState
	fallback *png.Encoder
}

// NewEncoder returns an Encoder at the given level; levels outside the four
// png constants mean DefaultCompression, as in image/png.
func NewEncoder(level png.CompressionLevel) *Encoder {
	z := 7
	switch level {
	case png.NoCompression:
		z = 0
	case png.BestSpeed:
		z = stdBestSpeed
	case png.BestCompression:
		z = 9
	}
	return &Encoder{zlevel: z, filter: z != 0, fallback: NewPNGEncoder(level)}
}

// stdBestSpeed selects compress/zlib at BestSpeed.
const stdBestSpeed = -1

// zlibWriter is the method set shared by the two zlib writers.
type zlibWriter interface {
	io.WriteCloser
	Reset(io.Writer)
}

type encState struct {
	zw              zlibWriter
	z               bytes.Buffer // the zlib stream
	out             []byte       // the whole file
	cur, prev, filt []byte
}

// Encode writes m to w as a PNG file with a single Write call. It fails,
// as image/png does, on an empty image or a side of 2^32 or more.
func (e *Encoder) Encode(w io.Writer, m image.Image) error {
	b := m.Bounds()
	if b.Dx() <= 0 || b.Dy() <= 0 || int64(b.Dx()) >= 1<<32 || int64(b.Dy()) >= 1<<32 {
		return fmt.Errorf("media: Encoder: invalid image size %dx%d: want both sides in 1..2^32-1", b.Dx(), b.Dy())
	}
	src, ok := pngSource(m)
	if !ok {
		return e.fallback.Encode(w, m)
	}
	st, _ := e.states.Get().(*encState)
	if st == nil {
		st = &encState{}
	}
	out, err := e.encode(st, src)
	if err == nil {
		_, err = w.Write(out)
	}
	if cap(st.out) <= retainBytes && st.z.Cap() <= retainBytes {
		e.states.Put(st)
	}
	return err
}

// rawImage is an image as PNG rows: h rows of w*bpp bytes at pix[y*stride:],
// or, with rgb set, 4-byte pixels whose alpha is dropped (bpp 3).
type rawImage struct {
	pix          []byte
	stride, w, h int
	bpp          int
	rgb          bool
	depth, ct    uint8
}

func (r rawImage) rowBytes() int { return r.w * r.bpp }

// pngSource views m as PNG rows without copying, or reports false.
func pngSource(m image.Image) (rawImage, bool) {
	b := m.Bounds()
	w, h := b.Dx(), b.Dy()
	switch m := m.(type) {
	case *image.Gray:
		return rawImage{pix: m.Pix[m.PixOffset(b.Min.X, b.Min.Y):], stride: m.Stride, w: w, h: h, bpp: 1, depth: 8, ct: ctGray}, true
	case *image.Gray16:
		return rawImage{pix: m.Pix[m.PixOffset(b.Min.X, b.Min.Y):], stride: m.Stride, w: w, h: h, bpp: 2, depth: 16, ct: ctGray}, true
	case *image.NRGBA:
		r := rawImage{pix: m.Pix[m.PixOffset(b.Min.X, b.Min.Y):], stride: m.Stride, w: w, h: h, bpp: 4, depth: 8, ct: ctRGBA}
		if alphaOpaque(r.pix, r.stride, w, h) {
			r.bpp, r.rgb, r.ct = 3, true, ctRGB
		}
		return r, true
	case *image.RGBA:
		r := rawImage{pix: m.Pix[m.PixOffset(b.Min.X, b.Min.Y):], stride: m.Stride, w: w, h: h, bpp: 3, rgb: true, depth: 8, ct: ctRGB}
		return r, alphaOpaque(r.pix, r.stride, w, h)
	}
	return rawImage{}, false
}

// alphaOpaque reports whether every fourth byte (alpha) of the w x h pixels
// is 0xff.
func alphaOpaque(pix []byte, stride, w, h int) bool {
	const alpha = 0xff000000ff000000
	for y := range h {
		row := pix[y*stride : y*stride+4*w]
		i := 0
		for ; i+8 <= len(row); i += 8 {
			if load64(row, i)&alpha != alpha {
				return false
			}
		}
		for ; i < len(row); i += 4 {
			if row[i+3] != 0xff {
				return false
			}
		}
	}
	return true
}

// encode builds the whole file in st.out.
func (e *Encoder) encode(st *encState, r rawImage) ([]byte, error) {
	st.z.Reset()
	if st.zw == nil {
		var err error
		if e.zlevel == stdBestSpeed {
			st.zw, err = stdzlib.NewWriterLevel(&st.z, stdzlib.BestSpeed)
		} else {
			st.zw, err = zlib.NewWriterLevel(&st.z, e.zlevel)
		}
		if err != nil {
			return nil, fmt.Errorf("media: Encoder: %w", err)
		}
	} else {
		st.zw.Reset(&st.z)
	}
	n := r.rowBytes()
	st.cur, st.prev, st.filt = grow(st.cur, n), grow(st.prev, n), grow(st.filt, n+1)
	prev := st.prev
	clear(prev)
	for y := range r.h {
		var cur []byte
		if r.rgb {
			cur = st.cur
			packRGB(cur, r.pix[y*r.stride:y*r.stride+4*r.w])
		} else {
			cur = r.pix[y*r.stride : y*r.stride+n]
		}
		ft := ftNone
		if e.filter {
			ft = chooseFilter(cur, prev, r.bpp)
		}
		st.filt[0] = byte(ft)
		applyFilter(st.filt[1:], cur, prev, r.bpp, ft)
		if _, err := st.zw.Write(st.filt); err != nil {
			return nil, fmt.Errorf("media: Encoder: %w", err)
		}
		if r.rgb { // the packed row becomes the previous one
			st.cur, st.prev = st.prev, st.cur
			prev = st.prev
		} else {
			prev = cur
		}
	}
	if err := st.zw.Close(); err != nil {
		return nil, fmt.Errorf("media: Encoder: %w", err)
	}

	out := append(st.out[:0], pngMagic...)
	var ihdr [13]byte
	binary.BigEndian.PutUint32(ihdr[0:], uint32(r.w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(r.h))
	ihdr[8], ihdr[9] = r.depth, r.ct // compression, filter, interlace: 0
	out = appendChunk(out, "IHDR", ihdr[:])
	z := st.z.Bytes()
	for len(z) > 0 {
		k := min(len(z), idatChunk)
		out = appendChunk(out, "IDAT", z[:k])
		z = z[k:]
	}
	out = appendChunk(out, "IEND", nil)
	st.out = out
	return out, nil
}

// appendChunk appends a PNG chunk: length, type, data, CRC-32 of type+data.
func appendChunk(out []byte, typ string, data []byte) []byte {
	out = binary.BigEndian.AppendUint32(out, uint32(len(data)))
	start := len(out)
	out = append(out, typ...)
	out = append(out, data...)
	return binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(out[start:]))
}

// packRGB copies the R, G, B bytes of 4-byte pixels into dst.
func packRGB(dst, src []byte) {
	n := len(src) / 4
	dst, src = dst[:3*n], src[:4*n]
	for i := range n {
		s := src[4*i : 4*i+3 : 4*i+3]
		d := dst[3*i : 3*i+3 : 3*i+3]
		d[0], d[1], d[2] = s[0], s[1], s[2]
	}
}

// grow returns b resized to n bytes, reallocating only when too small.
func grow(b []byte, n int) []byte {
	if cap(b) < n {
		return make([]byte, n)
	}
	return b[:n]
}
