package composite

import (
	"image"
	"image/color"

	"github.com/disintegration/imaging"
)

// resample8 resizes an 8-bit image to w x h with an imaging filter, on the
// calling goroutine. It reproduces imaging.Resize (same kernels, same weight
// rule as weights16, colour weighted by alpha, overshoot clamped between the
// two passes) to within one level, but:
//   - it does not fan out to GOMAXPROCS goroutines per call. imaging.Resize
//     does, which costs more than it gains on tile-sized images when the
//     caller already renders composites in parallel (measured with
//     scripts/bench/composite: 3.4x the CPU per 28x28 composite at 2
//     workers);
//   - gray sources stay one channel (*image.Gray) instead of four.
//
// The result is an *image.Gray for *image.Gray and *image.Gray16 sources
// (16-bit samples keep their high byte) and an *image.NRGBA otherwise.
func resample8(src image.Image, w, h int, f imaging.ResampleFilter) image.Image {
	p := toPlane(src)
	sw, sh, C := p.w, p.h, p.bpp
	if f.Support <= 0 { // nearest: the source sample under each output centre
		out := newPlaneImage(w, h, C)
		dp, stride := planePix(out)
		for y := 0; y < h; y++ {
			sy := min(int((float64(y)+0.5)*float64(sh)/float64(h)), sh-1)
			for x := 0; x < w; x++ {
				sx := min(int((float64(x)+0.5)*float64(sw)/float64(w)), sw-1)
				copy(dp[y*stride+x*C:y*stride+x*C+C], p.pix[sy*p.stride+sx*C:])
			}
		}
		return out
	}
	// Horizontal pass into premultiplied float32 rows (w x sh x C). When
	// only the height changes, the vertical pass reads the source directly.
	var tmp []float32
	if sw != w {
		tmp = make([]float32, w*sh*C)
		wx := taps32(weights16(w, sw, f))
		for y := 0; y < sh; y++ {
			row := p.pix[y*p.stride : y*p.stride+sw*C]
			dst := tmp[y*w*C : (y+1)*w*C]
			for x, taps := range wx {
				switch {
				case C == 1:
					var s float32
					for _, t := range taps {
						s += float32(row[t.i]) * t.w
					}
					dst[x] = clampF(s)
				case !p.alpha:
					var r, g, b float32
					for _, t := range taps {
						s := row[4*t.i : 4*t.i+3 : 4*t.i+3]
						r += float32(s[0]) * t.w
						g += float32(s[1]) * t.w
						b += float32(s[2]) * t.w
					}
					d := dst[4*x : 4*x+4 : 4*x+4]
					d[0], d[1], d[2], d[3] = clampF(r), clampF(g), clampF(b), 255
				default:
					var r, g, b, a float32
					for _, t := range taps {
						s := row[4*t.i : 4*t.i+4 : 4*t.i+4]
						aw := float32(s[3]) * t.w
						r += float32(s[0]) * aw
						g += float32(s[1]) * aw
						b += float32(s[2]) * aw
						a += aw
					}
					d := dst[4*x : 4*x+4 : 4*x+4]
					if a > 0 {
						ca := min(a, 255)
						k := ca / a // clamp alpha, keep colour = sum/a
						d[0], d[1], d[2], d[3] = clampF(r*k/ca)*ca, clampF(g*k/ca)*ca, clampF(b*k/ca)*ca, ca
					}
				}
			}
		}
	}
	// addRow adds weight * (source or intermediate row y) to acc.
	rowLen := w * C
	addRow := func(acc []float32, y int, wt float32) {
		if tmp != nil {
			row := tmp[y*rowLen : (y+1)*rowLen]
			acc := acc[:len(row)] // lets the compiler drop bounds checks
			for i, v := range row {
				acc[i] += v * wt
			}
			return
		}
		row := p.pix[y*p.stride : y*p.stride+rowLen]
		if !p.alpha {
			acc := acc[:len(row)]
			for i, v := range row {
				acc[i] += float32(v) * wt
			}
			return
		}
		for x := 0; x < w; x++ {
			s := row[4*x : 4*x+4 : 4*x+4]
			aw := float32(s[3]) * wt
			a := acc[4*x : 4*x+4 : 4*x+4]
			a[0] += float32(s[0]) * aw
			a[1] += float32(s[1]) * aw
			a[2] += float32(s[2]) * aw
			a[3] += aw
		}
	}
	// Vertical pass into the output.
	out := newPlaneImage(w, h, C)
	dp, stride := planePix(out)
	var wy [][]tap32
	if sh != h {
		wy = taps32(weights16(h, sh, f))
	}
	if wy != nil && !p.alpha { // no alpha weighting: sum per output byte
		for y := 0; y < h; y++ {
			d := dp[y*stride : y*stride+rowLen]
			switch {
			case C == 4 && tmp != nil:
				verticalF32RGBX(d, tmp, rowLen, wy[y])
			case C == 4:
				verticalU8RGBX(d, p.pix, p.stride, wy[y])
			case tmp != nil:
				verticalF32(d, tmp, rowLen, wy[y])
			default:
				verticalU8(d, p.pix, p.stride, wy[y])
			}
		}
		return out
	}
	acc := make([]float32, rowLen)
	for y := 0; y < h; y++ {
		clear(acc)
		if wy == nil {
			addRow(acc, y, 1)
		} else {
			for _, t := range wy[y] {
				addRow(acc, t.i, t.w)
			}
		}
		d := dp[y*stride : y*stride+rowLen]
		if !p.alpha {
			d := d[:len(acc)]
			for i, v := range acc {
				d[i] = clamp8(v)
			}
			continue
		}
		for x := 0; x < w; x++ {
			a := acc[4*x+3]
			if a <= 0 {
				d[4*x], d[4*x+1], d[4*x+2], d[4*x+3] = 0, 0, 0, 0
				continue
			}
			d[4*x] = clamp8(acc[4*x] / a)
			d[4*x+1] = clamp8(acc[4*x+1] / a)
			d[4*x+2] = clamp8(acc[4*x+2] / a)
			d[4*x+3] = clamp8(a)
		}
	}
	return out
}

