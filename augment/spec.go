package augment

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Transform names, as Albumentations spells them.
const (
	HorizontalFlip           = "HorizontalFlip"
	VerticalFlip             = "VerticalFlip"
	Affine                   = "Affine"
	RandomResizedCrop        = "RandomResizedCrop"
	ElasticTransform         = "ElasticTransform"
	RandomBrightnessContrast = "RandomBrightnessContrast"
	RandomGamma              = "RandomGamma"
	GaussNoise               = "GaussNoise"
	GaussianBlur             = "GaussianBlur"
	CoarseDropout            = "CoarseDropout"
)

// Range is a closed interval [lo, hi]. In JSON it is a two-element array
// or a single number; a number x means [-x, x] for the parameters called
// limits in the package documentation (symmetric about 0) and [x, x] for
// the others.
type Range [2]float64

// paramDef describes one parameter of a transform.
type paramDef struct {
	key    string
	sym    bool    // a number x means [-x, x]
	single bool    // a single number, not a range
	isInt  bool    // integer values
	lo, hi float64 // accepted bounds of both ends
	def    Range
	unit   string
}

// transformDef describes a transform kind.
type transformDef struct {
	name   string
	p      float64 // default probability
	params []paramDef
}

// defs lists every transform in the order Names returns them.
var defs = []transformDef{
	{name: HorizontalFlip, p: 0.5},
	{name: VerticalFlip, p: 0.5},
	{name: Affine, p: 0.5, params: []paramDef{
		{key: "translate_percent", sym: true, lo: -1, hi: 1, def: Range{-0.0625, 0.0625}, unit: "fraction of the side"},
		{key: "rotate", sym: true, lo: -180, hi: 180, def: Range{-15, 15}, unit: "degrees"},
		{key: "scale", lo: 0.01, hi: 10, def: Range{0.9, 1.1}, unit: "factor"},
		{key: "shear", sym: true, lo: -45, hi: 45, def: Range{0, 0}, unit: "degrees"},
	}},
	{name: RandomResizedCrop, p: 0.5, params: []paramDef{
		{key: "scale", lo: 0.01, hi: 1, def: Range{0.08, 1}, unit: "fraction of the area"},
		{key: "ratio", lo: 0.1, hi: 10, def: Range{3.0 / 4, 4.0 / 3}, unit: "width/height"},
	}},
	{name: ElasticTransform, p: 0.5, params: []paramDef{
		{key: "alpha", lo: 0, hi: 1000, def: Range{34, 34}, unit: "pixels"},
		{key: "sigma", lo: 0.5, hi: 50, def: Range{4, 4}, unit: "pixels"},
	}},
	{name: RandomBrightnessContrast, p: 0.5, params: []paramDef{
		{key: "brightness_limit", sym: true, lo: -1, hi: 1, def: Range{-0.2, 0.2}, unit: "fraction of the maximum level"},
		{key: "contrast_limit", sym: true, lo: -1, hi: 1, def: Range{-0.2, 0.2}, unit: "gain - 1"},
	}},
	{name: RandomGamma, p: 0.5, params: []paramDef{
		{key: "gamma_limit", lo: 10, hi: 1000, def: Range{80, 120}, unit: "percent (gamma x 100)"},
	}},
	{name: GaussNoise, p: 0.5, params: []paramDef{
		{key: "std_range", lo: 0, hi: 1, def: Range{0.02, 0.1}, unit: "fraction of the maximum level"},
	}},
	{name: GaussianBlur, p: 0.5, params: []paramDef{
		{key: "sigma_limit", lo: 0.05, hi: 20, def: Range{0.1, 2}, unit: "pixels"},
		{key: "blur_limit", isInt: true, lo: 0, hi: maxKernel, def: Range{0, 0}, unit: "odd kernel size, 0: 2*ceil(3*sigma)+1"},
	}},
	{name: CoarseDropout, p: 0.5, params: []paramDef{
		{key: "num_holes_range", isInt: true, lo: 1, hi: maxHoles, def: Range{1, 1}, unit: "holes"},
		{key: "hole_height_range", lo: 0.001, hi: 1, def: Range{0.1, 0.2}, unit: "fraction of the height"},
		{key: "hole_width_range", lo: 0.001, hi: 1, def: Range{0.1, 0.2}, unit: "fraction of the width"},
		{key: "fill", single: true, lo: 0, hi: 1, def: Range{0, 0}, unit: "fraction of the maximum level"},
	}},
}

