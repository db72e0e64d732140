package composite

import (
	"fmt"
	"image"
	"image/color"
	"testing"

	"github.com/disintegration/imaging"
)

// TestResample8MatchesImaging: resample8 agrees with imaging.Resize to
// within one level per channel (float32 here, float64 there) for every
// source type the decoders produce, down- and upscaling, with and without
// alpha. Fully transparent pixels are skipped: their colour is undefined.
func TestResample8MatchesImaging(t *testing.T) {
	const w, h = 37, 23
	nrgba := image.NewNRGBA(image.Rect(0, 0, w, h))
	alpha := image.NewNRGBA(nrgba.Rect)
	gray := image.NewGray(nrgba.Rect)
	pal := image.NewPaletted(nrgba.Rect, color.Palette{color.Black, color.White, color.NRGBA{200, 10, 10, 255}, color.NRGBA{10, 200, 10, 255}})
	ycc := image.NewYCbCr(nrgba.Rect, image.YCbCrSubsampleRatio420)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := func(k int) uint8 { return uint8((x*31 + y*17 + k*50 + x*y) % 256) }
			nrgba.SetNRGBA(x, y, color.NRGBA{v(0), v(1), v(2), 255})
			alpha.SetNRGBA(x, y, color.NRGBA{v(0), v(1), v(2), uint8(40 + (x*y)%200)})
			gray.SetGray(x, y, color.Gray{v(3)})
			pal.SetColorIndex(x, y, uint8((x/3+y/2)%4))
			ycc.Y[ycc.YOffset(x, y)] = v(4)
			ycc.Cb[ycc.COffset(x, y)], ycc.Cr[ycc.COffset(x, y)] = v(5), v(6)
		}
	}
	rgba := image.NewRGBA(nrgba.Rect)
	copy(rgba.Pix, nrgba.Pix) // opaque: same bytes
	srcs := map[string]image.Image{"nrgba": nrgba, "alpha": alpha, "gray": gray, "rgba": rgba, "paletted": pal, "ycbcr": ycc,
		"subimage": nrgba.SubImage(image.Rect(5, 3, 30, 20))}
	for name, src := range srcs {
		for _, fname := range []string{"nearest", "linear", "lanczos", "catmullrom", "box"} {
			f, _ := ParseFilter(fname)
			for _, sz := range [][2]int{{11, 7}, {80, 50}, {37, 9}, {12, 23}} {
				t.Run(fmt.Sprintf("%s/%s/%dx%d", name, fname, sz[0], sz[1]), func(t *testing.T) {
					got := resample8(src, sz[0], sz[1], f)
					want := imaging.Resize(src, sz[0], sz[1], f)
					worst := 0
					for y := 0; y < sz[1]; y++ {
						for x := 0; x < sz[0]; x++ {
							g := color.NRGBAModel.Convert(got.At(x, y)).(color.NRGBA)
							w := want.NRGBAAt(x, y)
							if w.A == 0 && g.A == 0 {
								continue
							}
							for _, d := range []int{int(g.R) - int(w.R), int(g.G) - int(w.G), int(g.B) - int(w.B), int(g.A) - int(w.A)} {
								worst = max(worst, d, -d)
							}
						}
					}
					// Alpha: imaging rounds colour to 8 bits between passes;
					// at low alpha that rounding is amplified on division (2 seen).
					tol := 1
					if name == "alpha" {
						tol = 2
					}
					if worst > tol {
						t.Errorf("max difference %d, want <= %d", worst, tol)
					}
				})
			}
		}
	}
}
