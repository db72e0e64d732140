package smote

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// mixedTable returns a random table of n rows with numeric columns and
// categorical columns of the given levels, and labels cycling over classes.
// Class c uses only the codes [c, levels) of each categorical column, so a
// code from another class is detectable.
func mixedTable(seed uint64, n, numeric int, levels []int, classes int) (Table, []int) {
	rng := rand.New(rand.NewPCG(seed, 2))
	t := Table{Levels: levels}
	y := make([]int, n)
	for i := range y {
		y[i] = i % classes
	}
	for range numeric {
		col := make([]float64, n)
		for i := range col {
			col[i] = rng.NormFloat64() + float64(y[i])
		}
		t.Numeric = append(t.Numeric, col)
	}
	for _, l := range levels {
		col := make([]int, n)
		for i := range col {
			lo := min(y[i], l-1)
			col[i] = lo + rng.IntN(l-lo)
		}
		t.Categorical = append(t.Categorical, col)
	}
	return t, y
}

type resampler func(context.Context, Table, []int, map[int]int, int, int64) (TableResampled, error)

func TestResampleTableRows(t *testing.T) {
	for _, tc := range []struct {
		name    string
		run     resampler
		numeric int
		k       int
		wantK   map[int]int
	}{
		{"SMOTE-NC", ResampleNC, 3, 0, map[int]int{1: 5, 2: 5}},
		{"SMOTE-NC k larger than the class", ResampleNC, 2, 50, map[int]int{1: 19, 2: 19}},
		{"SMOTE-N", ResampleN, 0, 3, map[int]int{1: 3, 2: 3}},
		{"SMOTE-N k larger than the class", ResampleN, 0, 50, map[int]int{1: 19, 2: 19}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tab, y := mixedTable(1, 60, tc.numeric, []int{3, 5, 4}, 3) // 20 rows per class
			r, err := tc.run(context.Background(), tab, y, map[int]int{1: 40, 2: 25}, tc.k, 7)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(r.K, tc.wantK) {
				t.Errorf("got K = %v, want %v", r.K, tc.wantK)
			}
			if r.Table.Rows() != 65 || len(r.Y) != 65 || len(r.Provenance) != 65 {
				t.Fatalf("got %d rows, %d labels, %d provenance records, want 65", r.Table.Rows(), len(r.Y), len(r.Provenance))
			}
			if err := r.Table.Check(); err != nil {
				t.Errorf("output table: %v", err)
			}
			if !slices.Equal(r.Table.Levels, tab.Levels) {
				t.Errorf("got Levels %v, want %v", r.Table.Levels, tab.Levels)
			}
			byClass := rowsByClass(y)
			for i, p := range r.Provenance {
				c := r.Y[i]
				if y[p.Base] != c || (p.Neighbor >= 0 && y[p.Neighbor] != c) {
					t.Fatalf("row %d of class %d: base %d and neighbour %d have classes %d, %d", i, c, p.Base, p.Neighbor, y[p.Base], y[max(p.Neighbor, 0)])
				}
				wantVoters := r.K[c]
				if tc.numeric == 0 {
					wantVoters++ // SMOTE-N: the base votes too
				}
				if len(p.Voters) != wantVoters {
					t.Fatalf("row %d: got %d voters, want %d", i, len(p.Voters), wantVoters)
				}
				for _, v := range p.Voters {
					if y[v] != c {
						t.Fatalf("row %d of class %d: voter %d has class %d", i, c, v, y[v])
					}
				}
				if tc.numeric > 0 && !slices.Contains(p.Voters, p.Neighbor) {
					t.Fatalf("row %d: neighbour %d is not among voters %v", i, p.Neighbor, p.Voters)
				}
				for j, col := range r.Table.Numeric {
					a, b := tab.Numeric[j][p.Base], tab.Numeric[j][p.Neighbor]
					if want := a + p.Gap*(b-a); col[i] != want {
						t.Fatalf("row %d numeric %d: got %v, want %v", i, j, col[i], want)
					}
					lo, hi := math.Inf(1), math.Inf(-1)
					for _, s := range byClass[c] {
						lo, hi = min(lo, tab.Numeric[j][s]), max(hi, tab.Numeric[j][s])
					}
					if col[i] < lo || col[i] > hi {
						t.Fatalf("row %d numeric %d: got %v outside the class range [%v, %v]", i, j, col[i], lo, hi)
					}
				}
				for j, col := range r.Table.Categorical {
					code := col[i]
					votes := 0
					for _, v := range p.Voters {
						if tab.Categorical[j][v] == code {
							votes++
						}
					}
					if votes == 0 || votes != p.Votes[j] {
						t.Fatalf("row %d column %d: code %d held by %d voters, provenance says %d", i, j, code, votes, p.Votes[j])
					}
					if code < min(c, tab.Levels[j]-1) {
						t.Fatalf("row %d column %d: code %d is never seen in class %d", i, j, code, c)
					}
					for _, other := range p.Voters {
						n := 0
						for _, v := range p.Voters {
							if tab.Categorical[j][v] == tab.Categorical[j][other] {
								n++
							}
						}
						if n > votes {
							t.Fatalf("row %d column %d: code %d has %d votes, code %d has more (%d)", i, j, code, votes, tab.Categorical[j][other], n)
						}
					}
				}
			}
		})
	}
}

