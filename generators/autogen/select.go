package autogen

import (
	"bytes"
	"context"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"

	"golang.org/x/sync/errgroup"
	"gonum.org/v1/gonum/blas/blas32"

	"github.com/tailsynth/tailsynth/datasets"
	"github.com/tailsynth/tailsynth/evaluate"
	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/quality"
	"github.com/tailsynth/tailsynth/storage"
)

// Selection is what auto measured and chose; it is report.json's
// generator_report.auto.
type Selection struct {
	Protocol string   `json:"protocol"`
	Judges   []string `json:"judges"`
	Folds    int      `json:"folds"`
	// Repeats is the number of cross-validations pooled, each with its
	// own folds (see Params.Repeats).
	Repeats    int         `json:"repeats"`
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
	// RepeatWinners is, with repeats > 1, the candidate each
	// cross-validation alone would have chosen, by the same rule.
	RepeatWinners []string `json:"repeat_winners,omitempty"`
}

// Score is a class's score under one method: per judge, the held-back
// predictions of all folds are pooled (every training image of the class
// is tested once), and the score F1 is the mean over the judges of the
// class's SOFT F1 — F1 computed from the predicted probabilities instead of
// counts of right answers, with every true class weighted as if tested on
// equally many images (see f1). With a handful of rare images, counts of
// right answers are mostly 0 or 1 whatever the method (every candidate
// scored 0 with the CNN on Shirt with 10 images); probabilities still
// move. PooledF1 is the hard (argmax) F1 of the same pooled predictions,
// ByJudge each fold's hard F1, for the record.
type Score struct {
	Name     string                  `json:"name"`
	F1       float64                 `json:"f1"`
	SoftF1   map[string]float64      `json:"soft_f1_by_judge"`
	PooledF1 map[string]float64      `json:"pooled_f1_by_judge"`
	ByJudge  map[string]quality.Stat `json:"by_judge"`
	// LiftOverReal is F1 − Real.F1 (0 for the real row).
	LiftOverReal float64 `json:"lift_over_real"`
	// ByRepeat is, with repeats > 1, the score of each cross-validation
	// alone (F1 pools them all).
	ByRepeat []float64 `json:"by_repeat,omitempty"`
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
	files   map[string]datasets.File
}

