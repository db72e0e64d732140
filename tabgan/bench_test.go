package tabgan

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/tailsynth/tailsynth/smote"
)

// benchTable is 2000 rows of 6 numeric (bimodal) and 4 categorical (5
// levels) columns, 2 classes.
func benchTable() (smote.Table, []int) {
	rng := rand.New(rand.NewPCG(1, 2))
	n := 2000
	t := smote.Table{Levels: []int{5, 5, 5, 5}}
	for range 6 {
		t.Numeric = append(t.Numeric, bimodal(n, rng))
	}
	for range 4 {
		col := make([]int, n)
		for i := range col {
			col[i] = rng.IntN(5)
		}
		t.Categorical = append(t.Categorical, col)
	}
	y := make([]int, n)
	for i := range y {
		y[i] = i % 2
	}
	return t, y
}

// BenchmarkStep times one CTGAN step (a critic and a generator update) at
// CTGAN's default sizes: batch 500, pac 10, widths (256, 256), noise 128.
func BenchmarkStep(b *testing.B) {
	t, y := benchTable()
	tn, err := NewTrainer(t, y, 2, DefaultConfig())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		tn.criticStep()
		tn.genStep()
	}
}

// BenchmarkSample times sampling 1000 rows at the default sizes.
func BenchmarkSample(b *testing.B) {
	t, y := benchTable()
	tn, err := NewTrainer(t, y, 2, DefaultConfig())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tn.m.Sample(context.Background(), 1, 1000, 1); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFitTransformer times the mixtures of the bench table.
func BenchmarkFitTransformer(b *testing.B) {
	t, _ := benchTable()
	for b.Loop() {
		if _, err := FitTransformer(t); err != nil {
			b.Fatal(err)
		}
	}
}
