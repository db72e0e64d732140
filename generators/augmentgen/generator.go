package augmentgen

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/tailsynth/tailsynth/datasets"
	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/media"
)

// Name is the generator's name in jobs and in the registry.
const Name = "augment"

// Generator is the "augment" generator: label-preserving augmentation of
// a job's training images. Its zero value is ready.
type Generator struct{}

var _ generators.Generator = Generator{}

// Register adds the augment generator to r.
func Register(r *generators.Registry) error { return r.Register(Generator{}) }

// Info implements generators.Generator.
func (Generator) Info() generators.Info {
	return generators.Info{
		Name: Name,
		Description: "label-preserving augmentation (Albumentations vocabulary): each new sample is a training image of its class " +
			"through a seeded pipeline of flips, affine, crops, elastic, colour, noise, blur and cutout; presets light (default), " +
			"medium, strong or an explicit list; the metadata row lists every transform drawn, so a sample is reproducible",
		Kinds:  []string{"image"},
		Params: paramInfos(),
	}
}

// Validate implements generators.Generator.
func (Generator) Validate(raw json.RawMessage) error {
	_, err := parseParams(raw)
	return err
}

// Start implements generators.Generator: it decodes every training image
// of the classes that get samples once, excludes and reports the bad
// ones, and keeps the good ones in memory up to cache_mib.
func (Generator) Start(ctx context.Context, env *generators.Env) (generators.Run, error) {
	cfg, err := parseParams(env.Params)
	if err != nil {
		return nil, err
	}
	r := &run{env: env, cfg: cfg, enc: media.NewEncoder(cfg.level), classes: map[string]*classState{}}
	for _, c := range sortedKeys(env.Plan) {
		if env.Plan[c] <= 0 {
			continue
		}
		st := &classState{requested: env.Plan[c]}
		r.classes[c] = st
		for _, f := range env.Train[c] {
			if !datasets.TrainSplit(f.Split) { // defence in depth: Env.Train is the training split
				return nil, fmt.Errorf("leakage guard: %s is in split %q; augment reads the training split only", f.Key, f.Split)
			}
			if datasets.KindOf(f.Key) != "image" {
				r.bad = append(r.bad, badFile{Key: f.Key, Class: c, Reason: "not an image (accepted: .png, .jpg, .jpeg)"})
				continue
			}
			st.candidates = append(st.candidates, f)
		}
		slices.SortFunc(st.candidates, func(a, b datasets.File) int { return strings.Compare(a.Key, b.Key) })
	}
	if err := r.checkSources(ctx); err != nil {
		return nil, err
	}
	usable := map[string]int{}
	for _, c := range sortedKeys(r.classes) {
		st := r.classes[c]
		if len(st.usable) == 0 {
			return nil, &datasets.DatasetError{Msg: fmt.Sprintf(
				"class %q: %d augmented samples requested but none of its %d training files is a readable image (see the bad files: %s)",
				c, st.requested, len(env.Train[c]), r.badSummary(c))}
		}
		usable[c] = len(st.usable)
	}
	if r.alerts, err = cfg.p.SourceFloor.Check(Name, env.Plan, usable); err != nil {
		return nil, err
	}
	return r, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