// Limits of drawn and applied values.
const (
	maxKernel = 127 // GaussianBlur kernel size
	maxHoles  = 64  // CoarseDropout holes
)

func lookup(name string) (*transformDef, bool) {
	for i := range defs {
		if strings.EqualFold(defs[i].name, name) {
			return &defs[i], true
		}
	}
	return nil, false
}

// Names lists the transform names, in the order presets apply them.
func Names() []string {
	out := make([]string, len(defs))
	for i, d := range defs {
		out[i] = d.name
	}
	return out
}

// CanonicalName returns the transform name matching name without regard
// to case, or an error listing the known names.
func CanonicalName(name string) (string, error) {
	d, ok := lookup(strings.TrimSpace(name))
	if !ok {
		return "", fmt.Errorf("augment: unknown transform %q: want one of %s", name, strings.Join(Names(), ", "))
	}
	return d.name, nil
}

// Spec configures one transform of a pipeline: its name, the probability P
// that it fires on a sample, and its parameters (see the package
// documentation for each transform's parameters, bounds and defaults).
//
// In JSON a Spec is an object {"name": "Affine", "p": 0.5, "rotate": 15,
// ...} (absent parameters take their defaults) or just the name, which
// takes every default.
type Spec struct {
	Name string
	P    float64
	// values are the parameters in the order of the transform's defs.
	values []Range
}

// NewSpec returns the transform called name with its default probability
// and parameters.
func NewSpec(name string) (Spec, error) {
	d, ok := lookup(name)
	if !ok {
		_, err := CanonicalName(name)
		return Spec{}, err
	}
	s := Spec{Name: d.name, P: d.p, values: make([]Range, len(d.params))}
	for i, p := range d.params {
		s.values[i] = p.def
	}
	return s, nil
}

// Get returns parameter key, or false when the transform has none of that
// name.
func (s Spec) Get(key string) (Range, bool) {
	d, ok := lookup(s.Name)
	if !ok {
		return Range{}, false
	}
	for i, p := range d.params {
		if p.key == key && i < len(s.values) {
			return s.values[i], true
		}
	}
	return Range{}, false
}

// With returns a copy of s with parameter key set to r ("p" sets the
// probability to r[0]), checked against the parameter's bounds.
func (s Spec) With(key string, r Range) (Spec, error) {
	d, ok := lookup(s.Name)
	if !ok {
		_, err := CanonicalName(s.Name)
		return s, err
	}
	if len(s.values) != len(d.params) {
		def, _ := NewSpec(d.name)
		def.P = s.P
		s = def
	}
	if key == "p" {
		if !(r[0] >= 0 && r[0] <= 1) {
			return s, fmt.Errorf("augment: %s p %v: want a probability in 0..1", s.Name, r[0])
		}
		s.P = r[0]
		return s, nil
	}
	for i, p := range d.params {
		if p.key != key {
			continue
		}
		if err := p.check(d.name, r); err != nil {
			return s, err
		}
		s.values = slices.Clone(s.values)
		s.values[i] = r
		return s, nil
	}
	return s, fmt.Errorf("augment: %s has no parameter %q: want one of %s", d.name, key, strings.Join(d.keys(), ", "))
}

// must is With for the presets, whose values are known to be valid.
func (s Spec) must(kv ...any) Spec {
	for i := 0; i < len(kv); i += 2 {
		var r Range
		switch v := kv[i+1].(type) {
		case float64:
			r = Range{v, v}
		case Range:
			r = v
		}
		var err error
		if s, err = s.With(kv[i].(string), r); err != nil {
			panic(err)
		}
	}
	return s
}

func (d *transformDef) keys() []string {
	keys := []string{"p"}
	for _, p := range d.params {
		keys = append(keys, p.key)
	}
	return keys
}

