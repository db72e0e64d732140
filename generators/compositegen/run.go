package compositegen

import (
	"bytes"
	"context"
	"fmt"

	"github.com/tailsynth/tailsynth/composite"
	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/media"
)

// run is one prepared composite job. After Start it is read-only except for
// the cache and the loader's kind map, which lock themselves.
type run struct {
	env      *generators.Env
	cfg      config
	opts     composite.Options // cfg.opts with the job's mode resolved
	modeNote string
	src      *sources
	cache    *composite.Cache
	renderer *composite.Renderer
	enc      *media.Encoder
	plans    map[string][]composite.Plan // by class, plan i is sample i
	classes  map[string]*classState      // classes with composites to make
	bad      []badFile                   // sorted by key
	alerts   []generators.Alert          // few_sources alerts allowed by allow_few_sources
}

// classState is one class's inputs and planner report.
type classState struct {
	requested  int
	candidates []string // training images, sorted
	usable     []string // candidates that decode
	report     composite.ClassReport
}

func (r *run) progress(stage string, fields map[string]any) {
	if r.env.Progress != nil {
		r.env.Progress(stage, fields)
	}
}

// Generate implements generators.Run: it renders plan i of class and
// encodes it as PNG. Plans are fixed in Start, so the bytes depend only on
// the job's seed, data and parameters.
func (r *run) Generate(ctx context.Context, class string, i int) (*generators.Sample, error) {
	plans := r.plans[class]
	if i < 0 || i >= len(plans) {
		return nil, fmt.Errorf("composite: sample %d of class %q: %d composites were planned for the class", i, class, len(plans))
	}
	p := plans[i]
	img, err := r.renderer.Compose(ctx, p)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := r.enc.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("encoding composite %d of %q: %w", i, class, err)
	}
	info := map[string]any{
		"layout": r.opts.Layout.String(), "size": r.opts.Size.String(), "mode": string(r.opts.Mode),
		"order": string(r.cfg.order), "cycle": p.Cycle, "repeated": p.Repeated,
	}
	if p.Augment != nil {
		info["augment"] = p.Augment
	}
	return &generators.Sample{
		Data: buf.Bytes(), Ext: ".png", ContentType: "image/png",
		Provenance: map[string]any{"sources": p.Sources, "composite": info},
	}, nil
}

// Finish implements generators.Run: contact_sheet.png and the report.
func (r *run) Finish(ctx context.Context) (*generators.Extras, error) {
	sheet, err := r.contactSheet(ctx)
	ex := &generators.Extras{Report: r.report()} // after the sheet: cache stats include it
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

// ContactSheetKey is the extra file with a grid of composites per class.
const ContactSheetKey = generators.ReportDir + "/contact_sheet.png"

// contactSheet renders the first sheet_per_class composites of every class
// (cache hits, mostly) into one PNG; nil when there is nothing to show.
func (r *run) contactSheet(ctx context.Context) ([]byte, error) {
	per := r.cfg.p.SheetPerClass
	if per == 0 {
		return nil, nil
	}
	var items []media.Labeled
	for _, c := range sortedKeys(r.plans) {
		ps := r.plans[c]
		for _, p := range ps[:min(per, len(ps))] {
			img, err := r.renderer.Compose(ctx, p)
			if err != nil {
				return nil, fmt.Errorf("contact sheet: %w", err)
			}
			items = append(items, media.Labeled{Class: c, Image: img})
		}
		// ContactSheet labels a row with the number of items given for the
		// class and draws the first PerRow: pad with the last image so the
		// label shows the class's real number of composites.
		for range len(ps) - min(per, len(ps)) {
			items = append(items, items[len(items)-1])
		}
	}
	if len(items) == 0 {
		return nil, nil
	}
	var buf bytes.Buffer
	if err := media.WriteContactSheet(&buf, items, per); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
