package evaluate

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/tailsynth/tailsynth/datasets"
	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/generators/pipeline"
	"github.com/tailsynth/tailsynth/quality"
	"github.com/tailsynth/tailsynth/storage"
)

// Output layout of an evaluation, relative to <output>/<evaluation id>/.
const (
	LeaderboardKey = "leaderboard.json"
	SplitKey       = "split.json"
	// MethodsDir holds one generation job output per method:
	// methods/<name>/ (or methods/<name>/seed-<s>/ with repeat_generation).
	MethodsDir = "methods"
)

// Runner runs evaluations; it implements the job engine's jobs.Evaluator,
// so evaluations are jobs: queued, with progress, cancellable, and resumed
// after a restart (finished method outputs are kept and reused).
type Runner struct {
	Pipeline *pipeline.Pipeline
	// Config bounds the cost; the request's features, seeds and judges
	// override its UtilitySpace, Seeds and Judges.
	Config Config
	Log    *slog.Logger
}

// RunEvaluation runs the evaluation id described by request (a Request,
// normalized): every method generates on the training part only, then the
// real data, every method's samples and the baselines are measured, and
// leaderboard.json, report.html and, last, _SUCCESS are written under
// <output>/<id>/. An evaluation whose _SUCCESS exists is not run again.
// A method whose generation fails gets a row with its error; the
// evaluation goes on.
func (r *Runner) RunEvaluation(ctx context.Context, id string, request json.RawMessage, progress func(generators.Progress)) (*pipeline.Result, error) {
	var req Request
	if err := json.Unmarshal(request, &req); err != nil {
		return nil, &generators.ParamError{Msg: fmt.Sprintf("evaluation %s: stored request: %v", id, err)}
	}
	if err := req.Normalize(r.Pipeline.Registry); err != nil {
		return nil, err
	}
	log := r.Log
	if log == nil {
		log = slog.Default()
	}
	root, err := r.Pipeline.Open(ctx, req.Output)
	if err != nil {
		return nil, err
	}
	out := storage.Sub(root, id)
	uri := strings.TrimSuffix(req.Output, "/") + "/" + id
	if _, err := out.Stat(ctx, generators.SuccessKey); err == nil {
		return &pipeline.Result{Output: uri, Resumed: true}, nil
	} else if !errors.Is(err, storage.ErrNotFound) {
		return nil, err
	}
	if req.IsTable() {
		return r.runTable(ctx, id, &req, out, uri, log, progress)
	}
	times := map[string]float64{}
	progress(generators.Progress{Stage: "scanning dataset"})
	t0 := time.Now()
	plan, ds, err := Check(ctx, r.Pipeline, &req)
	if err != nil {
		return nil, err
	}
	view := plan.Split.View(ds)
	if err := putJSON(ctx, out, SplitKey, splitFile(plan.Split)); err != nil {
		return nil, err
	}
	times["scan_s"] = time.Since(t0).Seconds()

	cfg := r.Config
	cfg.UtilitySpace, cfg.Seeds, cfg.Judges = req.Features, req.Seeds, req.Judges
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, &generators.ParamError{Msg: err.Error()}
	}
	src, err := r.Pipeline.Open(ctx, req.Dataset)
	if err != nil {
		return nil, err
	}

	// Generation: every method on the training part only. A whole_dataset
	// method generates once, every class to the same count, and then
	// composes the held-out split the same way.
	t0 = time.Now()
	runs := make([]methodRun, len(req.Methods))
	for i, m := range req.Methods {
		runs[i] = methodRun{Method: m, samples: map[int64]map[string][]string{}, outputs: map[int64]string{}}
		genSeeds, strategy, repeat := req.Seeds[:1], *req.Strategy, req.RepeatGeneration
		if m.Protocol == ProtocolWholeDataset {
			strategy, repeat = generators.Strategy{Mode: generators.ModeAdd, Add: wholeCounts(plan.Split.TrainCounts, cfg.MaxTrainRows)}, false
		}
		if repeat {
			genSeeds = req.Seeds
		}
		for _, seed := range genSeeds {
			jobID := m.Name
			if repeat {
				jobID = fmt.Sprintf("%s/seed-%d", m.Name, seed)
			}
			spec := generators.Spec{ID: jobID, Dataset: req.Dataset, Manifest: req.Manifest, Generator: m.Generator, Params: m.Params,
				Strategy: strategy, Seed: seed, Output: uri + "/" + MethodsDir, Quality: generators.QualityOff}
			stage := fmt.Sprintf("method %d of %d (%s, seed %d)", i+1, len(req.Methods), m.Name, seed)
			res, err := r.Pipeline.RunDataset(ctx, spec, view, func(p generators.Progress) {
				p.Stage = stage + ": " + p.Stage
				progress(p)
			})
			if err == nil {
				runs[i].outputs[seed] = res.Output
				job := storage.Sub(out, MethodsDir+"/"+jobID)
				if runs[i].samples[seed], err = readSampleKeys(ctx, job); err == nil && seed == genSeeds[0] {
					runs[i].alerts, err = readJobAlerts(ctx, job)
				}
			}
			if err != nil {
				if ctx.Err() != nil {
					return nil, ctx.Err()
				}
				runs[i].err = fmt.Sprintf("generation with seed %d failed: %v", seed, err)
				log.Warn("evaluation method failed", "evaluation", id, "method", m.Name, "err", err)
				break
			}
		}
		if m.Protocol == ProtocolWholeDataset && runs[i].err == "" {
			runs[i].whole, err = r.composeHeldOut(ctx, src, out, uri, &runs[i], genSeeds[0], plan.Split, cfg, progress)
			if err != nil {
				if ctx.Err() != nil {
					return nil, ctx.Err()
				}
				runs[i].err = fmt.Sprintf("composing the held-out split: %v", err)
				log.Warn("evaluation method failed", "evaluation", id, "method", m.Name, "err", err)
			}
		}
	}
	times["generate_s"] = time.Since(t0).Seconds()

	progress(generators.Progress{Stage: "measuring: reading real files and fitting the feature space"})
	t0 = time.Now()
	real, err := loadReal(ctx, src, plan.Split, cfg)
	if err != nil {
		return nil, fmt.Errorf("real data: %w", err)
	}
	times["real_s"] = time.Since(t0).Seconds()
	t0 = time.Now()
	progress(generators.Progress{Stage: "measuring: fidelity, memorization and utility"})
	lb, err := r.measure(ctx, id, &req, plan, ds, real, runs, out)
	if err != nil {
		return nil, err
	}
	times["measure_s"] = time.Since(t0).Seconds()
	lb.Timings = times
	return r.finish(ctx, id, out, uri, lb, plan, progress)
}

