package quality

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// imbalanced returns overlapping 3-D blobs (centres 2 apart on the axes,
// unit variance) with the given rows per class.
func imbalanced(seed uint64, perClass []int) Dataset {
	return blobs(rand.New(rand.NewPCG(seed, 1)), perClass, 3, 2)
}

func TestEvaluateUtility(t *testing.T) {
	train := imbalanced(1, []int{200, 200, 8})
	test := imbalanced(2, []int{100, 100, 100})
	counts, err := CountsToBalance(train, 3)
	if err != nil {
		t.Fatal(err)
	}
	if want := map[int]int{2: 192}; len(counts) != 1 || counts[2] != 192 {
		t.Fatalf("got balance counts %v, want %v", counts, want)
	}
	// An oracle generator: fresh rows of the minority distribution.
	oracle := imbalanced(3, []int{0, 0, 192})
	variants := []Variant{RandomOversampling(counts), SMOTE(5, CountsOf(oracle)), Fixed("oracle", oracle)}
	cfg := UtilityConfig{NumClasses: 3, Minority: []int{2}, Seeds: []int64{1, 2, 3}, ClassNames: []string{"a", "b", "rare"}}
	ctx := context.Background()
	res, err := EvaluateUtility(ctx, train, test, variants, cfg)
	if err != nil {
		t.Fatal(err)
	}

	var names []string
	var runs []int
	for _, v := range res.Variants {
		names = append(names, v.Name)
		runs = append(runs, len(v.Runs))
	}
	if want := []string{"real", "random_oversampling", "smote", "oracle"}; !slices.Equal(names, want) {
		t.Errorf("got variants %v, want %v", names, want)
	}
	if want := []int{1, 3, 3, 1}; !slices.Equal(runs, want) {
		t.Errorf("got runs per variant %v, want %v (unseeded variants run once)", runs, want)
	}
	for _, v := range res.Variants {
		want := []int{0, 0, 192}
		if v.Name == VariantReal {
			want = []int{0, 0, 0}
		}
		for _, r := range v.Runs {
			if !slices.Equal(r.Added, want) {
				t.Errorf("%s seed %d: got added %v, want %v", v.Name, r.Seed, r.Added, want)
			}
		}
	}
	if !slices.Equal(res.TrainCount, []int{200, 200, 8}) || !slices.Equal(res.TestCount, []int{100, 100, 100}) {
		t.Errorf("got train counts %v and test counts %v", res.TrainCount, res.TestCount)
	}

	real, _ := res.variant(VariantReal)
	orc, _ := res.variant("oracle")
	sm, _ := res.variant(VariantSMOTE)
	// 8 minority rows against 400: the unweighted classifier rarely
	// predicts the rare class. Real minority rows fix that.
	if orc.PerClass[2].Recall.Mean <= real.PerClass[2].Recall.Mean {
		t.Errorf("got minority recall %.3f with oracle rows and %.3f without, want an increase", orc.PerClass[2].Recall.Mean, real.PerClass[2].Recall.Mean)
	}
	// Lifts: 3 over real, then random_oversampling and oracle over smote.
	var pairs []string
	for _, l := range res.Lifts {
		pairs = append(pairs, l.Variant+">"+l.Over)
	}
	if want := []string{"random_oversampling>real", "smote>real", "oracle>real", "random_oversampling>smote", "oracle>smote"}; !slices.Equal(pairs, want) {
		t.Errorf("got lifts %v, want %v", pairs, want)
	}
	l, err := res.Lift(VariantSMOTE, VariantReal)
	if err != nil {
		t.Fatal(err)
	}
	if want := sm.MinorityF1.Mean - real.MinorityF1.Mean; !near(l.MinorityF1.Mean, want, 1e-12) || l.MinorityF1.N != 3 {
		t.Errorf("got smote lift %v over %d pairs, want %v over 3", l.MinorityF1.Mean, l.MinorityF1.N, want)
	}

	tab := res.Table()
	if len(tab) != 5 || !slices.Contains(tab[0], "recall rare") || tab[1][2] != "—" || !strings.Contains(tab[3][1], "±") {
		t.Errorf("got table %q, want a header with \"recall rare\", 4 rows, no lift for real and mean ± std for smote", tab)
	}

	js, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{`"minority_f1"`, `"balanced_accuracy"`, `"macro_f1"`, `"per_class"`, `"lifts"`, `"train_counts"`} {
		if !bytes.Contains(js, []byte(key)) {
			t.Errorf("JSON lacks key %s", key)
		}
	}
	again, err := EvaluateUtility(ctx, train, test, variants, cfg)
	if err != nil {
		t.Fatal(err)
	}
	js2, _ := json.Marshal(again)
	if !bytes.Equal(js, js2) {
		t.Error("two evaluations with the same seeds: got different results, want identical")
	}
}

