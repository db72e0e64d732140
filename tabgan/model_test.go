package tabgan

import (
	"bytes"
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tailsynth/tailsynth/smote"
)

func fitTiny(t *testing.T, cfg Config) (*Model, smote.Table, []int) {
	t.Helper()
	tab, y := toyTable(80, rand.New(rand.NewPCG(2, 2)))
	m, err := Fit(context.Background(), tab, y, 2, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return m, tab, y
}

func TestSampleExactClassAndCount(t *testing.T) {
	m, tab, _ := fitTiny(t, tinyConfig())
	for _, tc := range []struct{ class, n int }{{0, 0}, {0, 1}, {1, 7}, {1, 300}} {
		got, err := m.Sample(context.Background(), tc.class, tc.n, 3)
		if err != nil {
			t.Fatal(err)
		}
		if err := got.Check(); err != nil {
			t.Fatalf("class %d, n %d: malformed table: %v", tc.class, tc.n, err)
		}
		if got.Rows() != tc.n || len(got.Numeric) != 2 || len(got.Categorical) != 2 || !reflect.DeepEqual(got.Levels, tab.Levels) {
			t.Fatalf("class %d: got %d rows, %d numeric, %d categorical, levels %v; want %d, 2, 2, %v",
				tc.class, got.Rows(), len(got.Numeric), len(got.Categorical), got.Levels, tc.n, tab.Levels)
		}
		for j, col := range got.Numeric {
			lo, hi := tab.Numeric[j][0], tab.Numeric[j][0]
			for _, v := range tab.Numeric[j] {
				lo, hi = min(lo, v), max(hi, v)
			}
			for i, v := range col {
				if v < lo || v > hi || math.IsNaN(v) {
					t.Fatalf("numeric column %d row %d = %v, outside the training range [%v, %v]", j, i, v, lo, hi)
				}
			}
		}
	}
	for _, bad := range []struct{ class, n int }{{-1, 1}, {2, 1}, {0, -1}} {
		if _, err := m.Sample(context.Background(), bad.class, bad.n, 1); err == nil {
			t.Errorf("Sample(class %d, n %d) gave no error", bad.class, bad.n)
		}
	}
}

// TestColumnKinds fits tables with only numeric and only categorical
// columns (no conditional vector in the first).
func TestColumnKinds(t *testing.T) {
	tab, y := toyTable(40, rand.New(rand.NewPCG(3, 3)))
	for _, tc := range []struct {
		name string
		t    smote.Table
	}{
		{"numeric only", smote.Table{Numeric: tab.Numeric}},
		{"categorical only", smote.Table{Categorical: tab.Categorical, Levels: tab.Levels}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Fit(context.Background(), tc.t, y, 2, tinyConfig())
			if err != nil {
				t.Fatal(err)
			}
			got, err := m.Sample(context.Background(), 1, 9, 1)
			if err != nil {
				t.Fatal(err)
			}
			if err := got.Check(); err != nil || got.Rows() != 9 || len(got.Numeric) != len(tc.t.Numeric) || len(got.Categorical) != len(tc.t.Categorical) {
				t.Fatalf("got %d rows, %d numeric, %d categorical (check: %v); want 9, %d, %d",
					got.Rows(), len(got.Numeric), len(got.Categorical), err, len(tc.t.Numeric), len(tc.t.Categorical))
			}
		})
	}
}

func TestSampleUnseenClass(t *testing.T) {
	tab, y := toyTable(40, rand.New(rand.NewPCG(4, 4)))
	m, err := Fit(context.Background(), tab, y, 3, tinyConfig()) // class 2 has no rows
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Sample(context.Background(), 2, 5, 1); err == nil || !strings.Contains(err.Error(), "no training rows") {
		t.Errorf("got %v, want an error saying class 2 had no training rows", err)
	}
}

func TestDeterminism(t *testing.T) {
	cfg := tinyConfig()
	a, _, _ := fitTiny(t, cfg)
	b, _, _ := fitTiny(t, cfg)
	if !reflect.DeepEqual(a.genP, b.genP) {
		t.Fatal("same seed gave different generator weights")
	}
	sa, _ := a.Sample(context.Background(), 1, 50, 9)
	sb, _ := b.Sample(context.Background(), 1, 50, 9)
	if !reflect.DeepEqual(sa, sb) {
		t.Fatal("same model and seed gave different samples")
	}
	sc, _ := a.Sample(context.Background(), 1, 50, 10)
	if reflect.DeepEqual(sa, sc) {
		t.Error("different sample seeds gave the same samples")
	}
	cfg.Seed++
	c, _, _ := fitTiny(t, cfg)
	if reflect.DeepEqual(a.genP, c.genP) {
		t.Error("different seeds gave the same weights")
	}
}

