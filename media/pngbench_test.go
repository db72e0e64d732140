package media_test

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/tailsynth/tailsynth/media"
)

// noisyRGB is a w x h opaque image like the benchmark's sources: smooth
// waves plus uniform noise of +-20 levels.
func noisyRGB(w, h int) *image.NRGBA {
	r := rand.New(rand.NewPCG(5, 5))
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			for c := range 3 {
				v := 128 + 60*math.Sin(2*math.Pi*3*float64(x)/float64(w)+float64(c)) + 40*math.Sin(2*math.Pi*2*float64(y)/float64(h)) + float64(r.IntN(40)) - 20
				m.Pix[m.PixOffset(x, y)+c] = uint8(max(0, min(255, v)))
			}
			m.Pix[m.PixOffset(x, y)+3] = 255
		}
	}
	return m
}

// BenchmarkPNG: encode (Encoder vs image/png via NewPNGEncoder, both at
// png.DefaultCompression) and decode (Decode vs image/png) of a noisy RGB
// image; "B/file" is the encoded size.
func BenchmarkPNG(b *testing.B) {
	for _, side := range []int{224, 512} {
		img := noisyRGB(side, side)
		fast, std := media.NewEncoder(png.DefaultCompression), media.NewPNGEncoder(png.DefaultCompression)
		var file []byte
		for _, e := range []struct {
			name string
			enc  func(*bytes.Buffer) error
		}{
			{"Encoder", func(w *bytes.Buffer) error { return fast.Encode(w, img) }},
			{"image-png", func(w *bytes.Buffer) error { return std.Encode(w, img) }},
		} {
			b.Run(fmt.Sprintf("side=%d/encode/%s", side, e.name), func(b *testing.B) {
				b.ReportAllocs()
				var buf bytes.Buffer
				for b.Loop() {
					buf.Reset()
					if err := e.enc(&buf); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(buf.Len()), "B/file")
				file = bytes.Clone(buf.Bytes())
			})
		}
		for _, d := range []struct {
			name string
			dec  func([]byte) (image.Image, error)
		}{
			{"Decode", func(p []byte) (image.Image, error) { return media.DecodeBytes(p, media.DecodeOptions{}) }},
			{"image-png", func(p []byte) (image.Image, error) { return png.Decode(bytes.NewReader(p)) }},
		} {
			b.Run(fmt.Sprintf("side=%d/decode/%s", side, d.name), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := d.dec(file); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