// verticalU8 sets dst[x] = clamp8(sum over taps of src row t.i at x times
// t.w), eight outputs at a time with the sums in registers. The taps are
// added in order starting from 0, so the result is bit-identical to
// accumulating whole rows tap by tap.
func verticalU8(dst, src []uint8, stride int, taps []tap32) {
	n := len(dst)
	x := 0
	for ; x+8 <= n; x += 8 {
		var s0, s1, s2, s3, s4, s5, s6, s7 float32
		for _, t := range taps {
			o := t.i*stride + x
			r := src[o : o+8 : o+8]
			s0 += float32(r[0]) * t.w
			s1 += float32(r[1]) * t.w
			s2 += float32(r[2]) * t.w
			s3 += float32(r[3]) * t.w
			s4 += float32(r[4]) * t.w
			s5 += float32(r[5]) * t.w
			s6 += float32(r[6]) * t.w
			s7 += float32(r[7]) * t.w
		}
		d := dst[x : x+8 : x+8]
		d[0], d[1], d[2], d[3] = clamp8(s0), clamp8(s1), clamp8(s2), clamp8(s3)
		d[4], d[5], d[6], d[7] = clamp8(s4), clamp8(s5), clamp8(s6), clamp8(s7)
	}
	for ; x < n; x++ {
		var s float32
		for _, t := range taps {
			s += float32(src[t.i*stride+x]) * t.w
		}
		dst[x] = clamp8(s)
	}
}

