package composite

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

// Labeled is an image with its class, for ContactSheet.
type Labeled struct {
	Class string
	Image image.Image
}

// SheetOptions lays out a contact sheet. Zero fields take the defaults.
type SheetOptions struct {
	// PerRow is the most samples shown per class. Default 8.
	PerRow int
	// Thumb is the cell size; images are letterboxed into it (scaled up or
	// down, aspect ratio kept). Default 64x64.
	Thumb Size
	// Gap is the space between cells in pixels. Default 2.
	Gap int
	// Filter is the interpolation filter name. Default "linear".
	Filter string
	// Background is the sheet colour. Default white. Labels are drawn in
	// black or white, whichever contrasts more.
	Background color.NRGBA
	// NoLabels leaves out the label column.
	NoLabels bool
}

// Label column limits: basicfont.Face7x13 is 7 pixels per character.
const (
	labelMaxChars = 28
	labelCharW    = 7
)

// ContactSheet renders one row per class (classes sorted by name) with up
// to PerRow samples each, in the order given, and the class name with its
// sample count ("AMD (412)") drawn in a label column on the left with
// basicfont.Face7x13. Longer names are cut to 28 characters with "~".
// It is meant for a quick look at a job's output.
func ContactSheet(items []Labeled, opts SheetOptions) (*image.NRGBA, error) {
	if len(items) == 0 {
		return nil, fmt.Errorf("composite: contact sheet: no images: want at least one")
	}
	if opts.PerRow == 0 {
		opts.PerRow = 8
	}
	if opts.Thumb == (Size{}) {
		opts.Thumb = Size{W: 64, H: 64}
	}
	if opts.Gap == 0 {
		opts.Gap = 2
	}
	if opts.Filter == "" {
		opts.Filter = "linear"
	}
	if opts.Background == (color.NRGBA{}) {
		opts.Background = color.NRGBA{R: 0xff, G: 0xff, B: 0xff, A: 0xff}
	}
	filter, err := ParseFilter(opts.Filter)
	if err != nil {
		return nil, err
	}
	if opts.PerRow < 1 || opts.Gap < 0 || opts.Thumb.validate() != nil {
		return nil, fmt.Errorf("composite: contact sheet: per_row %d, thumb %s, gap %d: want per_row >= 1, thumb sides >= 1, gap >= 0", opts.PerRow, opts.Thumb, opts.Gap)
	}

	byClass := map[string][]image.Image{}
	counts := map[string]int{}
	for i, it := range items {
		if it.Image == nil || it.Image.Bounds().Empty() {
			return nil, fmt.Errorf("composite: contact sheet: item %d (class %q) has no pixels", i, it.Class)
		}
		counts[it.Class]++
		if len(byClass[it.Class]) < opts.PerRow {
			byClass[it.Class] = append(byClass[it.Class], it.Image)
		}
	}
	classes := make([]string, 0, len(byClass))
	labels := map[string]string{}
	labelW := 0
	for c := range byClass {
		classes = append(classes, c)
		l := []rune(fmt.Sprintf("%s (%d)", c, counts[c]))
		if len(l) > labelMaxChars {
			l = append(l[:labelMaxChars-1], '~')
		}
		labels[c] = string(l)
		labelW = max(labelW, len(l)*labelCharW+2*opts.Gap+4)
	}
	sort.Strings(classes)
	if opts.NoLabels {
		labelW = 0
	}

	cols := 0
	for _, c := range classes {
		cols = max(cols, len(byClass[c]))
	}
	tw, th := opts.Thumb.W, max(opts.Thumb.H, 13)
	W := labelW + opts.Gap + cols*(tw+opts.Gap)
	H := opts.Gap + len(classes)*(th+opts.Gap)
	if W > MaxOutputSide || H > MaxOutputSide {
		return nil, fmt.Errorf("composite: contact sheet would be %dx%d: want sides <= %d (fewer classes, smaller per_row or thumb)", W, H, MaxOutputSide)
	}
	sheet := imaging.New(W, H, opts.Background)
	ink := color.Black
	if luma(opts.Background.R, opts.Background.G, opts.Background.B) < 128 {
		ink = color.White
	}
	for row, c := range classes {
		y := opts.Gap + row*(th+opts.Gap)
		if !opts.NoLabels {
			d := font.Drawer{Dst: sheet, Src: image.NewUniform(ink), Face: basicfont.Face7x13,
				Dot: fixed.P(opts.Gap+2, y+th/2+5)}
			d.DrawString(labels[c])
		}
		for col, img := range byClass[c] {
			b := img.Bounds()
			s := math.Min(float64(tw)/float64(b.Dx()), float64(opts.Thumb.H)/float64(b.Dy()))
			w := min(max(int(math.Round(float64(b.Dx())*s)), 1), tw)
			h := min(max(int(math.Round(float64(b.Dy())*s)), 1), opts.Thumb.H)
			thumb := imaging.Resize(img, w, h, filter)
			x := labelW + opts.Gap + col*(tw+opts.Gap) + (tw-w)/2
			at := image.Pt(x, y+(th-h)/2)
			draw.Draw(sheet, thumb.Bounds().Add(at), thumb, image.Point{}, draw.Over)
		}
	}
	return sheet, nil
}

// WriteContactSheet renders ContactSheet and encodes it as PNG to w.
func WriteContactSheet(w io.Writer, items []Labeled, opts SheetOptions) error {
	sheet, err := ContactSheet(items, opts)
	if err != nil {
		return err
	}
	return png.Encode(w, sheet)
}
