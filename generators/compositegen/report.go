package compositegen

import (
	"strconv"

	"github.com/tailsynth/tailsynth/generators"
)

// Caveats of the report's "alerts" (kind "caveat"): composites help a
// classifier that consumes composites; see the package doc.
const (
	// CaveatMixed is raised when some classes get composites and others
	// keep single images only.
	CaveatMixed = "composites (CB-ImgComp) added to a training set of single images can hurt: they help a classifier " +
		"that also sees composites at test time (Hlali et al. compose the whole dataset, evaluation images included), " +
		"not necessarily one that classifies single images; measure it with an evaluation (tailsynth evaluate) before training on this output"
	// CaveatWhole is raised when every class gets composites (the
	// whole-dataset setting).
	CaveatWhole = "every class got composites: a classifier trained on this composite-only set must be tested on composites made " +
		"the same way from held-out images (composing a held-out tuple needs its label, which a deployed classifier does not have); " +
		"on single images it can do worse than one trained on real images"
)

// ClassFigures is one class's entry in the report's "classes".
type ClassFigures struct {
	// Requested is the number of composites made (the strategy's plan).
	Requested int `json:"requested"`
	// ImagesUsed is the number of training images the planner drew from
	// (readable images); ImagesExcluded were left out as bad files.
	ImagesUsed     int `json:"images_used"`
	ImagesExcluded int `json:"images_excluded"`
	// SourcesInComposites counts the images that appear in at least one
	// composite.
	SourcesInComposites int `json:"sources_in_composites"`
	// DistinctTuples is DistinctTuples(images_used, tiles, order) in
	// decimal: a string because it outgrows JSON numbers (C(6000, 9) is
	// about 2.8e28).
	DistinctTuples string `json:"distinct_tuples"`
	// Exhausted: more composites were asked for than the class has distinct
	// tuples, so some tuples repeat (their rows carry cycle > 0).
	Exhausted bool `json:"exhausted"`
	// Repeated: the class has fewer images than tiles, so every composite
	// shows some image twice.
	Repeated bool `json:"repeated"`
	// MaxCycle is the largest plan cycle: how many times the whole tuple
	// space was used up before the last composite.
	MaxCycle int `json:"max_cycle"`
}

// report is the generator's part of report.json.
func (r *run) report() map[string]any {
	classes := map[string]ClassFigures{}
	for c, st := range r.classes {
		f := ClassFigures{Requested: st.requested, ImagesUsed: len(st.usable),
			ImagesExcluded: len(r.env.Train[c]) - len(st.usable),
			Exhausted:      st.report.Exhausted, Repeated: st.report.Repeated}
		if st.report.Distinct != nil {
			f.DistinctTuples = st.report.Distinct.String()
		}
		used := map[string]bool{}
		for _, p := range r.plans[c] {
			f.MaxCycle = max(f.MaxCycle, p.Cycle)
			for _, k := range p.Sources {
				used[k] = true
			}
		}
		f.SourcesInComposites = len(used)
		classes[c] = f
	}
	bad := r.bad
	if bad == nil {
		bad = []badFile{}
	}
	caveat := CaveatWhole
	for c := range r.env.Train {
		if r.env.Plan[c] == 0 {
			caveat = CaveatMixed
			break
		}
	}
	cs := r.cache.Stats()
	rep := map[string]any{
		"layout":       r.opts.Layout.String(),
		"tiles":        r.opts.Layout.Tiles(),
		"size":         r.opts.Size.String(),
		"fit":          string(r.opts.Fit),
		"filter":       r.opts.Filter,
		"mode":         string(r.opts.Mode),
		"mode_reason":  r.modeNote,
		"keep16":       r.opts.Keep16,
		"order":        string(r.cfg.order),
		"augment":      r.cfg.p.Augment,
		"planner_seed": strconv.FormatUint(uint64(r.env.Seed), 10), // a string: may exceed 2^53
		"classes":      classes,
		"bad_files":    bad,
		// The pipeline lists these in report.json's top-level "alerts".
		"alerts": append([]generators.Alert{{Kind: generators.AlertCaveat, Severity: generators.SeverityAmber, Method: Name, Message: caveat}}, r.alerts...),
		"cache": map[string]any{
			"hits": cs.Hits, "misses": cs.Misses, "evictions": cs.Evictions,
			"entries": cs.Entries, "bytes": cs.Bytes, "limit_bytes": r.cfg.cacheB,
		},
	}
	if r.env.Dataset != nil && r.env.Dataset.HasSplits() {
		held := len(r.env.Dataset.Files) - len(r.env.Dataset.TrainFiles())
		rep["leakage_guard"] = map[string]any{
			"statement":               "composites were built from training-split images only: no validation or test image appears in any composite",
			"held_out_files_not_read": held,
		}
	}
	return rep
}
