package smote

import (
	"context"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
)

// ResampleN runs SMOTE-N (Chawla et al. 2002, section 6.2) on a labelled
// all-categorical table: counts[c] new rows for class c, made from the rows
// labelled c. It follows imbalanced-learn 0.10's SMOTEN:
//
//   - distances are the value difference metric fitted on the whole table and
//     all of y ([VDM]);
//   - each new row draws a base row of the class uniformly, takes it and its
//     k nearest rows of the class (equal distances go to the lower row), and
//     sets every column to the code most frequent among those k+1 rows, the
//     smallest code on a tie (SciPy's mode, which imbalanced-learn uses).
//
// There is no interpolation, so a new row may repeat a real one. k <= 0 means
// [DefaultK]; a class with k rows or fewer uses k = rows−1, and a class with
// fewer than 2 rows is an error. Classes are processed in increasing order,
// each with its own random stream from seed. A table with numeric columns is
// refused: use [ResampleNC], or bin them into categories first.
//
// imbalanced-learn finds the k+1 nearest rows including the base itself, so
// when more than k+1 rows lie at distance 0 it may leave the base out; here
// the base always votes. Both give the same rows when rows are distinct.
//
// Memory: the VDM tables (levels² per column), the rows of one class and the
// neighbour lists of its drawn base rows. Time: for each distinct base row,
// one pass over its class.
func ResampleN(ctx context.Context, t Table, y []int, counts map[int]int, k int, seed int64) (TableResampled, error) {
	if err := checkLabelled(t, y, counts); err != nil {
		return TableResampled{}, err
	}
	if len(t.Numeric) > 0 {
		return TableResampled{}, fmt.Errorf("smote: SMOTE-N takes categorical columns only and the table has %d numeric column(s); use SMOTE-NC (ResampleNC), or bin them into categories", len(t.Numeric))
	}
	if len(t.Categorical) == 0 {
		return TableResampled{}, fmt.Errorf("smote: SMOTE-N needs at least one categorical column and the table has none")
	}
	vdm := NewVDM(t, y)
	return resampleTable(ctx, t, rowsByClass(y), counts, seed, func(ctx context.Context, rows []int, n int, rng *rand.Rand) (classRows, error) {
		return nClass(ctx, t, rows, n, k, vdm, rng)
	})
}

// VDM is the value difference metric (Stanfill and Waltz 1986, as in
// imbalanced-learn's ValueDifferenceMetric with its defaults k=1, r=2): for
// rows x and y of an all-categorical table,
//
//	Δ(x, y) = Σ_f ( Σ_c |P(c | x_f) − P(c | y_f)| )²
//
// where P(c | v) is the share of class c among the rows whose column f holds
// v, counted on the table the metric was made from. A code that no row holds
// has P = 0 for every class.
type VDM struct {
	levels []int
	// delta[f][a*levels[f]+b] is column f's term for codes a and b.
	delta [][]float64
}

// NewVDM fits the metric on the categorical columns of t and the labels y,
// which must already be checked (one label per row, valid codes).
func NewVDM(t Table, y []int) *VDM {
	classes := slices.Sorted(maps.Keys(rowsByClass(y)))
	index := make(map[int]int, len(classes))
	for i, c := range classes {
		index[c] = i
	}
	m := &VDM{levels: t.Levels, delta: make([][]float64, len(t.Categorical))}
	for f, col := range t.Categorical {
		l := t.Levels[f]
		p := make([]float64, l*len(classes))
		total := make([]float64, l)
		for i, v := range col {
			p[v*len(classes)+index[y[i]]]++
			total[v]++
		}
		for v := range l {
			for c := range classes {
				if total[v] > 0 {
					p[v*len(classes)+c] /= total[v]
				}
			}
		}
		d := make([]float64, l*l)
		for a := range l {
			for b := range l {
				var s float64
				for c := range classes {
					s += math.Abs(p[a*len(classes)+c] - p[b*len(classes)+c])
				}
				d[a*l+b] = s * s
			}
		}
		m.delta[f] = d
	}
	return m
}

// Distance returns Δ between two rows given by their codes, one per column.
func (m *VDM) Distance(x, y []int) float64 {
	var d float64
	for f, l := range m.levels {
		d += m.delta[f][x[f]*l+y[f]]
	}
	return d
}

// nClass makes n SMOTE-N rows from the rows of t listed in rows.
func nClass(ctx context.Context, t Table, rows []int, n, k int, vdm *VDM, rng *rand.Rand) (classRows, error) {
	if k <= 0 {
		k = DefaultK
	}
	if len(rows) < 2 {
		return classRows{}, fmt.Errorf("smote: the class has %d row(s); SMOTE-N needs at least 2 (use random oversampling for it)", len(rows))
	}
	k = min(k, len(rows)-1)
	out := classRows{t: t.newTable(n), prov: make([]TableProvenance, n), k: k}
	bases := make([]int, n)
	for i := range n {
		out.prov[i] = TableProvenance{Base: rng.IntN(len(rows)), Neighbor: -1}
		bases[i] = out.prov[i].Base
	}
	slices.Sort(bases)
	bases = slices.Compact(bases)
	sub := subTable(t, rows)
	dc := len(sub.Categorical)
	codes := make([]int, len(rows)*dc)
	for j, col := range sub.Categorical {
		for i, v := range col {
			codes[i*dc+j] = v
		}
	}
	nb, err := nearest(ctx, len(rows), bases, k, func(a, b int) float64 {
		return vdm.Distance(codes[a*dc:(a+1)*dc], codes[b*dc:(b+1)*dc])
	})
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
		p.Voters = append([]int{p.Base}, nb[q]...)
		nRow(sub, p, counts, out.t, i)
	}
	return out, nil
}

// nRow writes row i of dst: every column the most frequent code among
// p.Voters (rows of sub), the smallest on a tie; it sets p.Votes.
func nRow(sub Table, p *TableProvenance, counts []int, dst Table, i int) {
	p.Votes = make([]int, len(sub.Categorical))
	for j, col := range sub.Categorical {
		top, votes := tally(col, p.Voters, counts[:sub.Levels[j]])
		dst.Categorical[j][i] = top[0]
		p.Votes[j] = votes
	}
}
