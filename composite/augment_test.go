package composite_test

import (
	"context"
	"image"
	"reflect"
	"testing"

	"github.com/tailsynth/tailsynth/composite"
)

func TestAugmentDrawRangesAndRender(t *testing.T) {
	aug := composite.Augment{FlipH: 0.5, FlipV: 0.5, Rotate: 8, Brightness: 10, Contrast: 15, Gamma: 0.2}
	files := classFiles(map[string]int{"a": 5})
	p := planner(t, "2x2", 11)
	p.Augment = aug
	res, err := p.Minority(files, map[string]int{"a": 40})
	if err != nil {
		t.Fatal(err)
	}
	flips := 0
	for _, pl := range res.Plans {
		for _, ta := range pl.Augment {
			if ta.Rotate < -8 || ta.Rotate > 8 || ta.Brightness < -10 || ta.Brightness > 10 ||
				ta.Contrast < -15 || ta.Contrast > 15 || ta.Gamma < 0.8 || ta.Gamma > 1.2 {
				t.Fatalf("augmentation %+v outside the configured ranges", ta)
			}
			if ta.FlipH {
				flips++
			}
		}
	}
	if flips < 40 || flips > 120 { // 160 tiles, p = 0.5
		t.Errorf("%d of 160 tiles flipped, want about 80", flips)
	}

	imgs := map[string]image.Image{}
	g16 := map[string]image.Image{}
	for i, k := range files["a"] {
		imgs[k] = pattern(24+4*i, 24, red)
		g16[k] = gray16Img(24, 20+i, uint16(9000*i+1234))
	}
	for name, srcs := range map[string]map[string]image.Image{"8-bit": imgs, "16-bit": g16} {
		for _, fit := range []composite.Fit{composite.FitStretch, composite.FitContain} {
			o := opts(t, "2x2", "40", fit)
			o.Keep16 = true
			r, err := composite.NewRenderer(o, newMemLoader(srcs).load, composite.NewCache(0))
			if err != nil {
				t.Fatal(err)
			}
			a, err := r.Compose(context.Background(), res.Plans[3])
			if err != nil {
				t.Fatal(err)
			}
			b, err := r.Compose(context.Background(), res.Plans[3]) // from the cache
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(a, b) {
				t.Errorf("%s %s: rendering the same plan twice differs", name, fit)
			}
			if a.Bounds() != image.Rect(0, 0, 40, 40) {
				t.Errorf("%s %s: bounds %v", name, fit, a.Bounds())
			}
			if name == "16-bit" && typeName(a) != "*image.Gray16" {
				t.Errorf("16-bit augmented composite is %s, want *image.Gray16", typeName(a))
			}
		}
	}
}

// TestAugment16Tone: brightness +10% on a 16-bit tile adds 6553.5 levels,
// as imaging adds 25.5 on 8 bits.
func TestAugment16Tone(t *testing.T) {
	src := gray16Img(8, 8, 20000)
	o := opts(t, "1x1", "8", composite.FitStretch)
	o.Keep16 = true
	p := plan3("s")
	p.Augment = []composite.TileAug{{Brightness: 10}}
	img, err := composite.Compose(context.Background(), p, newMemLoader(map[string]image.Image{"s": src}).load, o)
	if err != nil {
		t.Fatal(err)
	}
	if got := img.(*image.Gray16).Gray16At(3, 3).Y; got != 26554 {
		t.Errorf("got %d, want 26554 (20000 + 6553.5 rounded)", got)
	}
}