// methodRun is one method's generation outcome.
type methodRun struct {
	Method
	// samples are the sample keys by class of each generation seed;
	// outputs the job output URIs.
	samples map[int64]map[string][]string
	outputs map[int64]string
	// alerts are those of the first seed's job report (generator caveats).
	alerts []Alert
	// whole holds a whole_dataset method's held-out composites.
	whole *wholeRun
	err   string
}

// readJobAlerts reads the "alerts" of a finished job's report.json.
func readJobAlerts(ctx context.Context, job storage.Store) ([]Alert, error) {
	rc, _, err := job.Get(ctx, generators.ReportKey)
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	defer rc.Close()
	var report struct {
		Alerts []Alert `json:"alerts"`
	}
	if err := json.NewDecoder(rc).Decode(&report); err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	return report.Alerts, nil
}

// readSampleKeys lists a finished job's samples by class from its
// metadata.jsonl.
func readSampleKeys(ctx context.Context, job storage.Store) (map[string][]string, error) {
	rc, _, err := job.Get(ctx, generators.MetadataKey)
	if err != nil {
		return nil, fmt.Errorf("metadata: %w", err)
	}
	defer rc.Close()
	out := map[string][]string{}
	sc := bufio.NewScanner(rc)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		var row struct {
			FileName string `json:"file_name"`
			Label    string `json:"label"`
		}
		if err := json.Unmarshal(sc.Bytes(), &row); err != nil {
			return nil, fmt.Errorf("metadata: %w", err)
		}
		out[row.Label] = append(out[row.Label], row.FileName)
	}
	return out, sc.Err()
}

func putJSON(ctx context.Context, st storage.Store, key string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	_, err = st.Put(ctx, key, bytes.NewReader(b), int64(len(b)), storage.PutOptions{ContentType: "application/json"})
	return err
}

// splitFile is split.json: the split and the held-out files, so that a
// user can reproduce the test set.
func splitFile(s Split) any {
	keys := make([]string, len(s.HeldOut))
	for i, f := range s.HeldOut {
		keys[i] = f.Key
	}
	return struct {
		Split
		HeldOutFiles []string `json:"held_out_files"`
	}{s, keys}
}

