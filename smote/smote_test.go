package smote

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/blas/blas32"

	"github.com/tailsynth/tailsynth/quality/neighbors"
)

func randRows(seed uint64, n, d int) blas32.General {
	rng := rand.New(rand.NewPCG(seed, 1))
	m := blas32.General{Rows: n, Cols: d, Stride: d, Data: make([]float32, n*d)}
	for i := range m.Data {
		m.Data[i] = rng.Float32()
	}
	return m
}

// kNearest returns the k nearest other rows of row i by brute force (float64).
func kNearest(x blas32.General, i, k int) []int {
	var others []int
	for j := range x.Rows {
		if j != i {
			others = append(others, j)
		}
	}
	d := func(j int) float64 { return neighbors.SquaredDistance(neighbors.Row(x, i), neighbors.Row(x, j)) }
	slices.SortStableFunc(others, func(a, b int) int {
		if d(a) < d(b) {
			return -1
		}
		if d(a) > d(b) {
			return 1
		}
		return 0
	})
	return others[:k]
}

func TestGenerateInterpolatesNeighbours(t *testing.T) {
	for _, tc := range []struct {
		name        string
		rows, k     int
		wantK       int
		n, dim      int
		description string
	}{
		{"default k", 40, 0, 5, 300, 6, "k <= 0 means 5"},
		{"k=3", 40, 3, 3, 100, 4, ""},
		{"small class", 4, 5, 3, 50, 3, "4 rows: k lowered to 3"},
		{"two rows", 2, 5, 1, 20, 2, "2 rows: k lowered to 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x := randRows(7, tc.rows, tc.dim)
			s, err := Generate(context.Background(), x, tc.n, tc.k, 42)
			if err != nil {
				t.Fatal(err)
			}
			if s.K != tc.wantK {
				t.Errorf("got K = %d, want %d", s.K, tc.wantK)
			}
			if s.X.Rows != tc.n || len(s.Provenance) != tc.n {
				t.Fatalf("got %d rows and %d provenance records, want %d", s.X.Rows, len(s.Provenance), tc.n)
			}
			for i, p := range s.Provenance {
				if p.Gap < 0 || p.Gap >= 1 {
					t.Fatalf("row %d: gap %v outside [0, 1)", i, p.Gap)
				}
				if !slices.Contains(kNearest(x, p.Base, s.K), p.Neighbor) {
					t.Fatalf("row %d: neighbour %d is not among the %d nearest of base %d", i, p.Neighbor, s.K, p.Base)
				}
				a, b := neighbors.Row(x, p.Base), neighbors.Row(x, p.Neighbor)
				for j, v := range neighbors.Row(s.X, i) {
					want := float64(a[j]) + p.Gap*(float64(b[j])-float64(a[j]))
					// float32 storage: half an ulp of a value < 1.
					if math.Abs(float64(v)-want) > 6e-8 {
						t.Fatalf("row %d column %d: got %v, want %v", i, j, v, want)
					}
					if v < 0 || v > 1 {
						t.Fatalf("row %d column %d: got %v, want a value in [0, 1] like the inputs", i, j, v)
					}
				}
			}
		})
	}
}

func TestGenerateUniformPairs(t *testing.T) {
	// 4 rows, k=3: 12 (base, neighbour) pairs, each drawn with probability
	// 1/12. With 12,000 draws each count has mean 1000 and standard deviation
	// sqrt(12000·(1/12)·(11/12)) ≈ 30.3; the bounds are 5 standard deviations.
	// The gap mean has standard deviation sqrt(1/12/12000) ≈ 0.0026.
	x := randRows(9, 4, 2)
	s, err := Generate(context.Background(), x, 12000, 3, 1)
	if err != nil {
		t.Fatal(err)
	}
	count := map[[2]int]int{}
	var gapSum float64
	for _, p := range s.Provenance {
		count[[2]int{p.Base, p.Neighbor}]++
		gapSum += p.Gap
	}
	if len(count) != 12 {
		t.Errorf("got %d distinct pairs, want 12", len(count))
	}
	for pair, c := range count {
		if c < 1000-152 || c > 1000+152 {
			t.Errorf("pair %v drawn %d times, want 1000 ± 152", pair, c)
		}
	}
	if m := gapSum / 12000; math.Abs(m-0.5) > 0.013 {
		t.Errorf("got mean gap %.4f, want 0.5 ± 0.013", m)
	}
}

