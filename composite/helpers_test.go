package composite_test

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"sync"
	"testing"

	"github.com/tailsynth/tailsynth/composite"
	"github.com/tailsynth/tailsynth/media"
)

// memLoader serves images from a map and counts loads per key.
type memLoader struct {
	mu    sync.Mutex
	imgs  map[string]image.Image
	loads map[string]int
}

func newMemLoader(imgs map[string]image.Image) *memLoader {
	return &memLoader{imgs: imgs, loads: map[string]int{}}
}

func (m *memLoader) load(_ context.Context, key string) (image.Image, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.loads[key]++
	img, ok := m.imgs[key]
	if !ok {
		return nil, fmt.Errorf("no image %q", key)
	}
	return img, nil
}

func (m *memLoader) count(key string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.loads[key]
}

// solid returns a w x h NRGBA of one colour.
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

func opts(t *testing.T, layout, size string, fit composite.Fit) composite.Options {
	t.Helper()
	o := composite.DefaultOptions()
	var err error
	if o.Layout, err = composite.ParseLayout(layout); err != nil {
		t.Fatal(err)
	}
	if o.Size, err = media.ParseSize(size); err != nil {
		t.Fatal(err)
	}
	o.Fit = fit
	return o
}

// maxDiff returns the largest per-channel difference of two images of equal
// bounds, compared as 8-bit NRGBA.
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
