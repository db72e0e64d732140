package media_test

import (
	"fmt"
	"image"
	"image/color"
)

func solid(w, h int, c color.NRGBA) *image.NRGBA {
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < len(m.Pix); i += 4 {
		m.Pix[i], m.Pix[i+1], m.Pix[i+2], m.Pix[i+3] = c.R, c.G, c.B, c.A
	}
	return m
}

// pattern returns a w x h RGB image with a diagonal gradient in hue h0, a
// bright 1/4-size marker in the top-left corner (shows orientation) and a
// dark border row at the bottom.
func pattern(w, h int, base color.NRGBA) *image.NRGBA {
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			t := float64(x+y) / float64(w+h)
			c := color.NRGBA{
				R: uint8(float64(base.R) * (0.4 + 0.6*t)),
				G: uint8(float64(base.G) * (0.4 + 0.6*t)),
				B: uint8(float64(base.B) * (0.4 + 0.6*t)),
				A: 0xff,
			}
			switch {
			case x < w/4 && y < h/4:
				c = color.NRGBA{R: 0xff, G: 0xff, B: 0xff, A: 0xff}
			case y == h-1:
				c = color.NRGBA{A: 0xff}
			}
			m.SetNRGBA(x, y, c)
		}
	}
	return m
}

var (
	red   = color.NRGBA{R: 0xff, A: 0xff}
	green = color.NRGBA{G: 0xff, A: 0xff}
	blue  = color.NRGBA{B: 0xff, A: 0xff}
)

func nrgbaAt(img image.Image, x, y int) color.NRGBA {
	return color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
}

func grayImg(w, h int, v uint8) *image.Gray {
	m := image.NewGray(image.Rect(0, 0, w, h))
	for i := range m.Pix {
		m.Pix[i] = v
	}
	return m
}

func gray16Img(w, h int, v uint16) *image.Gray16 {
	m := image.NewGray16(image.Rect(0, 0, w, h))
	for i := 0; i < len(m.Pix); i += 2 {
		m.Pix[i], m.Pix[i+1] = uint8(v>>8), uint8(v)
	}
	return m
}

func typeName(img image.Image) string {
	switch img.(type) {
	case *image.Gray:
		return "*image.Gray"
	case *image.Gray16:
		return "*image.Gray16"
	case *image.NRGBA:
		return "*image.NRGBA"
	case *image.RGBA:
		return "*image.RGBA"
	}
	return "other"
}

func maxDiff(a, b image.Image) (int, error) {
	if a.Bounds() != b.Bounds() {
		return 0, fmt.Errorf("bounds %v, want %v", a.Bounds(), b.Bounds())
	}
	worst := 0
	r := a.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			ca := color.NRGBAModel.Convert(a.At(x, y)).(color.NRGBA)
			cb := color.NRGBAModel.Convert(b.At(x, y)).(color.NRGBA)
			for _, d := range []int{int(ca.R) - int(cb.R), int(ca.G) - int(cb.G), int(ca.B) - int(cb.B), int(ca.A) - int(cb.A)} {
				worst = max(worst, d, -d)
			}
		}
	}
	return worst, nil
}
