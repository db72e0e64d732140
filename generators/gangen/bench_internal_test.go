package gangen

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/tailsynth/tailsynth/gan"
)

// BenchmarkSample measures one generated 28x28 gray sample, sampling (a
// 64-sample forward pass per 64 samples) and PNG encoding, for conv
// widths 16 and 64.
func BenchmarkSample(b *testing.B) {
	for _, base := range []int{16, 64} {
		b.Run(fmt.Sprintf("base=%d", base), func(b *testing.B) {
			cfg := gan.DefaultConfig(28, 28, 1, 2)
			cfg.Base = base
			m, err := gan.NewModel(cfg)
			if err != nil {
				b.Fatal(err)
			}
			s := newSampler(m, 1, []string{"a", "b"})
			c := &imageCodec{h: 28, w: 28, c: 1}
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				x, err := s.get(context.Background(), "a", i)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := c.encode(context.Background(), x, "a", i); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkMemorization measures the nearest-neighbour check of one
// generated 28x28 sample against reference sets of 60 and 1000 images.
func BenchmarkMemorization(b *testing.B) {
	for _, n := range []int{60, 1000} {
		b.Run(fmt.Sprintf("reference=%d", n), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 2))
			d := &trainSet{classes: []string{"a"}, h: 28, w: 28, c: 1, byClass: [][]int{nil}}
			for i := range n {
				for range 784 {
					d.x = append(d.x, rng.Float32()*2-1)
				}
				d.labels, d.keys, d.byClass[0] = append(d.labels, 0), append(d.keys, "k"), append(d.byClass[0], i)
			}
			x := d.sample(0)
			m := newMemCheck(d, 1<<30)
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				m.observe("a", i, x)
			}
		})
	}
}
