package neighbors

import (
	"context"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"

	"gonum.org/v1/gonum/blas/blas32"
)

// randMatrix returns an n×d matrix with entries offset + U[0,1), with every
// fifth row a duplicate of the row before it (ties and zero distances).
func randMatrix(rng *rand.Rand, n, d int, offset float32) blas32.General {
	m := blas32.General{Rows: n, Cols: d, Stride: d, Data: make([]float32, n*d)}
	for i := range n {
		if i%5 == 4 {
			copy(Row(m, i), Row(m, i-1))
			continue
		}
		for j := range d {
			m.Data[i*d+j] = offset + rng.Float32()
		}
	}
	return m
}

// naiveKNN is the float64 reference: all distances, sorted by (distance, index).
func naiveKNN(q, ref blas32.General, k int, self func(int) int) ([][]int, [][]float64) {
	idx := make([][]int, q.Rows)
	dist := make([][]float64, q.Rows)
	for i := range q.Rows {
		type pair struct {
			j int
			d float64
		}
		var all []pair
		for j := range ref.Rows {
			if self != nil && self(i) == j {
				continue
			}
			all = append(all, pair{j, SquaredDistance(Row(q, i), Row(ref, j))})
		}
		sort.Slice(all, func(a, b int) bool {
			if all[a].d != all[b].d {
				return all[a].d < all[b].d
			}
			return all[a].j < all[b].j
		})
		for _, p := range all[:k] {
			idx[i] = append(idx[i], p.j)
			dist[i] = append(dist[i], math.Sqrt(p.d))
		}
	}
	return idx, dist
}

func TestSearchMatchesNaive(t *testing.T) {
	for _, tc := range []struct {
		name           string
		nq, nr, d, k   int
		offset         float32
		blockQ, blockR int
	}{
		{"one block", 9, 13, 4, 3, 0, 0, 0},
		{"uneven blocks", 23, 41, 6, 5, 0, 7, 5},
		{"k equals n", 5, 6, 3, 6, 0, 2, 4},
		{"large norms", 17, 29, 8, 4, 100, 4, 8},
		{"many rows parallel", 300, 400, 16, 3, 0, 128, 256},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, 2))
			ref := randMatrix(rng, tc.nr, tc.d, tc.offset)
			q := randMatrix(rng, tc.nq, tc.d, tc.offset)
			ix, err := NewIndex(ref)
			if err != nil {
				t.Fatal(err)
			}
			ix.BlockQueries, ix.BlockRefs = tc.blockQ, tc.blockR
			got, err := ix.Search(context.Background(), q, tc.k)
			if err != nil {
				t.Fatal(err)
			}
			wantIdx, wantDist := naiveKNN(q, ref, tc.k, nil)
			compareNeighbors(t, got, wantIdx, wantDist)
		})
	}
}

// compareNeighbors requires equal distances (1e-12 relative: both are float64
// sums of the same terms) and equal indices except where the distances tie.
func compareNeighbors(t *testing.T, got Neighbors, wantIdx [][]int, wantDist [][]float64) {
	t.Helper()
	if got.Len() != len(wantIdx) {
		t.Fatalf("got %d queries, want %d", got.Len(), len(wantIdx))
	}
	for i := range wantIdx {
		gi, gd := got.Row(i)
		for j := range gi {
			if math.Abs(gd[j]-wantDist[i][j]) > 1e-12*(1+wantDist[i][j]) {
				t.Fatalf("query %d neighbour %d: got distance %v, want %v", i, j, gd[j], wantDist[i][j])
			}
			if gi[j] != wantIdx[i][j] && gd[j] != wantDist[i][j] {
				t.Fatalf("query %d neighbour %d: got index %d, want %d", i, j, gi[j], wantIdx[i][j])
			}
		}
	}
}

func TestSearchSelf(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	ref := randMatrix(rng, 37, 5, 0)
	ix, err := NewIndex(ref)
	if err != nil {
		t.Fatal(err)
	}
	ix.BlockQueries, ix.BlockRefs = 8, 16
	t.Run("all rows", func(t *testing.T) {
		got, err := ix.SearchSelf(context.Background(), nil, 3)
		if err != nil {
			t.Fatal(err)
		}
		wantIdx, wantDist := naiveKNN(ref, ref, 3, func(i int) int { return i })
		compareNeighbors(t, got, wantIdx, wantDist)
		// Row 4 duplicates row 3: its nearest other row is at distance 0.
		if _, d := got.Row(4); d[0] != 0 {
			t.Errorf("duplicate row 4: got nearest distance %v, want 0", d[0])
		}
	})
	t.Run("subset", func(t *testing.T) {
		rows := []int{30, 2, 4}
		got, err := ix.SearchSelf(context.Background(), rows, 2)
		if err != nil {
			t.Fatal(err)
		}
		q := blas32.General{Rows: len(rows), Cols: 5, Stride: 5, Data: make([]float32, 15)}
		for i, r := range rows {
			copy(Row(q, i), Row(ref, r))
		}
		wantIdx, wantDist := naiveKNN(q, ref, 2, func(i int) int { return rows[i] })
		compareNeighbors(t, got, wantIdx, wantDist)
	})
}

func TestWithinAnyMatchesNaive(t *testing.T) {
	for _, offset := range []float32{0, 1000} {
		rng := rand.New(rand.NewPCG(5, 6))
		ref := randMatrix(rng, 53, 7, offset)
		q := randMatrix(rng, 61, 7, offset)
		radii := make([]float64, ref.Rows)
		for j := range radii {
			radii[j] = 0.3 + 0.6*rng.Float64()
		}
		// Radius exactly equal to a query distance: the ball is closed.
		radii[10] = math.Sqrt(SquaredDistance(Row(q, 0), Row(ref, 10)))
		ix, err := NewIndex(ref)
		if err != nil {
			t.Fatal(err)
		}
		ix.BlockQueries, ix.BlockRefs = 8, 16
		got, err := ix.WithinAny(context.Background(), q, radii)
		if err != nil {
			t.Fatal(err)
		}
		nIn := 0
		for i := range q.Rows {
			want := false
			for j := range ref.Rows {
				if SquaredDistance(Row(q, i), Row(ref, j)) <= radii[j]*radii[j] {
					want = true
				}
			}
			if got[i] != want {
				t.Errorf("offset %v, query %d: got inside %v, want %v", offset, i, got[i], want)
			}
			if want {
				nIn++
			}
		}
		if !got[0] {
			t.Errorf("offset %v: query on the boundary of ball 10: got outside, want inside", offset)
		}
		if nIn == 0 || nIn == q.Rows {
			t.Fatalf("offset %v: %d of %d queries inside; the test data does not exercise both outcomes", offset, nIn, q.Rows)
		}
	}
}

func TestErrors(t *testing.T) {
	good := blas32.General{Rows: 2, Cols: 2, Stride: 2, Data: []float32{0, 1, 2, 3}}
	ix, err := NewIndex(good)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		run  func() error
		want string
	}{
		{"empty", func() error { _, err := NewIndex(blas32.General{}); return err }, "want at least 1 x 1"},
		{"short data", func() error {
			_, err := NewIndex(blas32.General{Rows: 2, Cols: 2, Stride: 2, Data: []float32{1, 2, 3}})
			return err
		}, "want at least 4"},
		{"NaN", func() error {
			_, err := NewIndex(blas32.General{Rows: 1, Cols: 2, Stride: 2, Data: []float32{1, float32(math.NaN())}})
			return err
		}, "row 0, column 1 is NaN"},
		{"dimension", func() error {
			_, err := ix.Search(ctx, blas32.General{Rows: 1, Cols: 3, Stride: 3, Data: []float32{1, 2, 3}}, 1)
			return err
		}, "want 2"},
		{"k too large", func() error { _, err := ix.Search(ctx, good, 3); return err }, "k = 3"},
		{"self k too large", func() error { _, err := ix.SearchSelf(ctx, nil, 2); return err }, "minus one"},
		{"bad row", func() error { _, err := ix.SearchSelf(ctx, []int{2}, 1); return err }, "rows[0] = 2"},
		{"radii count", func() error { _, err := ix.WithinAny(ctx, good, []float64{1}); return err }, "got 1 radii"},
		{"negative radius", func() error { _, err := ix.WithinAny(ctx, good, []float64{1, -1}); return err }, "radii[1] = -1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.run()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	m := randMatrix(rand.New(rand.NewPCG(1, 1)), 10, 3, 0)
	ix, err := NewIndex(m)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ix.Search(ctx, m, 1); err != context.Canceled {
		t.Errorf("got error %v, want context.Canceled", err)
	}
}