// verticalF32 is verticalU8 on the float32 rows (of rowLen values) of the
// horizontal pass.
func verticalF32(dst []uint8, src []float32, rowLen int, taps []tap32) {
	n := len(dst)
	x := 0
	for ; x+8 <= n; x += 8 {
		var s0, s1, s2, s3, s4, s5, s6, s7 float32
		for _, t := range taps {
			o := t.i*rowLen + x
			r := src[o : o+8 : o+8]
			s0 += r[0] * t.w
			s1 += r[1] * t.w
			s2 += r[2] * t.w
			s3 += r[3] * t.w
			s4 += r[4] * t.w
			s5 += r[5] * t.w
			s6 += r[6] * t.w
			s7 += r[7] * t.w
		}
		d := dst[x : x+8 : x+8]
		d[0], d[1], d[2], d[3] = clamp8(s0), clamp8(s1), clamp8(s2), clamp8(s3)
		d[4], d[5], d[6], d[7] = clamp8(s4), clamp8(s5), clamp8(s6), clamp8(s7)
	}
	for ; x < n; x++ {
		var s float32
		for _, t := range taps {
			s += src[t.i*rowLen+x] * t.w
		}
		dst[x] = clamp8(s)
	}
}

// opaqueAlpha is the alpha byte of an output pixel whose sources all have
// alpha 255: clamp8 of the sum of 255*w over the taps, in order, which is
// what summing the alpha channel per pixel would give.
func opaqueAlpha(taps []tap32) uint8 {
	var s float32
	for _, t := range taps {
		s += 255 * t.w
	}
	return clamp8(s)
}

// verticalU8RGBX is verticalU8 on opaque 4-byte pixels: it sums R, G and B
// (two pixels at a time) and sets every alpha to opaqueAlpha(taps).
func verticalU8RGBX(dst, src []uint8, stride int, taps []tap32) {
	n := len(dst)
	a := opaqueAlpha(taps)
	x := 0
	for ; x+8 <= n; x += 8 {
		var s0, s1, s2, s4, s5, s6 float32
		for _, t := range taps {
			o := t.i*stride + x
			r := src[o : o+8 : o+8]
			s0 += float32(r[0]) * t.w
			s1 += float32(r[1]) * t.w
			s2 += float32(r[2]) * t.w
			s4 += float32(r[4]) * t.w
			s5 += float32(r[5]) * t.w
			s6 += float32(r[6]) * t.w
		}
		d := dst[x : x+8 : x+8]
		d[0], d[1], d[2], d[3] = clamp8(s0), clamp8(s1), clamp8(s2), a
		d[4], d[5], d[6], d[7] = clamp8(s4), clamp8(s5), clamp8(s6), a
	}
	if x < n { // one pixel left
		var s0, s1, s2 float32
		for _, t := range taps {
			o := t.i*stride + x
			r := src[o : o+4 : o+4]
			s0 += float32(r[0]) * t.w
			s1 += float32(r[1]) * t.w
			s2 += float32(r[2]) * t.w
		}
		d := dst[x : x+4 : x+4]
		d[0], d[1], d[2], d[3] = clamp8(s0), clamp8(s1), clamp8(s2), a
	}
}

// verticalF32RGBX is verticalU8RGBX on the float32 rows of the horizontal
// pass (whose alpha values are all 255).
func verticalF32RGBX(dst []uint8, src []float32, rowLen int, taps []tap32) {
	n := len(dst)
	a := opaqueAlpha(taps)
	x := 0
	for ; x+8 <= n; x += 8 {
		var s0, s1, s2, s4, s5, s6 float32
		for _, t := range taps {
			o := t.i*rowLen + x
			r := src[o : o+8 : o+8]
			s0 += r[0] * t.w
			s1 += r[1] * t.w
			s2 += r[2] * t.w
			s4 += r[4] * t.w
			s5 += r[5] * t.w
			s6 += r[6] * t.w
		}
		d := dst[x : x+8 : x+8]
		d[0], d[1], d[2], d[3] = clamp8(s0), clamp8(s1), clamp8(s2), a
		d[4], d[5], d[6], d[7] = clamp8(s4), clamp8(s5), clamp8(s6), a
	}
	if x < n {
		var s0, s1, s2 float32
		for _, t := range taps {
			o := t.i*rowLen + x
			r := src[o : o+4 : o+4]
			s0 += r[0] * t.w
			s1 += r[1] * t.w
			s2 += r[2] * t.w
		}
		d := dst[x : x+4 : x+4]
		d[0], d[1], d[2], d[3] = clamp8(s0), clamp8(s1), clamp8(s2), a
	}
}

