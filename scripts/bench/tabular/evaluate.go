package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/tailsynth/tailsynth/evaluate"
	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/generators/pipeline"
	"github.com/tailsynth/tailsynth/generators/smotegen"
	"github.com/tailsynth/tailsynth/generators/tabgen"
	"github.com/tailsynth/tailsynth/quality"
	"github.com/tailsynth/tailsynth/storage"
	"github.com/tailsynth/tailsynth/storage/locator"
)

// evalOutcome is one table's evaluations (one per split seed).
type evalOutcome struct {
	Name         string                  `json:"name"`
	Note         string                  `json:"note"`
	Leaderboards []*evaluate.Leaderboard `json:"leaderboards"`
}

// parseMethods reads -methods: comma-separated GEN or NAME=GEN:JSON.
func parseMethods(s string) ([]evaluate.Method, error) {
	var out []evaluate.Method
	for _, f := range splitTop(s) {
		var m evaluate.Method
		spec, params, ok := strings.Cut(f, ":")
		if ok {
			m.Params = json.RawMessage(params)
		}
		if name, gen, ok := strings.Cut(spec, "="); ok {
			m.Name, m.Generator = name, gen
		} else {
			m.Generator = spec
		}
		out = append(out, m)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("-methods %q names no method", s)
	}
	return out, nil
}

