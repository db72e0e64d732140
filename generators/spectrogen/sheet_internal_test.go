package spectrogen

import (
	"image/color"
	"testing"

	"github.com/tailsynth/tailsynth/spectro"
)

// TestViridis checks the table against matplotlib's viridis at 0, 0.5 and
// 1: #440154, #21918c, #fde725 (matplotlib.colors.to_hex(viridis(x))).
func TestViridis(t *testing.T) {
	for _, tc := range []struct {
		t    float64
		want color.RGBA
	}{
		{0, color.RGBA{0x44, 0x01, 0x54, 255}},
		{128.0 / 255, color.RGBA{0x21, 0x91, 0x8c, 255}},
		{1, color.RGBA{0xfd, 0xe7, 0x25, 255}},
		{-1, color.RGBA{0x44, 0x01, 0x54, 255}},
		{2, color.RGBA{0xfd, 0xe7, 0x25, 255}},
	} {
		if got := viridis(tc.t); got != tc.want {
			t.Errorf("viridis(%v) = %v, want %v", tc.t, got, tc.want)
		}
	}
	// Viridis grows in lightness: the green channel never falls.
	for i := 1; i < 256; i++ {
		if viridisLUT[i].G < viridisLUT[i-1].G {
			t.Fatalf("green falls at %d: %v after %v", i, viridisLUT[i], viridisLUT[i-1])
		}
	}
}

// TestRenderTileKeepsNarrowTone checks that a one-bin tone survives
// downsampling 257 bins to 96 rows and lands at the right height.
func TestRenderTileKeepsNarrowTone(t *testing.T) {
	s := spectro.NewSpectrogram[float64](257, 300)
	for i := range s.Data {
		s.Data[i] = -80
	}
	const bin = 200
	for f := range s.Row(bin) {
		s.Set(bin, f, 0)
	}
	img := renderTile(s, ScaleDB, tileW, tileH)
	top := viridis(1)
	// Bin 200 of 257 is cell 256−200 = 56 from the top. Pixel row y covers
	// cells [⌊y·257/96⌋, ⌊(y+1)·257/96⌋): row 20 is [53, 56), row 21 is
	// [56, 58).
	for y := 0; y < tileH; y++ {
		hot := img.RGBAAt(tileW/2, y) == top
		if hot != (y == 21) {
			t.Errorf("row %d hot = %v, want only row 21 at the top colour", y, hot)
		}
	}
}
