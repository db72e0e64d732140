package gangen

import (
	"image"
	"image/color"
	"image/draw"
	"slices"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// Grid geometry, pixels.
const (
	gridGap     = 2
	gridSection = 12 // between the real and the generated samples
	gridLabelW  = 7*16 + 8
	gridHeaderH = 18
	gridTile    = 64 // tiles are scaled up by an integer factor towards this size
	gridClasses = 32
)

// gridRow is one class of the sample grid.
type gridRow struct {
	class string
	real  []image.Image
	fake  []image.Image
}

// drawGrid draws one row per class: its name, up to n real samples, a gap
// and n generated ones, every tile h x w scaled up by the integer factor
// that brings the longer side closest to 64 pixels without exceeding it
// (at least 1), nearest neighbour.
func drawGrid(rows []gridRow, n, h, w int) *image.RGBA {
	s := max(1, gridTile/max(h, w))
	th, tw := h*s, w*s
	width := gridLabelW + n*(tw+gridGap) + gridSection + n*(tw+gridGap)
	height := gridHeaderH + len(rows)*(th+gridGap) + gridGap
	img := image.NewRGBA(image.Rect(0, 0, width, height))
	draw.Draw(img, img.Bounds(), image.NewUniform(color.Gray{235}), image.Point{}, draw.Src)
	text := func(x, y int, s string) {
		d := font.Drawer{Dst: img, Src: image.NewUniform(color.Gray{40}), Face: basicfont.Face7x13, Dot: fixed.P(x, y)}
		d.DrawString(s)
	}
	fakeX := gridLabelW + n*(tw+gridGap) + gridSection
	text(gridLabelW, 13, "real")
	text(fakeX, 13, "generated")
	for r, row := range rows {
		y := gridHeaderH + r*(th+gridGap)
		name := row.class
		if len(name) > 16 {
			name = name[:15] + "~"
		}
		text(4, y+min(th, 13)+(th-min(th, 13))/2, name)
		for i, t := range row.real {
			blit(img, t, gridLabelW+i*(tw+gridGap), y, s)
		}
		for i, t := range row.fake {
			blit(img, t, fakeX+i*(tw+gridGap), y, s)
		}
	}
	return img
}

// blit draws src at (x0, y0) scaled by s (nearest neighbour).
func blit(dst *image.RGBA, src image.Image, x0, y0, s int) {
	b := src.Bounds()
	for y := 0; y < b.Dy()*s; y++ {
		for x := 0; x < b.Dx()*s; x++ {
			dst.Set(x0+x, y0+y, src.At(b.Min.X+x/s, b.Min.Y+y/s))
		}
	}
}

func sortedKeys[K interface{ ~string | ~int }, V any](m map[K]V) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
