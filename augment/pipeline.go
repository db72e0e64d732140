package augment

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
)

// Border is how geometric transforms and blur read pixels outside the
// image.
type Border string

const (
	// BorderReflect mirrors the image about its edge pixels without
	// repeating them (dcb|abcd|cba), as OpenCV's BORDER_REFLECT_101, the
	// default of Albumentations, and torch's "reflect" padding.
	BorderReflect Border = "reflect"
	// BorderConstant reads Options.Fill outside the image (OpenCV's
	// BORDER_CONSTANT).
	BorderConstant Border = "constant"
)

// ParseBorder accepts "reflect" (or "" for it) and "constant".
func ParseBorder(s string) (Border, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", string(BorderReflect):
		return BorderReflect, nil
	case string(BorderConstant):
		return BorderConstant, nil
	}
	return "", fmt.Errorf("augment: border %q: want reflect or constant", s)
}

// Options are the settings shared by every transform of a pipeline.
type Options struct {
	// Border is BorderReflect (the default when empty) or BorderConstant.
	Border Border `json:"border"`
	// Fill is the constant border's level as a fraction of the maximum
	// level, 0..1, given to every channel, alpha included (0: transparent
	// black, as Albumentations' scalar fill).
	Fill float64 `json:"fill"`
	// W and H are the output size; 0 keeps the source's size. The source
	// is first resized to it (bilinear, widened when shrinking, like
	// Pillow's), then transformed.
	W int `json:"w,omitempty"`
	H int `json:"h,omitempty"`
}

// Validate checks the fields' documented ranges.
func (o Options) Validate() error {
	if _, err := ParseBorder(string(o.Border)); err != nil {
		return err
	}
	if !(o.Fill >= 0 && o.Fill <= 1) {
		return fmt.Errorf("augment: fill %v: want 0..1 (a fraction of the maximum level)", o.Fill)
	}
	if (o.W == 0) != (o.H == 0) || o.W < 0 || o.H < 0 || o.W > MaxSide || o.H > MaxSide {
		return fmt.Errorf("augment: output size %dx%d: want both sides in 1..%d, or both 0 for the source's size", o.W, o.H, MaxSide)
	}
	return nil
}

// OutputSize is the size of the output for a w x h source.
func (o Options) OutputSize(w, h int) (int, int) {
	if o.W > 0 {
		return o.W, o.H
	}
	return w, h
}

// Pipeline is a checked list of transforms with shared options. It is
// immutable and safe for concurrent use.
type Pipeline struct {
	specs []Spec
	opts  Options
}

// New checks specs and opts and returns their pipeline. Transforms run in
// the order given.
func New(specs []Spec, opts Options) (*Pipeline, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	opts.Border, _ = ParseBorder(string(opts.Border))
	p := &Pipeline{opts: opts}
	for _, s := range specs {
		d, ok := lookup(s.Name)
		if !ok {
			_, err := CanonicalName(s.Name)
			return nil, err
		}
		if len(s.values) != len(d.params) { // a Spec{Name, P} literal: defaults
			def, _ := NewSpec(d.name)
			def.P, s = s.P, def
		}
		s.Name = d.name
		if _, err := s.With("p", Range{s.P}); err != nil {
			return nil, err
		}
		for i, pd := range d.params {
			if err := pd.check(d.name, s.values[i]); err != nil {
				return nil, err
			}
		}
		p.specs = append(p.specs, s)
	}
	return p, nil
}

// Specs returns a copy of the pipeline's transforms.
func (p *Pipeline) Specs() []Spec { return append([]Spec(nil), p.specs...) }

// Options returns the pipeline's options.
func (p *Pipeline) Options() Options { return p.opts }

