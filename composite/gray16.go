package composite

import (
	"image"
	"math"

	"github.com/disintegration/imaging"
	"github.com/tailsynth/tailsynth/media"
)

// The 16-bit gray path (Options.Keep16). imaging works in 8-bit NRGBA, so
// this file resamples *image.Gray16 with the same kernels and the same
// weight rule as imaging.Resize (separable, horizontal then vertical,
// support widened by the scale factor when downscaling, weights normalised
// to sum 1), accumulating in float64 and rounding to 16 bits.

type tap struct {
	index  int
	weight float64
}

// weights16 mirrors imaging's precomputeWeights: output sample v is centred
// on source coordinate (v+0.5)*src/dst - 0.5.
func weights16(dst, src int, f imaging.ResampleFilter) [][]tap {
	du := float64(src) / float64(dst)
	scale := max(du, 1)
	ru := math.Ceil(scale * f.Support)
	out := make([][]tap, dst)
	flat := make([]tap, 0, dst*(2*int(ru)+2))
	for v := range out {
		fu := (float64(v)+0.5)*du - 0.5
		begin, end := max(int(math.Ceil(fu-ru)), 0), min(int(math.Floor(fu+ru)), src-1)
		var sum float64
		start := len(flat)
		for u := begin; u <= end; u++ {
			if w := f.Kernel((float64(u) - fu) / scale); w != 0 {
				sum += w
				flat = append(flat, tap{u, w})
			}
		}
		taps := flat[start:len(flat):len(flat)]
		for i := range taps {
			taps[i].weight /= sum
		}
		out[v] = taps
	}
	return out
}

// gray16Plane copies a Gray16 (any bounds) into float64 samples.
func gray16Plane(src *image.Gray16) (p []float64, w, h int) {
	b := src.Bounds()
	w, h = b.Dx(), b.Dy()
	p = make([]float64, w*h)
	for y := 0; y < h; y++ {
		row := src.Pix[(y)*src.Stride : (y)*src.Stride+2*w]
		for x := 0; x < w; x++ {
			p[y*w+x] = float64(uint16(row[2*x])<<8 | uint16(row[2*x+1]))
		}
	}
	return p, w, h
}

func clamp16(v float64) uint16 {
	switch {
	case v <= 0:
		return 0
	case v >= 65535:
		return 65535
	}
	return uint16(v + 0.5)
}

func planeToGray16(p []float64, w, h int) *image.Gray16 {
	out := image.NewGray16(image.Rect(0, 0, w, h))
	for i, v := range p {
		u := clamp16(v)
		out.Pix[2*i], out.Pix[2*i+1] = uint8(u>>8), uint8(u)
	}
	return out
}

// resize16 resizes src (any bounds) to w x h. The nearest filter (Support 0)
// picks the source sample under each output centre, as imaging does.
func resize16(src *image.Gray16, w, h int, f imaging.ResampleFilter) *image.Gray16 {
	p, sw, sh := gray16Plane(src)
	if f.Support <= 0 {
		out := make([]float64, w*h)
		for y := 0; y < h; y++ {
			sy := min(int((float64(y)+0.5)*float64(sh)/float64(h)), sh-1)
			for x := 0; x < w; x++ {
				sx := min(int((float64(x)+0.5)*float64(sw)/float64(w)), sw-1)
				out[y*w+x] = p[sy*sw+sx]
			}
		}
		return planeToGray16(out, w, h)
	}
	if sw != w {
		wx := weights16(w, sw, f)
		tmp := make([]float64, w*sh)
		for y := 0; y < sh; y++ {
			row := p[y*sw : (y+1)*sw]
			for x, taps := range wx {
				var s float64
				for _, t := range taps {
					s += row[t.index] * t.weight
				}
				tmp[y*w+x] = math.Max(0, math.Min(65535, s)) // clamp overshoot between passes, as imaging does
			}
		}
		p, sw = tmp, w
	}
	if sh != h {
		wy := weights16(h, sh, f)
		tmp := make([]float64, sw*h)
		for y, taps := range wy {
			for _, t := range taps {
				row := p[t.index*sw : (t.index+1)*sw]
				dst := tmp[y*sw : (y+1)*sw]
				for x := range dst {
					dst[x] += row[x] * t.weight
				}
			}
		}
		p = tmp
	}
	return planeToGray16(p, w, h)
}

// apply16 runs a TileAug on a 16-bit tile with the formulas imaging uses on
// 8 bits, scaled to 65535. bg is the 16-bit background level.
func (t TileAug) apply16(img *image.Gray16, bg uint16) *image.Gray16 {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if t.FlipH {
		img = media.Orientation(2).Apply(img).(*image.Gray16)
	}
	if t.FlipV {
		img = media.Orientation(4).Apply(img).(*image.Gray16)
	}
	if t.Rotate != 0 {
		img = rotate16(img, t.Rotate, bg)
	}
	tone := t.Brightness != 0 || t.Contrast != 0 || (t.Gamma != 0 && t.Gamma != 1)
	if !tone {
		return img
	}
	p, _, _ := gray16Plane(img)
	for i, v := range p {
		x := v / 65535
		if t.Brightness != 0 {
			x = clamp01(x + math.Max(-100, math.Min(100, t.Brightness))/100)
		}
		if t.Contrast != 0 {
			c := (100 + math.Max(-100, math.Min(100, t.Contrast))) / 100
			switch {
			case c >= 2: // +100%: a threshold, as imaging.AdjustContrast
				x = math.Floor(x + 0.5)
			case c > 1:
				x = clamp01(0.5 + (x-0.5)/(2-c)) // imaging's mapping for increases
			default:
				x = clamp01(0.5 + (x-0.5)*c)
			}
		}
		if t.Gamma != 0 && t.Gamma != 1 {
			x = math.Pow(x, 1/math.Max(t.Gamma, 0.0001))
		}
		p[i] = x * 65535
	}
	return planeToGray16(p, w, h)
}

func clamp01(x float64) float64 { return math.Max(0, math.Min(1, x)) }

// rotate16 rotates counter-clockwise by deg about the centre, keeping the
// size; samples are bilinear, and points whose four neighbours fall outside
// the image take bg (neighbours partly outside are weighted with bg, as in
// imaging.Rotate).
func rotate16(img *image.Gray16, deg float64, bg uint16) *image.Gray16 {
	p, w, h := gray16Plane(img)
	sin, cos := math.Sincos(math.Pi * deg / 180)
	cx, cy := float64(w)/2-0.5, float64(h)/2-0.5
	at := func(x, y int) float64 {
		if x < 0 || y < 0 || x >= w || y >= h {
			return float64(bg)
		}
		return p[y*w+x]
	}
	out := make([]float64, w*h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			dx, dy := float64(x)-cx, float64(y)-cy
			xf, yf := dx*cos-dy*sin+cx, dx*sin+dy*cos+cy
			x0, y0 := int(math.Floor(xf)), int(math.Floor(yf))
			if x0 < -1 || y0 < -1 || x0 >= w || y0 >= h {
				out[y*w+x] = float64(bg)
				continue
			}
			xq, yq := xf-float64(x0), yf-float64(y0)
			out[y*w+x] = at(x0, y0)*(1-xq)*(1-yq) + at(x0+1, y0)*xq*(1-yq) +
				at(x0, y0+1)*(1-xq)*yq + at(x0+1, y0+1)*xq*yq
		}
	}
	return planeToGray16(out, w, h)
}
