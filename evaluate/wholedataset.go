package evaluate

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/tailsynth/tailsynth/datasets"
	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/generators/compositegen"
	"github.com/tailsynth/tailsynth/quality"
	"github.com/tailsynth/tailsynth/storage"
)

// Protocols of a method (Method.Protocol) and of a leaderboard row
// (Row.Protocol).
const (
	// ProtocolMixed: the judges train on the real training images plus
	// the row's added rows and are tested on the real held-out images.
	// Every baseline row and, by default, every method is measured so.
	ProtocolMixed = "mixed"
	// ProtocolWholeDataset (the composite generator only): the judges
	// train on a balanced composite-only set made from the training split
	// and are tested on composites of the held-out split made the same
	// way — Hlali et al.'s setting, a classifier that consumes composites.
	ProtocolWholeDataset = "whole_dataset"
)

// WholeDatasetCaveat is the caveat of every whole_dataset row: in its
// alerts (kind "caveat"), in leaderboard.json's whole_dataset results and
// notes, and in report.html.
const WholeDatasetCaveat = "whole_dataset protocol: the judges were trained on composites of the training split only and tested on composites " +
	"of the held-out split made the same way, each held-out composite from images of one class; composing a held-out tuple needs its label, " +
	"which a deployed classifier does not have; these figures measure a composite classifier, they are not comparable with the single-image rows"

// HeldOutDir holds the held-out composites of each whole_dataset method:
// <output>/<evaluation>/held_out/<name>/data/<class>/*.png and its
// metadata.jsonl (file_name, label, index, sources, composite).
const HeldOutDir = "held_out"

// checkProtocol fills the default protocol and refuses an unknown one, or
// whole_dataset for a generator that cannot compose the held-out split.
func (m *Method) checkProtocol() error {
	switch m.Protocol {
	case "":
		m.Protocol = ProtocolMixed
	case ProtocolMixed:
	case ProtocolWholeDataset:
		if m.Generator != compositegen.Name {
			return fmt.Errorf("protocol %q is accepted only for generator %q (it composes the held-out split the same way as the training split); generator %q takes protocol %q (the default)",
				m.Protocol, compositegen.Name, m.Generator, ProtocolMixed)
		}
	default:
		return fmt.Errorf("protocol %q: accepted: %q (the default: the method's samples added to the real training images, tested on real held-out images) or %q (generator %q only: trained and tested on composites)",
			m.Protocol, ProtocolMixed, ProtocolWholeDataset, compositegen.Name)
	}
	return nil
}

// wholeCounts is the training set of the whole_dataset protocol, the
// strategy {"add": {every class: N}}: N is the largest class's training
// count, at most max_train_rows divided by the number of classes (the
// bound on the real training rows), at least 1.
func wholeCounts(train map[string]int, maxRows int) map[string]int {
	n := 0
	for _, k := range train {
		n = max(n, k)
	}
	n = max(1, min(n, maxRows/max(1, len(train))))
	out := make(map[string]int, len(train))
	for c := range train {
		out[c] = n
	}
	return out
}

// wholeRun is a whole_dataset method's composites beyond its job's: the
// held-out composites, by class, under dir (HeldOutDir/<name>).
type wholeRun struct {
	train   map[string]int
	dir     string
	output  string
	keys    map[string][]string
	report  *compositegen.HeldOutReport
	sources int // training composite sources checked by the leakage guard
}

// compositeRow is the part of a composite job's metadata.jsonl row read
// here.
type compositeRow struct {
	FileName  string   `json:"file_name"`
	Label     string   `json:"label"`
	Sources   []string `json:"sources"`
	Composite struct {
		Mode string `json:"mode"`
	} `json:"composite"`
}

func readCompositeRows(ctx context.Context, job storage.Store) ([]compositeRow, error) {
	rc, _, err := job.Get(ctx, generators.MetadataKey)
	if err != nil {
		return nil, fmt.Errorf("metadata: %w", err)
	}
	defer rc.Close()
	var rows []compositeRow
	sc := bufio.NewScanner(rc)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		var row compositeRow
		if err := json.Unmarshal(sc.Bytes(), &row); err != nil {
			return nil, fmt.Errorf("metadata: %w", err)
		}
		rows = append(rows, row)
	}
	return rows, sc.Err()
}

