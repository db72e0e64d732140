package smotegen

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/media"
	"github.com/tailsynth/tailsynth/smote"
)

// Params are the generator's parameters, decoded strictly from the job's
// JSON (snake_case; unknown fields are refused). Fields absent from the JSON
// keep the values of DefaultParams.
type Params struct {
	// K is the number of nearest neighbours of a row, within its class,
	// that SMOTE interpolates with. A class with K rows or fewer uses
	// rows−1 (reported).
	K int `json:"k"`
	// Size is the common image size, "WxH" (or "N" for N x N); "" takes the
	// most common size of the images read. Ignored for .npy vectors.
	Size string `json:"size"`
	// Mode is the images' colour mode: auto (gray when every image read is
	// gray, else rgb; decided once per job), gray or rgb.
	Mode string `json:"mode"`
	// MaxFileMiB excludes (and reports) larger training files.
	MaxFileMiB int `json:"max_file_mib"`
	// MaxMegapixels excludes images whose header declares more pixels
	// (units of 2^20), before any pixel is decoded.
	MaxMegapixels int `json:"max_megapixels"`
	// SheetPerClass is the number of real and of SMOTE images per class in
	// contact_sheet.png; 0 writes no sheet.
	SheetPerClass int `json:"sheet_per_class"`
	// SourceFloor is min_sources (default and least 2: SMOTE interpolates
	// between two rows) and allow_few_sources.
	generators.SourceFloor
}

// Parameter limits.
const (
	maxK             = 1000
	maxFileMiB       = 4 << 10 // 4 GiB
	maxMegapixels    = 1024    // 2^30 pixels
	maxSheetPerClass = 64
)

// DefaultParams returns the defaults: k = 5 (Chawla et al. 2002,
// imbalanced-learn), automatic size and colour mode, 64 MiB and 64 Mpx
// source limits, 8 images per class and kind on the contact sheet, at
// least 2 usable files per class that gets samples.
func DefaultParams() Params {
	return Params{K: smote.DefaultK, Mode: modeAuto, MaxFileMiB: 64, MaxMegapixels: 64, SheetPerClass: 8,
		SourceFloor: generators.SourceFloor{MinSources: 2}}
}

// Colour modes.
const (
	modeAuto = "auto"
	modeGray = "gray"
	modeRGB  = "rgb"
)

// config is Params checked and converted.
type config struct {
	p       Params
	size    media.Size // zero: automatic
	mode    string     // modeAuto, modeGray or modeRGB
	dec     media.DecodeOptions
	maxFile int64
	// limit bounds the bytes of the matrices held (see MaxMatrixBytes);
	// tests lower it.
	limit int64
}

// parseParams decodes and checks raw; every error is a
// *generators.ParamError naming the parameter, its value and what is
// accepted.
func parseParams(raw json.RawMessage) (config, error) {
	p := DefaultParams()
	if err := generators.DecodeParams(Name, raw, &p); err != nil {
		return config{}, err
	}
	c := config{p: p, limit: MaxMatrixBytes}
	if s := strings.TrimSpace(p.Size); s != "" {
		sz, err := media.ParseSize(s)
		if err != nil {
			return c, paramErrorf("size %q: want \"\" (the most common size of the images) or WIDTHxHEIGHT such as \"64x64\", sides 1..%d",
				p.Size, media.MaxOutputSide)
		}
		c.size = sz
	}
	switch m := strings.ToLower(strings.TrimSpace(p.Mode)); m {
	case modeAuto, modeGray, modeRGB:
		c.mode = m
	default:
		return c, paramErrorf("mode %q: want auto, gray or rgb", p.Mode)
	}
	for _, r := range []struct {
		name   string
		v, lo  int
		hi     int
		accept string
	}{
		{"k", p.K, 1, maxK, "neighbours"},
		{"max_file_mib", p.MaxFileMiB, 1, maxFileMiB, "MiB"},
		{"max_megapixels", p.MaxMegapixels, 1, maxMegapixels, "Mpx"},
		{"sheet_per_class", p.SheetPerClass, 0, maxSheetPerClass, "images (0: no contact sheet)"},
	} {
		if r.v < r.lo || r.v > r.hi {
			return c, paramErrorf("%s %d: want %d..%d %s", r.name, r.v, r.lo, r.hi, r.accept)
		}
	}
	if err := p.SourceFloor.Validate(Name, 2); err != nil {
		return c, err
	}
	c.maxFile = int64(p.MaxFileMiB) << 20
	c.dec = media.DecodeOptions{MaxPixels: int64(p.MaxMegapixels) << 20, MaxBytes: c.maxFile}
	return c, nil
}

func paramErrorf(format string, args ...any) error {
	return &generators.ParamError{Msg: Name + " params: " + fmt.Sprintf(format, args...)}
}

// paramInfos documents the parameters for Info.
func paramInfos() []generators.ParamInfo {
	d := DefaultParams()
	return append([]generators.ParamInfo{
		{Name: "k", Type: "integer", Default: d.K, Description: fmt.Sprintf("nearest neighbours within the class to interpolate with, 1..%d; a class with k rows or fewer uses rows-1", maxK)},
		{Name: "size", Type: "string", Description: `images: common size "WxH" (or "N"); "" (default) takes the most common size of the images read. Other sizes are resized with a linear (triangle, antialiased) filter`},
		{Name: "mode", Type: "string", Default: d.Mode, Description: "images: colour mode auto (gray when every image read is gray, else rgb; decided once per job), gray or rgb; alpha is flattened over black"},
		{Name: "max_file_mib", Type: "integer", Default: d.MaxFileMiB, Description: "training files larger than this are excluded and reported, MiB"},
		{Name: "max_megapixels", Type: "integer", Default: d.MaxMegapixels, Description: "images whose header declares more pixels (units of 2^20) are excluded and reported, before decoding"},
		{Name: "sheet_per_class", Type: "integer", Default: d.SheetPerClass, Description: "real and SMOTE images per class in contact_sheet.png; 0 writes no sheet"},
	}, generators.SourceFloorParams(d.MinSources, "at least 2: SMOTE interpolates between two rows, and a class of one row fails whatever allow_few_sources says")...)
}
