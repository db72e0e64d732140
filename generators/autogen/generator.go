package autogen

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/tailsynth/tailsynth/evaluate"
	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/storage"
)

// Name is the generator's name in jobs and in the registry.
const Name = "auto"

// Generator is the "auto" generator. Registry holds the candidates'
// generators (the service's own registry).
type Generator struct {
	Registry *generators.Registry
	// Features sets how images are read for the judges (zero: evaluate's
	// defaults, 28x28).
	Features evaluate.FeatureOptions
}

var _ generators.Generator = Generator{}

// Register adds the auto generator to r, choosing among r's generators.
// Register it last: the default candidates are those r holds when a job
// is validated.
func Register(r *generators.Registry) error { return r.Register(Generator{Registry: r}) }

// Info implements generators.Generator.
func (g Generator) Info() generators.Info {
	return generators.Info{
		Name: Name,
		Description: "measured auto-selection: compares candidate methods (default: oversample, smote, and the light augment preset on half or all samples, with and without flips) " +
			"by cross-validation on the TRAINING files only, repeated with other folds and pooled — each candidate generates from k−1 folds, a logistic-regression and a CNN judge " +
			"are trained on them plus the samples and scored on the held-back fold — then generates every requested class with the " +
			"method that gave it the best F1 (ties within tie go to the cheaper, earlier candidate); report.json and report.html " +
			"record every candidate's figures and why the winner won",
		Kinds: []string{"image", "audio"},
		Params: []generators.ParamInfo{
			{Name: "candidates", Type: "array", Description: `methods compared, cheapest first: [{"name": "...", "generator": "...", "params": {...}}]; default: oversample, smote, augment-half, augment-half-noflip, augment-light, augment-light-noflip (those registered). Heavy generators (GAN training) are refused`},
			{Name: "judges", Type: "array", Default: []string{"logreg", "cnn"}, Description: "classifiers that score the candidates: logreg, cnn or both (audio: logreg only)"},
			{Name: "folds", Type: "integer", Default: 3, Description: "stratified folds of the training files (2 to 10)"},
			{Name: "repeats", Type: "integer", Default: defaultRepeats, Description: "times the cross-validation is run, each with other folds, pooled into one score per candidate (1 to 5; each costs as much as the first)"},
			{Name: "max_per_class", Type: "integer", Default: 400, Description: "real training images per class read for the comparison (seeded subsample; 10 to 100000)"},
			{Name: "tie", Type: "number", Default: 0.01, Description: "F1 difference under which the cheaper (earlier) candidate wins (0 to 0.5)"},
		},
	}
}

// Validate implements generators.Generator.
func (g Generator) Validate(raw json.RawMessage) error {
	_, err := parseParams(raw, g.registry())
	return err
}

func (g Generator) registry() *generators.Registry {
	if g.Registry == nil {
		return generators.NewRegistry()
	}
	return g.Registry
}

// Start implements generators.Generator: it runs the comparison (see the
// package documentation), then starts each winning method on the whole
// training split for the classes it won, with the job's seed — so the
// samples are the bytes that method would make in a job of its own.
func (g Generator) Start(ctx context.Context, env *generators.Env) (generators.Run, error) {
	p, err := parseParams(env.Params, g.registry())
	if err != nil {
		return nil, err
	}
	if env.Work == nil {
		return nil, fmt.Errorf("%s: the job has no scratch store", Name)
	}
	sel, err := choose(ctx, env, p, g.registry(), g.Features)
	if err != nil {
		return nil, err
	}
	r := &run{sel: sel, byClass: map[string]*winner{}}
	for _, cand := range p.Candidates {
		plan := map[string]int{}
		for _, ch := range sel.Classes {
			if ch.Winner == cand.Name {
				plan[ch.Class] = env.Plan[ch.Class]
			}
		}
		if len(plan) == 0 {
			continue
		}
		gen, err := g.registry().Get(cand.Generator)
		if err != nil {
			return nil, err
		}
		sub := *env
		sub.Params, sub.Plan = cand.Params, plan
		sub.Work = storage.Sub(env.Work, "final/"+cand.Name)
		sub.Progress = func(stage string, f map[string]any) {
			if env.Progress != nil {
				env.Progress(cand.Name+": "+stage, f)
			}
		}
		rn, err := gen.Start(ctx, &sub)
		if err != nil {
			return nil, fmt.Errorf("%s: starting the winner %s: %w", Name, cand.Name, err)
		}
		w := &winner{cand: cand, run: rn}
		r.winners = append(r.winners, w)
		for c := range plan {
			r.byClass[c] = w
		}
	}
	return r, nil
}

type winner struct {
	cand Candidate
	run  generators.Run
}

type run struct {
	sel     *Selection
	winners []*winner
	byClass map[string]*winner
}

// Generate implements generators.Run: the winner of class makes sample i;
// its provenance gains "auto": {"method", "generator"}.
func (r *run) Generate(ctx context.Context, class string, i int) (*generators.Sample, error) {
	w, ok := r.byClass[class]
	if !ok {
		return nil, fmt.Errorf("%s: no method was chosen for class %q", Name, class)
	}
	s, err := w.run.Generate(ctx, class, i)
	if err != nil {
		return nil, err
	}
	if s.Provenance == nil {
		s.Provenance = map[string]any{}
	}
	s.Provenance["auto"] = map[string]any{"method": w.cand.Name, "generator": w.cand.Generator}
	return s, nil
}

// Finish implements generators.Run: the winners' extra files (prefixed
// with the method's name when more than one method won) and a report with
// the selection and each winner's own report.
func (r *run) Finish(ctx context.Context) (*generators.Extras, error) {
	out := &generators.Extras{}
	methods := map[string]any{}
	var alerts []generators.Alert
	for _, w := range r.winners {
		ex, err := w.run.Finish(ctx)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", w.cand.Name, err)
		}
		if ex == nil {
			continue
		}
		for _, f := range ex.Files {
			if len(r.winners) > 1 {
				f.Key = w.cand.Name + "_" + f.Key
			}
			out.Files = append(out.Files, f)
		}
		if ex.Report != nil {
			methods[w.cand.Name] = ex.Report
			// The winner's own alerts (few_sources...) go to the top
			// level too, so the job's result and the CLI show them.
			if a, ok := ex.Report["alerts"].([]generators.Alert); ok {
				alerts = append(alerts, a...)
			}
		}
	}
	out.Report = map[string]any{"auto": r.sel}
	if len(methods) > 0 {
		out.Report["methods"] = methods
	}
	for _, ch := range r.sel.Classes {
		i := slices.IndexFunc(ch.Scores, func(s Score) bool { return s.Name == ch.Winner })
		if !ch.Harm || i < 0 {
			continue
		}
		w := ch.Scores[i]
		alerts = append(alerts, generators.Alert{Kind: generators.AlertHarm, Severity: generators.SeverityRed, Method: w.Name,
			Metric: "minority_f1", Over: realName, Lift: w.LiftOverReal, Threshold: r.sel.Tie,
			Message: fmt.Sprintf("auto: no candidate helped class %q in the internal cross-validation; %s, the least harmful, lowered its F1 by %.3f vs real (judges %s)",
				ch.Class, w.Name, -w.LiftOverReal, strings.Join(r.sel.Judges, ", "))})
	}
	if len(alerts) > 0 {
		// The pipeline lists these in report.json's top-level "alerts".
		out.Report["alerts"] = alerts
	}
	return out, nil
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }
