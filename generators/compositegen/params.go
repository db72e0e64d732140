package compositegen

import (
	"encoding/json"
	"fmt"
	"image/png"
	"strings"

	"github.com/tailsynth/tailsynth/composite"
	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/media"
)

// Params are the generator's parameters, decoded strictly from the job's
// JSON (snake_case; unknown fields are refused). Zero-valued fields that
// are absent from the JSON take the defaults of DefaultParams.
type Params struct {
	// Layout is "ROWSxCOLS" (rows first): "3x1" stacks three images.
	Layout string `json:"layout"`
	// Size is the whole composite: a number N (N x N) or "WxH".
	Size SizeParam `json:"size"`
	// Fit is stretch, fit (letterbox) or fill (centre crop).
	Fit string `json:"fit"`
	// PadColor is "#RRGGBB" or "#RRGGBBAA": letterbox padding, rotation
	// corners, and the matte alpha is flattened over.
	PadColor string `json:"pad_color"`
	// Filter is an interpolation filter name (composite.FilterNames).
	Filter string `json:"filter"`
	// Mode is auto, gray, rgb or rgba; auto is decided once per job (see
	// the package documentation).
	Mode string `json:"mode"`
	// Keep16 keeps 16-bit gray output when every source used is 16-bit gray.
	Keep16 bool `json:"keep16"`
	// Order is unordered (tuples are sets) or ordered (arrangements).
	Order string `json:"order"`
	// Augment is per-tile augmentation, off by default.
	Augment composite.Augment `json:"augment"`
	// PNGLevel is the PNG compression: default, speed, best or none.
	PNGLevel string `json:"png_level"`
	// CacheMiB bounds the shared cache of fitted tiles.
	CacheMiB int `json:"cache_mib"`
	// MaxFileMiB refuses source files larger than this.
	MaxFileMiB int `json:"max_file_mib"`
	// MaxMegapixels refuses sources whose header declares more pixels
	// (2^20 pixels per megapixel), before any pixel is decoded.
	MaxMegapixels int `json:"max_megapixels"`
	// SheetPerClass is the number of composites per class shown in
	// contact_sheet.png; 0 leaves the sheet out.
	SheetPerClass int `json:"sheet_per_class"`
	// SourceFloor is min_sources (default 2: the composites of a one-image
	// class are all the same image) and allow_few_sources.
	generators.SourceFloor
}

// Parameter limits.
const (
	maxCacheMiB      = 64 << 10 // 64 GiB
	maxFileMiB       = 4 << 10  // 4 GiB
	maxMegapixels    = 1024     // 2^30 pixels, 4 GiB as 8-bit RGBA
	maxSheetPerClass = 64
)

// DefaultParams returns the defaults: 3x1 at 224x224 (Hlali et al. 2025,
// VGG16 input), stretch, black padding, linear filter, auto mode, unordered
// tuples, no augmentation, default PNG compression, a 256 MiB tile cache,
// 64 MiB and 64 Mpx source limits, 8 composites per class on the sheet,
// at least 2 readable images per class that gets composites.
func DefaultParams() Params {
	return Params{
		Layout: "3x1", Size: "224", Fit: "stretch", PadColor: "#000000", Filter: "linear",
		Mode: "auto", Order: "unordered", PNGLevel: "default",
		CacheMiB: composite.DefaultCacheBytes >> 20, MaxFileMiB: 64, MaxMegapixels: media.DefaultMaxPixels >> 20,
		SheetPerClass: 8, SourceFloor: generators.SourceFloor{MinSources: 2},
	}
}

// SizeParam is a size given as a JSON number (224: a square) or a string
// ("224", "672x224").
type SizeParam string

// UnmarshalJSON accepts a number or a string.
func (s *SizeParam) UnmarshalJSON(b []byte) error {
	v, ok, err := generators.DecodeSize(b)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("parameter \"size\": got %s, want a number such as 224 or a string such as \"672x224\"", b)
	}
	*s = SizeParam(v)
	return nil
}

// config is Params checked and turned into the composite package's types.
type config struct {
	p       Params
	opts    composite.Options // Mode may be auto until Start resolves it
	order   composite.Order
	level   png.CompressionLevel
	dec     media.DecodeOptions
	cacheB  int64
	maxFile int64
}

