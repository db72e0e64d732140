package media

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"math"
	"sort"

	"github.com/disintegration/imaging"
	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// MaxSheetSide bounds each side of a sheet, in pixels.
const MaxSheetSide = 16384

// Sheet geometry that does not change between sheets, in pixels.
const (
	glyphW       = 7  // basicfont.Face7x13 advances 7 pixels per character
	glyphH       = 13 // and is 13 pixels high
	sheetHeaderH = 18 // the line with the group names
	sheetFooterH = 18 // the line with Sheet.Footer
	groupGap     = 12 // extra space between two column groups
)

// Scaling says how a tile fills its cell.
type Scaling int

const (
	// ScaleFit resizes the tile with Sheet.Filter to the largest size
	// that fits the cell, aspect ratio kept (scaled up or down), centred.
	ScaleFit Scaling = iota
	// ScalePixels enlarges the tile by the largest whole factor (at least
	// 1) that fits the cell, nearest neighbour, centred: each source pixel
	// stays a visible square. A tile larger than its cell is cropped.
	ScalePixels
)

// Sheet is a picture of labelled rows of tiles, for a job's report: one
// row per class, say, with the class name in a label column on the left,
// and the tiles of a row split into column groups ("real", "generated")
// whose names are drawn in a header line. Zero fields take the defaults.
type Sheet struct {
	// Groups names the column groups, drawn above them. With no names
	// there is no header line and every row has one group.
	Groups []string
	// Rows are drawn top to bottom.
	Rows []SheetRow
	// Cell is the size of a tile's cell. Default 64x64.
	Cell image.Point
	// Scale says how a tile fills its cell. Default ScaleFit.
	Scale Scaling
	// Filter resamples tiles for ScaleFit. Default imaging.Linear.
	Filter imaging.ResampleFilter
	// Gap is the space between cells and around the sheet. Default 2.
	Gap int
	// LabelChars cuts longer labels with "~". Default 28.
	LabelChars int
	// NoLabels leaves out the label column.
	NoLabels bool
	// Background is the sheet colour. Default white. Text is drawn in
	// black or white, whichever contrasts more.
	Background color.NRGBA
	// Footer, when set, is drawn in a line under the rows.
	Footer string
}

// SheetRow is one row of a Sheet: its label and its tiles, one slice per
// column group (a nil tile leaves its cell empty).
type SheetRow struct {
	Label string
	Tiles [][]image.Image
}

// Draw renders the sheet. Rows are as tall as a cell (at least 13 pixels
// when labelled); a group is as wide as its longest row.
func (s Sheet) Draw() (*image.NRGBA, error) {
	if s.Cell == (image.Point{}) {
		s.Cell = image.Pt(64, 64)
	}
	if s.Gap == 0 {
		s.Gap = 2
	}
	if s.LabelChars == 0 {
		s.LabelChars = 28
	}
	if s.Background == (color.NRGBA{}) {
		s.Background = color.NRGBA{R: 0xff, G: 0xff, B: 0xff, A: 0xff}
	}
	if s.Filter.Support == 0 && s.Filter.Kernel == nil {
		s.Filter = imaging.Linear
	}
	if s.Cell.X < 1 || s.Cell.Y < 1 || s.Gap < 0 || s.LabelChars < 2 {
		return nil, fmt.Errorf("media: sheet: cell %dx%d, gap %d, label chars %d: want cell sides >= 1, gap >= 0, label chars >= 2",
			s.Cell.X, s.Cell.Y, s.Gap, s.LabelChars)
	}
	nGroups := max(len(s.Groups), 1)
	cols := make([]int, nGroups)
	labels := make([]string, len(s.Rows))
	labelW := 0
	for r, row := range s.Rows {
		if len(row.Tiles) > nGroups {
			return nil, fmt.Errorf("media: sheet: row %d (%q) has %d tile groups, want at most %d", r, row.Label, len(row.Tiles), nGroups)
		}
		for g, tiles := range row.Tiles {
			cols[g] = max(cols[g], len(tiles))
			for i, t := range tiles {
				if t != nil && t.Bounds().Empty() {
					return nil, fmt.Errorf("media: sheet: row %d (%q), group %d, tile %d has no pixels", r, row.Label, g, i)
				}
			}
		}
		labels[r] = clip(row.Label, s.LabelChars)
		labelW = max(labelW, len([]rune(labels[r]))*glyphW+2*s.Gap+4)
	}
	if s.NoLabels {
		labelW = 0
	}
	headerH := 0
	if len(s.Groups) > 0 {
		headerH = sheetHeaderH
	}
	cw, ch := s.Cell.X, s.Cell.Y
	if !s.NoLabels {
		ch = max(ch, glyphH)
	}
	groupX := make([]int, nGroups)
	W := labelW + s.Gap
	for g := range nGroups {
		if g > 0 {
			W += groupGap
		}
		groupX[g] = W
		W += cols[g] * (cw + s.Gap)
	}
	H := headerH + s.Gap + len(s.Rows)*(ch+s.Gap)
	if s.Footer != "" {
		H += sheetFooterH
	}
	if W > MaxSheetSide || H > MaxSheetSide {
		return nil, fmt.Errorf("media: sheet would be %dx%d: want sides <= %d (fewer rows, fewer or smaller tiles)", W, H, MaxSheetSide)
	}

	img := image.NewNRGBA(image.Rect(0, 0, W, H))
	draw.Draw(img, img.Bounds(), image.NewUniform(s.Background), image.Point{}, draw.Src)
	ink := color.Black
	if luma(s.Background) < 128 {
		ink = color.White
	}
	text := func(x, y int, str string) {
		d := font.Drawer{Dst: img, Src: image.NewUniform(ink), Face: basicfont.Face7x13, Dot: fixed.P(x, y)}
		d.DrawString(str)
	}
	for g, name := range s.Groups {
		text(groupX[g], headerH-5, name)
	}
	for r, row := range s.Rows {
		y := headerH + s.Gap + r*(ch+s.Gap)
		if !s.NoLabels {
			text(s.Gap+2, y+ch/2+5, labels[r])
		}
		for g, tiles := range row.Tiles {
			for i, t := range tiles {
				if t == nil {
					continue
				}
				cell := image.Rect(0, 0, cw, s.Cell.Y).Add(image.Pt(groupX[g]+i*(cw+s.Gap), y+(ch-s.Cell.Y)/2))
				s.drawTile(img, cell, t)
			}
		}
	}
	if s.Footer != "" {
		text(s.Gap+2, H-s.Gap-5, s.Footer)
	}
	return img, nil
}

