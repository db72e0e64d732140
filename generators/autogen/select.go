package autogen

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	"gonum.org/v1/gonum/blas/blas32"

	"github.com/tailsynth/tailsynth/evaluate"
	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/quality"
	"github.com/tailsynth/tailsynth/storage"
)

// Selection is what auto measured and chose; it is report.json's
// generator_report.auto.
type Selection struct {
	Protocol   string      `json:"protocol"`
	Judges     []string    `json:"judges"`
	Folds      int         `json:"folds"`
	Tie        float64     `json:"tie"`
	Candidates []Candidate `json:"candidates"`
	// Failed names the candidates that failed in some fold (left out of
	// the comparison), with the error.
	Failed  map[string]string `json:"failed,omitempty"`
	Classes []ClassChoice     `json:"classes"`
	Notes   []string          `json:"notes,omitempty"`
}

// ClassChoice is the comparison for one requested class.
type ClassChoice struct {
	Class string `json:"class"`
	// Winner is the chosen candidate and Why says why it won.
	Winner string `json:"winner"`
	Why    string `json:"why"`
	// Real is the class's F1 with nothing added (the same folds and
	// judges); Scores one entry per candidate, in candidate order.
	Real   Score   `json:"real"`
	Scores []Score `json:"candidates"`
	// Harm is set when even the winner's F1 is below Real's by more than
	// the tie: no candidate helped this class in the internal test.
	Harm bool `json:"harm"`
}

// Score is a class's F1 under one method. Per judge, the held-back
// predictions of all folds are pooled into one confusion matrix (every
// training image of the class is tested once), and F1 is the mean of the
// judges' pooled F1s: with a handful of rare images a single fold's F1
// rests on two or three images. ByJudge has each fold's F1 (mean and
// spread) for the record.
type Score struct {
	Name     string                  `json:"name"`
	F1       float64                 `json:"f1"`
	PooledF1 map[string]float64      `json:"pooled_f1_by_judge"`
	ByJudge  map[string]quality.Stat `json:"by_judge"`
	// LiftOverReal is F1 − Real.F1 (0 for the real row).
	LiftOverReal float64 `json:"lift_over_real"`
}

// realName is the name of the nothing-added row.
const realName = "real"

// foldData is the real rows of the comparison, by class, with each row's
// fold and file.
type foldData struct {
	classes []string
	index   map[string]int
	rows    map[string]blas32.General
	keys    map[string][]string
	fold    map[string][]int
	files   map[string]generators.File
}

