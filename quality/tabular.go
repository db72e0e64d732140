package quality

import (
	"context"
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/blas/blas32"

	"github.com/tailsynth/tailsynth/smote"
)

// LabeledTable is a table in the [smote.Table] shape (as tables.Load gives
// it) with the class of each row, in [0, numClasses).
type LabeledTable struct {
	Table smote.Table
	Y     []int
}

// NamedTable is a set of added rows under a name, for example a tabular
// generator's synthetic rows.
type NamedTable struct {
	Name string
	Rows LabeledTable
	// BySeed, when not nil, holds rows made once per seed of the utility
	// (a generator run with each of cfg.Utility.Seeds); Rows is then
	// ignored and each run adds the rows of its seed, so the variant's
	// spread includes the generator's randomness.
	BySeed map[int64]LabeledTable
}

// TableFeaturizer turns the rows of a [smote.Table] into numeric feature
// vectors for a classifier: each numeric column standardised with the mean
// and population standard deviation of the table it was fitted on (a
// constant column maps to 0), then each categorical column one-hot, one
// entry per level (Levels[j] entries, the missing level included, none
// dropped). Fit it on the real training split only, so that nothing of the
// test split or of added rows leaks into the features.
type TableFeaturizer struct {
	// Numeric standardises the numeric columns, in table order.
	Numeric Standardizer `json:"numeric"`
	// Levels is the number of levels of each categorical column.
	Levels []int `json:"levels"`
	// Width is the length of a feature vector: numeric columns plus the
	// sum of Levels.
	Width int `json:"width"`
}

// FitTableFeaturizer fits a [TableFeaturizer] to the rows of t, which must
// be well formed ([smote.Table.Check]: finite numbers, codes within their
// levels), have at least one row and at least one column.
func FitTableFeaturizer(t smote.Table) (*TableFeaturizer, error) {
	if err := t.Check(); err != nil {
		return nil, fmt.Errorf("featurize: %w", err)
	}
	n := t.Rows()
	if len(t.Numeric)+len(t.Categorical) == 0 {
		return nil, fmt.Errorf("featurize: the table has no feature columns; want at least one numeric or categorical column")
	}
	if n == 0 {
		return nil, fmt.Errorf("featurize: the table has no rows; fit on the real training split")
	}
	f := &TableFeaturizer{
		Numeric: Standardizer{Mean: make([]float64, len(t.Numeric)), Scale: make([]float64, len(t.Numeric))},
		Levels:  slices.Clone(t.Levels),
		Width:   len(t.Numeric),
	}
	for j, col := range t.Numeric {
		var sum float64
		for _, v := range col {
			sum += v
		}
		mean := sum / float64(n)
		var ss float64
		for _, v := range col {
			ss += (v - mean) * (v - mean)
		}
		f.Numeric.Mean[j] = mean
		if sd := math.Sqrt(ss / float64(n)); sd > 0 {
			f.Numeric.Scale[j] = 1 / sd
		} else {
			f.Numeric.Scale[j] = 1
		}
	}
	for _, l := range t.Levels {
		f.Width += l
	}
	return f, nil
}

// Transform returns the feature vectors of the rows of t, one row each. t
// must have the columns and levels the featurizer was fitted on; it may have
// no rows.
func (f *TableFeaturizer) Transform(t smote.Table) (blas32.General, error) {
	if err := t.Check(); err != nil {
		return blas32.General{}, fmt.Errorf("featurize: %w", err)
	}
	if len(t.Numeric) != len(f.Numeric.Mean) || len(t.Categorical) != len(f.Levels) {
		return blas32.General{}, fmt.Errorf("featurize: table has %d numeric and %d categorical columns, want %d and %d like the training table",
			len(t.Numeric), len(t.Categorical), len(f.Numeric.Mean), len(f.Levels))
	}
	if !slices.Equal(t.Levels, f.Levels) {
		return blas32.General{}, fmt.Errorf("featurize: categorical levels %v, want %v like the training table (encode every split with one tables.Encoding)", t.Levels, f.Levels)
	}
	n := t.Rows()
	out := newMatrix(n, f.Width)
	for j, col := range t.Numeric {
		m, s := f.Numeric.Mean[j], f.Numeric.Scale[j]
		for i, v := range col {
			out.Data[i*out.Stride+j] = float32((v - m) * s)
		}
	}
	off := len(t.Numeric)
	for j, col := range t.Categorical {
		for i, c := range col {
			out.Data[i*out.Stride+off+c] = 1
		}
		off += f.Levels[j]
	}
	return out, nil
}

// Dataset featurizes a labelled table into a [Dataset].
func (f *TableFeaturizer) Dataset(t LabeledTable) (Dataset, error) {
	if len(t.Y) != t.Table.Rows() {
		return Dataset{}, fmt.Errorf("featurize: %d labels for %d rows, want one label per row", len(t.Y), t.Table.Rows())
	}
	x, err := f.Transform(t.Table)
	if err != nil {
		return Dataset{}, err
	}
	return Dataset{X: x, Y: slices.Clone(t.Y)}, nil
}

// Methods the "smote" variant of [TabularUtility] uses, by the columns of
// the table.
const (
	// TableSMOTE: numeric columns only (SMOTE, through [smote.ResampleNC]
	// without categorical columns).
	TableSMOTE = "smote"
	// TableSMOTENC: numeric and categorical columns ([smote.ResampleNC]).
	TableSMOTENC = "smote-nc"
	// TableSMOTEN: categorical columns only ([smote.ResampleN]).
	TableSMOTEN = "smote-n"
)

