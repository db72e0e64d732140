package smote

import (
	"context"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
)

// ResampleNC runs SMOTE-NC (Chawla et al. 2002, section 6.1) on a labelled
// table of numeric and categorical columns: counts[c] new rows for class c,
// made from the rows labelled c. It follows imbalanced-learn 0.10's SMOTENC:
//
//   - MedianStd is the median, over the numeric columns, of the population
//     standard deviation within the minority class of y (the class with the
//     fewest rows, the first to appear in y on a tie), one value for every
//     class resampled;
//   - neighbours are searched among the rows of the class, the row itself
//     excluded, with the Euclidean distance on the numeric columns and the
//     one-hot encoded categorical columns scaled to MedianStd/2, so that rows
//     differing in m categorical columns are m·MedianStd²/2 apart in squared
//     distance on top of the numeric part; equal distances go to the lower row;
//   - each new row draws a (row, neighbour) pair uniformly from the n·k pairs
//     and a gap uniform in [0, 1); its numeric columns are
//     x[base] + gap·(x[neighbour] − x[base]), and each categorical column takes
//     the code most frequent among the k neighbours of the base row, a tie
//     broken uniformly at random as imbalanced-learn 0.10 does (earlier
//     versions took the first level).
//
// k <= 0 means [DefaultK]; a class with k rows or fewer uses k = rows−1, and
// a class with fewer than 2 rows is an error. Classes are processed in
// increasing order, each with its own random stream from seed, so adding a
// class to counts does not change another's rows. A table without
// categorical columns gives SMOTE in float64; a table without numeric
// columns is refused (use [ResampleN]).
//
// Memory: besides the input and output, the rows of one class in row-major
// order and the neighbour lists of its drawn base rows. Time: for each
// distinct base row, one pass over its class.
func ResampleNC(ctx context.Context, t Table, y []int, counts map[int]int, k int, seed int64) (TableResampled, error) {
	if err := checkLabelled(t, y, counts); err != nil {
		return TableResampled{}, err
	}
	if len(t.Numeric) == 0 {
		return TableResampled{}, fmt.Errorf("smote: SMOTE-NC needs at least one numeric column and the table has none; use SMOTE-N (ResampleN) for all-categorical tables")
	}
	byClass := rowsByClass(y)
	scale := medianStd(t, byClass[minorityClass(y)])
	out, err := resampleTable(ctx, t, byClass, counts, seed, func(ctx context.Context, rows []int, n int, rng *rand.Rand) (classRows, error) {
		return ncClass(ctx, t, rows, n, k, scale, rng)
	})
	out.MedianStd = scale
	return out, err
}

// checkLabelled validates a table, its labels and the requested counts.
func checkLabelled(t Table, y []int, counts map[int]int) error {
	if err := t.Check(); err != nil {
		return err
	}
	if len(y) != t.Rows() {
		return fmt.Errorf("smote: %d labels for %d rows, want one label per row", len(y), t.Rows())
	}
	byClass := rowsByClass(y)
	for _, c := range slices.Sorted(maps.Keys(counts)) {
		if counts[c] < 0 {
			return fmt.Errorf("smote: counts[%d] = %d, want >= 0", c, counts[c])
		}
		if counts[c] > 0 && len(byClass[c]) == 0 {
			return fmt.Errorf("smote: counts asks for %d rows of class %d, which has no rows in the table", counts[c], c)
		}
	}
	return nil
}

// classRows is what one class contributes: its new rows, their provenance in
// class-local indices, and the k used.
type classRows struct {
	t    Table
	prov []TableProvenance
	k    int
}

// resampleTable runs gen on every class of counts in increasing order and
// gathers the rows, mapping provenance to rows of the input table.
func resampleTable(ctx context.Context, t Table, byClass map[int][]int, counts map[int]int, seed int64,
	gen func(ctx context.Context, rows []int, n int, rng *rand.Rand) (classRows, error)) (TableResampled, error) {
	out := TableResampled{Table: t.newTable(0), K: make(map[int]int)}
	for _, c := range slices.Sorted(maps.Keys(counts)) {
		if counts[c] == 0 {
			continue
		}
		rows := byClass[c]
		s, err := gen(ctx, rows, counts[c], newRand(seed, uint64(c)+1))
		if err != nil {
			return TableResampled{}, fmt.Errorf("class %d: %w", c, err)
		}
		out.K[c] = s.k
		out.Table = out.Table.Append(s.t)
		for _, p := range s.prov {
			p.Base = rows[p.Base]
			if p.Neighbor >= 0 {
				p.Neighbor = rows[p.Neighbor]
			}
			for i, v := range p.Voters {
				p.Voters[i] = rows[v]
			}
			out.Y = append(out.Y, c)
			out.Provenance = append(out.Provenance, p)
		}
	}
	return out, nil
}

// minorityClass returns the class with the fewest rows in y, the first to
// appear in y on a tie (imbalanced-learn: min over a Counter of y).
func minorityClass(y []int) int {
	count := make(map[int]int)
	var order []int
	for _, c := range y {
		if count[c] == 0 {
			order = append(order, c)
		}
		count[c]++
	}
	best := order[0]
	for _, c := range order[1:] {
		if count[c] < count[best] {
			best = c
		}
	}
	return best
}

