package compositegen

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/tailsynth/tailsynth/composite"
	"github.com/tailsynth/tailsynth/datasets"
	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/media"
)

// Name is the generator's name in jobs and in the registry.
const Name = "composite"

// Generator is the "composite" generator: class-based image composition
// (CB-ImgComp) over a job's training images. Its zero value is ready.
type Generator struct{}

var _ generators.Generator = Generator{}

// Register adds the composite generator to r.
func Register(r *generators.Registry) error { return r.Register(Generator{}) }

// Info implements generators.Generator.
func (Generator) Info() generators.Info {
	return generators.Info{
		Name: Name,
		Description: "class-based image composition (CB-ImgComp, Hlali et al. 2025): each new sample tiles k training images " +
			"of its class into one image; tuples do not repeat until all C(n,k) are used; seeded. " +
			`For a balanced composite-only set (Co-OCTDL) use strategy {"add": {"<class>": N, ...}} naming every class`,
		Kinds:  []string{"image"},
		Params: paramInfos(),
	}
}

// Validate implements generators.Generator.
func (Generator) Validate(raw json.RawMessage) error {
	_, err := parseParams(raw)
	return err
}

// Start implements generators.Generator: it checks every training image of
// the classes that get composites, plans all composites, and fixes the
// colour mode of the job. See the package documentation.
func (Generator) Start(ctx context.Context, env *generators.Env) (generators.Run, error) {
	cfg, err := parseParams(env.Params)
	if err != nil {
		return nil, err
	}
	r := &run{env: env, cfg: cfg, cache: composite.NewCache(cfg.cacheB),
		enc: media.NewEncoder(cfg.level), plans: map[string][]composite.Plan{},
		classes: map[string]*classState{}}
	r.src = &sources{store: env.Source, dec: cfg.dec, maxFile: cfg.maxFile, sizes: map[string]int64{}, kinds: map[string]pixelKind{}}

	// The classes that get composites, and their candidate files.
	for _, c := range sortedKeys(env.Plan) {
		if env.Plan[c] <= 0 {
			continue
		}
		st := &classState{requested: env.Plan[c]}
		r.classes[c] = st
		for _, f := range env.Train[c] {
			if !datasets.TrainSplit(f.Split) { // defence in depth: Env.Train is the training split
				return nil, fmt.Errorf("leakage guard: %s is in split %q; composites are built from the training split only", f.Key, f.Split)
			}
			if datasets.KindOf(f.Key) != "image" {
				r.bad = append(r.bad, badFile{Key: f.Key, Class: c, Reason: "not an image (accepted: .png, .jpg, .jpeg)"})
				continue
			}
			st.candidates = append(st.candidates, f.Key)
			r.src.sizes[f.Key] = f.Size
		}
		slices.Sort(st.candidates)
	}
	if err := r.checkSources(ctx); err != nil {
		return nil, err
	}
	if err := r.checkFloor(); err != nil {
		return nil, err
	}
	if err := r.plan(uint64(env.Seed)); err != nil {
		return nil, err
	}
	if err := r.resolveMode(""); err != nil {
		return nil, err
	}
	return r, nil
}

// checkFloor fails a class with no readable image, naming its bad files,
// and applies the job's min_sources (generators.SourceFloor).
func (r *run) checkFloor() error {
	usable := map[string]int{}
	for _, c := range sortedKeys(r.classes) {
		st := r.classes[c]
		if len(st.usable) == 0 {
			return &datasets.DatasetError{Msg: fmt.Sprintf(
				"class %q: %d composites requested but none of its %d training files is a readable image (see the bad files: %s)",
				c, st.requested, len(r.env.Train[c]), r.badSummary(c))}
		}
		usable[c] = len(st.usable)
	}
	var err error
	r.alerts, err = r.cfg.p.SourceFloor.Check(Name, r.env.Plan, usable)
	return err
}

// plan runs the planner with seed once for every class over its usable
// images.
func (r *run) plan(seed uint64) error {
	pl := composite.NewPlanner(r.cfg.opts.Layout, seed)
	pl.Order = r.cfg.order
	pl.Augment = r.cfg.p.Augment
	files, counts := map[string][]string{}, map[string]int{}
	for c, st := range r.classes {
		files[c], counts[c] = st.usable, st.requested
	}
	if len(counts) == 0 {
		return nil
	}
	res, err := pl.Minority(files, counts)
	if err != nil {
		return fmt.Errorf("planning composites: %w", err)
	}
	for _, p := range res.Plans {
		r.plans[p.Class] = append(r.plans[p.Class], p)
	}
	for _, cr := range res.Classes {
		r.classes[cr.Class].report = cr
	}
	return nil
}

// resolveMode fixes one colour mode (and bit depth) for the whole job from
// the kinds of the sources the plans use, so that every output has the same
// number of channels. composite's own auto decides per composite. A fixed
// mode (not "") replaces the parameter: the held-out composites of an
// evaluation take the training job's resolved mode (ComposeHeldOut).
func (r *run) resolveMode(fixed composite.Mode) error {
	allGray, all16 := true, true
	for _, ps := range r.plans {
		for _, p := range ps {
			for _, k := range p.Sources {
				kind := r.src.kind(k)
				allGray = allGray && kind != kindColor
				all16 = all16 && kind == kindGray16
			}
		}
	}
	opts := r.cfg.opts
	switch {
	case fixed != "":
		opts.Mode, r.modeNote = fixed, "the training composites' mode"
	case opts.Mode != composite.ModeAuto:
		r.modeNote = "set by the mode parameter"
	case allGray:
		opts.Mode, r.modeNote = composite.ModeGray, "auto: every source used is gray"
	default:
		opts.Mode, r.modeNote = composite.ModeRGB, "auto: some sources used are colour"
	}
	opts.Keep16 = opts.Keep16 && opts.Mode == composite.ModeGray && all16
	r.opts = opts
	var err error
	r.renderer, err = composite.NewRenderer(opts, r.src.load, r.cache)
	return err
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
