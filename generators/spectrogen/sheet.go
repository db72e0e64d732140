package spectrogen

import (
	"bytes"
	"fmt"
	"image"
	"math"
	"sort"
	"sync"

	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/media"
	"github.com/tailsynth/tailsynth/spectro"
)

// SheetKey is the extra file both generators write: spectrograms per class
// in the viridis colormap, low frequencies at the bottom.
const SheetKey = generators.ReportDir + "/spectrograms.png"

// Sheet geometry, pixels.
const (
	sheetPerClass = 4  // tiles per class and group
	sheetClasses  = 32 // classes drawn at most (the first, by name)
	tileW, tileH  = 128, 96
	tileGap       = 4
	labelChars    = 16
)

// sheet collects small renderings of the first samples of each class while
// samples are generated (concurrently) and draws them in Finish. Tiles are
// kept by sample index, so the picture does not depend on scheduling.
type sheet struct {
	kind     string // output scale, for the display transform
	withReal bool   // draw the source spectrograms beside the synthetic ones

	mu   sync.Mutex
	real map[string]map[int]*image.RGBA
	syn  map[string]map[int]*image.RGBA
}

func newSheet(kind string, withReal bool) *sheet {
	return &sheet{kind: kind, withReal: withReal, real: map[string]map[int]*image.RGBA{}, syn: map[string]map[int]*image.RGBA{}}
}

// wants reports whether sample i is drawn.
func (s *sheet) wants(i int) bool { return i < sheetPerClass }

// add renders the spectrograms of sample i of class: orig, the source it
// was made from (nil for a conversion), and syn, the sample.
func (s *sheet) add(class string, i int, orig, syn *spectro.Spectrogram[float64]) {
	if !s.wants(i) {
		return
	}
	var rt *image.RGBA
	if orig != nil && s.withReal {
		rt = renderTile(orig, s.kind, tileW, tileH)
	}
	st := renderTile(syn, s.kind, tileW, tileH)
	s.mu.Lock()
	defer s.mu.Unlock()
	put := func(m map[string]map[int]*image.RGBA, t *image.RGBA) {
		if t == nil {
			return
		}
		if m[class] == nil {
			m[class] = map[int]*image.RGBA{}
		}
		m[class][i] = t
	}
	put(s.real, rt)
	put(s.syn, st)
}

// encode draws the sheet as a PNG: one row per class (at most
// sheetClasses, by name), the class name at the left, then the source
// spectrograms ("real") and the generated ones ("synthetic"), or only the
// samples for a conversion. It returns nil when nothing was recorded.
func (s *sheet) encode() ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	classes := make([]string, 0, len(s.syn))
	for c := range s.syn {
		classes = append(classes, c)
	}
	if len(classes) == 0 {
		return nil, nil
	}
	sort.Strings(classes)
	sh := media.Sheet{
		Groups:     []string{"samples"},
		Cell:       image.Pt(tileW, tileH),
		Gap:        tileGap,
		LabelChars: labelChars,
	}
	if s.withReal {
		sh.Groups = []string{"real", "synthetic"}
	}
	if len(classes) > sheetClasses {
		sh.Footer = fmt.Sprintf("... and %d more classes", len(classes)-sheetClasses)
		classes = classes[:sheetClasses]
	}
	tiles := func(m map[int]*image.RGBA) []image.Image {
		out := make([]image.Image, sheetPerClass)
		for i, t := range m {
			out[i] = t
		}
		return out
	}
	for _, c := range classes {
		row := media.SheetRow{Label: c, Tiles: [][]image.Image{tiles(s.syn[c])}}
		if s.withReal {
			row.Tiles = [][]image.Image{tiles(s.real[c]), tiles(s.syn[c])}
		}
		sh.Rows = append(sh.Rows, row)
	}
	var buf bytes.Buffer
	if err := sh.WritePNG(&buf); err != nil {
		return nil, fmt.Errorf("encode %s: %w", SheetKey, err)
	}
	return buf.Bytes(), nil
}

// renderTile draws s into a w×h viridis picture, low frequencies at the
// bottom. Each pixel shows the largest value of the cells it covers (so a
// narrow tone stays visible when many bins share a pixel row); values are
// mapped linearly from the tile's min..max. Linear scales are shown in
// decibels (10·log10 for power, 20·log10 for magnitude, floored 80 dB
// below the maximum), as a linear picture of a spectrogram is mostly
// black.
func renderTile(s *spectro.Spectrogram[float64], kind string, w, h int) *image.RGBA {
	pooled := make([]float64, w*h)
	for y := 0; y < h; y++ {
		// Row y (from the top) covers bins [b0, b1) counted from the top.
		top0, top1 := span(y, h, s.Bins)
		for x := 0; x < w; x++ {
			t0, t1 := span(x, w, s.Frames)
			m := math.Inf(-1)
			for tb := top0; tb < top1; tb++ {
				row := s.Row(s.Bins - 1 - tb)[t0:t1]
				for _, v := range row {
					m = math.Max(m, v)
				}
			}
			pooled[y*w+x] = m
		}
	}
	display(pooled, kind)
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range pooled {
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i, v := range pooled {
		t := 0.0
		if hi > lo {
			t = (v - lo) / (hi - lo)
		}
		img.SetRGBA(i%w, i/w, viridis(t))
	}
	return img
}

// span returns the cells [a, b) of n that pixel i of m covers, at least
// one cell.
func span(i, m, n int) (a, b int) {
	a = i * n / m
	b = max((i+1)*n/m, a+1)
	return min(a, n-1), min(b, n)
}

// display converts linear values to decibels in place.
func display(v []float64, kind string) {
	var mult, floorRatio float64
	switch kind {
	case ScalePower, ScaleMelPower:
		mult, floorRatio = 10, 1e-8
	case ScaleMagnitude:
		mult, floorRatio = 20, 1e-4
	default:
		return
	}
	top := 0.0
	for _, x := range v {
		top = math.Max(top, x)
	}
	floor := math.Max(top*floorRatio, math.SmallestNonzeroFloat64)
	for i, x := range v {
		v[i] = mult * math.Log10(math.Max(x, floor))
	}
}
