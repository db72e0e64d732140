package quality

import (
	"context"
	"encoding/json"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/tailsynth/tailsynth/smote"
)

func TestTableFeaturizerUsesTrainingStatistics(t *testing.T) {
	train := smote.Table{
		Numeric:     [][]float64{{1, 2, 3, 4}, {5, 5, 5, 5}},
		Categorical: [][]int{{0, 1, 2, 1}},
		Levels:      []int{3},
	}
	f, err := FitTableFeaturizer(train)
	if err != nil {
		t.Fatal(err)
	}
	// Column 0: mean 2.5, population sd sqrt(1.25); column 1 is constant.
	sd := math.Sqrt(1.25)
	if f.Numeric.Mean[0] != 2.5 || math.Abs(f.Numeric.Scale[0]-1/sd) > 1e-12 {
		t.Errorf("column 0: mean %v scale %v, want 2.5 and %v", f.Numeric.Mean[0], f.Numeric.Scale[0], 1/sd)
	}
	if f.Numeric.Scale[1] != 1 {
		t.Errorf("constant column: scale %v, want 1", f.Numeric.Scale[1])
	}
	if f.Width != 2+3 {
		t.Errorf("width %d, want 5 (2 numeric + 3 levels)", f.Width)
	}
	// A test table far from the training rows keeps the training scaling:
	// refitting on it would give mean 0 and unit variance instead.
	test := smote.Table{
		Numeric:     [][]float64{{100, 102}, {5, 7}},
		Categorical: [][]int{{2, 0}},
		Levels:      []int{3},
	}
	x, err := f.Transform(test)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]float64{
		{(100 - 2.5) / sd, 0, 0, 0, 1},
		{(102 - 2.5) / sd, 2, 1, 0, 0},
	}
	if x.Rows != 2 || x.Cols != 5 {
		t.Fatalf("got %dx%d, want 2x5", x.Rows, x.Cols)
	}
	for i, row := range want {
		for j, w := range row {
			if got := float64(x.Data[i*x.Stride+j]); math.Abs(got-w) > 1e-4 {
				t.Errorf("row %d col %d: got %v, want %v", i, j, got, w)
			}
		}
	}
}

func TestTableFeaturizerOneHotWidth(t *testing.T) {
	for _, tc := range []struct {
		name   string
		table  smote.Table
		width  int
		onehot int // ones per row
	}{
		{"numeric", smote.Table{Numeric: [][]float64{{1, 2}, {3, 4}, {5, 6}}}, 3, 0},
		{"categorical", smote.Table{Categorical: [][]int{{0, 1}, {3, 2}}, Levels: []int{2, 5}}, 7, 2},
		{"mixed, missing level", smote.Table{Numeric: [][]float64{{1, 2}}, Categorical: [][]int{{0, 2}}, Levels: []int{3}}, 4, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := FitTableFeaturizer(tc.table)
			if err != nil {
				t.Fatal(err)
			}
			x, err := f.Transform(tc.table)
			if err != nil {
				t.Fatal(err)
			}
			if f.Width != tc.width || x.Cols != tc.width {
				t.Fatalf("width %d, %d columns, want %d", f.Width, x.Cols, tc.width)
			}
			nNum := len(tc.table.Numeric)
			for i := range x.Rows {
				ones := 0
				for _, v := range x.Data[i*x.Stride+nNum : (i+1)*x.Stride] {
					switch v {
					case 1:
						ones++
					case 0:
					default:
						t.Errorf("row %d: one-hot entry %v, want 0 or 1", i, v)
					}
				}
				if ones != tc.onehot {
					t.Errorf("row %d: %d ones, want %d (one per categorical column)", i, ones, tc.onehot)
				}
			}
		})
	}
}