// measure computes the figures of every row and builds the leaderboard.
func (r *Runner) measure(ctx context.Context, id string, req *Request, plan *Plan, ds *datasets.Dataset, real *realSet,
	runs []methodRun, out storage.Store) (*Leaderboard, error) {
	cfg := real.cfg
	lb := &Leaderboard{
		Evaluation: id, Dataset: req.Dataset, DatasetFingerprint: ds.Fingerprint, Request: *req, Split: plan.Split,
		Plan: plan.Add, Features: real.fz, Space: real.space, UtilitySpace: real.uspace, FrechetBiasNote: quality.FrechetBiasNote, Config: cfg,
		Fidelity: map[string][]ClassFidelity{},
	}
	counts := map[int]int{}
	var minority []int
	for _, c := range real.classes {
		if n := plan.Add[c]; n > 0 {
			ci := real.index[c]
			counts[ci] = n
			minority = append(minority, ci)
			lb.Minority = append(lb.Minority, c)
		}
	}
	var unreadable []datasets.Problem
	var sets []synthSet
	firstSeed := req.Seeds[0]
	for i := range runs {
		m := &runs[i]
		if m.err != "" || m.Protocol == ProtocolWholeDataset {
			continue
		}
		set := synthSet{name: m.Name, bySeed: map[int64]quality.Dataset{}}
		for seed, byClass := range m.samples {
			st := storage.Sub(out, MethodsDir+"/"+m.Name)
			if req.RepeatGeneration {
				st = storage.Sub(out, fmt.Sprintf("%s/%s/seed-%d", MethodsDir, m.Name, seed))
			}
			var parts []quality.Dataset
			fakes := map[int]fakeSet{}
			for _, c := range real.classes {
				keys := byClass[c]
				if len(keys) == 0 {
					continue
				}
				rows, err := real.fz.Load(ctx, st, keys)
				if err != nil {
					return nil, err
				}
				unreadable = append(unreadable, rows.Skipped...)
				ci := real.index[c]
				fakes[ci] = fakeSet{pix: rows.X, keys: rows.Keys}
				parts = append(parts, quality.Dataset{X: rows.X, Y: fill(rows.X.Rows, ci)})
			}
			d, err := concatAll(parts, real.fz.Dim)
			if err != nil {
				return nil, err
			}
			key := seed
			if !req.RepeatGeneration {
				key = 0
			}
			set.bySeed[key] = d
			if seed == firstSeed {
				for _, ci := range minority {
					f := real.fidelity(ctx, ci, fakes[ci])
					lb.Fidelity[m.Name] = append(lb.Fidelity[m.Name], f)
					lb.pictures = append(lb.pictures, methodPicture{Method: m.Name, classPicture: real.picture(ci, fakes[ci].pix)})
				}
			}
		}
		sets = append(sets, set)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	scaled := real.scaled(counts)
	for _, v := range []quality.Variant{quality.RandomOversampling(scaled), quality.SMOTE(cfg.SMOTEK, scaled)} {
		extra, err := v.Augment(ctx, real.trainFt, firstSeed)
		if err != nil {
			lb.Errors = append(lb.Errors, fmt.Sprintf("%s fidelity: %v", v.Name, err))
			continue
		}
		for _, ci := range minority {
			lb.Fidelity[v.Name] = append(lb.Fidelity[v.Name], real.baselineFidelity(ctx, ci, classRows(extra, ci)))
		}
	}
	lb.Judges, lb.HeadlineJudge = cfg.Judges, cfg.Judges[0]
	utils, errs := real.utilities(ctx, cfg.Judges, sets, scaled, minority)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	lb.Errors = append(lb.Errors, errs...)
	lb.UtilityByJudge, lb.Utility = utils, utils[lb.HeadlineJudge]
	lb.utilityNotes = map[string]string{}
	var notes []string
	for _, j := range cfg.Judges {
		lb.utilityNotes[j] = real.utilityNote(j)
		notes = append(notes, lb.utilityNotes[j])
	}
	lb.UtilityNote = strings.Join(notes, ". ")
	lb.Rows = buildRows(cfg.Judges, utils, runs, lb.Fidelity)
	whole, wholeRows, errs, err := real.wholeRows(ctx, out, runs, firstSeed, minority)
	if err != nil {
		return nil, err
	}
	lb.WholeDataset, lb.Rows, lb.Errors = whole, append(lb.Rows, wholeRows...), append(lb.Errors, errs...)
	lb.Alerts, lb.AlertRule = []Alert{}, HarmRule
	for _, r := range lb.Rows {
		lb.Alerts = append(lb.Alerts, r.Alerts...)
	}
	unreadable = append(unreadable, real.skipped...)
	lb.NUnreadable = len(unreadable)
	lb.Unreadable = unreadable[:min(maxListed, len(unreadable))]
	lb.Notes = append(lb.Notes,
		headlineNote(cfg.Judges)+" The rows' minority_f1, macro_f1, balanced_accuracy, minority_recall and lifts are the headline judge's figures; by_judge holds every judge's, utility_by_judge every judge's full result, and a method harmful under any judge is flagged, the judge named in the alert.",
		"Rows are sorted by the headline judge's minority F1 (the mean F1 over the generated classes on the held-out split); utility cells are mean ± sample standard deviation over the seeds.",
		"Every method generated from the training part only; the held-out files (split.json) were never given to a generator.",
		"Fidelity of methods: their samples read back as images; of random_oversampling and smote: their rows in the fidelity feature space (seed "+fmt.Sprint(firstSeed)+"; the utility runs make their own in each judge's space: the utility feature space for logreg, pixels for cnn), with memorization measured there (random oversampling copies training rows, so its near-copy share is 100% by construction).",
		quality.FrechetBiasNote, ReliabilityRule, "Alerts: "+HarmRule+".")
	if len(wholeRows) > 0 {
		lb.Notes = append(lb.Notes, wholeNote)
	}
	if !req.RepeatGeneration {
		lb.Notes = append(lb.Notes, fmt.Sprintf("Each method generated once (seed %d): under logreg its utility has one run (spread 0) and its lifts pair that run with every seed of the baselines; the CNN trains on the same samples once per seed, so its spread is the network's own; set repeat_generation to include the generators' randomness.", firstSeed))
	}
	return lb, nil
}

// headlineNote says which judge is the headline and why.
func headlineNote(judges []string) string {
	s := fmt.Sprintf("Judges: %s; headline: %s.", strings.Join(judges, ", "), judges[0])
	switch {
	case judges[0] == JudgeCNN:
		s += " The CNN is the headline because it is closer to the networks users train than logistic regression on PCA features; what helps one judge can hurt the other, so read both."
	case slices.Contains(judges, JudgeCNN):
		s += " Logistic regression was asked to be the headline; the CNN is closer to the networks users train."
	}
	return s
}

// buildRows makes the leaderboard rows of the mixed protocol, best
// minority F1 of the headline judge (judges[0]) first; methods that failed
// come last. utils holds the result of each judge that ran. The "real"
// row carries the held-out split's [SmallTestCaveat], so that the
// leaderboard's alerts state it once.
func buildRows(judges []string, utils map[string]*quality.UtilityResult, runs []methodRun, fid map[string][]ClassFidelity) []Row {
	head := judges[0]
	rows := []Row{
		{Name: quality.VariantReal, Kind: KindBaseline, Description: "the real training part alone"},
		{Name: quality.VariantRandomOversampling, Kind: KindBaseline, Description: "plus copies of training rows of the generated classes, drawn with replacement (seeded)"},
		{Name: quality.VariantSMOTE, Kind: KindBaseline, Description: "plus SMOTE rows (k = 5) interpolated in each judge's space: the utility feature space (logreg), pixels (cnn) (seeded)"},
	}
	for _, m := range runs {
		if m.Protocol == ProtocolWholeDataset { // rows of their own: wholeRows
			continue
		}
		rows = append(rows, Row{Name: m.Name, Kind: KindMethod, Generator: m.Generator, Params: m.Params, Error: m.err,
			Output: m.outputs[firstKey(m.outputs)], Alerts: m.alerts})
	}
	for i := range rows {
		row := &rows[i]
		row.Protocol = ProtocolMixed
		if f, ok := fid[row.Name]; ok {
			row.Fidelity = summarize(f)
		}
		if len(utils) == 0 || row.Error != "" {
			continue
		}
		row.HeadlineJudge, row.ByJudge = head, map[string]*JudgeFigures{}
		var harm []Alert
		for _, j := range judges {
			if u := utils[j]; u != nil {
				f := judgeFigures(u, row.Name)
				row.ByJudge[j] = f
				harm = append(harm, f.Alerts...)
			}
		}
		if f := row.ByJudge[head]; f != nil {
			row.MinorityF1, row.MacroF1, row.BalancedAccuracy, row.MinorityRecall = f.MinorityF1, f.MacroF1, f.BalancedAccuracy, f.MinorityRecall
			row.LiftOverReal, row.LiftOverSMOTE = f.LiftOverReal, f.LiftOverSMOTE
		}
		row.Alerts = append(harm, row.Alerts...)
		if row.Name == quality.VariantReal { // once per leaderboard: every judge and row tests on this split
			for _, j := range judges {
				if a, ok := SmallTestCaveat(utils[j]); ok {
					row.Alerts = append(row.Alerts, a)
				}
				if utils[j] != nil {
					break
				}
			}
		}
	}
	sort.SliceStable(rows, func(i, j int) bool {
		a, b := rows[i].MinorityF1, rows[j].MinorityF1
		switch {
		case a == nil || b == nil:
			return a != nil && b == nil
		default:
			return a.Mean > b.Mean
		}
	})
	for i := range rows {
		rows[i].Rank = i + 1
	}
	return rows
}

// judgeFigures are a row's figures under one judge's result, with the
// judge's harm alerts.
func judgeFigures(u *quality.UtilityResult, name string) *JudgeFigures {
	f := &JudgeFigures{}
	v, ok := variantOf(u, name)
	if !ok {
		return f
	}
	f.MinorityF1, f.MacroF1, f.BalancedAccuracy = ptr(v.MinorityF1), ptr(v.MacroF1), ptr(v.BalancedAccuracy)
	f.MinorityRecall = ptr(minorityRecall(v, u.Config.Minority))
	if name != quality.VariantReal {
		if l, err := u.Lift(name, quality.VariantReal); err == nil {
			f.LiftOverReal = &l
		}
		f.Alerts = HarmAlerts(u, name)
	}
	if name != quality.VariantSMOTE && name != quality.VariantReal {
		if l, err := u.Lift(name, quality.VariantSMOTE); err == nil {
			f.LiftOverSMOTE = &l
		}
	}
	return f
}

// minorityRecall is the mean over the runs, with its sample standard
// deviation, of each run's mean recall over the minority classes.
func minorityRecall(v quality.VariantResult, minority []int) quality.Stat {
	x := make([]float64, len(v.Runs))
	for i, r := range v.Runs {
		for _, c := range minority {
			x[i] += r.Metrics.PerClass[c].Recall / float64(len(minority))
		}
	}
	return statOf(x)
}

// statOf is quality.Stat's mean and sample standard deviation (n−1; 0 for
// one value).
func statOf(x []float64) quality.Stat {
	s := quality.Stat{N: len(x)}
	if len(x) == 0 {
		return s
	}
	for _, v := range x {
		s.Mean += v
	}
	s.Mean /= float64(len(x))
	if len(x) > 1 {
		var ss float64
		for _, v := range x {
			ss += (v - s.Mean) * (v - s.Mean)
		}
		s.Std = math.Sqrt(ss / float64(len(x)-1))
	}
	return s
}

func firstKey(m map[int64]string) int64 {
	var keys []int64
	for k := range m {
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return 0
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	return keys[0]
}

func ptr[T any](v T) *T { return &v }

// summarize averages the fidelity figures over the generated classes; a
// figure no class has stays nil.
func summarize(classes []ClassFidelity) *FidelitySummary {
	ok := len(classes) > 0
	s := &FidelitySummary{Classes: len(classes), Reliable: ok, FrechetReliable: ok, PrecisionRecallReliable: ok}
	var frechet, precision, recall float64
	var nf, np, flagged, checked int
	var notes []string
	for i, c := range classes {
		s.FrechetReliable = s.FrechetReliable && c.FrechetReliable
		s.PrecisionRecallReliable = s.PrecisionRecallReliable && c.PrecisionRecallReliable
		s.Reliable = s.Reliable && c.Reliable
		if c.ReliabilityNote != "" {
			notes = append(notes, c.Class+": "+c.ReliabilityNote)
		}
		if n := min(c.NReal, c.NFake); i == 0 || n < s.MinN {
			s.MinN = n
		}
		if c.Frechet != nil {
			frechet += c.Frechet.Distance
			nf++
		}
		if c.PrecisionRecall != nil {
			precision += c.PrecisionRecall.Precision
			recall += c.PrecisionRecall.Recall
			np++
		}
		if m := c.Memorization; m != nil {
			flagged += m.NFlagged
			checked += m.NSynthetic
			s.Space = m.Space
			s.Alert = s.Alert || m.Alert
		}
	}
	if nf > 0 {
		s.Frechet = ptr(frechet / float64(nf))
	}
	if np > 0 {
		s.Precision, s.Recall = ptr(precision/float64(np)), ptr(recall/float64(np))
	}
	if checked > 0 {
		s.NearCopyShare = ptr(float64(flagged) / float64(checked))
	}
	s.ReliabilityNote = strings.Join(notes, "; ")
	return s
}