// composeHeldOut checks a whole_dataset method's training composites
// against the split (the leakage guard: every source a training file of
// the composite's class) and composes the held-out split the same way:
// per class, min(its held-out files, max_held_out_per_class) composites of
// that class's held-out files only, with the job's parameters and
// resolved colour mode, planned with compositegen.HeldOutSeed of the
// generation seed. They are written under HeldOutDir/<name>/.
func (r *Runner) composeHeldOut(ctx context.Context, src, out storage.Store, uri string, m *methodRun, seed int64, split Split, cfg Config,
	progress func(generators.Progress)) (*wholeRun, error) {
	job := storage.Sub(out, MethodsDir+"/"+m.Name)
	rows, err := readCompositeRows(ctx, job)
	if err != nil {
		return nil, err
	}
	trainClass := map[string]string{}
	for _, f := range split.Train {
		trainClass[f.Key] = f.Class
	}
	w := &wholeRun{train: map[string]int{}, dir: HeldOutDir + "/" + m.Name, keys: map[string][]string{}}
	w.output = uri + "/" + w.dir
	mode := ""
	for _, row := range rows {
		for _, s := range row.Sources {
			c, ok := trainClass[s]
			if !ok {
				return nil, fmt.Errorf("leakage guard: training composite %s has source %s, which is not a file of the training split", row.FileName, s)
			}
			if c != row.Label {
				return nil, fmt.Errorf("leakage guard: training composite %s of class %q has source %s of class %q", row.FileName, row.Label, s, c)
			}
			w.sources++
		}
		w.train[row.Label]++
		if mode == "" {
			mode = row.Composite.Mode
		} else if row.Composite.Mode != mode {
			return nil, fmt.Errorf("training composites of two colour modes, %q and %q", mode, row.Composite.Mode)
		}
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("the job made no composites")
	}
	files, counts := map[string][]datasets.File{}, map[string]int{}
	for _, f := range split.HeldOut {
		if split.TrainCounts[f.Class] > 0 {
			files[f.Class] = append(files[f.Class], f)
		}
	}
	for c, list := range files {
		counts[c] = min(len(list), cfg.MaxHeldOutPerClass)
	}
	type written struct {
		key, class string
		i          int
		prov       map[string]any
	}
	var made []written
	st := storage.Sub(out, w.dir)
	stage := fmt.Sprintf("method %s: composing the held-out split", m.Name)
	rep, err := compositegen.ComposeHeldOut(ctx, src, compositegen.HeldOut{Params: m.Params, Seed: seed, Mode: mode, Files: files, Counts: counts,
		Progress: func(s string, fields map[string]any) { progress(generators.Progress{Stage: stage + ": " + s}) }},
		func(class string, i int, s *generators.Sample) error {
			key := fmt.Sprintf("%s/%s/held_out_%06d%s", generators.DataDir, class, i, s.Ext)
			if _, err := st.Put(ctx, key, bytes.NewReader(s.Data), int64(len(s.Data)), storage.PutOptions{ContentType: s.ContentType}); err != nil {
				return err
			}
			made = append(made, written{key, class, i, s.Provenance})
			return nil
		})
	if err != nil {
		return nil, err
	}
	w.report = rep
	sort.Slice(made, func(a, b int) bool {
		return cmp.Or(strings.Compare(made[a].class, made[b].class), made[a].i-made[b].i) < 0
	})
	var meta bytes.Buffer
	for _, x := range made {
		row := map[string]any{"file_name": x.key, "label": x.class, "index": x.i, "planner_seed": rep.Seed}
		for k, v := range x.prov {
			row[k] = v
		}
		b, err := json.Marshal(row)
		if err != nil {
			return nil, err
		}
		meta.Write(append(b, '\n'))
		w.keys[x.class] = append(w.keys[x.class], x.key)
	}
	if _, err := st.Put(ctx, generators.MetadataKey, bytes.NewReader(meta.Bytes()), int64(meta.Len()), storage.PutOptions{ContentType: "application/jsonl"}); err != nil {
		return nil, err
	}
	return w, nil
}