// medianStd returns the median over the numeric columns of t of the
// population standard deviation of the given rows (NumPy's
// np.median(np.sqrt(X.var(axis=0)))).
func medianStd(t Table, rows []int) float64 {
	std := make([]float64, len(t.Numeric))
	for j, col := range t.Numeric {
		var mean float64
		for _, r := range rows {
			mean += col[r]
		}
		mean /= float64(len(rows))
		var ss float64
		for _, r := range rows {
			d := col[r] - mean
			ss += d * d
		}
		std[j] = math.Sqrt(ss / float64(len(rows)))
	}
	sort.Float64s(std)
	m := len(std)
	if m%2 == 1 {
		return std[m/2]
	}
	return (std[m/2-1] + std[m/2]) / 2
}

// ncClass makes n SMOTE-NC rows from the rows of t listed in rows.
func ncClass(ctx context.Context, t Table, rows []int, n, k int, scale float64, rng *rand.Rand) (classRows, error) {
	if k <= 0 {
		k = DefaultK
	}
	if len(rows) < 2 {
		return classRows{}, fmt.Errorf("smote: the class has %d row(s); SMOTE-NC needs at least 2 to interpolate (use random oversampling for it)", len(rows))
	}
	k = min(k, len(rows)-1)
	out := classRows{t: t.newTable(n), prov: make([]TableProvenance, n), k: k}
	slot := make([]int, n)
	for i := range n {
		p := rng.IntN(len(rows) * k)
		out.prov[i] = TableProvenance{Base: p / k, Gap: rng.Float64()}
		slot[i] = p % k
	}
	bases := make([]int, n)
	for i, p := range out.prov {
		bases[i] = p.Base
	}
	slices.Sort(bases)
	bases = slices.Compact(bases)
	sub := subTable(t, rows)
	nb, err := nearest(ctx, len(rows), bases, k, ncDistance(sub, scale))
	if err != nil {
		return classRows{}, err
	}
	counts := make([]int, maxLevels(t.Levels))
	for i := range out.prov {
		if i%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return classRows{}, err
			}
		}
		p := &out.prov[i]
		q, _ := slices.BinarySearch(bases, p.Base)
		p.Neighbor = nb[q][slot[i]]
		p.Voters = slices.Clone(nb[q])
		ncRow(sub, p, rng, counts, out.t, i)
	}
	return out, nil
}

// ncRow writes row i of dst from p.Base, p.Neighbor, p.Gap and p.Voters
// (rows of sub) and sets p.Votes; rng breaks ties between categorical codes.
func ncRow(sub Table, p *TableProvenance, rng *rand.Rand, counts []int, dst Table, i int) {
	for j, col := range sub.Numeric {
		a, b := col[p.Base], col[p.Neighbor]
		dst.Numeric[j][i] = a + p.Gap*(b-a)
	}
	p.Votes = make([]int, len(sub.Categorical))
	for j, col := range sub.Categorical {
		top, votes := tally(col, p.Voters, counts[:sub.Levels[j]])
		c := top[0]
		if len(top) > 1 {
			c = top[rng.IntN(len(top))]
		}
		dst.Categorical[j][i] = c
		p.Votes[j] = votes
	}
}

// subTable returns the rows of t listed in rows, in that order.
func subTable(t Table, rows []int) Table {
	out := t.newTable(len(rows))
	for j, col := range t.Numeric {
		for i, r := range rows {
			out.Numeric[j][i] = col[r]
		}
	}
	for j, col := range t.Categorical {
		for i, r := range rows {
			out.Categorical[j][i] = col[r]
		}
	}
	return out
}

// ncDistance returns SMOTE-NC's squared distance between rows a and b of
// sub: the squared Euclidean distance on the numeric columns plus
// scale²/2 for every categorical column in which they differ (two one-hot
// entries of scale/2 each).
func ncDistance(sub Table, scale float64) func(a, b int) float64 {
	n := sub.Rows()
	dn, dc := len(sub.Numeric), len(sub.Categorical)
	num := make([]float64, n*dn)
	cat := make([]int, n*dc)
	for j, col := range sub.Numeric {
		for i, v := range col {
			num[i*dn+j] = v
		}
	}
	for j, col := range sub.Categorical {
		for i, v := range col {
			cat[i*dc+j] = v
		}
	}
	mismatch := scale * scale / 2
	return func(a, b int) float64 {
		var d float64
		xa, xb := num[a*dn:(a+1)*dn], num[b*dn:(b+1)*dn]
		for j, v := range xa {
			e := v - xb[j]
			d += e * e
		}
		ca, cb := cat[a*dc:(a+1)*dc], cat[b*dc:(b+1)*dc]
		for j, v := range ca {
			if v != cb[j] {
				d += mismatch
			}
		}
		return d
	}
}

// nearest returns, for each of the given rows of [0, n), its k nearest
// other rows under dist, nearest first, equal distances in row order. It
// keeps the best k in an insertion-sorted buffer: O(n·k) per row.
func nearest(ctx context.Context, n int, bases []int, k int, dist func(a, b int) float64) ([][]int, error) {
	type cand struct {
		d float64
		i int
	}
	out := make([][]int, len(bases))
	best := make([]cand, 0, k+1)
	for q, a := range bases {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("smote: neighbour search: %w", err)
		}
		best = best[:0]
		for b := range n {
			if b == a {
				continue
			}
			d := dist(a, b)
			if len(best) == k && d >= best[k-1].d {
				continue // rows come in increasing order: a tie loses
			}
			j := len(best)
			if j < k {
				best = append(best, cand{})
			} else {
				j--
			}
			for ; j > 0 && best[j-1].d > d; j-- {
				best[j] = best[j-1]
			}
			best[j] = cand{d, b}
		}
		out[q] = make([]int, k)
		for i, c := range best {
			out[q][i] = c.i
		}
	}
	return out, nil
}
