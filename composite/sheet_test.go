package composite_test

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"testing"

	"github.com/tailsynth/tailsynth/composite"
)

func TestContactSheet(t *testing.T) {
	var items []composite.Labeled
	for i := range 5 {
		items = append(items, composite.Labeled{Class: "b", Image: solid(20, 10, blue)})
		if i < 2 {
			items = append(items, composite.Labeled{Class: "a", Image: solid(10, 20, red)})
		}
	}
	sheet, err := composite.ContactSheet(items, composite.SheetOptions{PerRow: 3, Thumb: composite.Size{W: 16, H: 16}, Gap: 2})
	if err != nil {
		t.Fatal(err)
	}
	// Label "b (5)" is 5 chars * 7 px + 2*gap + 4 = 43 px wide.
	labelW := 43
	wantW, wantH := labelW+2+3*(16+2), 2+2*(16+2)
	if b := sheet.Bounds(); b.Dx() != wantW || b.Dy() != wantH {
		t.Fatalf("sheet %dx%d, want %dx%d", b.Dx(), b.Dy(), wantW, wantH)
	}
	// Row 0 is class "a" (sorted), 2 red thumbs letterboxed 8x16; row 1 is
	// "b", 3 blue thumbs 16x8.
	cellX := func(col int) int { return labelW + 2 + col*18 }
	if got := nrgbaAt(sheet, cellX(0)+8, 2+8); got != red {
		t.Errorf("row a, col 0 centre = %v, want red", got)
	}
	if got := nrgbaAt(sheet, cellX(2)+8, 2+8); got != (color.NRGBA{255, 255, 255, 255}) {
		t.Errorf("row a, col 2 = %v, want background (class a has 2 samples)", got)
	}
	if got := nrgbaAt(sheet, cellX(2)+8, 20+8); got != blue {
		t.Errorf("row b, col 2 centre = %v, want blue", got)
	}
	ink := 0
	for y := 0; y < wantH; y++ {
		for x := 0; x < labelW; x++ {
			if nrgbaAt(sheet, x, y).R < 128 {
				ink++
			}
		}
	}
	if ink < 20 {
		t.Errorf("label column has %d dark pixels, want text", ink)
	}
	var buf bytes.Buffer
	if err := composite.WriteContactSheet(&buf, items, composite.SheetOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := png.Decode(&buf); err != nil {
		t.Errorf("WriteContactSheet output does not decode: %v", err)
	}
	if _, err := composite.ContactSheet(nil, composite.SheetOptions{}); err == nil {
		t.Error("no items: got nil error")
	}
	if _, err := composite.ContactSheet([]composite.Labeled{{Class: "x", Image: image.NewGray(image.Rect(0, 0, 0, 0))}}, composite.SheetOptions{}); err == nil {
		t.Error("empty image: got nil error")
	}
}