func TestEvaluateUtilityErrors(t *testing.T) {
	train := imbalanced(1, []int{20, 20, 3})
	test := imbalanced(2, []int{5, 5, 5})
	good := UtilityConfig{NumClasses: 3, Minority: []int{2}, Seeds: []int64{1}}
	for _, tc := range []struct {
		name     string
		variants []Variant
		mod      func(*UtilityConfig)
		want     string
	}{
		{"no seeds", nil, func(c *UtilityConfig) { c.Seeds = nil }, "no seeds"},
		{"no minority", nil, func(c *UtilityConfig) { c.Minority = nil }, "no minority classes"},
		{"minority range", nil, func(c *UtilityConfig) { c.Minority = []int{3} }, "minority class 3"},
		{"names", nil, func(c *UtilityConfig) { c.ClassNames = []string{"x"} }, "1 class names for 3 classes"},
		{"reserved name", []Variant{Fixed("real", test)}, nil, `"real" is empty or used twice`},
		{"duplicate", []Variant{SMOTE(5, nil), SMOTE(3, nil)}, nil, `"smote" is empty or used twice`},
		{"smote on 1 row", []Variant{SMOTE(5, map[int]int{2: 4})}, nil, "needs at least 2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := good
			if tc.mod != nil {
				tc.mod(&cfg)
			}
			tr := train
			if tc.name == "smote on 1 row" {
				tr = imbalanced(1, []int{20, 20, 1})
			}
			_, err := EvaluateUtility(context.Background(), tr, test, tc.variants, cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestDatasetHelpers(t *testing.T) {
	a, err := FromRows([][]float32{{1, 2}, {3, 4}}, []int{0, 1})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := FromRows([][]float32{{5, 6}}, []int{1})
	c, err := Concat(a, b)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(c.X.Data, []float32{1, 2, 3, 4, 5, 6}) || !slices.Equal(c.Y, []int{0, 1, 1}) {
		t.Errorf("got concat %v %v", c.X.Data, c.Y)
	}
	if got := c.ClassCounts(3); !slices.Equal(got, []int{1, 2, 0}) {
		t.Errorf("got class counts %v, want [1 2 0]", got)
	}
	if s := c.Subset([]int{2, 0}); !slices.Equal(s.X.Data, []float32{5, 6, 1, 2}) || !slices.Equal(s.Y, []int{1, 0}) {
		t.Errorf("got subset %v %v", s.X.Data, s.Y)
	}
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"ragged", func() error { _, err := FromRows([][]float32{{1, 2}, {3}}, []int{0, 0}); return err }(), "row 1 has 1 values, want 2"},
		{"labels", func() error { _, err := FromRows([][]float32{{1}}, []int{0, 1}); return err }(), "2 labels for 1 rows"},
		{"columns", func() error { _, err := Concat(a, Dataset{X: matrix([][]float32{{1}}), Y: []int{0}}); return err }(), "2-column rows with 1-column rows"},
		{"label range", c.Validate(1), "label 1 of row 1, want a class in [0, 1)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.err == nil || !strings.Contains(tc.err.Error(), tc.want) {
				t.Errorf("got error %v, want one containing %q", tc.err, tc.want)
			}
		})
	}
}

// TestEvaluateUtilityWorkers checks that spreading the runs over workers
// changes nothing: every run is independent and deterministic, so one
// worker and four give the same result, run for run, for both judges.
func TestEvaluateUtilityWorkers(t *testing.T) {
	train := bars(1, []int{60, 60, 8}, 8, 8, 1, 0.3)
	test := bars(2, []int{30, 30, 30}, 8, 8, 1, 0.3)
	counts := map[int]int{2: 52}
	variants := []Variant{RandomOversampling(counts), SMOTE(0, counts)}
	for _, judge := range []string{JudgeLogReg, JudgeCNN} {
		var got []string
		for _, workers := range []int{1, 4} {
			cfg := UtilityConfig{NumClasses: 3, Minority: []int{2}, Seeds: []int64{1, 2, 3}, Judge: judge, Workers: workers,
				CNN: CNNConfig{Height: 8, Width: 8, Channels: 1, Epochs: 2}}
			res, err := EvaluateUtility(context.Background(), train, test, variants, cfg)
			if err != nil {
				t.Fatal(err)
			}
			b, err := json.Marshal(res)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, string(b))
		}
		if got[0] != got[1] {
			t.Errorf("%s judge: the result with 4 workers differs from the one with 1:\n%s\n%s", judge, got[0], got[1])
		}
	}
}

// TestEvaluateUtilityCanceled checks that a canceled context stops the
// runs and is reported as such.
func TestEvaluateUtilityCanceled(t *testing.T) {
	train := bars(1, []int{60, 60, 8}, 8, 8, 1, 0.3)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := EvaluateUtility(ctx, train, train, []Variant{RandomOversampling(map[int]int{2: 52})},
		UtilityConfig{NumClasses: 3, Minority: []int{2}, Seeds: []int64{1, 2}, Judge: JudgeCNN, CNN: CNNConfig{Height: 8, Width: 8, Channels: 1}})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("got error %v, want context.Canceled", err)
	}
}