// Applied is one transform as drawn for one sample: its name and the
// parameters it was applied with. Zero fields are omitted from JSON and
// mean the identity of that parameter (Scale and Gamma 0 mean 1). A list
// of Applied is a sample's complete recipe: Apply reproduces the sample
// from its source.
type Applied struct {
	Name string `json:"name"`
	// Affine, about the image centre ((W-1)/2, (H-1)/2): shear, then
	// scale, then rotate, then translate.
	TranslateX float64 `json:"translate_x,omitempty"` // fraction of the width, + moves right
	TranslateY float64 `json:"translate_y,omitempty"` // fraction of the height, + moves down
	Rotate     float64 `json:"rotate,omitempty"`      // degrees, + is counter-clockwise on screen
	Scale      float64 `json:"scale,omitempty"`       // factor; 0 means 1
	ShearX     float64 `json:"shear_x,omitempty"`     // degrees
	ShearY     float64 `json:"shear_y,omitempty"`     // degrees
	// RandomResizedCrop: the crop in pixels, stretched to the whole image.
	CropX int `json:"crop_x,omitempty"`
	CropY int `json:"crop_y,omitempty"`
	CropW int `json:"crop_w,omitempty"`
	CropH int `json:"crop_h,omitempty"`
	// ElasticTransform: displacement = alpha * (uniform -1..1 noise from
	// Seed, Gaussian-smoothed with Sigma), in pixels.
	Alpha float64 `json:"alpha,omitempty"`
	// Sigma is ElasticTransform's smoothing or GaussianBlur's, pixels.
	Sigma float64 `json:"sigma,omitempty"`
	// Kernel is GaussianBlur's kernel size (odd).
	Kernel int `json:"kernel,omitempty"`
	// Seed is the random field of ElasticTransform and GaussNoise.
	Seed uint64 `json:"seed,omitempty"`
	// RandomBrightnessContrast: out = (1+Contrast)*in + Brightness*max.
	Brightness float64 `json:"brightness,omitempty"`
	Contrast   float64 `json:"contrast,omitempty"`
	// RandomGamma: out = max*(in/max)^Gamma; 0 means 1.
	Gamma float64 `json:"gamma,omitempty"`
	// GaussNoise: standard deviation, fraction of the maximum level.
	Std float64 `json:"std,omitempty"`
	// CoarseDropout: rectangles set to Fill (fraction of the maximum level).
	Holes []Hole  `json:"holes,omitempty"`
	Fill  float64 `json:"fill,omitempty"`
}

// Hole is a CoarseDropout rectangle in pixels.
type Hole struct {
	X int `json:"x"`
	Y int `json:"y"`
	W int `json:"w"`
	H int `json:"h"`
}

// Draw draws the transforms of one sample of a w x h image (the output
// size: Options.OutputSize of the source's) from r and returns those that
// fire, in pipeline order. Each transform takes exactly one value from r
// and draws the rest from a PCG stream seeded with it, so changing one
// transform's settings does not change what the others draw. The result
// is never nil (JSON [] when nothing fires).
func (p *Pipeline) Draw(r *rand.Rand, w, h int) []Applied {
	out := []Applied{}
	for i, s := range p.specs {
		sub := rand.New(rand.NewPCG(r.Uint64(), uint64(i)+0x5DEECE66D))
		if sub.Float64() >= s.P {
			continue
		}
		out = append(out, s.draw(sub, w, h))
	}
	return out
}

// Augment draws a sample's transforms from r and applies them to src.
func (p *Pipeline) Augment(src *Image, r *rand.Rand) (*Image, []Applied, error) {
	w, h := p.opts.OutputSize(src.W, src.H)
	applied := p.Draw(r, w, h)
	out, err := Apply(src, applied, p.opts)
	return out, applied, err
}

// uniform draws from [r[0], r[1]).
func uniform(g *rand.Rand, r Range) float64 { return r[0] + g.Float64()*(r[1]-r[0]) }

// intIn draws an integer from [lo, hi].
func intIn(g *rand.Rand, lo, hi int) int { return lo + g.IntN(hi-lo+1) }

// round to a number of decimals, so provenance rows stay readable; the
// rounded value is what is applied.
func round(v float64, decimals int) float64 {
	p := math.Pow10(decimals)
	return math.Round(v*p) / p
}

// seed53 is a seed that JSON readers with float64 numbers keep exactly.
func seed53(g *rand.Rand) uint64 { return g.Uint64() >> 11 }

