package composite

import (
	"fmt"
	"image/color"
	"sort"
	"strconv"
	"strings"

	"github.com/disintegration/imaging"
	"github.com/tailsynth/tailsynth/media"
)

// Fit says how a source is fitted into its tile.
type Fit string

const (
	// FitStretch resizes the source to the tile size, ignoring aspect ratio
	// (the default; what concatenate-then-resize pipelines do).
	FitStretch Fit = "stretch"
	// FitContain letterboxes: the source is scaled (up or down) to the largest
	// size that fits the tile with its aspect ratio kept, centred, and the
	// rest of the tile is filled with Options.Background.
	FitContain Fit = "fit"
	// FitFill scales the source to cover the tile with its aspect ratio kept
	// and crops the centre: the source is first cropped to the tile's aspect
	// ratio around its centre, then resized.
	FitFill Fit = "fill"
)

// ParseFit accepts "stretch", "fit" (alias "contain", "letterbox") and "fill"
// (alias "cover", "crop").
func ParseFit(s string) (Fit, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "stretch", "":
		return FitStretch, nil
	case "fit", "contain", "letterbox":
		return FitContain, nil
	case "fill", "cover", "crop":
		return FitFill, nil
	}
	return "", fmt.Errorf("composite: fit mode %q: want stretch, fit or fill", s)
}

// Mode is the colour mode of the composite.
type Mode string

const (
	// ModeAuto gives gray when every source of the composite is gray (8- or
	// 16-bit gray PNG, grayscale JPEG) and RGB otherwise. It is decided per
	// composite; a pipeline over a dataset of mixed modes should force a mode
	// so that every output has the same number of channels.
	ModeAuto Mode = "auto"
	// ModeGray converts colour sources to luma, Y = 0.299R + 0.587G + 0.114B
	// (ITU-R BT.601, as Go's color.GrayModel and Pillow's convert("L")),
	// after flattening any alpha over Options.Background.
	ModeGray Mode = "gray"
	// ModeRGB gives an opaque colour image; alpha is flattened over
	// Options.Background.
	ModeRGB Mode = "rgb"
	// ModeRGBA keeps alpha (non-premultiplied).
	ModeRGBA Mode = "rgba"
)

// ParseMode accepts "auto", "gray" (alias "grey", "l"), "rgb" and "rgba".
func ParseMode(s string) (Mode, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "auto", "":
		return ModeAuto, nil
	case "gray", "grey", "l", "grayscale":
		return ModeGray, nil
	case "rgb":
		return ModeRGB, nil
	case "rgba":
		return ModeRGBA, nil
	}
	return "", fmt.Errorf("composite: colour mode %q: want auto, gray, rgb or rgba", s)
}

// filters maps the accepted filter names to imaging's resampling filters.
var filters = map[string]imaging.ResampleFilter{
	"nearest":    imaging.NearestNeighbor,
	"box":        imaging.Box,
	"linear":     imaging.Linear,
	"bilinear":   imaging.Linear,
	"hermite":    imaging.Hermite,
	"mitchell":   imaging.MitchellNetravali,
	"catmullrom": imaging.CatmullRom,
	"bicubic":    imaging.CatmullRom,
	"bspline":    imaging.BSpline,
	"gaussian":   imaging.Gaussian,
	"bartlett":   imaging.Bartlett,
	"lanczos":    imaging.Lanczos,
	"hann":       imaging.Hann,
	"hamming":    imaging.Hamming,
	"blackman":   imaging.Blackman,
	"welch":      imaging.Welch,
	"cosine":     imaging.Cosine,
}

