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

// thin projects synthetic pixel rows into the utility space and keeps
// round(fraction·n) rows of each class (seeded), so that they keep their
// ratio to the subsampled training rows.
func (r *realSet) thin(d quality.Dataset, seed uint64) (quality.Dataset, error) {
	if d.Len() == 0 {
		return r.uspace.project(d)
	}
	if r.fraction < 1 {
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
		d = d.Subset(keep)
	}
	return r.uspace.project(d)
}

// utility runs quality.EvaluateUtility in the utility space: the real
// training rows alone, plus random oversampling and SMOTE adding counts
// rows per class (already scaled), plus each synthetic set; scored on the
// held-out rows over cfg.Seeds.
func (r *realSet) utility(ctx context.Context, sets []synthSet, counts map[int]int, minority []int) (*quality.UtilityResult, error) {
	if !r.hasHeldOut() {
		return nil, fmt.Errorf("utility: no held-out rows")
	}
	variants := []quality.Variant{quality.RandomOversampling(counts), quality.SMOTE(r.cfg.SMOTEK, counts)}
	for _, s := range sets {
		proj := map[int64]quality.Dataset{}
		for seed, d := range s.bySeed {
			p, err := r.thin(d, uint64(seed)+4)
			if err != nil {
				return nil, fmt.Errorf("utility: %s: %w", s.name, err)
			}
			proj[seed] = p
		}
		if once, ok := proj[0]; ok && len(proj) == 1 {
			variants = append(variants, quality.Fixed(s.name, once))
			continue
		}
		variants = append(variants, quality.Variant{Name: s.name, Seeded: true,
			Augment: func(_ context.Context, _ quality.Dataset, seed int64) (quality.Dataset, error) {
				d, ok := proj[seed]
				if !ok {
					return quality.Dataset{}, fmt.Errorf("no samples generated with seed %d", seed)
				}
				return d, nil
			}})
	}
	return quality.EvaluateUtility(ctx, r.trainUt, r.heldUt, variants, quality.UtilityConfig{
		NumClasses: len(r.classes), ClassNames: r.classes, Minority: minority, Seeds: r.cfg.Seeds, Classifier: r.cfg.Classifier,
	})
}

// utilityNote describes the utility protocol for the reports.
func (r *realSet) utilityNote() string {
	s := fmt.Sprintf("classifier trained on %d real training rows (plus each variant's rows) in the %s feature space, tested on %d held-out rows; seeds %v",
		r.trainUt.Len(), r.uspace.Name, r.heldUt.Len(), r.cfg.Seeds)
	if r.fraction < 1 {
		s += fmt.Sprintf("; the training split was subsampled at %.3f per class (max_train_rows %d) and every variant's added rows scaled by the same fraction",
			r.fraction, r.cfg.MaxTrainRows)
	}
	return s
}