type tap32 struct {
	i int
	w float32
}

func taps32(ws [][]tap) [][]tap32 {
	n := 0
	for _, taps := range ws {
		n += len(taps)
	}
	flat := make([]tap32, 0, n)
	out := make([][]tap32, len(ws))
	for i, taps := range ws {
		start := len(flat)
		for _, t := range taps {
			flat = append(flat, tap32{t.index, float32(t.weight)})
		}
		out[i] = flat[start:len(flat):len(flat)]
	}
	return out
}

func clampF(v float32) float32 { return max(0, min(255, v)) }

func clamp8(v float32) uint8 {
	switch {
	case v <= 0:
		return 0
	case v >= 255:
		return 255
	}
	return uint8(v + 0.5)
}

// plane is an 8-bit pixel buffer with 1 (gray) or 4 (NRGBA) bytes per pixel.
type plane struct {
	pix          []uint8
	stride, w, h int
	bpp          int
	alpha        bool // some pixel is not opaque (4 bpp only)
}

// toPlane views src as 8-bit gray or NRGBA rows, copying only when the
// pixel layout differs.
func toPlane(src image.Image) plane {
	b := src.Bounds()
	w, h := b.Dx(), b.Dy()
	switch m := src.(type) {
	case *image.Gray:
		return plane{pix: m.Pix, stride: m.Stride, w: w, h: h, bpp: 1}
	case *image.Gray16:
		g := image.NewGray(image.Rect(0, 0, w, h))
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				g.Pix[y*g.Stride+x] = m.Pix[y*m.Stride+2*x]
			}
		}
		return plane{pix: g.Pix, stride: g.Stride, w: w, h: h, bpp: 1}
	case *image.NRGBA:
		return plane{pix: m.Pix, stride: m.Stride, w: w, h: h, bpp: 4, alpha: !m.Opaque()}
	case *image.RGBA:
		if m.Opaque() { // premultiplied == non-premultiplied when opaque
			return plane{pix: m.Pix, stride: m.Stride, w: w, h: h, bpp: 4}
		}
	case *image.YCbCr:
		out := image.NewNRGBA(image.Rect(0, 0, w, h))
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				yi, ci := m.YOffset(b.Min.X+x, b.Min.Y+y), m.COffset(b.Min.X+x, b.Min.Y+y)
				r, g, bb := color.YCbCrToRGB(m.Y[yi], m.Cb[ci], m.Cr[ci])
				j := y*out.Stride + 4*x
				out.Pix[j], out.Pix[j+1], out.Pix[j+2], out.Pix[j+3] = r, g, bb, 0xff
			}
		}
		return plane{pix: out.Pix, stride: out.Stride, w: w, h: h, bpp: 4}
	}
	out := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			out.SetNRGBA(x, y, color.NRGBAModel.Convert(src.At(b.Min.X+x, b.Min.Y+y)).(color.NRGBA))
		}
	}
	return plane{pix: out.Pix, stride: out.Stride, w: w, h: h, bpp: 4, alpha: !out.Opaque()}
}

func newPlaneImage(w, h, bpp int) image.Image {
	if bpp == 1 {
		return image.NewGray(image.Rect(0, 0, w, h))
	}
	return image.NewNRGBA(image.Rect(0, 0, w, h))
}

func planePix(img image.Image) ([]uint8, int) {
	if g, ok := img.(*image.Gray); ok {
		return g.Pix, g.Stride
	}
	m := img.(*image.NRGBA)
	return m.Pix, m.Stride
}