// choose runs the comparison and picks a winner per requested class.
func choose(ctx context.Context, env *generators.Env, p Params, reg *generators.Registry) (*Selection, error) {
	progress := func(stage string, f map[string]any) {
		if env.Progress != nil {
			env.Progress(stage, f)
		}
	}
	var requested []string
	for _, c := range sortedKeys(env.Plan) {
		if env.Plan[c] > 0 {
			requested = append(requested, c)
		}
	}
	if len(requested) == 0 {
		return nil, &generators.StrategyError{Msg: Name + ": the plan asks for no samples"}
	}
	progress("choosing: reading the training files", nil)
	var all []generators.File
	for _, c := range sortedKeys(env.Train) {
		all = append(all, env.Train[c]...)
	}
	if len(env.Train) < 2 {
		return nil, &generators.DatasetError{Msg: fmt.Sprintf("%s: the training split has %d class(es); comparing methods needs a classifier, so at least 2 classes", Name, len(env.Train))}
	}
	fz, err := evaluate.NewFeaturizer(ctx, env.Source, all, evaluate.FeatureOptions{})
	if err != nil {
		return nil, &generators.DatasetError{Msg: fmt.Sprintf("%s: %v", Name, err)}
	}
	sel := &Selection{Judges: p.Judges, Folds: p.Folds, Tie: p.Tie, Candidates: p.Candidates, Failed: map[string]string{}}
	if fz.Kind != evaluate.KindImage && slices.Contains(sel.Judges, quality.JudgeCNN) {
		sel.Judges = []string{quality.JudgeLogReg}
		sel.Notes = append(sel.Notes, "the dataset is audio: judged by logistic regression on log-mel summaries only (the CNN judge reads images)")
	}
	d, err := loadFolds(ctx, env, fz, p)
	if err != nil {
		return nil, err
	}
	for _, c := range requested {
		if n := d.rows[c].Rows; n < 2 {
			return nil, &generators.DatasetError{Msg: fmt.Sprintf(
				"%s: class %q has %d readable training file(s); the comparison holds some back to test on, so it needs at least 2 — name a method instead (e.g. oversample or augment)", Name, c, n)}
		} else if n < sel.Folds {
			sel.Notes = append(sel.Notes, fmt.Sprintf("class %q has %d readable training files: folds lowered from %d to %d", c, n, sel.Folds, n))
			sel.Folds = n
		}
	}
	if sel.Folds != p.Folds {
		d.assign(env.Seed, sel.Folds)
	}
	sel.Protocol = fmt.Sprintf("%d-fold stratified cross-validation of the training split (held-out splits never read); in each fold every candidate generated "+
		"from the other folds, the judges (%s) were trained on those folds' real images plus the candidate's samples and scored on the fold; "+
		"a class's score is its F1 over the pooled held-back predictions of all folds, averaged over the judges; at most %d real images per class were read (%d x %d %s features)",
		sel.Folds, strings.Join(sel.Judges, ", "), p.MaxPerClass, fz.Size, fz.Size, fz.Color)

	// f1[judge][method][class] holds one F1 per fold; conf[judge][method]
	// the confusion matrix summed over the folds.
	f1 := map[string]map[string]map[string][]float64{}
	conf := map[string]map[string][][]int{}
	for _, j := range sel.Judges {
		f1[j] = map[string]map[string][]float64{}
		conf[j] = map[string][][]int{}
	}
	for f := range sel.Folds {
		synth := map[string]quality.Dataset{}
		for ci, cand := range p.Candidates {
			if _, failed := sel.Failed[cand.Name]; failed {
				continue
			}
			progress(fmt.Sprintf("choosing: fold %d of %d, generating with %s", f+1, sel.Folds, cand.Name),
				map[string]any{"fold": f + 1, "folds": sel.Folds, "candidate": ci + 1, "candidates": len(p.Candidates)})
			rows, err := generateFold(ctx, env, reg, cand, d, f, sel.Folds, p, fz)
			if err != nil {
				if ctx.Err() != nil {
					return nil, ctx.Err()
				}
				sel.Failed[cand.Name] = fmt.Sprintf("fold %d: %v", f+1, err)
				continue
			}
			synth[cand.Name] = rows
		}
		for _, j := range sel.Judges {
			progress(fmt.Sprintf("choosing: fold %d of %d, training the %s judge", f+1, sel.Folds, j), map[string]any{"fold": f + 1, "folds": sel.Folds})
			res, err := judgeFold(ctx, d, f, synth, p, fz, j, env.Seed+int64(f), requested)
			if err != nil {
				return nil, fmt.Errorf("%s: fold %d, %s judge: %w", Name, f+1, j, err)
			}
			for _, v := range res.Variants {
				if f1[j][v.Name] == nil {
					f1[j][v.Name] = map[string][]float64{}
				}
				conf[j][v.Name] = addConfusion(conf[j][v.Name], v.Runs[0].Metrics.Confusion)
				for _, c := range requested {
					f1[j][v.Name][c] = append(f1[j][v.Name][c], v.PerClass[d.index[c]].F1.Mean)
				}
			}
		}
	}
	for _, c := range requested {
		sel.Classes = append(sel.Classes, decide(c, d.index[c], sel, f1, conf))
	}
	if len(sel.Failed) == 0 {
		sel.Failed = nil
	}
	return sel, nil
}

func addConfusion(sum, m [][]int) [][]int {
	if sum == nil {
		sum = make([][]int, len(m))
		for i := range m {
			sum[i] = make([]int, len(m[i]))
		}
	}
	for i := range m {
		for k := range m[i] {
			sum[i][k] += m[i][k]
		}
	}
	return sum
}

