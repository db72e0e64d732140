package composite

import (
	"fmt"
	"image"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/disintegration/imaging"
)

// resample8Ref is resample8 as it was before the vertical pass summed per
// output byte in registers (verticalU8, verticalF32): the reference that
// the faster pass must match bit for bit.
func resample8Ref(src image.Image, w, h int, f imaging.ResampleFilter) image.Image {
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
	acc := make([]float32, rowLen)
	var wy [][]tap32
	if sh != h {
		wy = taps32(weights16(h, sh, f))
	}
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

// TestResample8MatchesReference: resample8 gives exactly the pixels of
// resample8Ref, for gray, opaque and translucent sources, with and without
// a horizontal pass, down- and upscaling, for every filter.
func TestResample8MatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	gray := image.NewGray(image.Rect(0, 0, 45, 31))
	rgb := image.NewNRGBA(image.Rect(0, 0, 45, 31))
	alpha := image.NewNRGBA(rgb.Rect)
	for i := range gray.Pix {
		gray.Pix[i] = uint8(r.IntN(256))
	}
	for i := range rgb.Pix {
		rgb.Pix[i], alpha.Pix[i] = uint8(r.IntN(256)), uint8(r.IntN(256))
		if i%4 == 3 {
			rgb.Pix[i] = 0xff
		}
	}
	srcs := map[string]image.Image{"gray": gray, "rgb": rgb, "alpha": alpha, "sub": rgb.SubImage(image.Rect(3, 2, 40, 29))}
	for name, src := range srcs {
		for _, fname := range []string{"nearest", "linear", "lanczos", "catmullrom", "box"} {
			f, _ := ParseFilter(fname)
			b := src.Bounds()
			for _, sz := range [][2]int{{b.Dx(), 10}, {b.Dx(), 70}, {17, 10}, {90, 13}, {7, b.Dy()}, {1, 1}} {
				got, want := resample8(src, sz[0], sz[1], f), resample8Ref(src, sz[0], sz[1], f)
				if !reflect.DeepEqual(got, want) {
					t.Errorf("%s/%s/%dx%d: pixels differ from the reference", name, fname, sz[0], sz[1])
				}
			}
		}
	}
}

// BenchmarkResample8: one 224x224 RGB source to a 224x75 tile (the 3x1
// benchmark's vertical-only resize) and to 100x75 (both passes), against
// the reference implementation.
func BenchmarkResample8(b *testing.B) {
	r := rand.New(rand.NewPCG(4, 4))
	src := image.NewNRGBA(image.Rect(0, 0, 224, 224))
	for i := range src.Pix {
		src.Pix[i] = uint8(r.IntN(256)) | uint8(i%4/3*0xff)
	}
	f, _ := ParseFilter("lanczos")
	for _, sz := range [][2]int{{224, 75}, {100, 75}} {
		for _, impl := range []struct {
			name string
			fn   func(image.Image, int, int, imaging.ResampleFilter) image.Image
		}{{"resample8", resample8}, {"reference", resample8Ref}} {
			b.Run(fmt.Sprintf("%dx%d/%s", sz[0], sz[1], impl.name), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					impl.fn(src, sz[0], sz[1], f)
				}
			})
		}
	}
}