// drawTile draws t centred in cell, scaled per s.Scale.
func (s Sheet) drawTile(dst *image.NRGBA, cell image.Rectangle, t image.Image) {
	b := t.Bounds()
	cw, ch := cell.Dx(), cell.Dy()
	if s.Scale == ScalePixels {
		k := max(1, min(cw/b.Dx(), ch/b.Dy()))
		w, h := min(b.Dx()*k, cw), min(b.Dy()*k, ch)
		x0, y0 := cell.Min.X+(cw-w)/2, cell.Min.Y+(ch-h)/2
		for y := range h {
			for x := range w {
				dst.Set(x0+x, y0+y, t.At(b.Min.X+x/k, b.Min.Y+y/k))
			}
		}
		return
	}
	f := math.Min(float64(cw)/float64(b.Dx()), float64(ch)/float64(b.Dy()))
	w := min(max(int(math.Round(float64(b.Dx())*f)), 1), cw)
	h := min(max(int(math.Round(float64(b.Dy())*f)), 1), ch)
	var thumb image.Image = t
	if w != b.Dx() || h != b.Dy() {
		thumb = imaging.Resize(t, w, h, s.Filter)
	}
	at := image.Pt(cell.Min.X+(cw-w)/2, cell.Min.Y+(ch-h)/2)
	draw.Draw(dst, image.Rect(0, 0, w, h).Add(at), thumb, thumb.Bounds().Min, draw.Over)
}

// WritePNG draws the sheet and encodes it as PNG to w.
func (s Sheet) WritePNG(w io.Writer) error {
	img, err := s.Draw()
	if err != nil {
		return err
	}
	return png.Encode(w, img)
}

// Labeled is an image with its class, for ContactSheet.
type Labeled struct {
	Class string
	Image image.Image
}

// ContactSheet lays out labelled images as a Sheet: one row per class
// (classes sorted by name) with up to perRow images each, in the order
// given, labelled with the class name and its number of images
// ("AMD (412)"). perRow 0 means 8.
func ContactSheet(items []Labeled, perRow int) (Sheet, error) {
	if len(items) == 0 {
		return Sheet{}, fmt.Errorf("media: contact sheet: no images: want at least one")
	}
	if perRow == 0 {
		perRow = 8
	}
	if perRow < 1 {
		return Sheet{}, fmt.Errorf("media: contact sheet: per_row %d: want >= 1", perRow)
	}
	byClass := map[string][]image.Image{}
	counts := map[string]int{}
	for i, it := range items {
		if it.Image == nil || it.Image.Bounds().Empty() {
			return Sheet{}, fmt.Errorf("media: contact sheet: item %d (class %q) has no pixels", i, it.Class)
		}
		counts[it.Class]++
		if len(byClass[it.Class]) < perRow {
			byClass[it.Class] = append(byClass[it.Class], it.Image)
		}
	}
	classes := make([]string, 0, len(byClass))
	for c := range byClass {
		classes = append(classes, c)
	}
	sort.Strings(classes)
	var s Sheet
	for _, c := range classes {
		s.Rows = append(s.Rows, SheetRow{Label: fmt.Sprintf("%s (%d)", c, counts[c]), Tiles: [][]image.Image{byClass[c]}})
	}
	return s, nil
}

// WriteContactSheet encodes ContactSheet(items, perRow), with the default
// Sheet look, as PNG to w.
func WriteContactSheet(w io.Writer, items []Labeled, perRow int) error {
	s, err := ContactSheet(items, perRow)
	if err != nil {
		return err
	}
	return s.WritePNG(w)
}

// clip cuts s to n characters, the last one "~", when it is longer.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "~"
}

// luma is the Rec. 601 brightness of c, 0..255.
func luma(c color.NRGBA) float64 {
	return 0.299*float64(c.R) + 0.587*float64(c.G) + 0.114*float64(c.B)
}
