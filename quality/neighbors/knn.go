package neighbors

import (
	"context"
	"fmt"
	"math"

	"gonum.org/v1/gonum/blas/blas32"
)

// Neighbors holds the k nearest reference rows of each query, nearest first.
type Neighbors struct {
	K int
	// Indices[i*K+j] is the reference row of the j-th neighbour of query i.
	Indices []int
	// Distances[i*K+j] is its Euclidean distance, summed in float64 from
	// the coordinates (not from the float32 expansion).
	Distances []float64
}

// Len returns the number of queries.
func (n Neighbors) Len() int {
	if n.K == 0 {
		return 0
	}
	return len(n.Indices) / n.K
}

// Row returns the neighbour indices and distances of query i (views).
func (n Neighbors) Row(i int) ([]int, []float64) {
	return n.Indices[i*n.K : (i+1)*n.K], n.Distances[i*n.K : (i+1)*n.K]
}

// Kth returns the distance of every query to its k-th nearest neighbour.
func (n Neighbors) Kth() []float64 {
	out := make([]float64, n.Len())
	for i := range out {
		out[i] = n.Distances[i*n.K+n.K-1]
	}
	return out
}

// Search returns the k nearest reference rows of every query row;
// 1 <= k <= Len.
func (ix *Index) Search(ctx context.Context, queries blas32.General, k int) (Neighbors, error) {
	if err := ix.checkQueries(queries); err != nil {
		return Neighbors{}, err
	}
	if k < 1 || k > ix.Len() {
		return Neighbors{}, fmt.Errorf("k = %d, want 1 <= k <= %d (the number of reference rows)", k, ix.Len())
	}
	return ix.search(ctx, queries, k, nil)
}

// SearchSelf returns, for each reference row listed in rows (all rows when
// rows is nil), its k nearest other reference rows: the row itself is
// excluded by index, so an exact duplicate elsewhere in the set still counts,
// at distance 0. 1 <= k <= Len-1.
func (ix *Index) SearchSelf(ctx context.Context, rows []int, k int) (Neighbors, error) {
	if k < 1 || k > ix.Len()-1 {
		return Neighbors{}, fmt.Errorf("k = %d, want 1 <= k <= %d (the number of reference rows minus one)", k, ix.Len()-1)
	}
	q := ix.ref
	self := func(i int) int { return i }
	if rows != nil {
		if len(rows) == 0 {
			return Neighbors{}, fmt.Errorf("rows is empty; pass nil for all %d rows", ix.Len())
		}
		q = blas32.General{Rows: len(rows), Cols: ix.ref.Cols, Stride: ix.ref.Cols, Data: make([]float32, len(rows)*ix.ref.Cols)}
		for i, r := range rows {
			if r < 0 || r >= ix.Len() {
				return Neighbors{}, fmt.Errorf("rows[%d] = %d, want 0 <= row < %d", i, r, ix.Len())
			}
			copy(Row(q, i), Row(ix.ref, r))
		}
		self = func(i int) int { return rows[i] }
	}
	return ix.search(ctx, q, k, self)
}

func (ix *Index) search(ctx context.Context, q blas32.General, k int, self func(int) int) (Neighbors, error) {
	n := q.Rows
	qn := SquaredNorms(q)
	tol := float64(2*q.Cols+8) * float32Unit
	idx := make([]int, n*k)
	d2 := make([]float64, n*k) // exact squared distances, ascending
	cnt := make([]int, n)
	visit := func(q0, r0 int, dots blas32.General, lo, hi int) {
		for r := lo; r < hi; r++ {
			gi := q0 + r
			skip := -1
			if self != nil {
				skip = self(gi)
			}
			ci, cd := idx[gi*k:(gi+1)*k], d2[gi*k:(gi+1)*k]
			c := cnt[gi]
			a := Row(q, gi)
			row := dots.Data[r*dots.Stride : r*dots.Stride+dots.Cols]
			for col, dot := range row {
				j := r0 + col
				if j == skip {
					continue
				}
				// The float32 value is within margin of the exact one, so
				// a row whose lower bound exceeds the current k-th exact
				// distance cannot enter the list.
				if c == k {
					v := qn[gi] + ix.norms[j] - 2*float64(dot)
					if v-tol*(qn[gi]+ix.norms[j]) > cd[k-1] {
						continue
					}
				}
				v := SquaredDistance(a, Row(ix.ref, j))
				if c == k && v >= cd[k-1] {
					continue
				}
				// Insert keeping ascending order; rows arrive in index
				// order, so equal distances keep the lower index first.
				p := min(c, k-1)
				for p > 0 && cd[p-1] > v {
					cd[p], ci[p] = cd[p-1], ci[p-1]
					p--
				}
				cd[p], ci[p] = v, j
				if c < k {
					c++
				}
			}
			cnt[gi] = c
		}
	}
	if err := ix.scan(ctx, q, nil, visit); err != nil {
		return Neighbors{}, err
	}
	for i, v := range d2 {
		d2[i] = math.Sqrt(v)
	}
	return Neighbors{K: k, Indices: idx, Distances: d2}, nil
}