// splitTop splits s at commas outside braces.
func splitTop(s string) []string {
	var out []string
	depth, start := 0, 0
	for i, r := range s {
		switch r {
		case '{':
			depth++
		case '}':
			depth--
		case ',':
			if depth == 0 {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}

// runEvaluations runs, for every table directory, `splits` evaluations of
// its table.csv through the evaluation path (evaluate.Runner, as POST
// /v1/evaluations runs them): split seed k·100+1 (k = 0, 1, ...) holds
// out 30% of each class's rows, the methods grow the rare class (and only
// it) to the largest class's training count, and the logistic judge is
// trained with seeds k·100+1 ... k·100+seeds.
func runEvaluations(ctx context.Context, dirs []string, methods []evaluate.Method, seeds, splits int, work string) ([]evalOutcome, error) {
	reg := generators.NewRegistry()
	for _, g := range []generators.Generator{generators.Oversample{}, smotegen.Generator{}, tabgen.Generator{}} {
		if err := reg.Register(g); err != nil {
			return nil, err
		}
	}
	var roots []string
	for _, d := range dirs {
		abs, err := filepath.Abs(d)
		if err != nil {
			return nil, err
		}
		roots = append(roots, filepath.Dir(abs))
	}
	roots = append(roots, work)
	loc, err := locator.New(locator.Config{LocalRoots: roots})
	if err != nil {
		return nil, err
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	p := &pipeline.Pipeline{Registry: reg, Log: log, Open: func(ctx context.Context, uri string) (storage.Store, error) {
		st, _, err := loc.Open(ctx, uri)
		return st, err
	}}
	runner := &evaluate.Runner{Pipeline: p, Log: log}
	var out []evalOutcome
	for _, d := range dirs {
		abs, _ := filepath.Abs(d)
		var md meta
		b, err := os.ReadFile(filepath.Join(abs, "meta.json"))
		if err != nil {
			return nil, err
		}
		if err := json.Unmarshal(b, &md); err != nil {
			return nil, fmt.Errorf("%s: meta.json: %w", d, err)
		}
		o := evalOutcome{Name: filepath.Base(abs), Note: md.Note}
		for k := range splits {
			req := evaluate.Request{Dataset: "file://" + filepath.Join(abs, "table.csv"), Output: "file://" + work + "/evals",
				Methods: slices.Clone(methods), TableOptions: generators.TableOptions{LabelColumn: md.Label}}
			for s := range seeds {
				req.Seeds = append(req.Seeds, int64(100*k+s+1))
			}
			if err := req.Normalize(reg); err != nil {
				return nil, err
			}
			// Grow the rare class alone, to the largest class's training rows.
			plan, _, err := evaluate.Check(ctx, p, &req)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", d, err)
			}
			most := 0
			for _, n := range plan.Split.TrainCounts {
				most = max(most, n)
			}
			add := map[string]int{}
			for _, c := range md.Rare {
				add[c] = most - plan.Split.TrainCounts[c]
			}
			req.Strategy = &generators.Strategy{Mode: generators.ModeAdd, Add: add}
			body, err := json.Marshal(req)
			if err != nil {
				return nil, err
			}
			id := fmt.Sprintf("%s-split%d", o.Name, k+1)
			fmt.Fprintf(os.Stderr, "evaluating %s: split seed %d, adding %v\n", o.Name, req.Seeds[0], add)
			if _, err := runner.RunEvaluation(ctx, id, body, func(p generators.Progress) {
				if strings.Contains(p.Stage, "generating") {
					fmt.Fprintf(os.Stderr, "  %s\n", p.Stage)
				}
			}); err != nil {
				return nil, fmt.Errorf("%s: %w", id, err)
			}
			var lb evaluate.Leaderboard
			b, err := os.ReadFile(filepath.Join(work, "evals", id, evaluate.LeaderboardKey))
			if err != nil {
				return nil, err
			}
			if err := json.Unmarshal(b, &lb); err != nil {
				return nil, err
			}
			o.Leaderboards = append(o.Leaderboards, &lb)
			for _, m := range req.Methods {
				var rep struct {
					Report map[string]any `json:"generator_report"`
				}
				if b, err := os.ReadFile(filepath.Join(work, "evals", id, evaluate.MethodsDir, m.Name, generators.ReportKey)); err == nil && json.Unmarshal(b, &rep) == nil {
					if steps, ok := rep.Report["steps"]; ok {
						fmt.Fprintf(os.Stderr, "  %s: %v steps, %v epochs, trained in %.0f s\n", m.Name, steps, rep.Report["epochs"], rep.Report["train_seconds"])
					}
				}
			}
		}
		out = append(out, o)
	}
	return out, nil
}

// writeEvalMarkdown prints one row per leaderboard row (baselines, then
// methods in request order) and one column per table: the rare-class F1
// averaged over the splits, "± spread of the split means" when there are
// several, and the harm flags the leaderboards raised (e.g. "⚠ 2/3": two
// of three splits flagged it). A second table gives the lift over SMOTE.
func writeEvalMarkdown(w io.Writer, all []evalOutcome) error {
	var names []string
	for _, o := range all {
		for _, lb := range o.Leaderboards {
			for _, r := range []string{quality.VariantReal, quality.VariantRandomOversampling, quality.VariantSMOTE} {
				if !slices.Contains(names, r) {
					names = append(names, r)
				}
			}
			for _, m := range lb.Request.Methods {
				if !slices.Contains(names, m.Name) {
					names = append(names, m.Name)
				}
			}
		}
	}
	header := "| row |"
	sep := "| --- |"
	for _, o := range all {
		lb := o.Leaderboards[0]
		header += fmt.Sprintf(" %s (%s; rare %s: %d train, %d held out) |", o.Name, lb.Tabular.SMOTE, strings.Join(lb.Minority, ","),
			lb.Split.TrainCounts[lb.Minority[0]], lb.Split.HeldOutCounts[lb.Minority[0]])
		sep += " --- |"
	}
	for _, figure := range []string{"rare-class F1", "lift over SMOTE (rare-class F1)"} {
		fmt.Fprintf(w, "\n%s, logistic-regression judge:\n\n%s\n%s\n", figure, header, sep)
		for _, n := range names {
			line := "| " + n + " |"
			for _, o := range all {
				var means []float64
				flagged := 0
				for _, lb := range o.Leaderboards {
					for _, r := range lb.Rows {
						if r.Name != n {
							continue
						}
						switch {
						case r.Error != "":
							line += " failed: " + strings.SplitN(r.Error, "\n", 2)[0]
						case figure == "rare-class F1" && r.MinorityF1 != nil:
							means = append(means, r.MinorityF1.Mean)
						case figure != "rare-class F1" && r.LiftOverSMOTE != nil:
							means = append(means, r.LiftOverSMOTE.MinorityF1.Mean)
						}
						for _, a := range r.Alerts {
							if a.Kind == generators.AlertHarm {
								flagged++
								break
							}
						}
					}
				}
				line += " " + meanCell(means, figure != "rare-class F1")
				if flagged > 0 {
					line += fmt.Sprintf(" ⚠ %d/%d", flagged, len(o.Leaderboards))
				}
				line += " |"
			}
			fmt.Fprintln(w, line)
		}
	}
	return nil
}

func meanCell(x []float64, signed bool) string {
	if len(x) == 0 {
		return "—"
	}
	var m float64
	for _, v := range x {
		m += v
	}
	m /= float64(len(x))
	f := "%.3f"
	if signed {
		f = "%+.3f"
	}
	s := fmt.Sprintf(f, m)
	if len(x) > 1 {
		var ss float64
		for _, v := range x {
			ss += (v - m) * (v - m)
		}
		s += fmt.Sprintf(" ± %.3f", math.Sqrt(ss/float64(len(x)-1)))
	}
	return s
}
