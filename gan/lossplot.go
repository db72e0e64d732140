package gan

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"math"
	"strconv"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// Colours of the loss-curve series.
var (
	colCritic = color.RGBA{200, 40, 40, 255} // critic loss
	colGen    = color.RGBA{40, 80, 200, 255} // generator loss
	colWass   = color.RGBA{30, 150, 60, 255} // Wasserstein estimate
	colAxis   = color.RGBA{60, 60, 60, 255}  // axes and text
	colGrid   = color.RGBA{225, 225, 225, 255}
)

// LossCurve plots critic loss, generator loss and the Wasserstein estimate
// of history against the step, with a labelled y axis, the first and last
// step on the x axis and a legend, on a w x h white image (w >= 200, h >= 120).
func LossCurve(history []StepStats, w, h int) (*image.RGBA, error) {
	if w < 200 || h < 120 {
		return nil, fmt.Errorf("gan: loss curve of %dx%d pixels, want at least 200x120", w, h)
	}
	if len(history) == 0 {
		return nil, fmt.Errorf("gan: empty loss history")
	}
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	const left, right, top, bottom = 64, 12, 22, 24
	plot := image.Rect(left, top, w-right, h-bottom)

	series := []struct {
		name string
		col  color.RGBA
		get  func(StepStats) float64
	}{
		{"critic", colCritic, func(s StepStats) float64 { return s.CriticLoss }},
		{"generator", colGen, func(s StepStats) float64 { return s.GenLoss }},
		{"wasserstein", colWass, func(s StepStats) float64 { return s.Wasserstein }},
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, s := range history {
		for _, se := range series {
			if v := se.get(s); !math.IsNaN(v) && !math.IsInf(v, 0) {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
	}
	if lo > hi {
		lo, hi = -1, 1
	}
	if hi-lo < 1e-9 {
		lo, hi = lo-1, hi+1
	}
	s0, s1 := float64(history[0].Step), float64(history[len(history)-1].Step)
	if s1 == s0 {
		s1 = s0 + 1
	}
	px := func(step float64) int {
		return plot.Min.X + int(math.Round((step-s0)/(s1-s0)*float64(plot.Dx()-1)))
	}
	py := func(v float64) int {
		return plot.Max.Y - 1 - int(math.Round((v-lo)/(hi-lo)*float64(plot.Dy()-1)))
	}
	// grid and y labels
	for i := 0; i <= 4; i++ {
		v := lo + (hi-lo)*float64(i)/4
		y := py(v)
		line(img, plot.Min.X, y, plot.Max.X-1, y, colGrid)
		label(img, 2, y+4, strconv.FormatFloat(v, 'g', 4, 64), colAxis)
	}
	if lo < 0 && hi > 0 {
		line(img, plot.Min.X, py(0), plot.Max.X-1, py(0), colAxis)
	}
	line(img, plot.Min.X, plot.Min.Y, plot.Min.X, plot.Max.Y-1, colAxis)
	line(img, plot.Min.X, plot.Max.Y-1, plot.Max.X-1, plot.Max.Y-1, colAxis)
	label(img, plot.Min.X, h-6, "step "+strconv.Itoa(history[0].Step), colAxis)
	last := "step " + strconv.Itoa(history[len(history)-1].Step)
	label(img, plot.Max.X-7*len(last), h-6, last, colAxis)
	// series
	for _, se := range series {
		prevX, prevY, ok := 0, 0, false
		for _, s := range history {
			v := se.get(s)
			if math.IsNaN(v) || math.IsInf(v, 0) {
				ok = false
				continue
			}
			x, y := px(float64(s.Step)), py(v)
			if ok {
				line(img, prevX, prevY, x, y, se.col)
			} else {
				img.Set(x, y, se.col)
			}
			prevX, prevY, ok = x, y, true
		}
	}
	// legend
	x := left
	for _, se := range series {
		draw.Draw(img, image.Rect(x, 8, x+10, 16), image.NewUniform(se.col), image.Point{}, draw.Src)
		label(img, x+14, 16, se.name, colAxis)
		x += 14 + 7*len(se.name) + 16
	}
	return img, nil
}

// line draws a 1-pixel line with Bresenham's algorithm.
func line(img *image.RGBA, x0, y0, x1, y1 int, c color.RGBA) {
	dx, dy := abs(x1-x0), -abs(y1-y0)
	sx, sy := 1, 1
	if x0 > x1 {
		sx = -1
	}
	if y0 > y1 {
		sy = -1
	}
	e := dx + dy
	for {
		img.SetRGBA(x0, y0, c)
		if x0 == x1 && y0 == y1 {
			return
		}
		e2 := 2 * e
		if e2 >= dy {
			e += dy
			x0 += sx
		}
		if e2 <= dx {
			e += dx
			y0 += sy
		}
	}
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// label draws s with its baseline at y, using the 7x13 basic font.
func label(img *image.RGBA, x, y int, s string, c color.RGBA) {
	d := font.Drawer{Dst: img, Src: image.NewUniform(c), Face: basicfont.Face7x13, Dot: fixed.P(x, y)}
	d.DrawString(s)
}