func TestGenerateDeterministic(t *testing.T) {
	x := randRows(3, 20, 5)
	a, err := Generate(context.Background(), x, 30, 5, 11)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Generate(context.Background(), x, 30, 5, 11)
	c, _ := Generate(context.Background(), x, 30, 5, 12)
	if !slices.Equal(a.X.Data, b.X.Data) || !slices.Equal(a.Provenance, b.Provenance) {
		t.Error("same seed: got different outputs, want equal")
	}
	if slices.Equal(a.X.Data, c.X.Data) {
		t.Error("seeds 11 and 12: got equal outputs, want different")
	}
}

func TestGenerateErrors(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		x    blas32.General
		n    int
		want string
	}{
		{"one row", randRows(1, 1, 3), 5, "the class has 1 row(s); SMOTE needs at least 2"},
		{"negative n", randRows(1, 5, 3), -1, "n = -1"},
		{"NaN", blas32.General{Rows: 2, Cols: 1, Stride: 1, Data: []float32{0, float32(math.NaN())}}, 1, "is NaN"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Generate(ctx, tc.x, tc.n, 5, 1)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestResample(t *testing.T) {
	x := randRows(5, 30, 3)
	y := make([]int, 30)
	for i := range y {
		y[i] = i % 3 // 10 rows per class
	}
	ctx := context.Background()
	r, err := Resample(ctx, x, y, map[int]int{2: 7, 1: 4, 0: 0}, 5, 99)
	if err != nil {
		t.Fatal(err)
	}
	wantY := []int{1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2}
	if !slices.Equal(r.Y, wantY) {
		t.Errorf("got labels %v, want %v", r.Y, wantY)
	}
	for i, p := range r.Provenance {
		if y[p.Base] != r.Y[i] || y[p.Neighbor] != r.Y[i] {
			t.Errorf("row %d (class %d): sources %d and %d have classes %d and %d", i, r.Y[i], p.Base, p.Neighbor, y[p.Base], y[p.Neighbor])
		}
	}
	// Per-class streams: dropping class 1 leaves class 2's rows unchanged.
	only2, err := Resample(ctx, x, y, map[int]int{2: 7}, 5, 99)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(only2.X.Data, r.X.Data[4*3:]) {
		t.Error("class 2 rows changed when class 1 was dropped from counts")
	}
	for _, tc := range []struct {
		name   string
		y      []int
		counts map[int]int
		want   string
	}{
		{"labels", y[:5], map[int]int{0: 1}, "5 labels for 30 rows"},
		{"missing class", y, map[int]int{7: 1}, "class 7, which has no rows"},
		{"negative", y, map[int]int{0: -2}, "counts[0] = -2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Resample(ctx, x, tc.y, tc.counts, 5, 1)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestRandomOversample(t *testing.T) {
	idx, err := RandomOversample(4, 8000, 3)
	if err != nil {
		t.Fatal(err)
	}
	count := make([]int, 4)
	for _, i := range idx {
		count[i]++
	}
	// Mean 2000, standard deviation sqrt(8000·0.25·0.75) ≈ 38.7; 5 sd bounds.
	for i, c := range count {
		if c < 2000-194 || c > 2000+194 {
			t.Errorf("index %d drawn %d times, want 2000 ± 194", i, c)
		}
	}
	again, _ := RandomOversample(4, 8000, 3)
	if !slices.Equal(idx, again) {
		t.Error("same seed: got different indices")
	}
	y := []int{0, 1, 0, 2, 1, 0}
	rows, err := RandomOversampleClasses(y, map[int]int{1: 5, 2: 2}, 7)
	if err != nil {
		t.Fatal(err)
	}
	var got []int
	for _, r := range rows {
		got = append(got, y[r])
	}
	if want := []int{1, 1, 1, 1, 1, 2, 2}; !slices.Equal(got, want) {
		t.Errorf("got classes %v, want %v", got, want)
	}
	if _, err := RandomOversample(0, 3, 1); err == nil || !strings.Contains(err.Error(), "0 source rows") {
		t.Errorf("got error %v, want one about 0 source rows", err)
	}
	if _, err := RandomOversampleClasses(y, map[int]int{5: 1}, 1); err == nil || !strings.Contains(err.Error(), "class 5") {
		t.Errorf("got error %v, want one naming class 5", err)
	}
}