// pooledF1 is class ci's F1 from a confusion matrix (0 when the class is
// neither present nor predicted).
func pooledF1(m [][]int, ci int) float64 {
	var tp, support, predicted int
	for t := range m {
		for p, n := range m[t] {
			if t == ci {
				support += n
			}
			if p == ci {
				predicted += n
			}
			if t == ci && p == ci {
				tp += n
			}
		}
	}
	if support+predicted == 0 {
		return 0
	}
	return 2 * float64(tp) / float64(support+predicted)
}

// decide scores every candidate on class c (index ci) and picks the
// winner.
func decide(c string, ci int, sel *Selection, f1 map[string]map[string]map[string][]float64, conf map[string]map[string][][]int) ClassChoice {
	score := func(name string) (Score, bool) {
		s := Score{Name: name, ByJudge: map[string]quality.Stat{}, PooledF1: map[string]float64{}}
		for _, j := range sel.Judges {
			v := f1[j][name][c]
			if len(v) != sel.Folds {
				return s, false
			}
			s.ByJudge[j] = stat(v)
			s.PooledF1[j] = pooledF1(conf[j][name], ci)
			s.F1 += s.PooledF1[j] / float64(len(sel.Judges))
		}
		return s, true
	}
	ch := ClassChoice{Class: c}
	ch.Real, _ = score(realName)
	best := -1
	for _, cand := range sel.Candidates {
		s, ok := score(cand.Name)
		if !ok {
			continue
		}
		s.LiftOverReal = s.F1 - ch.Real.F1
		ch.Scores = append(ch.Scores, s)
		// Candidates are cheapest first: a later one must beat the best
		// by more than the tie.
		if best < 0 || s.F1 > ch.Scores[best].F1+sel.Tie {
			best = len(ch.Scores) - 1
		}
	}
	if best < 0 {
		ch.Why = "every candidate failed (see failed)"
		return ch
	}
	w := ch.Scores[best]
	ch.Winner = w.Name
	var beaten []string
	for i, s := range ch.Scores {
		if i == best {
			continue
		}
		rel := "beat"
		if s.F1 > w.F1 {
			rel = "within the tie of (and cheaper than)"
		} else if w.F1-s.F1 <= sel.Tie {
			rel = "tied with (and cheaper than)"
			if i < best {
				rel = "tied with"
			}
		}
		beaten = append(beaten, fmt.Sprintf("%s %s %.3f", rel, s.Name, s.F1))
	}
	ch.Why = fmt.Sprintf("%s had F1 %.3f (real only: %.3f, lift %+.3f)", w.Name, w.F1, ch.Real.F1, w.LiftOverReal)
	if len(beaten) > 0 {
		ch.Why += "; it " + strings.Join(beaten, ", ")
	}
	if w.LiftOverReal < -sel.Tie {
		ch.Harm = true
		ch.Why += "; WARNING: every candidate lowered this class's F1 in the internal test, the least harmful was chosen"
	}
	return ch
}

func stat(v []float64) quality.Stat {
	s := quality.Stat{N: len(v)}
	for _, x := range v {
		s.Mean += x
	}
	s.Mean /= float64(len(v))
	if len(v) > 1 {
		var ss float64
		for _, x := range v {
			ss += (x - s.Mean) * (x - s.Mean)
		}
		s.Std = math.Sqrt(ss / float64(len(v)-1))
	}
	return s
}

func classSeed(seed int64, class string) (uint64, uint64) {
	h := fnv.New64a()
	h.Write([]byte(class))
	return uint64(seed), h.Sum64()
}

// loadFolds reads at most p.MaxPerClass training files per class (a
// seeded subsample) into feature rows and assigns folds.
func loadFolds(ctx context.Context, env *generators.Env, fz *evaluate.Featurizer, p Params) (*foldData, error) {
	d := &foldData{index: map[string]int{}, rows: map[string]blas32.General{}, keys: map[string][]string{}, files: map[string]generators.File{}}
	for _, c := range sortedKeys(env.Train) {
		files := slices.Clone(env.Train[c])
		slices.SortFunc(files, func(a, b generators.File) int { return strings.Compare(a.Key, b.Key) })
		if len(files) > p.MaxPerClass {
			rand.New(rand.NewPCG(classSeed(env.Seed, c))).Shuffle(len(files), func(i, j int) { files[i], files[j] = files[j], files[i] })
			files = files[:p.MaxPerClass]
			slices.SortFunc(files, func(a, b generators.File) int { return strings.Compare(a.Key, b.Key) })
		}
		keys := make([]string, len(files))
		for i, f := range files {
			if !generators.TrainSplit(f.Split) {
				return nil, fmt.Errorf("leakage guard: %s is in split %q; auto compares methods on the training split only", f.Key, f.Split)
			}
			keys[i] = f.Key
			d.files[f.Key] = f
		}
		rows, err := fz.Load(ctx, env.Source, keys)
		if err != nil {
			return nil, err
		}
		if rows.X.Rows == 0 {
			continue
		}
		d.index[c] = len(d.classes)
		d.classes = append(d.classes, c)
		d.rows[c], d.keys[c] = rows.X, rows.Keys
	}
	d.assign(env.Seed, p.Folds)
	return d, nil
}

