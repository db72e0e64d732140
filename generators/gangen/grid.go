package gangen

import (
	"image"
	"image/color"
	"slices"

	"github.com/tailsynth/tailsynth/media"
)

// Grid geometry, pixels.
const (
	gridTile    = 64 // tiles are scaled up by an integer factor towards this size
	gridClasses = 32
)

// gridRow is one class of the sample grid.
type gridRow struct {
	class string
	real  []image.Image
	fake  []image.Image
}

// drawGrid draws one row per class: its name, up to n real samples ("real")
// and n generated ones ("generated"), every tile h x w scaled up by the
// integer factor that brings the longer side closest to 64 pixels without
// exceeding it (at least 1), nearest neighbour.
func drawGrid(rows []gridRow, n, h, w int) (*image.NRGBA, error) {
	s := max(1, gridTile/max(h, w))
	sheet := media.Sheet{
		Groups:     []string{"real", "generated"},
		Cell:       image.Pt(w*s, h*s),
		Scale:      media.ScalePixels,
		LabelChars: 16,
		Background: color.NRGBA{R: 235, G: 235, B: 235, A: 255},
	}
	for _, row := range rows {
		real := make([]image.Image, n)
		copy(real, row.real)
		sheet.Rows = append(sheet.Rows, media.SheetRow{Label: row.class, Tiles: [][]image.Image{real, row.fake}})
	}
	return sheet.Draw()
}

func sortedKeys[K interface{ ~string | ~int }, V any](m map[K]V) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
