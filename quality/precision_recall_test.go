package quality

import (
	"context"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestKNNPrecisionRecall(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	cloud := gaussianRows(rng, 150, []float64{0, 0, 0, 0}, []float64{1, 1, 1, 1})
	far := gaussianRows(rng, 120, []float64{100, 100, 100, 100}, []float64{1, 1, 1, 1})
	for _, tc := range []struct {
		name                         string
		real, fake                   [][]float32
		k                            int
		wantPrecision, wantRecall    float64
		useCloud, useFar, sameAsReal bool
	}{
		{name: "identical sets", useCloud: true, sameAsReal: true, wantPrecision: 1, wantRecall: 1},
		{name: "disjoint far apart", useCloud: true, useFar: true, wantPrecision: 0, wantRecall: 0},
		{
			// k=1: every real radius is 1, so 0.5 and 1.5 are inside and
			// 10 is not: precision 2/3. Fake radii are 1, 1 and 8.5 (the
			// outlier's ball is huge), so every real point is covered,
			// 3 by the outlier: recall 1 — the outlier sensitivity the
			// paper discusses.
			name:          "hand computed 1-D",
			real:          [][]float32{{0}, {1}, {2}, {3}},
			fake:          [][]float32{{0.5}, {1.5}, {10}},
			k:             1,
			wantPrecision: 2.0 / 3,
			wantRecall:    1,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			real, fake := cloud, cloud
			if !tc.useCloud {
				real, fake = matrix(tc.real), matrix(tc.fake)
			}
			if tc.useFar {
				fake = far
			}
			got, err := KNNPrecisionRecall(context.Background(), real, fake, tc.k)
			if err != nil {
				t.Fatal(err)
			}
			if !near(got.Precision, tc.wantPrecision, 1e-15) || !near(got.Recall, tc.wantRecall, 1e-15) {
				t.Errorf("got precision %v, recall %v, want %v, %v", got.Precision, got.Recall, tc.wantPrecision, tc.wantRecall)
			}
			wantK := tc.k
			if wantK == 0 {
				wantK = DefaultPRK
			}
			if got.K != wantK || got.NReal != real.Rows || got.NFake != fake.Rows {
				t.Errorf("got k=%d, n_real=%d, n_fake=%d, want %d, %d, %d", got.K, got.NReal, got.NFake, wantK, real.Rows, fake.Rows)
			}
		})
	}
}

func TestKNNPrecisionRecallModeCollapse(t *testing.T) {
	// Fakes drawn from a quarter of the real distribution's spread: high
	// precision (they are realistic) and low recall (they cover little).
	rng := rand.New(rand.NewPCG(9, 10))
	real := gaussianRows(rng, 400, []float64{0, 0}, []float64{1, 1})
	fake := gaussianRows(rng, 400, []float64{0, 0}, []float64{0.25, 0.25})
	got, err := KNNPrecisionRecall(context.Background(), real, fake, 3)
	if err != nil {
		t.Fatal(err)
	}
	if got.Precision < 0.9 || got.Recall > 0.5 {
		t.Errorf("got precision %.3f, recall %.3f, want precision >= 0.9 and recall <= 0.5", got.Precision, got.Recall)
	}
}

func TestKNNPrecisionRecallErrors(t *testing.T) {
	a := matrix([][]float32{{0}, {1}, {2}, {3}})
	for _, tc := range []struct {
		name       string
		fake       [][]float32
		k          int
		wantSubstr string
	}{
		{"too few fake", [][]float32{{0}, {1}, {2}}, 3, "3 fake rows, want more than k = 3"},
		{"columns", [][]float32{{0, 1}, {1, 1}, {2, 1}, {3, 1}}, 1, "real features have 1 columns and fake 2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := KNNPrecisionRecall(context.Background(), a, matrix(tc.fake), tc.k)
			if err == nil || !strings.Contains(err.Error(), tc.wantSubstr) {
				t.Errorf("got error %v, want one containing %q", err, tc.wantSubstr)
			}
		})
	}
}
