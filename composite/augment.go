package composite

import (
	"fmt"
	"image"
	"image/color"
	"math"

	"github.com/disintegration/imaging"
)

// Augment configures light, seeded, per-tile augmentation. The zero value
// (the default) is off: every field 0 means that transform is never applied.
// Each tile draws its own parameters independently.
type Augment struct {
	// FlipH and FlipV are probabilities in [0, 1] of a mirror.
	FlipH float64 `json:"flip_h,omitempty"`
	FlipV float64 `json:"flip_v,omitempty"`
	// Rotate is the largest rotation in degrees, in [0, 45]; the angle is
	// uniform in [-Rotate, Rotate]. The tile keeps its size; uncovered
	// corners take Options.Background.
	Rotate float64 `json:"rotate,omitempty"`
	// Brightness is the largest shift in percent of full scale, in [0, 100]
	// (imaging.AdjustBrightness: v + 255*p/100).
	Brightness float64 `json:"brightness,omitempty"`
	// Contrast is the largest contrast change in percent, in [0, 100]
	// (imaging.AdjustContrast).
	Contrast float64 `json:"contrast,omitempty"`
	// Gamma is the largest deviation of gamma from 1, in [0, 0.9]; gamma is
	// uniform in [1-Gamma, 1+Gamma] (imaging.AdjustGamma: v^(1/gamma)).
	Gamma float64 `json:"gamma,omitempty"`
}

// Enabled reports whether any transform can be applied.
func (a Augment) Enabled() bool { return a != Augment{} }

// Validate checks the ranges documented on each field.
func (a Augment) Validate() error {
	check := func(name string, v, hi float64) error {
		if !(v >= 0 && v <= hi) { // also rejects NaN
			return fmt.Errorf("composite: augment %s = %v: want 0..%v", name, v, hi)
		}
		return nil
	}
	for _, c := range []struct {
		name  string
		v, hi float64
	}{{"flip_h", a.FlipH, 1}, {"flip_v", a.FlipV, 1}, {"rotate", a.Rotate, 45}, {"brightness", a.Brightness, 100}, {"contrast", a.Contrast, 100}, {"gamma", a.Gamma, 0.9}} {
		if err := check(c.name, c.v, c.hi); err != nil {
			return err
		}
	}
	return nil
}

// TileAug is the augmentation drawn for one tile, recorded in the plan for
// provenance. The zero value is the identity. Transforms run in field order:
// flips, rotation, brightness, contrast, gamma, on the tile after fitting.
type TileAug struct {
	FlipH      bool    `json:"flip_h,omitempty"`
	FlipV      bool    `json:"flip_v,omitempty"`
	Rotate     float64 `json:"rotate,omitempty"`     // degrees, counter-clockwise
	Brightness float64 `json:"brightness,omitempty"` // percent
	Contrast   float64 `json:"contrast,omitempty"`   // percent
	Gamma      float64 `json:"gamma,omitempty"`      // exponent 1/Gamma; 0 and 1 mean unchanged
}

// IsIdentity reports whether the augmentation changes nothing.
func (t TileAug) IsIdentity() bool { return t == TileAug{} || t == TileAug{Gamma: 1} }

// draw samples one TileAug. Every field consumes the same number of random
// draws whatever the settings, so changing one range does not shift the
// others' sequence.
func (a Augment) draw(r *rng) TileAug {
	fh, fv := r.float64(), r.float64()
	rot, br, ct, gm := r.uniform(1), r.uniform(1), r.uniform(1), r.uniform(1)
	t := TileAug{
		FlipH:      fh < a.FlipH,
		FlipV:      fv < a.FlipV,
		Rotate:     round3(rot * a.Rotate),
		Brightness: round3(br * a.Brightness),
		Contrast:   round3(ct * a.Contrast),
	}
	if a.Gamma > 0 {
		t.Gamma = round3(1 + gm*a.Gamma)
	}
	return t
}

// round3 keeps three decimals so that provenance in JSON reproduces the
// render exactly.
func round3(v float64) float64 { return math.Round(v*1000) / 1000 }

// apply runs the augmentation on an 8-bit tile with imaging; bg fills the
// corners uncovered by a rotation.
func (t TileAug) apply(img *image.NRGBA, bg color.NRGBA) *image.NRGBA {
	if t.FlipH {
		img = imaging.FlipH(img)
	}
	if t.FlipV {
		img = imaging.FlipV(img)
	}
	if t.Rotate != 0 {
		w, h := img.Bounds().Dx(), img.Bounds().Dy()
		img = imaging.CropCenter(imaging.Rotate(img, t.Rotate, bg), w, h)
	}
	if t.Brightness != 0 {
		img = imaging.AdjustBrightness(img, t.Brightness)
	}
	if t.Contrast != 0 {
		img = imaging.AdjustContrast(img, t.Contrast)
	}
	if t.Gamma != 0 && t.Gamma != 1 {
		img = imaging.AdjustGamma(img, t.Gamma)
	}
	return img
}
