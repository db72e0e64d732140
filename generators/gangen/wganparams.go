package gangen

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/media"
)

// WGANParams are the wgan-gp generator's parameters: the training
// parameters and how images become training samples.
type WGANParams struct {
	TrainParams
	// ImageSize is "auto", N (N x N) or "WxH" (width first, as composite's
	// size); conv needs sides divisible by 4.
	ImageSize SizeParam `json:"image_size"`
	// Channels is "auto" (1 when every training image is gray), 1 or 3.
	Channels ChannelsParam `json:"channels"`
	// MaxImagesPerClass bounds the training images read per class (an
	// evenly spaced subset in key order); it bounds memory and start-up.
	MaxImagesPerClass int `json:"max_images_per_class"`
	MaxFileMiB        int `json:"max_file_mib"`
	MaxMegapixels     int `json:"max_megapixels"`
}

// DefaultWGANParams returns DefaultTrainParams with automatic size and
// channels, at most 5000 images per class, and composite's file limits
// (64 MiB, 64 Mpx).
func DefaultWGANParams() WGANParams {
	return WGANParams{
		TrainParams: DefaultTrainParams(), ImageSize: "auto", Channels: "auto",
		MaxImagesPerClass: 5000, MaxFileMiB: 64, MaxMegapixels: media.DefaultMaxPixels >> 20,
	}
}

// Image size limits: auto sizes are at most autoMaxSide per side; a given
// size at most maxSide.
const (
	autoMaxSide  = 64
	minSide      = 4
	maxSide      = 256
	maxPerClass  = 1_000_000
	maxFileLimit = 4 << 10 // MiB
	maxMpxLimit  = 1024
)

// SizeParam is an image size: a JSON number N (N x N), or a string "auto",
// "N" or "WxH".
type SizeParam string

// UnmarshalJSON accepts a number or a string.
func (s *SizeParam) UnmarshalJSON(b []byte) error {
	v, ok, err := generators.DecodeSize(b)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf(`parameter "image_size": got %s, want a number such as 28, or a string "auto" or "WxH"`, b)
	}
	*s = SizeParam(v)
	return nil
}

// parse returns (0, 0) for auto.
func (s SizeParam) parse() (w, h int, err error) {
	v := strings.ToLower(strings.TrimSpace(string(s)))
	if v == "auto" || v == "" {
		return 0, 0, nil
	}
	ws, hs, ok := strings.Cut(v, "x")
	if !ok {
		hs = ws
	}
	w, err1 := strconv.Atoi(ws)
	h, err2 := strconv.Atoi(hs)
	if err1 != nil || err2 != nil {
		return 0, 0, fmt.Errorf("image_size %q: want \"auto\", a number N (N x N) or \"WxH\"", string(s))
	}
	if w < minSide || h < minSide || w > maxSide || h > maxSide {
		return 0, 0, fmt.Errorf("image_size %q: want sides %d..%d", string(s), minSide, maxSide)
	}
	return w, h, nil
}

// ChannelsParam is "auto", 1 or 3 (a JSON number or string).
type ChannelsParam string

// UnmarshalJSON accepts a number or a string.
func (c *ChannelsParam) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*c = ChannelsParam(v)
		return nil
	}
	*c = ChannelsParam(b)
	return nil
}

// parse returns 0 for auto.
func (c ChannelsParam) parse() (int, error) {
	switch strings.ToLower(strings.TrimSpace(string(c))) {
	case "auto", "":
		return 0, nil
	case "1":
		return 1, nil
	case "3":
		return 3, nil
	}
	return 0, fmt.Errorf("channels %s: want \"auto\" (gray when every training image is gray), 1 or 3", string(c))
}

// wganConfig is WGANParams checked.
type wganConfig struct {
	trainConfig
	w, h     int // 0: auto
	channels int // 0: auto
	dec      media.DecodeOptions
	maxFile  int64
	perClass int
}

func parseWGANParams(raw json.RawMessage) (wganConfig, error) {
	p := DefaultWGANParams()
	if err := generators.DecodeParams(WGANName, raw, &p); err != nil {
		return wganConfig{}, err
	}
	tc, err := p.TrainParams.resolve(WGANName, raw)
	if err != nil {
		return wganConfig{}, err
	}
	c := wganConfig{trainConfig: tc}
	if c.w, c.h, err = p.ImageSize.parse(); err != nil {
		return c, paramErr(WGANName, "%v", err)
	}
	if p.Arch == "conv" && c.w > 0 && (c.w%4 != 0 || c.h%4 != 0) {
		return c, paramErr(WGANName, "image_size %q: the conv architecture needs sides divisible by 4 (e.g. 28, 32, 64 or \"48x32\"); use arch \"mlp\" for other sizes", string(p.ImageSize))
	}
	if c.channels, err = p.Channels.parse(); err != nil {
		return c, paramErr(WGANName, "%v", err)
	}
	for _, r := range []struct {
		name      string
		v, lo, hi int
	}{
		{"max_images_per_class", p.MaxImagesPerClass, 1, maxPerClass},
		{"max_file_mib", p.MaxFileMiB, 1, maxFileLimit},
		{"max_megapixels", p.MaxMegapixels, 1, maxMpxLimit},
	} {
		if err := intIn(WGANName, r.name, r.v, r.lo, r.hi); err != nil {
			return c, err
		}
	}
	c.perClass = p.MaxImagesPerClass
	c.maxFile = int64(p.MaxFileMiB) << 20
	c.dec = media.DecodeOptions{MaxPixels: int64(p.MaxMegapixels) << 20, MaxBytes: c.maxFile}
	if p.Model != "" {
		for _, k := range []string{"image_size", "channels"} {
			if c.given[k] {
				return c, paramErr(WGANName, "%s cannot be set with model: the model fixes the sample shape", k)
			}
		}
	}
	return c, nil
}

func wganParamInfos() []generators.ParamInfo {
	d := DefaultWGANParams()
	return append(trainParamInfos(),
		generators.ParamInfo{Name: "image_size", Type: "integer or string", Default: "auto", Description: `training and output size: N (N x N), "WxH" (sides 4..256; divisible by 4 for conv) or auto: the most common size among up to 256 training images, scaled so the longer side is at most 64, sides rounded down to multiples of 4. Images are stretched to it`},
		generators.ParamInfo{Name: "channels", Type: "integer or string", Default: "auto", Description: "1 (gray), 3 (RGB) or auto: 1 when every training image decodes as gray"},
		generators.ParamInfo{Name: "max_images_per_class", Type: "integer", Default: d.MaxImagesPerClass, Description: "training images read per class at most (an evenly spaced subset in key order)"},
		generators.ParamInfo{Name: "max_file_mib", Type: "integer", Default: d.MaxFileMiB, Description: "training files larger than this are excluded and reported, MiB"},
		generators.ParamInfo{Name: "max_megapixels", Type: "integer", Default: d.MaxMegapixels, Description: "training images whose header declares more pixels (units of 2^20) are excluded and reported, before decoding"},
	)
}
