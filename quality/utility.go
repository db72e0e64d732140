package quality

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"slices"

	"golang.org/x/sync/errgroup"
)

// UtilityConfig sets [EvaluateUtility].
type UtilityConfig struct {
	NumClasses int `json:"num_classes"`
	// ClassNames, if set, has one name per class for tables.
	ClassNames []string `json:"class_names,omitempty"`
	// Minority lists the rare classes whose mean F1 is the headline figure.
	Minority []int `json:"minority"`
	// Seeds drive the seeded variants (and the CNN judge); at least one.
	Seeds []int64 `json:"seeds"`
	// Classifier sets the logistic-regression judge.
	Classifier LogRegConfig `json:"classifier"`
	// Judge picks the classifier that is trained and scored: JudgeLogReg
	// (the default when empty) or JudgeCNN.
	Judge string `json:"judge,omitempty"`
	// CNN sets the CNN judge; Height, Width and Channels must give the
	// layout of the rows (see [CNNConfig]). Its Seed is ignored: each run
	// trains with the run's seed.
	CNN CNNConfig `json:"cnn,omitzero"`
	// Workers is how many runs (a variant's training and scoring for one
	// seed) are trained at once; 0 means GOMAXPROCS. Every run is
	// independent and deterministic, so the result does not depend on it.
	Workers int `json:"-"`
}

// Judges of [EvaluateUtility].
const (
	// JudgeLogReg is multinomial logistic regression ([TrainLogReg]):
	// deterministic, fast, on any features.
	JudgeLogReg = "logreg"
	// JudgeCNN is a small convolutional network ([TrainCNN]) on image rows:
	// closer to what users train, and itself random.
	JudgeCNN = "cnn"
)

// Stat is the mean and sample standard deviation (n−1; 0 when N = 1) of a
// figure over runs.
type Stat struct {
	Mean float64 `json:"mean"`
	Std  float64 `json:"std"`
	N    int     `json:"n"`
}

