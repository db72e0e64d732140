package augmentgen

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"math/rand/v2"

	"github.com/tailsynth/tailsynth/augment"
	"github.com/tailsynth/tailsynth/datasets"
	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/media"
)

// run is one prepared augment job; read-only after Start.
type run struct {
	env         *generators.Env
	cfg         config
	enc         *media.Encoder
	classes     map[string]*classState // classes with samples to make
	bad         []badFile              // sorted by key
	alerts      []generators.Alert     // few_sources alerts allowed by allow_few_sources
	cachedBytes int64
}

// classState is one class's inputs.
type classState struct {
	requested  int
	candidates []datasets.File // training images, sorted by key
	usable     []source        // candidates that decode, in key order
}

func (r *run) progress(stage string, fields map[string]any) {
	if r.env.Progress != nil {
		r.env.Progress(stage, fields)
	}
}

// pick chooses sample i's source and draws its transforms from
// generators.SampleRand(seed, class, i): the source first (uniform over the
// class's readable images, in key order), then the pipeline's draws at the
// output size.
func (r *run) pick(class string, i int) (source, []augment.Applied, *rand.Rand) {
	st := r.classes[class]
	rng := generators.SampleRand(r.env.Seed, class, i)
	s := st.usable[rng.IntN(len(st.usable))]
	w, h := r.cfg.pipeline.Options().OutputSize(s.w, s.h)
	applied := r.cfg.pipeline.Draw(rng, w, h)
	if p := r.cfg.p.P; p < 1 && rng.Float64() >= p {
		applied = []augment.Applied{} // an exact copy (p = 1 draws nothing more: samples stay as they were)
	}
	return s, applied, rng
}

// sample renders sample i of class: its source, the augmented image and
// the transforms drawn.
func (r *run) sample(ctx context.Context, class string, i int) (source, image.Image, image.Image, []augment.Applied, error) {
	st := r.classes[class]
	if st == nil || i < 0 || i >= st.requested {
		return source{}, nil, nil, nil, fmt.Errorf("augment: sample %d of class %q: the job plans %d", i, class, r.env.Plan[class])
	}
	s, applied, _ := r.pick(class, i)
	img, err := r.load(ctx, s)
	if err != nil {
		return s, nil, nil, nil, err
	}
	out, err := augment.Apply(augment.FromImage(img), applied, r.cfg.pipeline.Options())
	if err != nil {
		return s, nil, nil, nil, fmt.Errorf("augmenting %s: %w", s.key, err)
	}
	return s, img, out.Image(), applied, nil
}

// Generate implements generators.Run: sample i of class is the source and
// transforms drawn from SampleRand(seed, class, i), applied and encoded as
// PNG. The metadata row has what is needed to make it again.
func (r *run) Generate(ctx context.Context, class string, i int) (*generators.Sample, error) {
	s, _, out, applied, err := r.sample(ctx, class, i)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := r.enc.Encode(&buf, out); err != nil {
		return nil, fmt.Errorf("encoding sample %d of %q: %w", i, class, err)
	}
	o := r.cfg.pipeline.Options()
	prov := map[string]any{
		"sources":    []string{s.key},
		"preset":     r.cfg.preset,
		"transforms": applied,
		"border":     string(o.Border),
	}
	if o.Border == augment.BorderConstant {
		prov["fill"] = o.Fill
	}
	if o.W > 0 {
		prov["size"] = fmt.Sprintf("%dx%d", o.W, o.H)
	}
	return &generators.Sample{Data: buf.Bytes(), Ext: ".png", ContentType: "image/png", Provenance: prov}, nil
}

// Finish implements generators.Run: contact_sheet.png and the report.
func (r *run) Finish(ctx context.Context) (*generators.Extras, error) {
	ex := &generators.Extras{Report: r.report()}
	sheet, err := r.contactSheet(ctx)
	switch {
	case err != nil && ctx.Err() != nil:
		return nil, err
	case err != nil: // the sheet is a convenience: report why it is missing
		ex.Report["contact_sheet_error"] = err.Error()
	case sheet != nil:
		ex.Files = append(ex.Files, generators.ExtraFile{Key: ContactSheetKey, Data: sheet, ContentType: "image/png"})
		ex.Report["contact_sheet"] = ContactSheetKey
	}
	return ex, nil
}