func TestResampleTableNeighbours(t *testing.T) {
	// SMOTE-NC voters are the k nearest under ncDistance, checked by brute
	// force against a one-hot encoding scaled by MedianStd/2.
	tab, y := mixedTable(3, 45, 2, []int{4, 3}, 3)
	r, err := ResampleNC(context.Background(), tab, y, map[int]int{0: 30}, 4, 5)
	if err != nil {
		t.Fatal(err)
	}
	rows := rowsByClass(y)[0]
	enc := func(i int) []float64 {
		var v []float64
		for _, col := range tab.Numeric {
			v = append(v, col[i])
		}
		for j, col := range tab.Categorical {
			for l := range tab.Levels[j] {
				if col[i] == l {
					v = append(v, r.MedianStd/2)
				} else {
					v = append(v, 0)
				}
			}
		}
		return v
	}
	for i, p := range r.Provenance {
		var d []float64
		for _, s := range rows {
			if s == p.Base {
				continue
			}
			var e float64
			a, b := enc(p.Base), enc(s)
			for q := range a {
				e += (a[q] - b[q]) * (a[q] - b[q])
			}
			d = append(d, e)
		}
		slices.Sort(d)
		var got []float64
		for _, v := range p.Voters {
			a, b := enc(p.Base), enc(v)
			var e float64
			for q := range a {
				e += (a[q] - b[q]) * (a[q] - b[q])
			}
			got = append(got, e)
		}
		for q := range got {
			if math.Abs(got[q]-d[q]) > 1e-12 {
				t.Fatalf("row %d: voter distances %v, want the %d smallest %v", i, got, len(got), d[:len(got)])
			}
		}
	}
}

func TestResampleTableZeroMedianStd(t *testing.T) {
	// The minority class (1) has constant numerics: MedianStd is 0 and the
	// categorical columns no longer count in the distance, as in
	// imbalanced-learn; the vote still counts codes.
	tab := Table{
		Numeric:     [][]float64{{0, 1, 2, 3, 10, 5, 5}},
		Categorical: [][]int{{0, 1, 1, 1, 0, 2, 2}},
		Levels:      []int{3},
	}
	y := []int{0, 0, 0, 0, 0, 1, 1}
	r, err := ResampleNC(context.Background(), tab, y, map[int]int{0: 50}, 2, 1)
	if err != nil {
		t.Fatal(err)
	}
	if r.MedianStd != 0 {
		t.Errorf("got MedianStd %v, want 0", r.MedianStd)
	}
	want := map[int][]int{0: {1, 2}, 1: {0, 2}, 2: {1, 3}, 3: {2, 1}, 4: {3, 2}}
	for i, p := range r.Provenance {
		if !slices.Equal(p.Voters, want[p.Base]) {
			t.Errorf("row %d: base %d has voters %v, want %v (numeric distance only)", i, p.Base, p.Voters, want[p.Base])
		}
	}
}

func TestResampleTableDeterministic(t *testing.T) {
	for name, run := range map[string]resampler{"SMOTE-NC": ResampleNC, "SMOTE-N": ResampleN} {
		t.Run(name, func(t *testing.T) {
			numeric := 2
			if name == "SMOTE-N" {
				numeric = 0
			}
			tab, y := mixedTable(4, 60, numeric, []int{3, 3, 2}, 3)
			ctx := context.Background()
			counts := map[int]int{1: 30, 2: 20}
			a, err := run(ctx, tab, y, counts, 5, 11)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := run(ctx, tab, y, counts, 5, 11)
			c, _ := run(ctx, tab, y, counts, 5, 12)
			if !reflect.DeepEqual(a, b) {
				t.Error("same seed: got different outputs, want equal")
			}
			if reflect.DeepEqual(a.Provenance, c.Provenance) {
				t.Error("seeds 11 and 12: got equal provenance, want different")
			}
			// Per-class streams: dropping class 1 leaves class 2's rows unchanged.
			only2, err := run(ctx, tab, y, map[int]int{2: 20}, 5, 11)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(only2.Provenance, a.Provenance[30:]) {
				t.Error("class 2 rows changed when class 1 was dropped from counts")
			}
		})
	}
}

func TestResampleTableTiesRandom(t *testing.T) {
	// Base rows of class 0 have 2 neighbours (k = 2) holding codes 0 and 1:
	// every SMOTE-NC vote ties and both codes must turn up; SMOTE-N (3
	// voters) breaks its ties to the smallest code.
	tab := Table{
		Numeric:     [][]float64{{0, 1, 2}},
		Categorical: [][]int{{0, 1, 2}},
		Levels:      []int{3},
	}
	y := []int{0, 0, 0}
	r, err := ResampleNC(context.Background(), tab, y, map[int]int{0: 200}, 2, 3)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int]int{}
	for i, c := range r.Table.Categorical[0] {
		if c == tab.Categorical[0][r.Provenance[i].Base] {
			t.Fatalf("row %d: got the base's own code %d; SMOTE-NC votes among the neighbours only", i, c)
		}
		seen[c]++
	}
	if len(seen) != 3 {
		t.Errorf("got codes %v, want all three to appear (random tie-breaking)", seen)
	}
	n, err := ResampleN(context.Background(), Table{Categorical: tab.Categorical, Levels: tab.Levels}, y, map[int]int{0: 20}, 2, 3)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range n.Table.Categorical[0] {
		if c != 0 {
			t.Fatalf("SMOTE-N row %d: got code %d, want 0 (three-way tie goes to the smallest code)", i, c)
		}
	}
}