// assign gives every row a fold: a seeded shuffle per class, dealt round
// robin, so every fold holds a share of every class.
func (d *foldData) assign(seed int64, folds int) {
	d.fold = map[string][]int{}
	for _, c := range d.classes {
		n := d.rows[c].Rows
		perm := rand.New(rand.NewPCG(classSeed(seed+7, c))).Perm(n)
		fold := make([]int, n)
		for rank, i := range perm {
			fold[i] = rank % folds
		}
		d.fold[c] = fold
	}
}

// part returns the rows of every class in fold f (test) or not in it
// (fit), labelled with class indices.
func (d *foldData) part(f int, test bool) quality.Dataset {
	var out quality.Dataset
	dim := d.rows[d.classes[0]].Cols
	out.X = blas32.General{Cols: dim, Stride: dim}
	for _, c := range d.classes {
		x := d.rows[c]
		for i, fi := range d.fold[c] {
			if (fi == f) == test {
				out.X.Data = append(out.X.Data, x.Data[i*x.Stride:i*x.Stride+x.Cols]...)
				out.X.Rows++
				out.Y = append(out.Y, d.index[c])
			}
		}
	}
	return out
}

// fitFiles are the files of class c outside fold f.
func (d *foldData) fitFiles(c string, f int) []generators.File {
	var out []generators.File
	for i, fi := range d.fold[c] {
		if fi != f {
			out = append(out, d.files[d.keys[c][i]])
		}
	}
	return out
}

// foldPlan is how many samples a candidate makes per requested class in
// a fold: the class's target in the real plan (its count plus the plan),
// capped at MaxPerClass like the real rows, scaled to the fit folds'
// share, less the class's fit rows.
func foldPlan(env *generators.Env, d *foldData, f, folds int, p Params) map[string]int {
	plan := map[string]int{}
	for _, c := range sortedKeys(env.Plan) {
		if env.Plan[c] <= 0 {
			continue
		}
		target := min(len(env.Train[c])+env.Plan[c], p.MaxPerClass)
		fit := len(d.fitFiles(c, f))
		want := int(math.Round(float64(target)*float64(folds-1)/float64(folds))) - fit
		plan[c] = max(want, 1)
	}
	return plan
}