// parseParams decodes and checks raw; every error is a
// *generators.ParamError naming the parameter, its value and what is
// accepted.
func parseParams(raw json.RawMessage) (config, error) {
	p := DefaultParams()
	if err := generators.DecodeParams(Name, raw, &p); err != nil {
		return config{}, err
	}
	c := config{p: p, opts: composite.DefaultOptions()}
	var err error
	if c.opts.Layout, err = composite.ParseLayout(p.Layout); err != nil {
		return c, paramErr("layout", err)
	}
	if c.opts.Size, err = media.ParseSize(string(p.Size)); err != nil {
		return c, paramErr("size", err)
	}
	if c.opts.Fit, err = composite.ParseFit(p.Fit); err != nil {
		return c, paramErr("fit", err)
	}
	if c.opts.Background, err = composite.ParseColor(p.PadColor); err != nil {
		return c, paramErr("pad_color", err)
	}
	if _, err = composite.ParseFilter(p.Filter); err != nil {
		return c, paramErr("filter", err)
	}
	c.opts.Filter = strings.ToLower(strings.TrimSpace(p.Filter))
	if c.opts.Mode, err = composite.ParseMode(p.Mode); err != nil {
		return c, paramErr("mode", err)
	}
	c.opts.Keep16 = p.Keep16
	if err := c.opts.Validate(); err != nil { // size against layout
		return c, paramErr("size", err)
	}
	if c.order, err = composite.ParseOrder(p.Order); err != nil {
		return c, paramErr("order", err)
	}
	if err := p.Augment.Validate(); err != nil {
		return c, paramErr("augment", err)
	}
	var ok bool
	if c.level, ok = media.ParsePNGLevel(p.PNGLevel); !ok {
		return c, &generators.ParamError{Msg: fmt.Sprintf("%s params: png_level %q: want %s", Name, p.PNGLevel, media.PNGLevelNames)}
	}
	for _, r := range []struct {
		name  string
		v, lo int
		hi    int
		unit  string
	}{
		{"cache_mib", p.CacheMiB, 1, maxCacheMiB, "MiB"},
		{"max_file_mib", p.MaxFileMiB, 1, maxFileMiB, "MiB"},
		{"max_megapixels", p.MaxMegapixels, 1, maxMegapixels, "Mpx"},
		{"sheet_per_class", p.SheetPerClass, 0, maxSheetPerClass, "composites (0: no contact sheet)"},
	} {
		if r.v < r.lo || r.v > r.hi {
			return c, &generators.ParamError{Msg: fmt.Sprintf("%s params: %s %d: want %d..%d %s", Name, r.name, r.v, r.lo, r.hi, r.unit)}
		}
	}
	if err := p.SourceFloor.Validate(Name, 1); err != nil {
		return c, err
	}
	c.cacheB = int64(p.CacheMiB) << 20
	c.maxFile = int64(p.MaxFileMiB) << 20
	c.dec = media.DecodeOptions{MaxPixels: int64(p.MaxMegapixels) << 20, MaxBytes: c.maxFile}
	return c, nil
}

// paramErr turns an error of the composite package (which names the value
// and what is accepted) into a ParamError naming the parameter.
func paramErr(name string, err error) error {
	return &generators.ParamError{Msg: fmt.Sprintf("%s params: %s: %s", Name, name, strings.TrimPrefix(err.Error(), "composite: "))}
}

// paramInfos documents the parameters for Info.
func paramInfos() []generators.ParamInfo {
	d := DefaultParams()
	return append([]generators.ParamInfo{
		{Name: "layout", Type: "string", Default: d.Layout, Description: `tile grid ROWSxCOLS, rows first: "3x1" stacks 3 images vertically (Hlali et al. 2025), "1x3" side by side, "2x2"; 1..8 per side, at most 16 tiles`},
		{Name: "size", Type: "integer or string", Default: 224, Description: `size of the whole composite: N (N x N) or "WxH", sides 1..16384`},
		{Name: "fit", Type: "string", Default: d.Fit, Description: "how a source fills its tile: stretch (ignore aspect ratio), fit (letterbox with pad_color) or fill (centre crop)"},
		{Name: "pad_color", Type: "string", Default: d.PadColor, Description: "#RRGGBB or #RRGGBBAA: letterbox padding, rotation corners, matte for alpha"},
		{Name: "filter", Type: "string", Default: d.Filter, Description: "interpolation filter: " + strings.Join(composite.FilterNames(), ", ")},
		{Name: "mode", Type: "string", Default: d.Mode, Description: "colour mode of every composite: auto (gray when every source used is gray, else rgb; decided once per job), gray, rgb or rgba"},
		{Name: "keep16", Type: "boolean", Default: false, Description: "16-bit gray PNG output when the mode is gray and every source used is 16-bit gray"},
		{Name: "order", Type: "string", Default: d.Order, Description: "unordered: a tuple is a set of images, C(n,k) distinct; ordered: arrangements, n!/(n-k)!"},
		{Name: "augment", Type: "object", Description: "per-tile augmentation, off by default: flip_h, flip_v (probabilities 0..1), rotate (max degrees 0..45), brightness, contrast (max percent 0..100), gamma (max deviation from 1, 0..0.9)"},
		{Name: "png_level", Type: "string", Default: d.PNGLevel, Description: "PNG compression: default (zlib 6), speed, best or none"},
		{Name: "cache_mib", Type: "integer", Default: d.CacheMiB, Description: "memory for the shared cache of decoded and resized tiles, MiB"},
		{Name: "max_file_mib", Type: "integer", Default: d.MaxFileMiB, Description: "source files larger than this are excluded and reported, MiB"},
		{Name: "max_megapixels", Type: "integer", Default: d.MaxMegapixels, Description: "sources whose header declares more pixels (units of 2^20) are excluded and reported, before decoding"},
		{Name: "sheet_per_class", Type: "integer", Default: d.SheetPerClass, Description: "composites per class in contact_sheet.png; 0 writes no sheet"},
	}, generators.SourceFloorParams(d.MinSources, "with one image every composite shows it in every tile: identical files")...)
}