func TestResampleTableErrors(t *testing.T) {
	good, y := mixedTable(5, 12, 2, []int{3}, 2)
	cat := Table{Categorical: good.Categorical, Levels: good.Levels}
	nan := Table{Numeric: [][]float64{{0, 1}, {2, math.NaN()}}, Categorical: [][]int{{0, 1}}, Levels: []int{2}}
	badCode := Table{Numeric: [][]float64{{0, 1}}, Categorical: [][]int{{0, 3}}, Levels: []int{3}}
	ragged := Table{Numeric: [][]float64{{0, 1}, {1}}, Categorical: [][]int{{0, 1}}, Levels: []int{2}}
	oneRow := append(slices.Repeat([]int{0}, 11), 1)
	for _, tc := range []struct {
		name   string
		run    resampler
		t      Table
		y      []int
		counts map[int]int
		want   string
	}{
		{"NaN", ResampleNC, nan, []int{0, 0}, map[int]int{0: 1}, "numeric column 1, row 1 is NaN"},
		{"code", ResampleNC, badCode, []int{0, 0}, map[int]int{0: 1}, "categorical column 0, row 1 has code 3, want a code in [0, 3)"},
		{"ragged", ResampleNC, ragged, []int{0, 0}, map[int]int{0: 1}, "numeric column 1 has 1 rows, want 2"},
		{"levels", ResampleNC, Table{Numeric: good.Numeric, Categorical: good.Categorical}, y, map[int]int{0: 1}, "1 categorical column(s) and 0 Levels entries"},
		{"labels", ResampleNC, good, y[:3], map[int]int{0: 1}, "3 labels for 12 rows"},
		{"negative", ResampleNC, good, y, map[int]int{0: -1}, "counts[0] = -1"},
		{"missing class", ResampleN, cat, y, map[int]int{4: 1}, "class 4, which has no rows"},
		{"NC no numeric", ResampleNC, cat, y, map[int]int{0: 1}, "use SMOTE-N (ResampleN)"},
		{"N numeric", ResampleN, good, y, map[int]int{0: 1}, "2 numeric column(s); use SMOTE-NC"},
		{"NC one row", ResampleNC, good, oneRow, map[int]int{1: 3}, "class 1: smote: the class has 1 row(s); SMOTE-NC needs at least 2"},
		{"N one row", ResampleN, cat, oneRow, map[int]int{1: 3}, "class 1: smote: the class has 1 row(s); SMOTE-N needs at least 2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.run(context.Background(), tc.t, tc.y, tc.counts, 5, 1)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestResampleTableCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	tab, y := mixedTable(6, 40, 2, []int{3}, 2)
	if _, err := ResampleNC(ctx, tab, y, map[int]int{0: 10}, 5, 1); !errors.Is(err, context.Canceled) {
		t.Errorf("SMOTE-NC: got error %v, want context.Canceled", err)
	}
	tab.Numeric = nil
	if _, err := ResampleN(ctx, tab, y, map[int]int{0: 10}, 5, 1); !errors.Is(err, context.Canceled) {
		t.Errorf("SMOTE-N: got error %v, want context.Canceled", err)
	}
	// Zero rows asked: nothing to cancel, no error.
	if _, err := ResampleN(ctx, tab, y, map[int]int{0: 0}, 5, 1); err != nil {
		t.Errorf("no rows asked: got error %v, want nil", err)
	}
}

func BenchmarkResampleNC(b *testing.B) {
	for _, n := range []int{500, 5000} {
		tab, y := mixedTable(7, 2*n, 8, []int{4, 6, 3}, 2)
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := ResampleNC(context.Background(), tab, y, map[int]int{1: n}, 5, 1); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func TestTableAppendSelect(t *testing.T) {
	tab, _ := mixedTable(3, 6, 2, []int{3, 4}, 2)
	sel := tab.Select([]int{4, 1, 1})
	if got := sel.Rows(); got != 3 {
		t.Fatalf("Select: %d rows, want 3", got)
	}
	for j := range tab.Numeric {
		if got, want := sel.Numeric[j], []float64{tab.Numeric[j][4], tab.Numeric[j][1], tab.Numeric[j][1]}; !slices.Equal(got, want) {
			t.Errorf("Select: numeric column %d = %v, want %v", j, got, want)
		}
	}
	for j := range tab.Categorical {
		if got, want := sel.Categorical[j], []int{tab.Categorical[j][4], tab.Categorical[j][1], tab.Categorical[j][1]}; !slices.Equal(got, want) {
			t.Errorf("Select: categorical column %d = %v, want %v", j, got, want)
		}
	}
	sel.Numeric[0][0], sel.Levels[0] = 99, 7
	if tab.Numeric[0][4] == 99 || tab.Levels[0] == 7 {
		t.Error("Select shares memory with its source")
	}
	sel.Levels[0] = 3
	if err := sel.Check(); err != nil {
		t.Error(err)
	}
	if empty := tab.Select(nil); empty.Rows() != 0 || len(empty.Numeric) != 2 || !slices.Equal(empty.Levels, tab.Levels) {
		t.Errorf("Select(nil) = %+v, want 0 rows of the same columns", empty)
	}

	var all Table // the zero Table takes the first part's shape
	all = all.Append(tab.Select([]int{0, 1}))
	all = all.Append(tab.Select([]int{2, 3, 4, 5}))
	if !reflect.DeepEqual(all, tab) {
		t.Errorf("Append of two halves = %+v, want %+v", all, tab)
	}
	all.Numeric[0][0] = 42
	if tab.Numeric[0][0] == 42 {
		t.Error("Append to the zero Table shares memory with its argument")
	}

	defer func() {
		if recover() == nil {
			t.Error("Append of a table with other columns did not panic")
		}
	}()
	tab.Append(Table{Numeric: [][]float64{{1}}})
}