func TestSaveLoad(t *testing.T) {
	m, _, _ := fitTiny(t, tinyConfig())
	var buf bytes.Buffer
	if err := m.Save(&buf); err != nil {
		t.Fatal(err)
	}
	raw := buf.String()
	got, err := Load(strings.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	want, _ := m.Sample(context.Background(), 0, 40, 5)
	have, _ := got.Sample(context.Background(), 0, 40, 5)
	if !reflect.DeepEqual(want, have) {
		t.Fatal("loaded model samples differently")
	}
	for _, bad := range []struct{ name, from, to string }{
		{"version", `"version":1`, `"version":2`},
		{"format", `"tailsynth/tabgan-model"`, `"other"`},
		{"weights", `"generator":[`, `"generator":[1,`},
	} {
		if _, err := Load(strings.NewReader(strings.Replace(raw, bad.from, bad.to, 1))); err == nil {
			t.Errorf("%s: Load accepted a changed file", bad.name)
		}
	}
}

// TestResume checks that N steps, a checkpoint and M more steps give the
// same weights as N+M steps straight.
func TestResume(t *testing.T) {
	tab, y := toyTable(60, rand.New(rand.NewPCG(5, 5)))
	cfg := tinyConfig()
	straight, err := NewTrainer(tab, y, 2, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := straight.Train(context.Background(), 6); err != nil {
		t.Fatal(err)
	}
	first, _ := NewTrainer(tab, y, 2, cfg)
	if err := first.Train(context.Background(), 3); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := first.Save(&buf); err != nil {
		t.Fatal(err)
	}
	resumed, err := LoadTrainer(&buf, tab, y)
	if err != nil {
		t.Fatal(err)
	}
	if err := resumed.Train(context.Background(), 6); err != nil {
		t.Fatal(err)
	}
	if resumed.Step() != 6 || !reflect.DeepEqual(straight.m.genP, resumed.m.genP) || !reflect.DeepEqual(straight.critP, resumed.critP) {
		t.Fatalf("resumed at step %d differs from straight training", resumed.Step())
	}
	if _, err := LoadTrainer(bytes.NewReader(nil), tab, y); err == nil {
		t.Error("LoadTrainer accepted an empty file")
	}
}

func TestCancel(t *testing.T) {
	tab, y := toyTable(40, rand.New(rand.NewPCG(6, 6)))
	ctx, cancel := context.WithCancel(context.Background())
	cfg := tinyConfig()
	cfg.Steps = 1500
	steps := 0
	cfg.Progress = func(s Stats) error {
		if steps = s.Step; s.Step == 2 {
			cancel()
		}
		return nil
	}
	if _, err := Fit(ctx, tab, y, 2, cfg); !errors.Is(err, context.Canceled) || steps != 2 {
		t.Fatalf("got %v after %d steps, want context.Canceled after 2", err, steps)
	}
	m, _, _ := fitTiny(t, tinyConfig())
	if _, err := m.Sample(ctx, 0, 10, 1); !errors.Is(err, context.Canceled) {
		t.Errorf("Sample on a canceled context: got %v, want context.Canceled", err)
	}
	cfg.Progress = nil
	cfg.TimeBudget = time.Nanosecond
	if _, err := Fit(context.Background(), tab, y, 2, cfg); err != nil {
		t.Errorf("a spent time budget should end training without error, got %v", err)
	}
}

func TestConfigErrors(t *testing.T) {
	tab, y := toyTable(20, rand.New(rand.NewPCG(8, 8)))
	for _, tc := range []struct {
		name string
		edit func(*Config)
		want string
	}{
		{"batch not a multiple of pac", func(c *Config) { c.Batch = 21 }, "multiple of Pac"},
		{"no length", func(c *Config) { c.Steps, c.Epochs = 0, 0 }, "set Epochs or Steps"},
		{"tau", func(c *Config) { c.Tau = 0 }, "Tau"},
	} {
		cfg := tinyConfig()
		tc.edit(&cfg)
		if _, err := Fit(context.Background(), tab, y, 2, cfg); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error containing %q", tc.name, err, tc.want)
		}
	}
	if _, err := Fit(context.Background(), tab, y[:5], 2, tinyConfig()); err == nil {
		t.Error("Fit accepted 5 labels for 20 rows")
	}
	y[0] = 2
	if _, err := Fit(context.Background(), tab, y, 2, tinyConfig()); err == nil {
		t.Error("Fit accepted label 2 with 2 classes")
	}
}

// TestConditioning trains briefly (1500 steps of a tiny network) on a table
// whose first column is about -3 in class 0 and +3 in class 1, and whose
// first categorical column is never 2 in class 0 and never 0 in class 1,
// and checks that the class input steers the samples. Seeds 7, 8, 11 and 12
// gave class means within 0.7 of ±3.
func TestConditioning(t *testing.T) {
	tab, y := toyTable(200, rand.New(rand.NewPCG(9, 9)))
	cfg := tinyConfig()
	cfg.GenHidden, cfg.CriticHidden = []int{32, 32}, []int{32, 32}
	cfg.Batch, cfg.Pac = 50, 5
	cfg.Steps = 1500
	cfg.LR = 1e-3
	m, err := Fit(context.Background(), tab, y, 2, cfg)
	if err != nil {
		t.Fatal(err)
	}
	// stats returns the mean of the first column and the share of the
	// level that class c never has in the first categorical column.
	stats := func(c int) (mean, foreign float64) {
		s, err := m.Sample(context.Background(), c, 400, 1)
		if err != nil {
			t.Fatal(err)
		}
		for i, v := range s.Numeric[0] {
			mean += v / 400
			if s.Categorical[0][i] == 2*(1-c) {
				foreign += 1.0 / 400
			}
		}
		return mean, foreign
	}
	m0, f0 := stats(0)
	m1, f1 := stats(1)
	t.Logf("class 0 mean %.3f (real -3), class 1 mean %.3f (real +3); share of the other class's level %.3f and %.3f (real 0)", m0, m1, f0, f1)
	if math.Abs(m1-3) > 1 || math.Abs(m0+3) > 1 {
		t.Errorf("class means %.3f and %.3f, want within 1 of -3 and +3", m0, m1)
	}
	if f0 > 0.25 || f1 > 0.25 {
		t.Errorf("class 0 has level 2 in %.3f of its rows, class 1 level 0 in %.3f; want at most 0.25 (real: never)", f0, f1)
	}
}
