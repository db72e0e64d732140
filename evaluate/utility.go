package evaluate

import (
	"context"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"sort"

	"github.com/tailsynth/tailsynth/quality"
)

// synthSet is a generator's synthetic rows for the utility test: labelled
// pixel rows per seed. A set generated once has the single key 0 and is an
// unseeded variant; one generated per seed is seeded.
type synthSet struct {
	name   string
	bySeed map[int64]quality.Dataset
}

// scaled returns counts scaled by the training subsampling fraction (see
// Config.MaxTrainRows).
func (r *realSet) scaled(counts map[int]int) map[int]int {
	out := make(map[int]int, len(counts))
	for c, n := range counts {
		if k := int(math.Round(r.fraction * float64(n))); k > 0 {
			out[c] = k
		}
	}
	return out
}

// thin keeps round(fraction·n) synthetic rows of each class (seeded), so
// that they keep their ratio to the subsampled training rows. The rows stay
// pixels; the logistic judge's caller projects them.
func (r *realSet) thin(d quality.Dataset, seed uint64) quality.Dataset {
	if d.Len() == 0 || r.fraction >= 1 {
		return d
	}
	var keep []int
	byClass := map[int][]int{}
	for i, y := range d.Y {
		byClass[y] = append(byClass[y], i)
	}
	for _, c := range slices.Sorted(maps.Keys(byClass)) {
		rows := byClass[c]
		n := int(math.Round(r.fraction * float64(len(rows))))
		perm := rand.New(rand.NewPCG(seed, uint64(c)+0x7468)).Perm(len(rows))[:n]
		for _, j := range perm {
			keep = append(keep, rows[j])
		}
	}
	sort.Ints(keep)
	return d.Subset(keep)
}

// judgeData is what one judge trains and tests on: the real training and
// held-out rows, and a map from a synthetic set's (pixel) rows to the
// judge's rows.
type judgeData struct {
	train, test quality.Dataset
	rows        func(quality.Dataset) (quality.Dataset, error)
	cfg         quality.UtilityConfig
}

// judgeData returns the data and utility config of a judge: the logistic
// regression in the utility space (rows projected), the CNN on the pixel
// rows (fz.Size × fz.Size × 1 or 3 channels, not projected).
func (r *realSet) judgeData(judge string, minority []int) (judgeData, error) {
	cfg := quality.UtilityConfig{NumClasses: len(r.classes), ClassNames: r.classes, Minority: minority, Seeds: r.cfg.Seeds, Judge: judge}
	switch judge {
	case JudgeLogReg:
		cfg.Classifier = r.cfg.Classifier
		return judgeData{train: r.trainUt, test: r.heldUt, rows: r.uspace.project, cfg: cfg}, nil
	case JudgeCNN:
		if r.fz.Kind != KindImage {
			return judgeData{}, fmt.Errorf("judge %q: the dataset holds %s, and the CNN reads images", judge, r.fz.Kind)
		}
		cfg.CNN = r.cfg.CNN
		cfg.CNN.Height, cfg.CNN.Width, cfg.CNN.Channels = r.fz.Size, r.fz.Size, 1
		if r.fz.Color == ColorRGB {
			cfg.CNN.Channels = 3
		}
		same := func(d quality.Dataset) (quality.Dataset, error) { return d, nil }
		return judgeData{train: r.trainPix, test: r.heldPix, rows: same, cfg: cfg}, nil
	}
	return judgeData{}, fmt.Errorf("judge %q: accepted: %q, %q", judge, JudgeCNN, JudgeLogReg)
}

// utility runs quality.EvaluateUtility for one judge (see judgeData): the
// real training rows alone, plus random oversampling and SMOTE adding
// counts rows per class (already scaled) in the judge's space, plus each
// synthetic set thinned by the training fraction; scored on the held-out
// rows over cfg.Seeds.
func (r *realSet) utility(ctx context.Context, judge string, sets []synthSet, counts map[int]int, minority []int) (*quality.UtilityResult, error) {
	if !r.hasHeldOut() {
		return nil, fmt.Errorf("utility: no held-out rows")
	}
	jd, err := r.judgeData(judge, minority)
	if err != nil {
		return nil, fmt.Errorf("utility: %w", err)
	}
	variants := []quality.Variant{quality.RandomOversampling(counts), quality.SMOTE(r.cfg.SMOTEK, counts)}
	for _, s := range sets {
		rows := map[int64]quality.Dataset{}
		for seed, d := range s.bySeed {
			p, err := jd.rows(r.thin(d, uint64(seed)+4))
			if err != nil {
				return nil, fmt.Errorf("utility: %s: %w", s.name, err)
			}
			rows[seed] = p
		}
		if once, ok := rows[0]; ok && len(rows) == 1 {
			variants = append(variants, quality.Fixed(s.name, once))
			continue
		}
		variants = append(variants, quality.Variant{Name: s.name, Seeded: true,
			Augment: func(_ context.Context, _ quality.Dataset, seed int64) (quality.Dataset, error) {
				d, ok := rows[seed]
				if !ok {
					return quality.Dataset{}, fmt.Errorf("no samples generated with seed %d", seed)
				}
				return d, nil
			}})
	}
	return quality.EvaluateUtility(ctx, jd.train, jd.test, variants, jd.cfg)
}

// utilities runs utility for every judge, in order: the results by judge,
// and one error per judge that failed (the others go on).
func (r *realSet) utilities(ctx context.Context, judges []string, sets []synthSet, counts map[int]int, minority []int) (map[string]*quality.UtilityResult, []string) {
	out := map[string]*quality.UtilityResult{}
	var errs []string
	for _, j := range judges {
		u, err := r.utility(ctx, j, sets, counts, minority)
		if err != nil {
			if ctx.Err() != nil {
				return out, append(errs, ctx.Err().Error())
			}
			errs = append(errs, fmt.Sprintf("utility (%s judge): %v", j, err))
			continue
		}
		out[j] = u
	}
	return out, errs
}

// utilityNote describes the utility protocol of a judge for the reports.
func (r *realSet) utilityNote(judge string) string {
	rows := fmt.Sprintf("in the %s feature space", r.uspace.Name)
	if judge == JudgeCNN {
		rows = fmt.Sprintf("as %dx%d %s pixels (not projected; random oversampling and SMOTE in pixel space)", r.fz.Size, r.fz.Size, r.fz.Color)
	}
	s := fmt.Sprintf("%s judge: classifier trained on %d real training rows (plus each variant's rows) %s, tested on %d held-out rows; seeds %v",
		judge, r.trainPix.Len(), rows, r.heldPix.Len(), r.cfg.Seeds)
	if r.fraction < 1 {
		s += fmt.Sprintf("; the training split was subsampled at %.3f per class (max_train_rows %d) and every variant's added rows scaled by the same fraction",
			r.fraction, r.cfg.MaxTrainRows)
	}
	return s
}
