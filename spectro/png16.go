package spectro

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
)

// PNGLevels is the number of quantisation steps of a 16-bit PNG.
const PNGLevels = 65535

// MaxPNGPixels bounds the image size ReadPNG16 accepts (checked from the
// header before the pixels are allocated).
const MaxPNGPixels = 1 << 26

// PNGScale records how a spectrogram was quantised into a 16-bit PNG, so
// that the values can be recovered: store it in the dataset manifest next
// to the file.
type PNGScale struct {
	Min  float64 `json:"min"`
	Max  float64 `json:"max"`
	Kind string  `json:"kind"` // what the values are, e.g. "db", "magnitude", "mel_db"
}

// Step returns the quantisation step (Max−Min)/65535; recovered values are
// within Step/2 of the originals that lay inside [Min, Max].
func (s PNGScale) Step() float64 { return (s.Max - s.Min) / PNGLevels }

// PNGOptions configures [WritePNG16].
type PNGOptions struct {
	// Kind is copied into the returned scale.
	Kind string
	// FixedRange quantises between Min and Max instead of the data's own
	// range, so that a whole dataset shares one scale (for example −80..0
	// dB). Values outside are clipped to the range.
	FixedRange bool
	Min, Max   float64
}

// WritePNG16 writes s as a 16-bit grayscale PNG, Frames pixels wide and
// Bins high, with low frequencies at the bottom (image row y holds bin
// Bins−1−y), as spectrograms are usually drawn. Each value v becomes
//
//	q = round((v − Min)/(Max − Min) · 65535), clipped to 0..65535
//
// with [Min, Max] the data's range or the fixed one. A constant
// spectrogram (Min == Max) is written as all zeros. Values must be finite.
// It returns the scale to keep in the manifest.
func WritePNG16(w io.Writer, s *Spectrogram[float64], o PNGOptions) (PNGScale, error) {
	if err := s.check("spectrogram"); err != nil {
		return PNGScale{}, err
	}
	if s.Bins == 0 || s.Frames == 0 {
		return PNGScale{}, fmt.Errorf("spectrogram is %dx%d: want at least one value: %w", s.Bins, s.Frames, ErrShape)
	}
	sc := PNGScale{Min: math.Inf(1), Max: math.Inf(-1), Kind: o.Kind}
	for i, v := range s.Data {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return PNGScale{}, fmt.Errorf("value %v at bin %d frame %d: want finite values: %w", v, i/s.Frames, i%s.Frames, ErrInvalidConfig)
		}
		sc.Min, sc.Max = math.Min(sc.Min, v), math.Max(sc.Max, v)
	}
	if o.FixedRange {
		if !(o.Max > o.Min) || math.IsInf(o.Max-o.Min, 0) {
			return PNGScale{}, fmt.Errorf("fixed range [%v, %v]: want finite Min < Max: %w", o.Min, o.Max, ErrInvalidConfig)
		}
		sc.Min, sc.Max = o.Min, o.Max
	}
	img := image.NewGray16(image.Rect(0, 0, s.Frames, s.Bins))
	span := sc.Max - sc.Min
	for b := 0; b < s.Bins; b++ {
		y := s.Bins - 1 - b
		for t, v := range s.Row(b) {
			q := 0.0
			if span > 0 {
				q = math.Round((v - sc.Min) / span * PNGLevels)
				q = math.Max(0, math.Min(PNGLevels, q))
			}
			img.SetGray16(t, y, color.Gray16{Y: uint16(q)})
		}
	}
	if err := png.Encode(w, img); err != nil {
		return PNGScale{}, fmt.Errorf("encode png: %w", err)
	}
	return sc, nil
}

// ReadPNG16 reads a 16-bit grayscale PNG written by [WritePNG16] and maps
// it back to values with scale: v = Min + q/65535·(Max − Min). Other PNG
// color models are rejected with [ErrUnsupported] (8-bit images would lose
// precision silently).
func ReadPNG16(r io.Reader, scale PNGScale) (*Spectrogram[float64], error) {
	if math.IsNaN(scale.Min) || math.IsNaN(scale.Max) || scale.Max < scale.Min {
		return nil, fmt.Errorf("png scale [%v, %v]: want Min <= Max: %w", scale.Min, scale.Max, ErrInvalidConfig)
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read png: %w", err)
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("png header: %v: %w", err, ErrMalformed)
	}
	if cfg.ColorModel != color.Gray16Model {
		return nil, fmt.Errorf("png color model %T: want 16-bit grayscale: %w", cfg.ColorModel, ErrUnsupported)
	}
	if int64(cfg.Width)*int64(cfg.Height) > MaxPNGPixels {
		return nil, fmt.Errorf("png of %dx%d pixels: want at most %d: %w", cfg.Width, cfg.Height, MaxPNGPixels, ErrUnsupported)
	}
	im, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("png data: %v: %w", err, ErrMalformed)
	}
	g, ok := im.(*image.Gray16)
	if !ok {
		return nil, fmt.Errorf("png decoded as %T: want *image.Gray16: %w", im, ErrUnsupported)
	}
	bnd := g.Bounds()
	s := NewSpectrogram[float64](bnd.Dy(), bnd.Dx())
	span := scale.Max - scale.Min
	for b := 0; b < s.Bins; b++ {
		y := bnd.Min.Y + s.Bins - 1 - b
		row := s.Row(b)
		for t := range row {
			row[t] = scale.Min + float64(g.Gray16At(bnd.Min.X+t, y).Y)/PNGLevels*span
		}
	}
	return s, nil
}