// FilterNames lists the accepted interpolation filter names, sorted.
func FilterNames() []string {
	names := make([]string, 0, len(filters))
	for n := range filters {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// ParseFilter maps a filter name to an imaging filter. "linear" (alias
// "bilinear") is a triangle filter and "lanczos" is Lanczos-3; both widen
// their support by the scale factor when downscaling (antialiasing), like
// Pillow's resize and torchvision's antialias=True.
func ParseFilter(name string) (imaging.ResampleFilter, error) {
	f, ok := filters[strings.ToLower(strings.TrimSpace(name))]
	if !ok {
		return imaging.ResampleFilter{}, fmt.Errorf("composite: filter %q: want one of %s", name, strings.Join(FilterNames(), ", "))
	}
	return f, nil
}

// ParseColor parses "#RRGGBB" or "#RRGGBBAA" (hex, '#' optional).
func ParseColor(s string) (color.NRGBA, error) {
	h := strings.TrimPrefix(strings.TrimSpace(s), "#")
	if len(h) != 6 && len(h) != 8 {
		return color.NRGBA{}, fmt.Errorf("composite: colour %q: want #RRGGBB or #RRGGBBAA", s)
	}
	v, err := strconv.ParseUint(h, 16, 32)
	if err != nil {
		return color.NRGBA{}, fmt.Errorf("composite: colour %q: want #RRGGBB or #RRGGBBAA: %w", s, err)
	}
	if len(h) == 6 {
		v = v<<8 | 0xff
	}
	return color.NRGBA{R: uint8(v >> 24), G: uint8(v >> 16), B: uint8(v >> 8), A: uint8(v)}, nil
}

// Options controls how a plan is rendered. The zero value is not valid; start
// from DefaultOptions.
type Options struct {
	// Layout is the tile grid, rows x columns. Default 3x1.
	Layout Layout `json:"layout"`
	// Size is the size of the whole composite. Default 224x224 (VGG16 input,
	// as in Hlali et al. 2025). Must be at least Cols x Rows.
	Size media.Size `json:"size"`
	// Fit is how each source fills its tile. Default FitStretch.
	Fit Fit `json:"fit"`
	// Filter is the interpolation filter name (see FilterNames). Default
	// "linear" (antialiased bilinear, torchvision's default).
	Filter string `json:"filter"`
	// Background fills letterbox padding (FitContain), areas uncovered by a
	// rotation augmentation, and is the matte that alpha is flattened over in
	// ModeRGB and ModeGray. Default opaque black.
	Background color.NRGBA `json:"-"`
	// Mode is the colour mode. Default ModeAuto.
	Mode Mode `json:"mode"`
	// Keep16 keeps 16 bits per sample when the composite is gray and every
	// source is a 16-bit gray image (*image.Gray16): the result is then an
	// *image.Gray16 (a 16-bit gray PNG when encoded). Otherwise, and by
	// default, 16-bit sources are reduced to 8 bits by taking the high byte
	// (v >> 8), as Go's color models do.
	Keep16 bool `json:"keep16"`
}

// DefaultOptions returns 3x1, 224x224, stretch, linear, black, auto, 8-bit.
func DefaultOptions() Options {
	return Options{
		Layout:     Layout{Rows: 3, Cols: 1},
		Size:       media.Size{W: 224, H: 224},
		Fit:        FitStretch,
		Filter:     "linear",
		Background: color.NRGBA{A: 0xff},
		Mode:       ModeAuto,
	}
}

// Validate checks every field and names the bad value and what is accepted.
func (o Options) Validate() error {
	if err := o.Layout.Validate(); err != nil {
		return err
	}
	if err := o.Size.Validate(); err != nil {
		return err
	}
	if o.Size.W < o.Layout.Cols || o.Size.H < o.Layout.Rows {
		return fmt.Errorf("composite: size %s is too small for layout %s: want width >= %d and height >= %d (one pixel per tile)", o.Size, o.Layout, o.Layout.Cols, o.Layout.Rows)
	}
	switch o.Fit {
	case FitStretch, FitContain, FitFill:
	default:
		return fmt.Errorf("composite: fit mode %q: want %q, %q or %q", o.Fit, FitStretch, FitContain, FitFill)
	}
	if _, err := ParseFilter(o.Filter); err != nil {
		return err
	}
	switch o.Mode {
	case ModeAuto, ModeGray, ModeRGB, ModeRGBA:
	default:
		return fmt.Errorf("composite: colour mode %q: want %q, %q, %q or %q", o.Mode, ModeAuto, ModeGray, ModeRGB, ModeRGBA)
	}
	return nil
}
