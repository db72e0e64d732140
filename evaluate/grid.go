package evaluate

import (
	"bytes"
	"encoding/base64"
	"html/template"
	"image"
	"image/color"

	"gonum.org/v1/gonum/blas/blas32"

	"github.com/tailsynth/tailsynth/media"
	"github.com/tailsynth/tailsynth/quality/neighbors"
)

// gridColumns is the number of images per row of a sample grid.
const gridColumns = 10

// classPicture is a "real beside synthetic" grid of one class.
type classPicture struct {
	Class string
	// Real says where the real row comes from (held-out or training).
	Real  string
	URI   template.URL
	Note  string
	NReal int
	NFake int
}

// picture renders the first gridColumns real images of class c (held-out,
// else training) above the first gridColumns synthetic ones, at the
// evaluation size. Audio features are no picture: Note says so.
func (r *realSet) picture(c int, fake blas32.General) classPicture {
	p := classPicture{Class: r.classes[c], Real: ReferenceHeldOut}
	if r.fz.Kind != KindImage {
		p.Note = "no sample pictures for audio: the features are log-mel summaries, not images"
		return p
	}
	real := classRows(r.heldPix, c)
	if real.Rows == 0 {
		real, p.Real = classRows(r.trainPix, c), ReferenceTraining
	}
	p.NReal, p.NFake = min(real.Rows, gridColumns), min(fake.Rows, gridColumns)
	b, err := gridPNG(r.fz, real, fake)
	if err != nil {
		p.Note = "picture: " + err.Error()
		return p
	}
	p.URI = dataURI(b)
	return p
}

func dataURI(png []byte) template.URL {
	return template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(png))
}

// gridPNG draws two rows of up to gridColumns images (real on top), each
// cell scaled up by an integer factor to at least 56 pixels, on a light
// grey background with 4-pixel gaps.
func gridPNG(fz *Featurizer, real, fake blas32.General) ([]byte, error) {
	s := fz.Size
	scale := max(1, (56+s-1)/s)
	sheet := media.Sheet{
		Cell:       image.Pt(s*scale, s*scale),
		Scale:      media.ScalePixels,
		Gap:        4,
		NoLabels:   true,
		Background: color.NRGBA{R: 0xee, G: 0xee, B: 0xee, A: 0xff},
	}
	for _, m := range []blas32.General{real, fake} {
		tiles := make([]image.Image, gridColumns) // empty cells keep the width fixed
		for col := range min(m.Rows, gridColumns) {
			tiles[col] = vectorImage(fz, neighbors.Row(m, col))
		}
		sheet.Rows = append(sheet.Rows, media.SheetRow{Tiles: [][]image.Image{tiles}})
	}
	var buf bytes.Buffer
	if err := sheet.WritePNG(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// vectorImage is the fz.Size-square image whose pixels v holds, values in
// 0..1, RGB interleaved or gray.
func vectorImage(fz *Featurizer, v []float32) *image.NRGBA {
	s := fz.Size
	img := image.NewNRGBA(image.Rect(0, 0, s, s))
	for px := range s * s {
		var c color.NRGBA
		if fz.Color == ColorRGB {
			c = color.NRGBA{to8(v[3*px]), to8(v[3*px+1]), to8(v[3*px+2]), 255}
		} else {
			g := to8(v[px])
			c = color.NRGBA{g, g, g, 255}
		}
		img.SetNRGBA(px%s, px/s, c)
	}
	return img
}

func to8(v float32) uint8 {
	return uint8(min(max(v, 0), 1)*255 + 0.5)
}
