package quality

import (
	"context"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

func TestCheckMemorization(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	mean, sd := make([]float64, 16), make([]float64, 16)
	for j := range sd {
		sd[j] = 1
	}
	train := gaussianRows(rng, 300, mean, sd)
	fresh := gaussianRows(rng, 40, mean, sd)
	// Synthetic rows 0-4: exact copies of training rows 10..14; rows 5-9:
	// copies of rows 20..24 with noise of 1e-3 per coordinate (distance
	// ~0.004, against a typical training gap of ~4); rows 10-49: fresh
	// samples of the same distribution.
	synth := newMatrix(50, 16)
	for i := range 5 {
		copy(synth.Data[i*16:(i+1)*16], train.Data[(10+i)*16:(11+i)*16])
		for j := range 16 {
			synth.Data[(5+i)*16+j] = train.Data[(20+i)*16+j] + float32(1e-3*rng.NormFloat64())
		}
	}
	copy(synth.Data[10*16:], fresh.Data)

	got, err := CheckMemorization(context.Background(), train, synth, MemorizationConfig{ReferenceQueries: 100, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if want := []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}; !slices.Equal(got.Flagged, want) {
		t.Errorf("got flagged %v, want %v", got.Flagged, want)
	}
	for i := range 5 {
		if got.Ratio[i] != 0 || got.NearestTrain[i] != 10+i {
			t.Errorf("exact copy %d: got ratio %v and nearest %d, want 0 and %d", i, got.Ratio[i], got.NearestTrain[i], 10+i)
		}
		if got.NearestTrain[5+i] != 20+i {
			t.Errorf("noisy copy %d: got nearest %d, want %d", 5+i, got.NearestTrain[5+i], 20+i)
		}
	}
	// Fresh samples sit at about the typical training gap.
	for i := 10; i < 50; i++ {
		if got.Ratio[i] < 0.5 {
			t.Errorf("fresh sample %d: got ratio %.3f, want >= 0.5", i, got.Ratio[i])
		}
	}
	if got.FlaggedShare != 0.2 || got.NFlagged != 10 || got.ReferenceQueries != 100 || got.Threshold != DefaultMemorizationThreshold {
		t.Errorf("got share %v, n %d, reference %d, threshold %v, want 0.2, 10, 100, %v", got.FlaggedShare, got.NFlagged, got.ReferenceQueries, got.Threshold, DefaultMemorizationThreshold)
	}
}

func TestCheckMemorizationErrors(t *testing.T) {
	for _, tc := range []struct {
		name         string
		train, synth [][]float32
		cfg          MemorizationConfig
		want         string
	}{
		{"duplicates", [][]float32{{0, 0}, {0, 0}, {1, 1}, {1, 1}, {5, 5}}, [][]float32{{0, 0}}, MemorizationConfig{}, "deduplicate"},
		{"one training row", [][]float32{{0, 0}}, [][]float32{{0, 0}}, MemorizationConfig{}, "1 training row"},
		{"threshold", [][]float32{{0, 0}, {1, 1}}, [][]float32{{0, 0}}, MemorizationConfig{Threshold: -1}, "threshold -1"},
		{"columns", [][]float32{{0, 0}, {1, 1}}, [][]float32{{0}}, MemorizationConfig{}, "2 columns and synthetic 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := CheckMemorization(context.Background(), matrix(tc.train), matrix(tc.synth), tc.cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got error %v, want one containing %q", err, tc.want)
			}
		})
	}
}