// generateFold runs cand on the fit folds of f and reads its samples back
// as labelled feature rows. Samples go to the job's scratch store.
func generateFold(ctx context.Context, env *generators.Env, reg *generators.Registry, cand Candidate, d *foldData, f, folds int, p Params, fz *evaluate.Featurizer) (quality.Dataset, error) {
	gen, err := reg.Get(cand.Generator)
	if err != nil {
		return quality.Dataset{}, err
	}
	plan := foldPlan(env, d, f, folds, p)
	train := map[string][]generators.File{}
	for _, c := range d.classes {
		train[c] = d.fitFiles(c, f)
	}
	work := storage.Sub(env.Work, fmt.Sprintf("choose/fold-%d/%s", f+1, cand.Name))
	sub := &generators.Env{Params: cand.Params, Seed: env.Seed + 1000*int64(f+1), Source: env.Source, Dataset: env.Dataset,
		Train: train, Plan: plan, Work: storage.Sub(work, "work"), Log: env.Log}
	rn, err := gen.Start(ctx, sub)
	if err != nil {
		return quality.Dataset{}, err
	}
	samples := storage.Sub(work, "samples")
	type item struct {
		class string
		i     int
	}
	var items []item
	for _, c := range sortedKeys(plan) {
		for i := range plan[c] {
			items = append(items, item{c, i})
		}
	}
	keys := make([]string, len(items))
	err = generators.ForEach(ctx, len(items), func(ctx context.Context, k int) error {
		it := items[k]
		s, err := rn.Generate(ctx, it.class, it.i)
		if err != nil {
			return fmt.Errorf("sample %d of %s: %w", it.i, it.class, err)
		}
		keys[k] = fmt.Sprintf("%s/%06d%s", it.class, it.i, s.Ext)
		_, err = samples.Put(ctx, keys[k], bytes.NewReader(s.Data), int64(len(s.Data)), storage.PutOptions{ContentType: s.ContentType})
		return err
	})
	if err != nil {
		return quality.Dataset{}, err
	}
	if _, err := rn.Finish(ctx); err != nil {
		return quality.Dataset{}, err
	}
	var out quality.Dataset
	out.X = blas32.General{Cols: fz.Dim, Stride: fz.Dim}
	for _, c := range sortedKeys(plan) {
		var ck []string
		for k, it := range items {
			if it.class == c {
				ck = append(ck, keys[k])
			}
		}
		rows, err := fz.Load(ctx, samples, ck)
		if err != nil {
			return quality.Dataset{}, err
		}
		if len(rows.Skipped) > 0 {
			return quality.Dataset{}, fmt.Errorf("%d of its samples of %q are not readable as the dataset's images (first: %s: %s)",
				len(rows.Skipped), c, rows.Skipped[0].Key, rows.Skipped[0].Reason)
		}
		out.X.Data = append(out.X.Data, rows.X.Data[:rows.X.Rows*rows.X.Stride]...)
		out.X.Rows += rows.X.Rows
		for range rows.X.Rows {
			out.Y = append(out.Y, d.index[c])
		}
	}
	return out, nil
}

// judgeFold trains judge j on fold f's fit rows alone and plus each
// candidate's samples, and scores it on the fold's rows.
func judgeFold(ctx context.Context, d *foldData, f int, synth map[string]quality.Dataset, p Params, fz *evaluate.Featurizer, judge string, seed int64, requested []string) (*quality.UtilityResult, error) {
	fit, test := d.part(f, false), d.part(f, true)
	project := func(x quality.Dataset) (quality.Dataset, error) { return x, nil }
	cfg := quality.UtilityConfig{NumClasses: len(d.classes), ClassNames: d.classes, Seeds: []int64{seed}, Judge: judge}
	for _, c := range requested {
		cfg.Minority = append(cfg.Minority, d.index[c])
	}
	switch judge {
	case quality.JudgeCNN:
		ch := 1
		if fz.Color == evaluate.ColorRGB {
			ch = 3
		}
		cfg.CNN = quality.CNNConfig{Height: fz.Size, Width: fz.Size, Channels: ch}
	default:
		// Logistic regression in a PCA space of the fit rows, as the
		// evaluations' default utility space.
		k := min(64, fit.X.Cols, fit.Len()-1)
		pca, err := quality.FitPCA(fit.X, k)
		if err != nil {
			return nil, err
		}
		project = func(x quality.Dataset) (quality.Dataset, error) {
			if x.Len() == 0 {
				return quality.Dataset{X: blas32.General{Cols: k, Stride: k}}, nil
			}
			px, err := pca.Transform(x.X)
			return quality.Dataset{X: px, Y: x.Y}, err
		}
	}
	var err error
	if fit, err = project(fit); err != nil {
		return nil, err
	}
	if test, err = project(test); err != nil {
		return nil, err
	}
	var variants []quality.Variant
	for _, cand := range p.Candidates {
		s, ok := synth[cand.Name]
		if !ok {
			continue
		}
		ps, err := project(s)
		if err != nil {
			return nil, err
		}
		variants = append(variants, quality.Fixed(cand.Name, ps))
	}
	res, err := quality.EvaluateUtility(ctx, fit, test, variants, cfg)
	if err != nil && errors.Is(err, context.Canceled) {
		return nil, ctx.Err()
	}
	return res, err
}
