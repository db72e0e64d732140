package gan

import (
	"context"
	"errors"
	"image"
	"slices"
	"strings"
	"testing"
)

func collect(t *testing.T, m *Model, class, n int, seed int64) [][]float32 {
	t.Helper()
	var out [][]float32
	err := m.Sample(context.Background(), class, n, seed, func(i int, x []float32) error {
		if i != len(out) {
			t.Fatalf("sample index %d, want %d", i, len(out))
		}
		out = append(out, slices.Clone(x))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestSampleSeeded: the same seed gives the same samples, a sample does not
// depend on n (70 crosses a batch boundary), and another seed or class
// changes it.
func TestSampleSeeded(t *testing.T) {
	cfg := DefaultConfig(8, 8, 1, 3)
	cfg.Base, cfg.ZDim = 4, 8
	m, err := NewModel(cfg)
	if err != nil {
		t.Fatal(err)
	}
	// untrained class gains and biases are all 1 and 0: make classes differ
	for _, p := range m.gen.list {
		if strings.HasSuffix(p.name, "/bias") {
			d := p.t.Data().([]float32)
			for i := range d {
				d[i] = float32(i%5) * 0.1
			}
		}
	}
	long := collect(t, m, 1, 70, 42)
	short := collect(t, m, 1, 3, 42)
	if len(long) != 70 {
		t.Fatalf("got %d samples, want 70", len(long))
	}
	for i := range short {
		if !slices.Equal(short[i], long[i]) {
			t.Errorf("sample %d differs between n=3 and n=70", i)
		}
	}
	if slices.Equal(collect(t, m, 1, 1, 43)[0], long[0]) {
		t.Error("seed 43 gave the same sample as seed 42")
	}
	if slices.Equal(collect(t, m, 2, 1, 42)[0], long[0]) {
		t.Error("class 2 gave the same sample as class 1")
	}
	if slices.Equal(long[0], long[1]) {
		t.Error("samples 0 and 1 are equal")
	}
	stop := errors.New("stop")
	calls := 0
	err = m.Sample(context.Background(), 0, 10, 1, func(int, []float32) error { calls++; return stop })
	if !errors.Is(err, stop) || calls != 1 {
		t.Errorf("callback error: got %v after %d calls, want stop after 1", err, calls)
	}
	if err := m.Sample(context.Background(), 3, 1, 1, func(int, []float32) error { return nil }); err == nil {
		t.Error("class 3 of 3: got nil error")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := m.Sample(ctx, 0, 1, 1, func(int, []float32) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled ctx: got %v", err)
	}
}

func TestImageRoundTrip(t *testing.T) {
	x := []float32{-1, 0, 1, -2, 0.5, 2} // 1x2x3; out-of-range values clip
	img, err := SampleToImage(x, 1, 2, 3)
	if err != nil {
		t.Fatal(err)
	}
	rgba := img.(*image.RGBA)
	if got, want := rgba.Pix[:8], []uint8{0, 128, 255, 255, 0, 191, 255, 255}; !slices.Equal(got, want) {
		t.Errorf("pixels %v, want %v", got, want)
	}
	back := make([]float32, 6)
	if err := ImageToSample(img, 3, back); err != nil {
		t.Fatal(err)
	}
	for i, want := range []float32{-1, 0.0039215, 1, -1, 0.4980392, 1} {
		if d := back[i] - want; d > 1e-6 || d < -1e-6 {
			t.Errorf("value %d: got %v, want %v", i, back[i], want)
		}
	}
	if _, err := SampleToImage(x, 1, 3, 2); err == nil {
		t.Error("2 channels: got nil error")
	}
	g, err := SampleToImage([]float32{-1, 1}, 1, 2, 1)
	if err != nil || g.(*image.Gray).Pix[1] != 255 {
		t.Errorf("grey: %v %v", g, err)
	}
}

func TestSampleGridAndLossCurve(t *testing.T) {
	tr := newToyTrainer(t)
	if _, err := tr.Train(context.Background(), toyData(t, 32), RunOptions{Steps: 5}); err != nil {
		t.Fatal(err)
	}
	img, err := LossCurve(tr.History(), 320, 200)
	if err != nil {
		t.Fatal(err)
	}
	counts := map[[3]uint8]int{}
	for i := 0; i < len(img.Pix); i += 4 {
		counts[[3]uint8{img.Pix[i], img.Pix[i+1], img.Pix[i+2]}]++
	}
	for _, c := range []struct {
		name string
		rgb  [3]uint8
	}{{"critic", [3]uint8{colCritic.R, colCritic.G, colCritic.B}}, {"generator", [3]uint8{colGen.R, colGen.G, colGen.B}}, {"wasserstein", [3]uint8{colWass.R, colWass.G, colWass.B}}} {
		if counts[c.rgb] < 20 {
			t.Errorf("%s series has %d pixels, want a drawn line (>= 20)", c.name, counts[c.rgb])
		}
	}
	cfg := DefaultConfig(8, 4, 3, 2)
	cfg.Base, cfg.ZDim = 2, 4
	m, err := NewModel(cfg)
	if err != nil {
		t.Fatal(err)
	}
	grid, err := SampleGrid(context.Background(), m, []int{0, 1}, 5, 1)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := grid.Bounds().Size(), (image.Point{2 + 5*6, 2 + 2*10}); got != want {
		t.Errorf("grid size %v, want %v", got, want)
	}
}
