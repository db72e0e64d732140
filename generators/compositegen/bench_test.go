package compositegen_test

import (
	"context"
	"fmt"
	"image"
	"testing"

	"github.com/tailsynth/tailsynth/generators/compositegen"
)

// BenchmarkGenerate measures one composite (render from cached tiles and
// PNG encoding) of a 3x1 224x224 job over 128x128 RGB noise sources, per
// PNG level. Start (decoding every source once) is outside the timing.
//
//	go test -run=NONE -bench=Generate -benchmem ./generators/compositegen/
func BenchmarkGenerate(b *testing.B) {
	root := b.TempDir()
	ds := newDataset(b, root)
	for i := range 24 {
		m := image.NewNRGBA(image.Rect(0, 0, 128, 128))
		for p := range m.Pix {
			m.Pix[p] = uint8(p*31 + i*17 + p/513)
			if p%4 == 3 {
				m.Pix[p] = 0xff
			}
		}
		ds.write(fmt.Sprintf("a/%02d.png", i), encodePNG(b, m))
	}
	for _, level := range []string{"default", "speed"} {
		b.Run("png_level="+level, func(b *testing.B) {
			e := env(b, root, map[string]int{"a": 256})
			e.Params = []byte(`{"size":224,"png_level":"` + level + `"}`)
			run, err := compositegen.Generator{}.Start(context.Background(), e)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if _, err := run.Generate(context.Background(), "a", i%256); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}
