package composite_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"testing"

	"github.com/tailsynth/tailsynth/composite"
	"github.com/tailsynth/tailsynth/media"
)

// BenchmarkCompose renders a 3x1 stretch composite (sources the size of the
// output), with and without PNG encoding, for 28x28 gray and 224x224 RGB.
// Sources are in memory: this measures resize + paste (+ encode), not
// decoding; scripts/bench/composite measures the whole path against Pillow.
func BenchmarkCompose(b *testing.B) {
	for _, tc := range []struct {
		side int
		gray bool
	}{{28, true}, {224, false}, {512, false}} {
		srcs := map[string]image.Image{}
		for i, k := range []string{"a", "b", "c"} {
			if tc.gray {
				srcs[k] = grayImg(tc.side, tc.side, uint8(40*i+20))
			} else {
				srcs[k] = pattern(tc.side, tc.side, color.NRGBA{R: uint8(80 * i), G: 200, B: 90, A: 255})
			}
		}
		for _, filter := range []string{"linear", "lanczos"} {
			o := composite.DefaultOptions()
			o.Size = media.Size{W: tc.side, H: tc.side}
			o.Filter = filter
			r, err := composite.NewRenderer(o, newMemLoader(srcs).load, nil)
			if err != nil {
				b.Fatal(err)
			}
			p := plan3("a", "b", "c")
			b.Run(fmt.Sprintf("side=%d/%s/compose", tc.side, filter), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := r.Compose(context.Background(), p); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run(fmt.Sprintf("side=%d/%s/compose+png", tc.side, filter), func(b *testing.B) {
				b.ReportAllocs()
				enc := png.Encoder{CompressionLevel: png.BestSpeed}
				var buf bytes.Buffer
				for b.Loop() {
					img, err := r.Compose(context.Background(), p)
					if err != nil {
						b.Fatal(err)
					}
					buf.Reset()
					if err := enc.Encode(&buf, img); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkPlanner: planning 10,000 composites from a class of 6,000
// images in a 3x3 layout (rejection sampling in a space of 2.8e28).
func BenchmarkPlanner(b *testing.B) {
	files := classFiles(map[string]int{"a": 6000})
	l, _ := composite.ParseLayout("3x3")
	p := composite.NewPlanner(l, 1)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.Minority(files, map[string]int{"a": 10000}); err != nil {
			b.Fatal(err)
		}
	}
}