// WholeDataset is a whole_dataset method's measurement in
// leaderboard.json ("whole_dataset"): what it trained and tested on and
// every judge's result.
type WholeDataset struct {
	Method string `json:"method"`
	// Caveat is WholeDatasetCaveat.
	Caveat string `json:"caveat"`
	// TrainComposites are the composites of each class the judges trained
	// on: the job's (Output), made with the strategy {"add": {every class:
	// N}} from the training split only; SourcesChecked counts the sources
	// the leakage guard found in the training split.
	TrainComposites map[string]int `json:"train_composites"`
	Output          string         `json:"output"`
	SourcesChecked  int            `json:"sources_checked"`
	// HeldOut describes the held-out composites the judges were tested on
	// (HeldOutOutput: their images and metadata.jsonl).
	HeldOutOutput string                      `json:"held_out_output"`
	HeldOut       *compositegen.HeldOutReport `json:"held_out"`
	// UtilitySpace is the logistic judge's feature space, fitted on the
	// training composites.
	UtilitySpace *FeatureSpace `json:"utility_space,omitempty"`
	// UtilityByJudge holds each judge's result: one variant, named after
	// the method, trained on the composites alone (no lifts: no baseline
	// shares its test set).
	UtilityByJudge map[string]*quality.UtilityResult `json:"utility_by_judge,omitempty"`
	UtilityNote    string                            `json:"utility_note"`
	NUnreadable    int                               `json:"n_unreadable"`
	Errors         []string                          `json:"errors,omitempty"`
}

// labelled reads the keys of each class from st as labelled rows of the
// real set's classes, in class order.
func (r *realSet) labelled(ctx context.Context, st storage.Store, byClass map[string][]string) (quality.Dataset, []datasets.Problem, error) {
	var parts []quality.Dataset
	var skipped []datasets.Problem
	for _, c := range r.classes {
		keys := byClass[c]
		if len(keys) == 0 {
			continue
		}
		rows, err := r.fz.Load(ctx, st, keys)
		if err != nil {
			return quality.Dataset{}, nil, err
		}
		skipped = append(skipped, rows.Skipped...)
		parts = append(parts, quality.Dataset{X: rows.X, Y: fill(rows.X.Rows, r.index[c])})
	}
	d, err := concatAll(parts, r.fz.Dim)
	return d, skipped, err
}

// wholeDataset measures a whole_dataset method: each judge trained on the
// training composites alone (the logistic judge in a feature space fitted
// on them) and tested on the held-out composites, over the seeds.
func (r *realSet) wholeDataset(ctx context.Context, out storage.Store, m *methodRun, seed int64, minority []int) (*WholeDataset, error) {
	w := m.whole
	res := &WholeDataset{Method: m.Name, Caveat: WholeDatasetCaveat, TrainComposites: w.train, Output: m.outputs[seed], SourcesChecked: w.sources,
		HeldOutOutput: w.output, HeldOut: w.report, UtilityByJudge: map[string]*quality.UtilityResult{}}
	train, skipped, err := r.labelled(ctx, storage.Sub(out, MethodsDir+"/"+m.Name), m.samples[seed])
	if err != nil {
		return nil, fmt.Errorf("training composites: %w", err)
	}
	test, skipped2, err := r.labelled(ctx, storage.Sub(out, w.dir), w.keys)
	if err != nil {
		return nil, fmt.Errorf("held-out composites: %w", err)
	}
	res.NUnreadable = len(skipped) + len(skipped2)
	var notes []string
	for _, j := range r.cfg.Judges {
		jd, err := r.judgeData(j, minority)
		if err != nil {
			res.Errors = append(res.Errors, fmt.Sprintf("%s judge: %v", j, err))
			continue
		}
		tr, te, rows := train, test, fmt.Sprintf("as %dx%d %s pixels", r.fz.Size, r.fz.Size, r.fz.Color)
		if j == JudgeLogReg {
			if res.UtilitySpace == nil {
				if res.UtilitySpace, err = fitSpace(ctx, train, len(r.classes), r.fz, r.cfg.UtilitySpace, r.cfg); err != nil {
					res.Errors = append(res.Errors, fmt.Sprintf("%s judge: %v", j, err))
					continue
				}
			}
			if tr, err = res.UtilitySpace.project(train); err == nil {
				te, err = res.UtilitySpace.project(test)
			}
			if err != nil {
				res.Errors = append(res.Errors, fmt.Sprintf("%s judge: %v", j, err))
				continue
			}
			rows = fmt.Sprintf("in a %s feature space fitted on the training composites", r.cfg.UtilitySpace)
		}
		u, err := quality.EvaluateUtility(ctx, tr, te, nil, jd.cfg)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			res.Errors = append(res.Errors, fmt.Sprintf("%s judge: %v", j, err))
			continue
		}
		u.Variants[0].Name = m.Name
		res.UtilityByJudge[j] = u
		notes = append(notes, fmt.Sprintf("%s judge: trained on the %d training composites alone %s, tested on %d held-out composites; seeds %v",
			j, tr.Len(), rows, te.Len(), r.cfg.Seeds))
	}
	res.UtilityNote = strings.Join(notes, ". ")
	return res, nil
}

