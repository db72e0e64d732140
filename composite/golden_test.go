package composite_test

import (
	"context"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/tailsynth/tailsynth/composite"
)

var update = flag.Bool("update", false, "rewrite the golden PNGs in testdata/")

// goldenTolerance is the largest per-channel difference (out of 255)
// accepted against a golden PNG. Resampling runs in float64; 1 level absorbs
// rounding differences between CPU architectures (for example fused
// multiply-add on arm64).
const goldenTolerance = 1

// TestGolden renders every layout in every fit mode from three synthetic
// sources of different aspect ratios (wide 40x20, tall 20x40, square 30x30)
// into a 48x48 composite, and compares with testdata/golden_<layout>_<fit>.png.
// Regenerate with: go test ./composite -run TestGolden -update
func TestGolden(t *testing.T) {
	srcs := map[string]image.Image{
		"wide":   pattern(40, 20, color.NRGBA{R: 0xff, G: 0x40, B: 0x40}),
		"tall":   pattern(20, 40, color.NRGBA{R: 0x40, G: 0xff, B: 0x40}),
		"square": pattern(30, 30, color.NRGBA{R: 0x40, G: 0x40, B: 0xff}),
	}
	order := []string{"wide", "tall", "square"}
	for _, layout := range []string{"1x3", "3x1", "2x2", "3x3"} {
		for _, fit := range []composite.Fit{composite.FitStretch, composite.FitContain, composite.FitFill} {
			name := fmt.Sprintf("golden_%s_%s.png", layout, fit)
			t.Run(name, func(t *testing.T) {
				o := opts(t, layout, "48", fit)
				o.Background = color.NRGBA{R: 0x80, G: 0x80, B: 0x80, A: 0xff}
				plan := composite.Plan{Class: "c"}
				for i := range o.Layout.Tiles() {
					plan.Sources = append(plan.Sources, order[i%len(order)])
				}
				got, err := composite.Compose(context.Background(), plan, newMemLoader(srcs).load, o)
				if err != nil {
					t.Fatal(err)
				}
				path := filepath.Join("testdata", name)
				if *update {
					f, err := os.Create(path)
					if err != nil {
						t.Fatal(err)
					}
					if err := png.Encode(f, got); err != nil {
						t.Fatal(err)
					}
					if err := f.Close(); err != nil {
						t.Fatal(err)
					}
					return
				}
				f, err := os.Open(path)
				if err != nil {
					t.Fatalf("%v (run with -update to create it)", err)
				}
				defer f.Close()
				want, err := png.Decode(f)
				if err != nil {
					t.Fatal(err)
				}
				d, err := maxDiff(got, want)
				if err != nil {
					t.Fatal(err)
				}
				if d > goldenTolerance {
					t.Errorf("max channel difference %d, want <= %d", d, goldenTolerance)
				}
			})
		}
	}
}