// choose runs the comparison and picks a winner per requested class.
func choose(ctx context.Context, env *generators.Env, p Params, reg *generators.Registry, features evaluate.FeatureOptions) (*Selection, error) {
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
	var all []datasets.File
	for _, c := range sortedKeys(env.Train) {
		all = append(all, env.Train[c]...)
	}
	if len(env.Train) < 2 {
		return nil, &datasets.DatasetError{Msg: fmt.Sprintf("%s: the training split has %d class(es); comparing methods needs a classifier, so at least 2 classes", Name, len(env.Train))}
	}
	fz, err := evaluate.NewFeaturizer(ctx, env.Source, all, features)
	if err != nil {
		return nil, &datasets.DatasetError{Msg: fmt.Sprintf("%s: %v", Name, err)}
	}
	sel := &Selection{Judges: p.Judges, Folds: p.Folds, Repeats: p.Repeats, Tie: p.Tie, Candidates: p.Candidates, Failed: map[string]string{}}
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
			return nil, &datasets.DatasetError{Msg: fmt.Sprintf(
				"%s: class %q has %d readable training file(s); the comparison holds some back to test on, so it needs at least 2 — name a method instead (e.g. oversample or augment)", Name, c, n)}
		} else if n < sel.Folds {
			sel.Notes = append(sel.Notes, fmt.Sprintf("class %q has %d readable training files: folds lowered from %d to %d", c, n, sel.Folds, n))
			sel.Folds = n
		}
	}
	if sel.Folds != p.Folds {
		d.assign(env.Seed, sel.Folds)
	}
	cv := fmt.Sprintf("%d-fold stratified cross-validation", sel.Folds)
	if sel.Repeats > 1 {
		cv = fmt.Sprintf("%d-fold stratified cross-validation repeated %d times with different folds", sel.Folds, sel.Repeats)
	}
	sel.Protocol = fmt.Sprintf("%s of the training split (held-out splits never read); in each fold every candidate generated "+
		"from the other folds, the judges (%s) were trained on those folds' real images plus the candidate's samples and scored on the fold; "+
		"a class's score is its soft F1 (from predicted probabilities) over the pooled held-back predictions of all folds and repeats, every class weighted as if tested on equally many images, averaged over the judges; at most %d real images per class were read (%d x %d %s features)",
		cv, strings.Join(sel.Judges, ", "), p.MaxPerClass, fz.Size, fz.Size, fz.Color)

	// tallies[r][judge][method] pools repeat r's held-back predictions
	// of the folds.
	tallies := make([]map[string]map[string]*tally, sel.Repeats)
	for r := range sel.Repeats {
		tallies[r] = map[string]map[string]*tally{}
		for _, j := range sel.Judges {
			tallies[r][j] = map[string]*tally{}
		}
		// Repeat r is the comparison a job of seed env.Seed+r runs: its
		// own folds, samples and judges' seeds.
		seed := env.Seed + int64(r)
		if r > 0 || sel.Folds != p.Folds {
			d.assign(seed, sel.Folds)
		}
		at := func(f int) string {
			if sel.Repeats == 1 {
				return fmt.Sprintf("fold %d of %d", f+1, sel.Folds)
			}
			return fmt.Sprintf("repeat %d of %d, fold %d of %d", r+1, sel.Repeats, f+1, sel.Folds)
		}
		for f := range sel.Folds {
			synth := map[string]quality.Dataset{}
			for ci, cand := range p.Candidates {
				if _, failed := sel.Failed[cand.Name]; failed {
					continue
				}
				progress(fmt.Sprintf("choosing: %s, generating with %s", at(f), cand.Name),
					map[string]any{"repeat": r + 1, "repeats": sel.Repeats, "fold": f + 1, "folds": sel.Folds, "candidate": ci + 1, "candidates": len(p.Candidates)})
				rows, err := generateFold(ctx, env, reg, cand, d, r, f, sel.Folds, p, fz)
				if err != nil {
					if ctx.Err() != nil {
						return nil, ctx.Err()
					}
					sel.Failed[cand.Name] = fmt.Sprintf("%s: %v", at(f), err)
					continue
				}
				synth[cand.Name] = rows
			}
			for _, j := range sel.Judges {
				progress(fmt.Sprintf("choosing: %s, training the %s judge", at(f), j),
					map[string]any{"repeat": r + 1, "repeats": sel.Repeats, "fold": f + 1, "folds": sel.Folds})
				if err := judgeFold(ctx, d, f, synth, p, fz, j, seed+int64(f), tallies[r][j]); err != nil {
					return nil, fmt.Errorf("%s: %s, %s judge: %w", Name, at(f), j, err)
				}
			}
		}
	}
	for _, c := range requested {
		sel.Classes = append(sel.Classes, decide(c, d.index[c], sel, tallies))
	}
	if len(sel.Failed) == 0 {
		sel.Failed = nil
	}
	return sel, nil
}

// tally is one judge's held-back predictions for one method, pooled over
// the folds.
type tally struct {
	// conf[t][p] counts held-back rows of true class t predicted p;
	// prob[t][c] sums their probabilities of class c.
	conf [][]int
	prob [][]float64
	// foldF1[c] is class c's F1 in each fold.
	foldF1 map[int][]float64
}

func (t *tally) add(y []int, probs [][]float64, numClasses int) {
	if t.conf == nil {
		t.conf, t.prob, t.foldF1 = make([][]int, numClasses), make([][]float64, numClasses), map[int][]float64{}
		for k := range numClasses {
			t.conf[k], t.prob[k] = make([]int, numClasses), make([]float64, numClasses)
		}
	}
	pred := make([]int, len(y))
	for i, p := range probs {
		pred[i] = slices.Index(p, slices.Max(p))
		t.conf[y[i]][pred[i]]++
		for c, v := range p {
			t.prob[y[i]][c] += v
		}
	}
	if m, err := quality.Evaluate(y, pred, numClasses); err == nil {
		for c := range numClasses {
			t.foldF1[c] = append(t.foldF1[c], m.PerClass[c].F1)
		}
	}
}

// f1 is class ci's F1 from pooled counts m (the hard confusion matrix, or
// the summed probabilities for the soft F1), each true class's row first
// scaled to one total, as if every class had been tested on as many
// images: the folds hold the classes as imbalanced as the training split
// (three rare images beside hundreds of others), and there the rare
// class's false positives swamp its precision whatever the method. 0 when
// the class is neither present nor predicted.
func f1[T int | float64](m [][]T, ci int) float64 {
	var tp, support, predicted float64
	for t := range m {
		var n float64
		for _, v := range m[t] {
			n += float64(v)
		}
		if n == 0 {
			continue
		}
		rate := float64(m[t][ci]) / n
		predicted += rate
		if t == ci {
			tp, support = rate, 1
		}
	}
	if support+predicted == 0 {
		return 0
	}
	return 2 * tp / (support + predicted)
}

