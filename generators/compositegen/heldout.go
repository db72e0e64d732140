package compositegen

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"

	"github.com/tailsynth/tailsynth/composite"
	"github.com/tailsynth/tailsynth/datasets"
	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/media"
	"github.com/tailsynth/tailsynth/storage"
)

// HeldOut asks ComposeHeldOut for the held-out composites of an
// evaluation's whole-dataset protocol: the held-out split composed the way
// a job composed the training split, so that a classifier trained on the
// job's composites is tested on composites.
type HeldOut struct {
	// Params and Seed are the training job's. The held-out tuples are
	// drawn with HeldOutSeed(Seed), another stream than the training
	// composites'.
	Params json.RawMessage
	Seed   int64
	// Mode is the colour mode the training job resolved ("gray", "rgb" or
	// "rgba": its metadata rows' composite.mode), so that both sets have
	// the same channels; "auto" is refused.
	Mode string
	// Files are the held-out files of each class. They are LABELLED:
	// composing a held-out tuple needs its label, which a deployed
	// classifier does not have (see the package documentation).
	Files map[string][]datasets.File
	// Counts is the number of composites of each class (a class absent or
	// at 0 gets none).
	Counts   map[string]int
	Progress func(stage string, fields map[string]any)
}

// HeldOutSeed is the planner seed of the held-out composites of a job
// with seed s: s XOR "heldout", so that the held-out tuples do not follow
// the training tuples' stream.
func HeldOutSeed(s int64) uint64 { return uint64(s) ^ 0x68656c646f7574 }

// HeldOutReport says what ComposeHeldOut made.
type HeldOutReport struct {
	// Seed is the planner seed (HeldOutSeed of the job's); Mode the
	// colour mode; Layout and Size the composites'.
	Seed   uint64 `json:"seed"`
	Mode   string `json:"mode"`
	Layout string `json:"layout"`
	Size   string `json:"size"`
	// Classes are the composed classes in name order.
	Classes []HeldOutClass `json:"classes"`
	// BadFiles are held-out files left out: not a readable image.
	BadFiles []datasets.Problem `json:"bad_files,omitempty"`
}

// HeldOutClass is one class's held-out composites.
type HeldOutClass struct {
	Class string `json:"class"`
	// Files are the class's held-out files, Usable those that decoded.
	Files  int `json:"files"`
	Usable int `json:"usable"`
	// Composites were made from the usable files of the class only;
	// Distinct is the number of distinct tuples (a decimal string),
	// Exhausted set when some tuples repeat, Repeated when the class has
	// fewer files than tiles, so each composite repeats images.
	Composites int    `json:"composites"`
	Distinct   string `json:"distinct_tuples"`
	Exhausted  bool   `json:"exhausted,omitempty"`
	Repeated   bool   `json:"repeated,omitempty"`
}

// ComposeHeldOut renders h.Counts[c] composites of each class c from the
// held-out files of c only (h.Files[c]), with the training job's
// parameters, layout, size and colour mode, and hands each to put, which
// is called from one goroutine at a time, in no particular order; sample
// i of class c is plan i of c, as in a job, and its Provenance holds
// "sources" and "composite". Unreadable files are left out and reported,
// as a job leaves out bad training files; a class with no readable file
// is a *datasets.DatasetError. It is for evaluations only: it refuses
// nothing for being outside the training split, because composing the
// held-out split is its purpose.
func ComposeHeldOut(ctx context.Context, src storage.Store, h HeldOut, put func(class string, i int, s *generators.Sample) error) (*HeldOutReport, error) {
	cfg, err := parseParams(h.Params)
	if err != nil {
		return nil, err
	}
	mode, err := composite.ParseMode(h.Mode)
	if err != nil || mode == composite.ModeAuto {
		return nil, &generators.ParamError{Msg: fmt.Sprintf("held-out composites: mode %q: want the training job's resolved mode, %q, %q or %q", h.Mode, composite.ModeGray, composite.ModeRGB, composite.ModeRGBA)}
	}
	seed := HeldOutSeed(h.Seed)
	r := &run{env: &generators.Env{Params: h.Params, Seed: h.Seed, Source: src, Plan: h.Counts, Progress: h.Progress},
		cfg: cfg, cache: composite.NewCache(cfg.cacheB), enc: media.NewEncoder(cfg.level),
		plans: map[string][]composite.Plan{}, classes: map[string]*classState{}}
	r.src = &sources{store: src, dec: cfg.dec, maxFile: cfg.maxFile, sizes: map[string]int64{}, kinds: map[string]pixelKind{}}
	for _, c := range sortedKeys(h.Counts) {
		if h.Counts[c] <= 0 {
			continue
		}
		st := &classState{requested: h.Counts[c]}
		r.classes[c] = st
		for _, f := range h.Files[c] {
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
	for _, c := range sortedKeys(r.classes) {
		if st := r.classes[c]; len(st.usable) == 0 {
			return nil, &datasets.DatasetError{Msg: fmt.Sprintf("held-out class %q: %d composites requested but none of its %d held-out files is a readable image (%s)",
				c, st.requested, len(h.Files[c]), r.badSummary(c))}
		}
	}
	if err := r.plan(seed); err != nil {
		return nil, err
	}
	if err := r.resolveMode(mode); err != nil {
		return nil, err
	}
	rep := &HeldOutReport{Seed: seed, Mode: string(r.opts.Mode), Layout: r.opts.Layout.String(), Size: r.opts.Size.String()}
	for _, b := range r.bad {
		rep.BadFiles = append(rep.BadFiles, datasets.Problem{Key: b.Key, Reason: fmt.Sprintf("class %s: %s", b.Class, b.Reason)})
	}
	for _, c := range sortedKeys(r.classes) {
		st := r.classes[c]
		rep.Classes = append(rep.Classes, HeldOutClass{Class: c, Files: len(h.Files[c]), Usable: len(st.usable), Composites: len(r.plans[c]),
			Distinct: st.report.Distinct.String(), Exhausted: st.report.Exhausted, Repeated: st.report.Repeated})
	}
	return rep, r.renderAll(ctx, put)
}

// renderAll renders every plan on GOMAXPROCS workers and hands each sample
// to put under a lock.
func (r *run) renderAll(ctx context.Context, put func(class string, i int, s *generators.Sample) error) error {
	type item struct {
		class string
		i     int
	}
	var items []item
	for _, c := range sortedKeys(r.plans) {
		for i := range r.plans[c] {
			items = append(items, item{c, i})
		}
	}
	var (
		mu   sync.Mutex
		done int
	)
	return generators.ForEach(ctx, len(items), func(ctx context.Context, k int) error {
		it := items[k]
		s, err := r.Generate(ctx, it.class, it.i)
		if err != nil {
			return fmt.Errorf("held-out composite %d of class %q: %w", it.i, it.class, err)
		}
		mu.Lock()
		defer mu.Unlock()
		if err := put(it.class, it.i, s); err != nil {
			return err
		}
		if done++; done%256 == 0 || done == len(items) {
			r.progress("composing held-out images", map[string]any{"done": done, "total": len(items)})
		}
		return nil
	})
}