// check validates a value of p.
func (p paramDef) check(name string, r Range) error {
	want := fmt.Sprintf("want [lo, hi] with %v <= lo <= hi <= %v", p.lo, p.hi)
	if p.single {
		want = fmt.Sprintf("want a number in %v..%v", p.lo, p.hi)
	}
	want += " (" + p.unit + ")"
	bad := !finite(r[0], r[1]) || r[0] < p.lo || r[1] > p.hi || r[0] > r[1] || (p.single && r[0] != r[1])
	if p.isInt && (r[0] != math.Trunc(r[0]) || r[1] != math.Trunc(r[1])) {
		bad, want = true, want+"; whole numbers"
	}
	if p.key == "blur_limit" && !bad {
		lo, hi := int(r[0]), int(r[1])
		if (lo != 0 || hi != 0) && (lo < 3 || lo%2 == 0 || hi%2 == 0) {
			bad, want = true, fmt.Sprintf("want 0 (kernel from sigma) or odd kernel sizes [lo, hi] with 3 <= lo <= hi <= %d", maxKernel)
		}
	}
	if bad {
		return fmt.Errorf("augment: %s %s %s: %s", name, p.key, formatRange(r, p.single), want)
	}
	return nil
}

func formatRange(r Range, single bool) string {
	if single && r[0] == r[1] {
		return strconv.FormatFloat(r[0], 'g', -1, 64)
	}
	return fmt.Sprintf("[%v, %v]", r[0], r[1])
}

