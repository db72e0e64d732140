// Command gobench times package augment on the pipeline that
// bench_torch.py runs with torchvision, on one core: n seeded random
// images per size, a warm-up pass, then the best of -rounds timed passes.
// Each image is timed from a decoded image.Image to an image.Image (the
// conversions to and from planar float32 included), as torchvision is
// timed from a uint8 tensor (or PIL image) to one.
//
// Output, one line per size: "go <size> <images/s>".
package main

import (
	"flag"
	"fmt"
	"image"
	"math/rand/v2"
	"os"
	"runtime"
	"time"

	"github.com/tailsynth/tailsynth/augment"
)

func main() {
	n := flag.Int("n", 200, "images per size")
	rounds := flag.Int("rounds", 3, "timed passes (the best is printed)")
	flag.Parse()
	runtime.GOMAXPROCS(1)
	p, err := augment.New(benchPipeline(), augment.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for _, sz := range []struct {
		name string
		w, h int
		gray bool
	}{{"28x28gray", 28, 28, true}, {"224x224rgb", 224, 224, false}} {
		imgs := make([]image.Image, *n)
		for i := range imgs {
			imgs[i] = randomImage(uint64(i), sz.w, sz.h, sz.gray)
		}
		pass := func(seed uint64) time.Duration {
			r := rand.New(rand.NewPCG(seed, 0))
			start := time.Now()
			for _, img := range imgs {
				out, _, err := p.Augment(augment.FromImage(img), r)
				if err != nil {
					panic(err)
				}
				_ = out.Image()
			}
			return time.Since(start)
		}
		pass(1000) // warm-up
		best := time.Duration(1<<63 - 1)
		for k := range *rounds {
			best = min(best, pass(uint64(k)))
		}
		fmt.Printf("go %s %.1f\n", sz.name, float64(*n)/best.Seconds())
	}
}

// benchPipeline is the pipeline of bench_torch.py: horizontal flip p 0.5;
// affine always (translate ±10%, rotate ±15°, scale 0.9..1.1, bilinear);
// brightness and contrast ±0.2 always; Gaussian blur always (kernel 5,
// sigma 0.1..2).
func benchPipeline() []augment.Spec {
	must := func(s augment.Spec, err error) augment.Spec {
		if err != nil {
			panic(err)
		}
		return s
	}
	hf := must(augment.NewSpec(augment.HorizontalFlip))
	af := must(augment.NewSpec(augment.Affine))
	af = must(af.With("p", augment.Range{1}))
	af = must(af.With("translate_percent", augment.Range{-0.1, 0.1}))
	af = must(af.With("rotate", augment.Range{-15, 15}))
	af = must(af.With("scale", augment.Range{0.9, 1.1}))
	bc := must(augment.NewSpec(augment.RandomBrightnessContrast))
	bc = must(bc.With("p", augment.Range{1}))
	bl := must(augment.NewSpec(augment.GaussianBlur))
	bl = must(bl.With("p", augment.Range{1}))
	bl = must(bl.With("blur_limit", augment.Range{5, 5}))
	bl = must(bl.With("sigma_limit", augment.Range{0.1, 2}))
	return []augment.Spec{hf, af, bc, bl}
}

// randomImage is a smooth random image (a few blobs on a gradient), gray or
// opaque RGB.
func randomImage(seed uint64, w, h int, gray bool) image.Image {
	r := rand.New(rand.NewPCG(seed, 7))
	level := func(x, y, c int) uint8 {
		v := 40 + 120*float64(x)/float64(w) + 60*float64(y)/float64(h) + float64(30*c)
		return uint8(min(max(v+20*r.NormFloat64(), 0), 255))
	}
	if gray {
		m := image.NewGray(image.Rect(0, 0, w, h))
		for y := range h {
			for x := range w {
				m.Pix[y*m.Stride+x] = level(x, y, 0)
			}
		}
		return m
	}
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			i := y*m.Stride + 4*x
			m.Pix[i], m.Pix[i+1], m.Pix[i+2], m.Pix[i+3] = level(x, y, 0), level(x, y, 1), level(x, y, 2), 255
		}
	}
	return m
}