func TestTableFeaturizerErrors(t *testing.T) {
	good := smote.Table{Numeric: [][]float64{{1, 2}}, Categorical: [][]int{{0, 1}}, Levels: []int{2}}
	f, err := FitTableFeaturizer(good)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		fit   bool
		table smote.Table
		want  string
	}{
		{"no columns", true, smote.Table{}, "no feature columns"},
		{"no rows", true, smote.Table{Numeric: [][]float64{{}}}, "no rows"},
		{"NaN", true, smote.Table{Numeric: [][]float64{{1, math.NaN()}}}, "finite"},
		{"code out of range", true, smote.Table{Categorical: [][]int{{0, 2}}, Levels: []int{2}}, "code 2"},
		{"other columns", false, smote.Table{Numeric: [][]float64{{1}, {2}}, Categorical: [][]int{{0}}, Levels: []int{2}}, "2 numeric and 1 categorical"},
		{"other levels", false, smote.Table{Numeric: [][]float64{{1}}, Categorical: [][]int{{0}}, Levels: []int{3}}, "levels [3], want [2]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			if tc.fit {
				_, err = FitTableFeaturizer(tc.table)
			} else {
				_, err = f.Transform(tc.table)
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// mixedTable draws rows of two classes: class 1 has numeric column 0 near
// +sep and mostly level 2 in its categorical column, class 0 near −sep and
// levels 0 or 1. With categorical false the table is numeric only; with
// numeric false categorical only.
func mixedTable(seed uint64, perClass []int, sep float64, numeric, categorical bool) LabeledTable {
	rng := rand.New(rand.NewPCG(seed, 7))
	var t LabeledTable
	if numeric {
		t.Table.Numeric = make([][]float64, 2)
	}
	if categorical {
		t.Table.Categorical = make([][]int, 2)
		t.Table.Levels = []int{3, 4}
	}
	for c, n := range perClass {
		for range n {
			if numeric {
				mu := -sep
				if c == 1 {
					mu = sep
				}
				t.Table.Numeric[0] = append(t.Table.Numeric[0], 50+10*(mu+rng.NormFloat64()))
				t.Table.Numeric[1] = append(t.Table.Numeric[1], rng.NormFloat64())
			}
			if categorical {
				lv := rng.IntN(2)
				if c == 1 {
					lv = 2
				}
				t.Table.Categorical[0] = append(t.Table.Categorical[0], lv)
				t.Table.Categorical[1] = append(t.Table.Categorical[1], rng.IntN(4))
			}
			t.Y = append(t.Y, c)
		}
	}
	return t
}

func tabularConfig() TabularConfig {
	return TabularConfig{Utility: UtilityConfig{NumClasses: 2, Minority: []int{1}, Seeds: []int64{1, 2, 3}}}
}

func TestTabularUtilitySeparable(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name                 string
		numeric, categorical bool
		method               string
	}{
		{"numeric", true, false, TableSMOTE},
		{"mixed", true, true, TableSMOTENC},
		{"categorical", false, true, TableSMOTEN},
	} {
		t.Run(tc.name, func(t *testing.T) {
			train := mixedTable(1, []int{200, 20}, 4, tc.numeric, tc.categorical)
			test := mixedTable(2, []int{100, 50}, 4, tc.numeric, tc.categorical)
			synth := mixedTable(3, []int{0, 30}, 4, tc.numeric, tc.categorical)
			res, err := TabularUtility(ctx, train, test, []NamedTable{{Name: "gen", Rows: synth}}, tabularConfig())
			if err != nil {
				t.Fatal(err)
			}
			if res.SMOTE != tc.method {
				t.Errorf("smote method %q, want %q", res.SMOTE, tc.method)
			}
			if res.Counts[1] != 180 || len(res.Counts) != 1 {
				t.Errorf("counts %v, want map[1:180] (balance to the largest class)", res.Counts)
			}
			var names []string
			for _, v := range res.Utility.Variants {
				names = append(names, v.Name)
				if v.MinorityF1.Mean != 1 || v.BalancedAccuracy.Mean != 1 {
					t.Errorf("variant %s: rare F1 %v, balanced accuracy %v, want 1 on separable classes", v.Name, v.MinorityF1, v.BalancedAccuracy)
				}
			}
			if got, want := strings.Join(names, ","), "real,random_oversampling,smote,gen"; got != want {
				t.Errorf("variants %s, want %s", got, want)
			}
			if added := res.Utility.Variants[2].Runs[0].Added; added[1] != 180 || added[0] != 0 {
				t.Errorf("smote added %v, want [0 180]", added)
			}
			if added := res.Utility.Variants[3].Runs[0].Added; added[1] != 30 {
				t.Errorf("gen added %v, want 30 of class 1", added)
			}
		})
	}
}

func TestTabularUtilitySeedsReproduce(t *testing.T) {
	ctx := context.Background()
	// Overlapping classes, so that the seeded variants' rows matter.
	train := mixedTable(4, []int{150, 15}, 0.6, true, true)
	test := mixedTable(5, []int{100, 100}, 0.6, true, true)
	cfg := tabularConfig()
	cfg.Counts = map[int]int{1: 60}
	run := func(seeds ...int64) *TabularResult {
		c := cfg
		c.Utility.Seeds = seeds
		res, err := TabularUtility(ctx, train, test, nil, c)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	a, b := run(1, 2, 3), run(1, 2, 3)
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if string(ja) != string(jb) {
		t.Error("two runs with the same seeds differ")
	}
	// Each seed's SMOTE run is the same whatever the other seeds.
	c := run(3, 9)
	f1 := func(r *TabularResult, seed int64) float64 {
		for _, run := range r.Utility.Variants[2].Runs {
			if run.Seed == seed {
				return run.MinorityF1
			}
		}
		t.Fatalf("no smote run of seed %d", seed)
		return 0
	}
	if f1(a, 3) != f1(c, 3) {
		t.Errorf("seed 3: smote rare F1 %v and %v, want equal", f1(a, 3), f1(c, 3))
	}
	if res := a.Utility.Variants[2]; len(res.Runs) != 3 || res.Runs[0].Added[1] != 60 {
		t.Errorf("smote: %d runs adding %v, want 3 runs of 60 rows of class 1", len(res.Runs), res.Runs[0].Added)
	}
}

func TestTabularUtilityErrors(t *testing.T) {
	ctx := context.Background()
	train := mixedTable(1, []int{30, 5}, 3, true, true)
	test := mixedTable(2, []int{10, 10}, 3, true, true)
	numericOnly := mixedTable(2, []int{10, 10}, 3, true, false)
	badLabels := mixedTable(3, []int{0, 4}, 3, true, true)
	badLabels.Y[0] = 7
	short := mixedTable(3, []int{0, 4}, 3, true, true)
	short.Y = short.Y[:2]
	good := mixedTable(3, []int{0, 4}, 3, true, true)
	for _, tc := range []struct {
		name  string
		test  LabeledTable
		synth []NamedTable
		edit  func(*TabularConfig)
		want  string
	}{
		{"cnn judge", test, nil, func(c *TabularConfig) { c.Utility.Judge = JudgeCNN }, "judge"},
		{"one class", test, nil, func(c *TabularConfig) { c.Utility.NumClasses = 1 }, "1 classes"},
		{"no seeds", test, nil, func(c *TabularConfig) { c.Utility.Seeds = nil }, "no seeds"},
		{"test columns", numericOnly, nil, nil, "categorical columns"},
		{"synthetic labels", test, []NamedTable{{Name: "gen", Rows: badLabels}}, nil, "label 7"},
		{"synthetic label count", test, []NamedTable{{Name: "gen", Rows: short}}, nil, "2 labels for 4 rows"},
		{"duplicate name", test, []NamedTable{{Name: "smote", Rows: good}}, nil, "used twice"},
		{"negative count", test, nil, func(c *TabularConfig) { c.Counts = map[int]int{1: -5} }, "want >= 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tabularConfig()
			if tc.edit != nil {
				tc.edit(&cfg)
			}
			_, err := TabularUtility(ctx, train, tc.test, tc.synth, cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestTabularUtilitySMOTENeedsTwoRows(t *testing.T) {
	train := mixedTable(1, []int{30, 1}, 3, true, true)
	test := mixedTable(2, []int{10, 10}, 3, true, true)
	_, err := TabularUtility(context.Background(), train, test, nil, tabularConfig())
	if err == nil || !strings.Contains(err.Error(), "at least 2") {
		t.Errorf("got error %v, want SMOTE-NC's refusal of a class of one row", err)
	}
}

// A synthetic set made once per seed is a seeded variant: run s adds the
// rows of seed s, and a missing seed is an error.
func TestTabularUtilityBySeed(t *testing.T) {
	ctx := context.Background()
	train := mixedTable(4, []int{150, 15}, 0.6, true, true)
	test := mixedTable(5, []int{100, 100}, 0.6, true, true)
	bySeed := map[int64]LabeledTable{1: mixedTable(6, []int{0, 10}, 0.6, true, true), 2: mixedTable(7, []int{0, 40}, 0.6, true, true)}
	cfg := tabularConfig()
	cfg.Utility.Seeds = []int64{1, 2}
	res, err := TabularUtility(ctx, train, test, []NamedTable{{Name: "gen", BySeed: bySeed}}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	v := res.Utility.Variants[3]
	if v.Name != "gen" || len(v.Runs) != 2 {
		t.Fatalf("variant %s with %d runs, want gen with one run per seed", v.Name, len(v.Runs))
	}
	for _, run := range v.Runs {
		if got, want := run.Added[1], map[int64]int{1: 10, 2: 40}[run.Seed]; got != want {
			t.Errorf("seed %d added %d rare rows, want %d (that seed's rows)", run.Seed, got, want)
		}
	}
	cfg.Utility.Seeds = []int64{1, 3}
	if _, err := TabularUtility(ctx, train, test, []NamedTable{{Name: "gen", BySeed: bySeed}}, cfg); err == nil || !strings.Contains(err.Error(), "no rows of seed 3") {
		t.Errorf("missing seed: err %v, want one naming seed 3", err)
	}
}