// MarshalJSON writes {"name": ..., "p": ..., parameters in a fixed order}.
func (s Spec) MarshalJSON() ([]byte, error) {
	d, ok := lookup(s.Name)
	if !ok {
		_, err := CanonicalName(s.Name)
		return nil, err
	}
	var b bytes.Buffer
	name, _ := json.Marshal(d.name)
	fmt.Fprintf(&b, `{"name":%s,"p":%s`, name, strconv.FormatFloat(s.P, 'g', -1, 64))
	for i, p := range d.params {
		v := p.def
		if i < len(s.values) {
			v = s.values[i]
		}
		if p.single {
			fmt.Fprintf(&b, `,%q:%s`, p.key, strconv.FormatFloat(v[0], 'g', -1, 64))
		} else {
			fmt.Fprintf(&b, `,%q:[%s,%s]`, p.key, strconv.FormatFloat(v[0], 'g', -1, 64), strconv.FormatFloat(v[1], 'g', -1, 64))
		}
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// UnmarshalJSON reads a name or an object; see Spec. Errors name the
// transform, the parameter, the value and what is accepted.
func (s *Spec) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	if len(data) > 0 && data[0] == '"' {
		var name string
		if err := json.Unmarshal(data, &name); err != nil {
			return err
		}
		v, err := NewSpec(name)
		if err != nil {
			return err
		}
		*s = v
		return nil
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(data, &fields); err != nil || fields == nil {
		return fmt.Errorf("augment: transform %s: want a name such as \"HorizontalFlip\" or an object {\"name\": ..., \"p\": ..., parameters}", data)
	}
	var name string
	if raw, ok := fields["name"]; !ok || json.Unmarshal(raw, &name) != nil {
		return fmt.Errorf("augment: transform %s: want a \"name\", one of %s", data, strings.Join(Names(), ", "))
	}
	v, err := NewSpec(name)
	if err != nil {
		return err
	}
	d, _ := lookup(name)
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	slices.Sort(keys) // the first bad key reported does not depend on map order
	for _, k := range keys {
		if k == "name" {
			continue
		}
		raw := fields[k]
		sym, single := false, k == "p"
		if i := slices.IndexFunc(d.params, func(p paramDef) bool { return p.key == k }); i >= 0 {
			sym, single = d.params[i].sym, d.params[i].single
		} else if k != "p" {
			return fmt.Errorf("augment: %s has no parameter %q: want one of %s", d.name, k, strings.Join(d.keys(), ", "))
		}
		r, err := parseRange(raw, sym, single)
		if err != nil {
			return fmt.Errorf("augment: %s %s %s: %v", d.name, k, raw, err)
		}
		if v, err = v.With(k, r); err != nil {
			return err
		}
	}
	*s = v
	return nil
}

// parseRange reads a number or a [lo, hi] array.
func parseRange(raw json.RawMessage, sym, single bool) (Range, error) {
	var x float64
	if err := json.Unmarshal(raw, &x); err == nil {
		if sym {
			return Range{-x, x}, nil
		}
		return Range{x, x}, nil
	}
	if single {
		return Range{}, fmt.Errorf("want a number")
	}
	var a []float64
	if err := json.Unmarshal(raw, &a); err != nil || len(a) != 2 {
		return Range{}, fmt.Errorf("want a number or an array [lo, hi]")
	}
	return Range{a[0], a[1]}, nil
}

// Preset names.
const (
	PresetLight  = "light"
	PresetMedium = "medium"
	PresetStrong = "strong"
)

// PresetNames lists the presets, mildest first.
func PresetNames() []string { return []string{PresetLight, PresetMedium, PresetStrong} }

// Preset returns the transforms of a preset (see the package documentation).
// No preset flips vertically.
func Preset(name string) ([]Spec, error) {
	s := func(n string) Spec { v, _ := NewSpec(n); return v }
	switch strings.ToLower(strings.TrimSpace(name)) {
	case PresetLight:
		return []Spec{
			s(HorizontalFlip).must("p", 0.5),
			s(Affine).must("p", 0.5, "translate_percent", Range{-0.0625, 0.0625}, "rotate", Range{-10, 10}, "scale", Range{0.95, 1.05}),
			s(RandomBrightnessContrast).must("p", 0.3, "brightness_limit", Range{-0.1, 0.1}, "contrast_limit", Range{-0.1, 0.1}),
		}, nil
	case PresetMedium:
		return []Spec{
			s(HorizontalFlip).must("p", 0.5),
			s(Affine).must("p", 0.7, "translate_percent", Range{-0.1, 0.1}, "rotate", Range{-15, 15}, "scale", Range{0.9, 1.1}, "shear", Range{-5, 5}),
			s(RandomResizedCrop).must("p", 0.3, "scale", Range{0.8, 1}),
			s(RandomBrightnessContrast).must("p", 0.5),
			s(RandomGamma).must("p", 0.3),
			s(GaussNoise).must("p", 0.2, "std_range", Range{0.01, 0.03}),
			s(GaussianBlur).must("p", 0.2, "sigma_limit", Range{0.3, 1}),
		}, nil
	case PresetStrong:
		return []Spec{
			s(HorizontalFlip).must("p", 0.5),
			s(Affine).must("p", 0.9, "translate_percent", Range{-0.15, 0.15}, "rotate", Range{-30, 30}, "scale", Range{0.8, 1.2}, "shear", Range{-10, 10}),
			s(RandomResizedCrop).must("p", 0.5, "scale", Range{0.6, 1}),
			s(ElasticTransform).must("p", 0.3),
			s(RandomBrightnessContrast).must("p", 0.8, "brightness_limit", Range{-0.3, 0.3}, "contrast_limit", Range{-0.3, 0.3}),
			s(RandomGamma).must("p", 0.5, "gamma_limit", Range{70, 150}),
			s(GaussNoise).must("p", 0.3, "std_range", Range{0.02, 0.06}),
			s(GaussianBlur).must("p", 0.3, "sigma_limit", Range{0.3, 1.5}),
			s(CoarseDropout).must("p", 0.5, "num_holes_range", Range{1, 4}, "hole_height_range", Range{0.05, 0.15}, "hole_width_range", Range{0.05, 0.15}),
		}, nil
	}
	return nil, fmt.Errorf("augment: unknown preset %q: want one of %s", name, strings.Join(PresetNames(), ", "))
}

// Without returns specs without the transforms named (any case). A name
// that is no transform is an error listing the known ones; a known name
// absent from specs is not.
func Without(specs []Spec, names ...string) ([]Spec, error) {
	off := map[string]bool{}
	for _, n := range names {
		c, err := CanonicalName(n)
		if err != nil {
			return nil, err
		}
		off[c] = true
	}
	var out []Spec
	for _, s := range specs {
		if !off[s.Name] {
			out = append(out, s)
		}
	}
	return out, nil
}