func (s Spec) draw(g *rand.Rand, w, h int) Applied {
	a := Applied{Name: s.Name}
	v := func(key string) Range { r, _ := s.Get(key); return r }
	switch s.Name {
	case Affine:
		t, rot, sc, sh := v("translate_percent"), v("rotate"), v("scale"), v("shear")
		a.TranslateX, a.TranslateY = round(uniform(g, t), 4), round(uniform(g, t), 4)
		a.Rotate = round(uniform(g, rot), 3)
		a.Scale = round(uniform(g, sc), 4)
		a.ShearX, a.ShearY = round(uniform(g, sh), 3), round(uniform(g, sh), 3)
	case RandomResizedCrop:
		a.CropX, a.CropY, a.CropW, a.CropH = cropParams(g, w, h, v("scale"), v("ratio"))
	case ElasticTransform:
		a.Alpha, a.Sigma, a.Seed = round(uniform(g, v("alpha")), 3), round(uniform(g, v("sigma")), 3), seed53(g)
	case RandomBrightnessContrast:
		a.Brightness = round(uniform(g, v("brightness_limit")), 4)
		a.Contrast = round(uniform(g, v("contrast_limit")), 4)
	case RandomGamma:
		a.Gamma = round(uniform(g, v("gamma_limit"))/100, 4)
	case GaussNoise:
		a.Std, a.Seed = round(uniform(g, v("std_range")), 4), seed53(g)
	case GaussianBlur:
		a.Sigma = max(round(uniform(g, v("sigma_limit")), 3), 0.05)
		if k := v("blur_limit"); k[1] > 0 {
			lo, hi := int(k[0])/2, int(k[1])/2 // odd sizes 2i+1
			a.Kernel = 2*intIn(g, lo, hi) + 1
		} else {
			a.Kernel = autoKernel(a.Sigma)
		}
	case CoarseDropout:
		n := v("num_holes_range")
		hr, wr := v("hole_height_range"), v("hole_width_range")
		holes := intIn(g, int(n[0]), int(n[1]))
		for range holes {
			hh := min(max(int(math.Round(uniform(g, hr)*float64(h))), 1), h)
			hw := min(max(int(math.Round(uniform(g, wr)*float64(w))), 1), w)
			a.Holes = append(a.Holes, Hole{X: g.IntN(w - hw + 1), Y: g.IntN(h - hh + 1), W: hw, H: hh})
		}
		a.Fill = v("fill")[0]
	}
	return a
}

// autoKernel is the kernel size for sigma: 2*ceil(3*sigma)+1, at least 3.
func autoKernel(sigma float64) int {
	return min(max(2*int(math.Ceil(3*sigma))+1, 3), maxKernel)
}

// cropParams is torchvision's RandomResizedCrop.get_params: up to 10
// tries of an area fraction uniform in scale and a log-uniform aspect
// ratio, else the whole image clamped to the ratio range, centred.
func cropParams(g *rand.Rand, w, h int, scale, ratio Range) (x, y, cw, ch int) {
	area := float64(w * h)
	lr := Range{math.Log(ratio[0]), math.Log(ratio[1])}
	for range 10 {
		target := area * uniform(g, scale)
		ar := math.Exp(uniform(g, lr))
		cw = int(math.Round(math.Sqrt(target * ar)))
		ch = int(math.Round(math.Sqrt(target / ar)))
		if cw > 0 && cw <= w && ch > 0 && ch <= h {
			return g.IntN(w - cw + 1), g.IntN(h - ch + 1), cw, ch
		}
	}
	in := float64(w) / float64(h)
	switch {
	case in < ratio[0]:
		cw, ch = w, int(math.Round(float64(w)/ratio[0]))
	case in > ratio[1]:
		ch, cw = h, int(math.Round(float64(h)*ratio[1]))
	default:
		cw, ch = w, h
	}
	cw, ch = min(max(cw, 1), w), min(max(ch, 1), h)
	return (w - cw) / 2, (h - ch) / 2, cw, ch
}