// ContactSheetKey is the extra file showing sources beside their samples.
const ContactSheetKey = generators.ReportDir + "/contact_sheet.png"

// contactSheet shows, per class, the first sheet_per_class samples each
// right of its source: source, sample, source, sample...
func (r *run) contactSheet(ctx context.Context) ([]byte, error) {
	per := r.cfg.p.SheetPerClass
	if per == 0 || len(r.classes) == 0 {
		return nil, nil
	}
	var items []media.Labeled
	for _, c := range sortedKeys(r.classes) {
		n := min(per, r.classes[c].requested)
		for i := range n {
			_, src, out, _, err := r.sample(ctx, c, i)
			if err != nil {
				return nil, fmt.Errorf("contact sheet: %w", err)
			}
			items = append(items, media.Labeled{Class: c, Image: src}, media.Labeled{Class: c, Image: out})
		}
	}
	var buf bytes.Buffer
	if err := media.WriteContactSheet(&buf, items, 2*per); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// ClassFigures is one class's entry in the report's "classes".
type ClassFigures struct {
	// Requested is the number of samples made (the strategy's plan).
	Requested int `json:"requested"`
	// ImagesUsed is the number of readable training images the samples
	// are drawn from; ImagesExcluded were left out as bad files.
	ImagesUsed     int `json:"images_used"`
	ImagesExcluded int `json:"images_excluded"`
	// SourcesUsed counts the images that are the source of at least one
	// sample.
	SourcesUsed int `json:"sources_used"`
	// Fired counts, per transform, the samples it was applied to;
	// Unchanged counts the samples no transform fired on (exact copies of
	// their source, re-encoded).
	Fired     map[string]int `json:"fired"`
	Unchanged int            `json:"unchanged"`
}

// report is the generator's part of report.json. It draws every sample's
// source and transforms again (no pixels), which is cheap.
func (r *run) report() map[string]any {
	classes := map[string]ClassFigures{}
	for c, st := range r.classes {
		f := ClassFigures{Requested: st.requested, ImagesUsed: len(st.usable),
			ImagesExcluded: len(r.env.Train[c]) - len(st.usable), Fired: map[string]int{}}
		used := map[string]bool{}
		for i := range st.requested {
			s, applied, _ := r.pick(c, i)
			used[s.key] = true
			for _, a := range applied {
				f.Fired[a.Name]++
			}
			if len(applied) == 0 {
				f.Unchanged++
			}
		}
		f.SourcesUsed = len(used)
		classes[c] = f
	}
	kinds := map[string]int{}
	for _, st := range r.classes {
		for _, s := range st.usable {
			kinds[s.kind]++
		}
	}
	bad := r.bad
	if bad == nil {
		bad = []badFile{}
	}
	disabled := r.cfg.p.Disable
	if disabled == nil {
		disabled = []string{}
	}
	o := r.cfg.pipeline.Options()
	size := "source"
	if o.W > 0 {
		size = fmt.Sprintf("%dx%d", o.W, o.H)
	}
	rep := map[string]any{
		"preset":       r.cfg.preset,
		"transforms":   r.cfg.pipeline.Specs(),
		"disabled":     disabled,
		"border":       string(o.Border),
		"fill":         o.Fill,
		"size":         size,
		"source_kinds": kinds,
		"classes":      classes,
		"bad_files":    bad,
		"cache":        map[string]any{"bytes": r.cachedBytes, "limit_bytes": r.cfg.cacheB},
	}
	if len(r.alerts) > 0 {
		rep["alerts"] = r.alerts // the pipeline lists these in report.json's top-level "alerts"
	}
	if r.env.Dataset != nil && r.env.Dataset.HasSplits() {
		held := len(r.env.Dataset.Files) - len(r.env.Dataset.TrainFiles())
		rep["leakage_guard"] = map[string]any{
			"statement":               "samples were made from training-split images only: no validation or test image was read",
			"held_out_files_not_read": held,
		}
	}
	return rep
}