func newStat(v []float64) Stat {
	s := Stat{N: len(v)}
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

// Run is one trained classifier: one variant, one seed.
type Run struct {
	Seed int64 `json:"seed"`
	// Added counts the rows the variant added, per class.
	Added      []int   `json:"added"`
	Metrics    Metrics `json:"metrics"`
	MinorityF1 float64 `json:"minority_f1"`
	// Fit is the logistic regression's fit (judge "logreg"); CNNFit the
	// CNN's (judge "cnn"). The other is left out of the JSON.
	Fit    LogRegFit `json:"fit,omitzero"`
	CNNFit *CNNFit   `json:"cnn_fit,omitempty"`
}

// ClassSummary is one class's figures over the runs of a variant.
type ClassSummary struct {
	Class     int    `json:"class"`
	Name      string `json:"name,omitempty"`
	Precision Stat   `json:"precision"`
	Recall    Stat   `json:"recall"`
	F1        Stat   `json:"f1"`
}

// VariantResult holds the runs of one variant and their summary.
type VariantResult struct {
	Name             string         `json:"name"`
	Seeded           bool           `json:"seeded"`
	Runs             []Run          `json:"runs"`
	MinorityF1       Stat           `json:"minority_f1"`
	MacroF1          Stat           `json:"macro_f1"`
	BalancedAccuracy Stat           `json:"balanced_accuracy"`
	Accuracy         Stat           `json:"accuracy"`
	PerClass         []ClassSummary `json:"per_class"`
}

// Lift is the paired difference Variant − Over over seeds (a run of an
// unseeded variant pairs with every seed).
type Lift struct {
	Variant          string `json:"variant"`
	Over             string `json:"over"`
	MinorityF1       Stat   `json:"minority_f1"`
	MacroF1          Stat   `json:"macro_f1"`
	BalancedAccuracy Stat   `json:"balanced_accuracy"`
}

// UtilityResult is the outcome of [EvaluateUtility]; it marshals to JSON
// for report.json.
type UtilityResult struct {
	Config     UtilityConfig   `json:"config"`
	Classifier string          `json:"classifier"`
	NTrain     int             `json:"n_train"`
	NTest      int             `json:"n_test"`
	TrainCount []int           `json:"train_counts"`
	TestCount  []int           `json:"test_counts"`
	Variants   []VariantResult `json:"variants"`
	// Lifts holds every variant over "real", and every other variant over
	// "smote" when SMOTE was run.
	Lifts []Lift `json:"lifts"`
}

// EvaluateUtility answers "did the added data make the classifier better on
// the rare classes?": for the real baseline and each variant (in order) and
// each seed it trains the judge on the real training split plus the
// variant's rows and scores it on the held-out real test split. The test
// split is never augmented. Variant names must be unique and not "real",
// which is always added first.
//
// The judge is cfg.Judge:
//
//   - JudgeLogReg (default): [TrainLogReg] with cfg.Classifier,
//     standardisation fitted on that variant's training rows. It is
//     deterministic, so run-to-run spread comes only from the seeded
//     variants' randomness; unseeded variants (the real baseline, fixed
//     synthetic sets) are trained once and their run pairs with every seed.
//   - JudgeCNN: [TrainCNN] with cfg.CNN, no class weights. Its own training
//     is random (initial weights, shuffles), so every variant — the real
//     baseline and fixed sets included — is trained once per seed, with
//     that seed driving the network, and so gets a spread; lifts pair runs
//     of the same seed, which share the network's initial weights and
//     differ only in the training rows. Each run costs about 20 s of one
//     core on 5,000 28×28 gray rows with the defaults.
func EvaluateUtility(ctx context.Context, train, test Dataset, variants []Variant, cfg UtilityConfig) (*UtilityResult, error) {
	if err := checkUtility(train, test, variants, &cfg); err != nil {
		return nil, err
	}
	res := &UtilityResult{
		NTrain:     train.Len(),
		NTest:      test.Len(),
		TrainCount: train.ClassCounts(cfg.NumClasses),
		TestCount:  test.ClassCounts(cfg.NumClasses),
	}
	switch cfg.Judge {
	case JudgeLogReg:
		cfg.Classifier = cfg.Classifier.withDefaults()
		res.Classifier = fmt.Sprintf("multinomial logistic regression on standardised features, L2 λ=%g, full-batch L-BFGS (≤%d iterations)",
			cfg.Classifier.L2, cfg.Classifier.MaxIterations)
	case JudgeCNN:
		cfg.CNN.Seed = 0
		c := cfg.CNN
		res.Classifier = fmt.Sprintf("CNN on %dx%dx%d images standardised per channel: conv3x3(%d→%d)+ReLU+maxpool2, conv3x3(%d→%d)+ReLU+maxpool2, dense(%d)+ReLU, dense(%d), softmax cross-entropy without class weights, Adam lr=%g, batch %d, %d epochs, He init; trained once per variant and seed, the seed driving init and shuffles",
			c.Height, c.Width, c.Channels, c.Channels, c.Conv1, c.Conv1, c.Conv2, c.Hidden, cfg.NumClasses, c.LearningRate, c.BatchSize, c.Epochs)
	}
	res.Config = cfg
	all := append([]Variant{Real()}, variants...)
	// One task per variant and seed. The judges gain little from a
	// second core inside one training (a CNN epoch on 5,000 28×28 rows
	// takes the same 1.7 s on 1 and 2 cores: its products are small), so
	// the runs themselves are spread over the cores.
	runs := make([][]Run, len(all))
	type task struct{ v, s int }
	var tasks []task
	for vi, v := range all {
		seeds := cfg.Seeds
		if !v.Seeded && cfg.Judge == JudgeLogReg {
			seeds = cfg.Seeds[:1]
		}
		runs[vi] = make([]Run, len(seeds))
		for si := range seeds {
			tasks = append(tasks, task{vi, si})
		}
	}
	workers := cfg.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(workers)
	for _, t := range tasks {
		g.Go(func() error {
			v, seed := all[t.v], cfg.Seeds[t.s]
			run, err := utilityRun(gctx, train, test, v, seed, cfg)
			if err != nil {
				return fmt.Errorf("utility: variant %q, seed %d: %w", v.Name, seed, err)
			}
			runs[t.v][t.s] = run
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, err
	}
	for vi, v := range all {
		vr := VariantResult{Name: v.Name, Seeded: v.Seeded, Runs: runs[vi]}
		summarize(&vr, cfg)
		res.Variants = append(res.Variants, vr)
	}
	_, haveSMOTE := res.variant(VariantSMOTE)
	for _, v := range res.Variants[1:] {
		l, _ := res.Lift(v.Name, VariantReal)
		res.Lifts = append(res.Lifts, l)
	}
	if haveSMOTE {
		for _, v := range res.Variants[1:] {
			if v.Name != VariantSMOTE {
				l, _ := res.Lift(v.Name, VariantSMOTE)
				res.Lifts = append(res.Lifts, l)
			}
		}
	}
	return res, nil
}

// normalize applies the defaults of the judge and checks it against rows of
// cols values.
func (cfg *UtilityConfig) normalize(cols int) error {
	switch cfg.Judge {
	case "", JudgeLogReg:
		cfg.Judge = JudgeLogReg
	case JudgeCNN:
		cfg.CNN = cfg.CNN.withDefaults()
		if err := cfg.CNN.check(cols); err != nil {
			return fmt.Errorf("utility: judge %q: %w", JudgeCNN, err)
		}
	default:
		return fmt.Errorf("utility: judge %q, want %q (logistic regression, the default) or %q (a small CNN on image rows)", cfg.Judge, JudgeLogReg, JudgeCNN)
	}
	return nil
}

func checkUtility(train, test Dataset, variants []Variant, cfg *UtilityConfig) error {
	if cfg.NumClasses < 2 {
		return fmt.Errorf("utility: %d classes, want at least 2", cfg.NumClasses)
	}
	if len(cfg.Seeds) == 0 {
		return fmt.Errorf("utility: no seeds, want at least one (for example 5 for a mean and spread)")
	}
	if len(cfg.Minority) == 0 {
		return fmt.Errorf("utility: no minority classes named; list the rare classes whose F1 matters")
	}
	for _, c := range cfg.Minority {
		if c < 0 || c >= cfg.NumClasses {
			return fmt.Errorf("utility: minority class %d, want a class in [0, %d)", c, cfg.NumClasses)
		}
	}
	if cfg.ClassNames != nil && len(cfg.ClassNames) != cfg.NumClasses {
		return fmt.Errorf("utility: %d class names for %d classes", len(cfg.ClassNames), cfg.NumClasses)
	}
	if err := train.Validate(cfg.NumClasses); err != nil {
		return fmt.Errorf("utility: train: %w", err)
	}
	if err := test.Validate(cfg.NumClasses); err != nil {
		return fmt.Errorf("utility: test: %w", err)
	}
	if train.X.Cols != test.X.Cols {
		return fmt.Errorf("utility: train has %d columns and test %d, want equal", train.X.Cols, test.X.Cols)
	}
	if err := cfg.normalize(train.X.Cols); err != nil {
		return err
	}
	seen := map[string]bool{VariantReal: true}
	for _, v := range variants {
		if v.Name == "" || seen[v.Name] {
			return fmt.Errorf("utility: variant name %q is empty or used twice (%q is the built-in baseline)", v.Name, VariantReal)
		}
		seen[v.Name] = true
	}
	return nil
}

func utilityRun(ctx context.Context, train, test Dataset, v Variant, seed int64, cfg UtilityConfig) (Run, error) {
	run := Run{Seed: seed, Added: make([]int, cfg.NumClasses)}
	trainSet := train
	if v.Augment != nil {
		extra, err := v.Augment(ctx, train, seed)
		if err != nil {
			return Run{}, fmt.Errorf("augment: %w", err)
		}
		if extra.Len() > 0 {
			if err := extra.Validate(cfg.NumClasses); err != nil {
				return Run{}, fmt.Errorf("added rows: %w", err)
			}
			run.Added = extra.ClassCounts(cfg.NumClasses)
			if trainSet, err = Concat(train, extra); err != nil {
				return Run{}, err
			}
		}
	}
	var pred []int
	switch cfg.Judge {
	case JudgeCNN:
		c := cfg.CNN
		c.Seed = seed
		model, fit, err := TrainCNN(ctx, trainSet.X, trainSet.Y, cfg.NumClasses, c)
		if err != nil {
			return Run{}, err
		}
		run.CNNFit = &fit
		if pred, err = model.Predict(test.X); err != nil {
			return Run{}, err
		}
	default:
		model, fit, err := TrainLogReg(ctx, trainSet.X, trainSet.Y, cfg.NumClasses, cfg.Classifier)
		if err != nil {
			return Run{}, err
		}
		run.Fit = fit
		if pred, err = model.Predict(test.X); err != nil {
			return Run{}, err
		}
	}
	m, err := Evaluate(test.Y, pred, cfg.NumClasses)
	if err != nil {
		return Run{}, err
	}
	run.Metrics = m
	for _, c := range cfg.Minority {
		run.MinorityF1 += m.PerClass[c].F1 / float64(len(cfg.Minority))
	}
	return run, nil
}

func summarize(vr *VariantResult, cfg UtilityConfig) {
	pick := func(f func(Run) float64) Stat {
		v := make([]float64, len(vr.Runs))
		for i, r := range vr.Runs {
			v[i] = f(r)
		}
		return newStat(v)
	}
	vr.MinorityF1 = pick(func(r Run) float64 { return r.MinorityF1 })
	vr.MacroF1 = pick(func(r Run) float64 { return r.Metrics.MacroF1 })
	vr.BalancedAccuracy = pick(func(r Run) float64 { return r.Metrics.BalancedAccuracy })
	vr.Accuracy = pick(func(r Run) float64 { return r.Metrics.Accuracy })
	for c := range cfg.NumClasses {
		cs := ClassSummary{
			Class:     c,
			Precision: pick(func(r Run) float64 { return r.Metrics.PerClass[c].Precision }),
			Recall:    pick(func(r Run) float64 { return r.Metrics.PerClass[c].Recall }),
			F1:        pick(func(r Run) float64 { return r.Metrics.PerClass[c].F1 }),
		}
		if cfg.ClassNames != nil {
			cs.Name = cfg.ClassNames[c]
		}
		vr.PerClass = append(vr.PerClass, cs)
	}
}

func (r *UtilityResult) variant(name string) (VariantResult, bool) {
	i := slices.IndexFunc(r.Variants, func(v VariantResult) bool { return v.Name == name })
	if i < 0 {
		return VariantResult{}, false
	}
	return r.Variants[i], true
}

// Lift returns the paired difference of variant over another: per seed
// when both are seeded, else each run of one against the single run of the
// other.
func (r *UtilityResult) Lift(variant, over string) (Lift, error) {
	a, ok := r.variant(variant)
	if !ok {
		return Lift{}, fmt.Errorf("utility: no variant %q", variant)
	}
	b, ok := r.variant(over)
	if !ok {
		return Lift{}, fmt.Errorf("utility: no variant %q", over)
	}
	var pairs [][2]Run
	switch {
	case len(a.Runs) == 1 || len(b.Runs) == 1:
		for _, ra := range a.Runs {
			for _, rb := range b.Runs {
				pairs = append(pairs, [2]Run{ra, rb})
			}
		}
	default:
		for _, ra := range a.Runs {
			for _, rb := range b.Runs {
				if ra.Seed == rb.Seed {
					pairs = append(pairs, [2]Run{ra, rb})
				}
			}
		}
	}
	diff := func(f func(Run) float64) Stat {
		v := make([]float64, len(pairs))
		for i, p := range pairs {
			v[i] = f(p[0]) - f(p[1])
		}
		return newStat(v)
	}
	return Lift{
		Variant:          variant,
		Over:             over,
		MinorityF1:       diff(func(r Run) float64 { return r.MinorityF1 }),
		MacroF1:          diff(func(r Run) float64 { return r.Metrics.MacroF1 }),
		BalancedAccuracy: diff(func(r Run) float64 { return r.Metrics.BalancedAccuracy }),
	}, nil
}
