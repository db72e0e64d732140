package augment_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/tailsynth/tailsynth/augment"
)

// benchSizes are the sizes of scripts/bench/augment: Fashion-MNIST and an
// ImageNet crop.
var benchSizes = []struct {
	name     string
	w, h, ch int
}{{"28x28gray", 28, 28, 1}, {"224x224rgb", 224, 224, 3}}

// BenchmarkApply times each transform alone, fired on every call, with
// the parameters drawn once.
func BenchmarkApply(b *testing.B) {
	for _, name := range augment.Names() {
		s, _ := augment.NewSpec(name)
		s, _ = s.With("p", augment.Range{1})
		p, err := augment.New([]augment.Spec{s}, augment.Options{})
		if err != nil {
			b.Fatal(err)
		}
		for _, sz := range benchSizes {
			b.Run(fmt.Sprintf("%s/%s", name, sz.name), func(b *testing.B) {
				src := ramp(sz.w, sz.h, sz.ch, 8)
				applied := p.Draw(rand.New(rand.NewPCG(1, 1)), sz.w, sz.h)
				b.ReportAllocs()
				for b.Loop() {
					if _, err := augment.Apply(src, applied, p.Options()); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkAugment times draw + apply of the presets and of the pipeline
// that scripts/bench/augment compares with torchvision.
func BenchmarkAugment(b *testing.B) {
	pipelines := map[string][]augment.Spec{}
	for _, n := range augment.PresetNames() {
		pipelines[n], _ = augment.Preset(n)
	}
	pipelines["bench"] = BenchPipeline()
	for _, n := range []string{"light", "medium", "strong", "bench"} {
		p, err := augment.New(pipelines[n], augment.Options{})
		if err != nil {
			b.Fatal(err)
		}
		for _, sz := range benchSizes {
			b.Run(n+"/"+sz.name, func(b *testing.B) {
				src := ramp(sz.w, sz.h, sz.ch, 8)
				r := rand.New(rand.NewPCG(1, 1))
				b.ReportAllocs()
				for b.Loop() {
					if _, _, err := p.Augment(src, r); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchPipeline is the pipeline of scripts/bench/augment: hflip p 0.5,
// affine p 1 (translate 0.1, rotate 15, scale 0.9..1.1), brightness and
// contrast 0.2 p 1, Gaussian blur p 1 (kernel 5, sigma 0.1..2).
func BenchPipeline() []augment.Spec {
	hf, _ := augment.NewSpec(augment.HorizontalFlip)
	af, _ := augment.NewSpec(augment.Affine)
	af, _ = af.With("p", augment.Range{1})
	af, _ = af.With("translate_percent", augment.Range{-0.1, 0.1})
	af, _ = af.With("rotate", augment.Range{-15, 15})
	bc, _ := augment.NewSpec(augment.RandomBrightnessContrast)
	bc, _ = bc.With("p", augment.Range{1})
	bl, _ := augment.NewSpec(augment.GaussianBlur)
	bl, _ = bl.With("p", augment.Range{1})
	bl, _ = bl.With("blur_limit", augment.Range{5, 5})
	return []augment.Spec{hf, af, bc, bl}
}