// TabularConfig sets [TabularUtility].
type TabularConfig struct {
	// Utility sets the judge and the figures as for [EvaluateUtility]:
	// NumClasses, Minority (the rare classes whose mean F1 is the headline
	// figure), Seeds and Classifier. The judge must be the logistic
	// regression ("logreg" or empty).
	Utility UtilityConfig `json:"utility"`
	// Counts is the number of rows the baselines (random oversampling and
	// SMOTE) add per class; nil means enough to bring every class to the
	// size of the largest in the training split ([CountsToBalance],
	// imbalanced-learn's "not majority"). To compare with a generator, pass
	// the counts of its rows so every variant adds as many.
	Counts map[int]int `json:"counts,omitempty"`
	// K is the number of neighbours of SMOTE; <= 0 means [smote.DefaultK].
	K int `json:"k,omitempty"`
}

// TabularResult is the outcome of [TabularUtility]; it marshals to JSON for
// report.json.
type TabularResult struct {
	Utility *UtilityResult `json:"utility"`
	// SMOTE is the method of the "smote" variant: [TableSMOTE],
	// [TableSMOTENC] or [TableSMOTEN].
	SMOTE string `json:"smote"`
	// Counts are the rows the baselines added per class.
	Counts map[int]int `json:"counts"`
	// Features is the featurizer fitted on the real training rows.
	Features *TableFeaturizer `json:"features"`
}

// TabularUtility measures the utility of added table rows as
// [EvaluateUtility] does for vectors: a seeded multinomial logistic
// regression is trained on the real training rows alone ("real"), plus
// random oversampling ("random_oversampling"), plus SMOTE on the table
// ("smote": SMOTE, SMOTE-NC or SMOTE-N by the columns, see
// TabularResult.SMOTE), and plus each of synthetic (in order, under its
// name), and scored on the held-out real test rows: per-class F1, the mean
// F1 of the rare classes (cfg.Utility.Minority), balanced accuracy, with
// mean and spread over cfg.Utility.Seeds and lifts over "real" and "smote".
//
// Every set of rows is featurized with one [TableFeaturizer] fitted on the
// real training rows (numeric columns standardised, categorical one-hot);
// the logistic regression then standardises its own training rows again,
// which changes nothing but the scale of the one-hot entries. SMOTE
// interpolates in the table's own units, as imbalanced-learn does, and its
// rows are featurized afterwards. All tables must share the training
// table's columns and levels (one tables.Encoding for every split).
// Numeric values must be finite: impute missing values first.
func TabularUtility(ctx context.Context, train, test LabeledTable, synthetic []NamedTable, cfg TabularConfig) (*TabularResult, error) {
	switch cfg.Utility.Judge {
	case "", JudgeLogReg:
	default:
		return nil, fmt.Errorf("tabular utility: judge %q, want %q: the other judges take images", cfg.Utility.Judge, JudgeLogReg)
	}
	f, err := FitTableFeaturizer(train.Table)
	if err != nil {
		return nil, fmt.Errorf("tabular utility: train: %w", err)
	}
	trainSet, err := f.Dataset(train)
	if err != nil {
		return nil, fmt.Errorf("tabular utility: train: %w", err)
	}
	testSet, err := f.Dataset(test)
	if err != nil {
		return nil, fmt.Errorf("tabular utility: test: %w", err)
	}
	counts := cfg.Counts
	if counts == nil {
		if cfg.Utility.NumClasses < 2 {
			return nil, fmt.Errorf("tabular utility: %d classes, want at least 2", cfg.Utility.NumClasses)
		}
		if counts, err = CountsToBalance(trainSet, cfg.Utility.NumClasses); err != nil {
			return nil, fmt.Errorf("tabular utility: train: %w", err)
		}
	}
	method, resample := TableSMOTENC, smote.ResampleNC
	switch {
	case len(train.Table.Categorical) == 0:
		method = TableSMOTE
	case len(train.Table.Numeric) == 0:
		method, resample = TableSMOTEN, smote.ResampleN
	}
	variants := []Variant{
		RandomOversampling(counts),
		{Name: VariantSMOTE, Seeded: true, Augment: func(ctx context.Context, _ Dataset, seed int64) (Dataset, error) {
			r, err := resample(ctx, train.Table, train.Y, counts, cfg.K, seed)
			if err != nil {
				return Dataset{}, fmt.Errorf("%s: %w", method, err)
			}
			return f.Dataset(LabeledTable{Table: r.Table, Y: r.Y})
		}},
	}
	for _, s := range synthetic {
		if s.BySeed == nil {
			d, err := f.Dataset(s.Rows)
			if err != nil {
				return nil, fmt.Errorf("tabular utility: synthetic %q: %w", s.Name, err)
			}
			variants = append(variants, Fixed(s.Name, d))
			continue
		}
		bySeed := map[int64]Dataset{}
		for _, seed := range cfg.Utility.Seeds {
			rows, ok := s.BySeed[seed]
			if !ok {
				return nil, fmt.Errorf("tabular utility: synthetic %q has no rows of seed %d; want rows for every seed of %v", s.Name, seed, cfg.Utility.Seeds)
			}
			if bySeed[seed], err = f.Dataset(rows); err != nil {
				return nil, fmt.Errorf("tabular utility: synthetic %q, seed %d: %w", s.Name, seed, err)
			}
		}
		variants = append(variants, Variant{Name: s.Name, Seeded: true, Augment: func(_ context.Context, _ Dataset, seed int64) (Dataset, error) {
			return bySeed[seed], nil
		}})
	}
	res, err := EvaluateUtility(ctx, trainSet, testSet, variants, cfg.Utility)
	if err != nil {
		return nil, fmt.Errorf("tabular utility: %w", err)
	}
	return &TabularResult{Utility: res, SMOTE: method, Counts: counts, Features: f}, nil
}