// decide scores every candidate on class c (index ci), pooling the
// repeats' tallies, and picks the winner.
func decide(c string, ci int, sel *Selection, tallies []map[string]map[string]*tally) ClassChoice {
	// score is name's score over the repeats rs, their predictions pooled.
	score := func(name string, rs []map[string]map[string]*tally) (Score, bool) {
		s := Score{Name: name, ByJudge: map[string]quality.Stat{}, PooledF1: map[string]float64{}, SoftF1: map[string]float64{}}
		for _, j := range sel.Judges {
			ts := make([]*tally, len(rs))
			for r := range rs {
				ts[r] = rs[r][j][name]
			}
			t := pool(ts)
			if t == nil || len(t.foldF1[ci]) != sel.Folds*len(rs) {
				return s, false
			}
			s.ByJudge[j] = stat(t.foldF1[ci])
			s.PooledF1[j] = f1(t.conf, ci)
			s.SoftF1[j] = f1(t.prob, ci)
			s.F1 += s.SoftF1[j] / float64(len(sel.Judges))
		}
		return s, true
	}
	ch := ClassChoice{Class: c}
	ch.Real, _ = score(realName, tallies)
	for _, cand := range sel.Candidates {
		s, ok := score(cand.Name, tallies)
		if !ok {
			continue
		}
		s.LiftOverReal = s.F1 - ch.Real.F1
		ch.Scores = append(ch.Scores, s)
	}
	scores := func(ss []Score) []float64 {
		v := make([]float64, len(ss))
		for i, s := range ss {
			v[i] = s.F1
		}
		return v
	}
	best := pick(scores(ch.Scores), sel.Tie)
	if len(tallies) > 1 && best >= 0 {
		// What each repeat alone would have chosen: how much the folds
		// moved the choice.
		for r := range tallies {
			alone := make([]float64, len(ch.Scores))
			for i := range ch.Scores {
				s, _ := score(ch.Scores[i].Name, tallies[r:r+1])
				alone[i] = s.F1
				ch.Scores[i].ByRepeat = append(ch.Scores[i].ByRepeat, s.F1)
			}
			ch.RepeatWinners = append(ch.RepeatWinners, ch.Scores[pick(alone, sel.Tie)].Name)
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
	ch.Why = fmt.Sprintf("%s had score %.3f (soft F1 over judges; real only: %.3f, lift %+.3f)", w.Name, w.F1, ch.Real.F1, w.LiftOverReal)
	if len(beaten) > 0 {
		ch.Why += "; it " + strings.Join(beaten, ", ")
	}
	if len(ch.RepeatWinners) > 1 {
		ch.Why += fmt.Sprintf("; each of the %d cross-validations alone chose %s", len(ch.RepeatWinners), strings.Join(ch.RepeatWinners, ", "))
	}
	if w.LiftOverReal < -sel.Tie {
		ch.Harm = true
		ch.Why += "; WARNING: every candidate lowered this class's F1 in the internal test, the least harmful was chosen"
	}
	return ch
}

// pick is the rule: of scores in candidate order (cheapest first), the
// index of the best, where a later candidate must beat the best so far by
// more than tie; -1 for none.
func pick(scores []float64, tie float64) int {
	best := -1
	for i, v := range scores {
		if best < 0 || v > scores[best]+tie {
			best = i
		}
	}
	return best
}

// pool merges the tallies of several repeats (the same images tested
// once per repeat); nil if any is nil.
func pool(ts []*tally) *tally {
	if len(ts) == 1 || slices.Contains(ts, nil) {
		if len(ts) == 1 {
			return ts[0]
		}
		return nil
	}
	out := &tally{foldF1: map[int][]float64{}}
	for _, t := range ts {
		if out.conf == nil {
			out.conf, out.prob = make([][]int, len(t.conf)), make([][]float64, len(t.prob))
			for k := range t.conf {
				out.conf[k], out.prob[k] = make([]int, len(t.conf[k])), make([]float64, len(t.prob[k]))
			}
		}
		for k := range t.conf {
			for c := range t.conf[k] {
				out.conf[k][c] += t.conf[k][c]
				out.prob[k][c] += t.prob[k][c]
			}
		}
		for c, v := range t.foldF1 {
			out.foldF1[c] = append(out.foldF1[c], v...)
		}
	}
	return out
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
	d := &foldData{index: map[string]int{}, rows: map[string]blas32.General{}, keys: map[string][]string{}, files: map[string]datasets.File{}}
	for _, c := range sortedKeys(env.Train) {
		files := slices.Clone(env.Train[c])
		slices.SortFunc(files, func(a, b datasets.File) int { return strings.Compare(a.Key, b.Key) })
		if len(files) > p.MaxPerClass {
			rand.New(rand.NewPCG(classSeed(env.Seed, c))).Shuffle(len(files), func(i, j int) { files[i], files[j] = files[j], files[i] })
			files = files[:p.MaxPerClass]
			slices.SortFunc(files, func(a, b datasets.File) int { return strings.Compare(a.Key, b.Key) })
		}
		keys := make([]string, len(files))
		for i, f := range files {
			if !datasets.TrainSplit(f.Split) {
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
func (d *foldData) fitFiles(c string, f int) []datasets.File {
	var out []datasets.File
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

// generateFold runs cand on the fit folds of f (in repeat r) and reads its samples back
// as labelled feature rows. Samples go to the job's scratch store.
func generateFold(ctx context.Context, env *generators.Env, reg *generators.Registry, cand Candidate, d *foldData, r, f, folds int, p Params, fz *evaluate.Featurizer) (quality.Dataset, error) {
	gen, err := reg.Get(cand.Generator)
	if err != nil {
		return quality.Dataset{}, err
	}
	plan := foldPlan(env, d, f, folds, p)
	train := map[string][]datasets.File{}
	for _, c := range d.classes {
		train[c] = d.fitFiles(c, f)
	}
	dir := fmt.Sprintf("choose/fold-%d/%s", f+1, cand.Name)
	if r > 0 {
		dir = fmt.Sprintf("choose/repeat-%d/fold-%d/%s", r+1, f+1, cand.Name)
	}
	work := storage.Sub(env.Work, dir)
	sub := &generators.Env{Params: cand.Params, Seed: env.Seed + int64(r) + 1000*int64(f+1), Source: env.Source, Dataset: env.Dataset,
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

// judgeFold trains judge j on fold f's fit rows alone ("real") and plus
// each candidate's samples, and adds its probabilities on the fold's rows
// to tallies.
func judgeFold(ctx context.Context, d *foldData, f int, synth map[string]quality.Dataset, p Params, fz *evaluate.Featurizer, judge string, seed int64, tallies map[string]*tally) error {
	fit, test := d.part(f, false), d.part(f, true)
	n := len(d.classes)
	project := func(x quality.Dataset) (quality.Dataset, error) { return x, nil }
	if judge == quality.JudgeLogReg {
		// Logistic regression in a PCA space of the fit rows, as the
		// evaluations' default utility space.
		k := min(64, fit.X.Cols, fit.Len()-1)
		pca, err := quality.FitPCA(fit.X, k)
		if err != nil {
			return err
		}
		project = func(x quality.Dataset) (quality.Dataset, error) {
			if x.Len() == 0 {
				return quality.Dataset{X: blas32.General{Cols: k, Stride: k}}, nil
			}
			px, err := pca.Transform(x.X)
			return quality.Dataset{X: px, Y: x.Y}, err
		}
	}
	probabilities := func(ctx context.Context, train quality.Dataset) ([][]float64, error) {
		switch judge {
		case quality.JudgeCNN:
			ch := 1
			if fz.Color == evaluate.ColorRGB {
				ch = 3
			}
			m, _, err := quality.TrainCNN(ctx, train.X, train.Y, n, quality.CNNConfig{Height: fz.Size, Width: fz.Size, Channels: ch, Seed: seed})
			if err != nil {
				return nil, err
			}
			return m.Probabilities(test.X)
		default:
			m, _, err := quality.TrainLogReg(ctx, train.X, train.Y, n, quality.LogRegConfig{})
			if err != nil {
				return nil, err
			}
			return m.Probabilities(test.X)
		}
	}
	var err error
	if fit, err = project(fit); err != nil {
		return err
	}
	if test, err = project(test); err != nil {
		return err
	}
	names := []string{realName}
	for _, cand := range p.Candidates {
		if _, ok := synth[cand.Name]; ok {
			names = append(names, cand.Name)
		}
	}
	// The trainings are independent and each deterministic; they run
	// GOMAXPROCS at a time (one training uses about one core) and are
	// tallied in order.
	probs := make([][][]float64, len(names))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(runtime.GOMAXPROCS(0))
	for i, name := range names {
		g.Go(func() error {
			train := fit
			if name != realName {
				ps, err := project(synth[name])
				if err != nil {
					return err
				}
				if train, err = quality.Concat(fit, ps); err != nil {
					return err
				}
			}
			pr, err := probabilities(gctx, train)
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			probs[i] = pr
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return err
	}
	for i, name := range names {
		if tallies[name] == nil {
			tallies[name] = &tally{}
		}
		tallies[name].add(test.Y, probs[i], n)
	}
	return nil
}