// wholeRows measures every whole_dataset method and returns its results
// and rows: not ranked against the single-image rows (rank 0), best
// headline minority F1 first, failed methods last.
func (r *realSet) wholeRows(ctx context.Context, out storage.Store, runs []methodRun, seed int64, minority []int) ([]WholeDataset, []Row, []string, error) {
	var results []WholeDataset
	var rows []Row
	var errs []string
	head := r.cfg.Judges[0]
	for i := range runs {
		m := &runs[i]
		if m.Protocol != ProtocolWholeDataset {
			continue
		}
		row := Row{Name: m.Name, Kind: KindMethod, Protocol: ProtocolWholeDataset, Generator: m.Generator, Params: m.Params, Error: m.err,
			Output: m.outputs[firstKey(m.outputs)]}
		row.Alerts = []Alert{{Kind: generators.AlertCaveat, Severity: generators.SeverityAmber, Method: m.Name, Message: WholeDatasetCaveat}}
		for _, a := range m.alerts { // the job's own caveat is this one's, stated for the job
			if a.Kind != generators.AlertCaveat {
				row.Alerts = append(row.Alerts, a)
			}
		}
		if m.err == "" {
			res, err := r.wholeDataset(ctx, out, m, seed, minority)
			switch {
			case err != nil && ctx.Err() != nil:
				return nil, nil, nil, ctx.Err()
			case err != nil:
				row.Error = "measuring: " + err.Error()
			default:
				results = append(results, *res)
				for _, e := range res.Errors {
					errs = append(errs, fmt.Sprintf("%s (whole_dataset): %s", m.Name, e))
				}
				row.Description = wholeDescription(res)
				row.HeadlineJudge, row.ByJudge = head, map[string]*JudgeFigures{}
				for _, j := range r.cfg.Judges {
					if u := res.UtilityByJudge[j]; u != nil {
						row.ByJudge[j] = judgeFigures(u, m.Name)
					}
				}
				if f := row.ByJudge[head]; f != nil {
					row.MinorityF1, row.MacroF1, row.BalancedAccuracy, row.MinorityRecall = f.MinorityF1, f.MacroF1, f.BalancedAccuracy, f.MinorityRecall
				}
			}
		}
		rows = append(rows, row)
	}
	sort.SliceStable(rows, func(i, j int) bool {
		a, b := rows[i].MinorityF1, rows[j].MinorityF1
		if a == nil || b == nil {
			return a != nil && b == nil
		}
		return a.Mean > b.Mean
	})
	return results, rows, errs, nil
}

// wholeDescription says what a whole_dataset row was trained and tested
// on.
func wholeDescription(w *WholeDataset) string {
	train, held := 0, 0
	for _, n := range w.TrainComposites {
		train = max(train, n)
	}
	var per []string
	if w.HeldOut != nil {
		for _, c := range w.HeldOut.Classes {
			held += c.Composites
			per = append(per, fmt.Sprintf("%s %d", c.Class, c.Composites))
		}
	}
	slices.Sort(per)
	return fmt.Sprintf("whole_dataset: trained on %d composites of each class made from the training split only, tested on %d composites of the held-out split (%s), each from held-out images of its own class",
		train, held, strings.Join(per, ", "))
}

// wholeNote is the leaderboard's note on whole_dataset rows.
const wholeNote = "Rows of protocol whole_dataset are listed last with rank 0: " + WholeDatasetCaveat + ". They are excluded from the harm comparison " +
	"and have no lifts, because their test set (composites of held-out images) is not the single-image rows' and no baseline shares it: " +
	"real single images are no baseline for a composite classifier. Their figures are in whole_dataset, each judge's in utility_by_judge there. " +
	"Their held-out composites (held_out/<name>/) were made from held-out images for testing only; the leakage guard checked that every source " +
	"of every training composite is a training file of the composite's class."
