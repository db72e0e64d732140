package media_test

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"testing"

	"github.com/tailsynth/tailsynth/media"
)

func TestContactSheet(t *testing.T) {
	var items []media.Labeled
	for i := range 5 {
		items = append(items, media.Labeled{Class: "b", Image: solid(20, 10, blue)})
		if i < 2 {
			items = append(items, media.Labeled{Class: "a", Image: solid(10, 20, red)})
		}
	}
	s, err := media.ContactSheet(items, 3)
	if err != nil {
		t.Fatal(err)
	}
	s.Cell, s.Gap = image.Pt(16, 16), 2
	sheet, err := s.Draw()
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
	if err := media.WriteContactSheet(&buf, items, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := png.Decode(&buf); err != nil {
		t.Errorf("WriteContactSheet output does not decode: %v", err)
	}
	if _, err := media.ContactSheet(nil, 0); err == nil {
		t.Error("no items: got nil error")
	}
	if _, err := media.ContactSheet([]media.Labeled{{Class: "x", Image: image.NewGray(image.Rect(0, 0, 0, 0))}}, 0); err == nil {
		t.Error("empty image: got nil error")
	}
}

// TestSheetGroups: two column groups under a header, nil cells left empty,
// tiles enlarged by a whole factor (ScalePixels), a footer line, and the
// geometry that follows from them.
func TestSheetGroups(t *testing.T) {
	white := color.NRGBA{255, 255, 255, 255}
	s := media.Sheet{
		Groups:   []string{"real", "generated"},
		Cell:     image.Pt(8, 8),
		Scale:    media.ScalePixels,
		Gap:      2,
		NoLabels: true,
		Footer:   "more",
		Rows: []media.SheetRow{
			{Tiles: [][]image.Image{{solid(4, 4, red), nil}, {solid(2, 2, blue)}}},
			{Tiles: [][]image.Image{{nil, solid(4, 4, green)}}},
		},
	}
	sheet, err := s.Draw()
	if err != nil {
		t.Fatal(err)
	}
	// header 18 + gap + 2 rows of (8+2) + footer 18; gap + 2 cells of (8+2)
	// + group gap 12 + 1 cell of (8+2).
	wantW, wantH := 2+2*10+12+10, 18+2+2*10+18
	if b := sheet.Bounds(); b.Dx() != wantW || b.Dy() != wantH {
		t.Fatalf("sheet %dx%d, want %dx%d", b.Dx(), b.Dy(), wantW, wantH)
	}
	for _, tc := range []struct {
		name string
		x, y int
		want color.NRGBA
	}{
		{"row 0 real 0, corner", 2, 20, red},
		{"row 0 real 0, far corner", 2 + 7, 20 + 7, red},
		{"row 0 real 1 (nil)", 12 + 4, 20 + 4, white},
		{"row 0 generated 0 (2x2 drawn 8x8)", 34 + 7, 20 + 7, blue},
		{"row 1 real 1", 12 + 4, 30 + 4, green},
		{"gap between cells", 10, 24, white},
	} {
		if got := nrgbaAt(sheet, tc.x, tc.y); got != tc.want {
			t.Errorf("%s: pixel (%d,%d) = %v, want %v", tc.name, tc.x, tc.y, got, tc.want)
		}
	}
	s.Rows = append(s.Rows, media.SheetRow{Tiles: make([][]image.Image, 3)})
	if _, err := s.Draw(); err == nil {
		t.Error("row with 3 groups of 2: got nil error")
	}
}
