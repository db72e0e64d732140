package smote

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"

	"gonum.org/v1/gonum/blas/blas32"

	"github.com/tailsynth/tailsynth/quality/neighbors"
)

// DefaultK is the number of nearest neighbours SMOTE interpolates with, as in
// Chawla et al. 2002 and imbalanced-learn.
const DefaultK = 5

// Provenance records how one synthetic row was made:
// row = x[Base] + Gap·(x[Neighbor] − x[Base]).
type Provenance struct {
	Base     int     `json:"base"`
	Neighbor int     `json:"neighbor"`
	Gap      float64 `json:"gap"`
}

// Synthetic is the output of [Generate]: n new rows and where each came from.
type Synthetic struct {
	X          blas32.General
	Provenance []Provenance
	// K is the number of neighbours actually used: min(k, rows−1).
	K int
}

// newRand returns the package's seeded generator; stream separates uses of
// the same seed (for example one stream per class).
func newRand(seed int64, stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(seed), 0x9e3779b97f4a7c15^stream))
}

// Generate makes n synthetic rows from the rows of x, which must all belong
// to one class, interpolating each with one of its k nearest neighbours
// within x. k <= 0 means [DefaultK]; k is lowered to rows−1 when x has k rows
// or fewer. Provenance indices are rows of x.
func Generate(ctx context.Context, x blas32.General, n, k int, seed int64) (Synthetic, error) {
	return generate(ctx, x, n, k, newRand(seed, 0))
}

func generate(ctx context.Context, x blas32.General, n, k int, rng *rand.Rand) (Synthetic, error) {
	if n < 0 {
		return Synthetic{}, fmt.Errorf("smote: n = %d synthetic rows, want n >= 0", n)
	}
	if k <= 0 {
		k = DefaultK
	}
	if x.Rows < 2 {
		return Synthetic{}, fmt.Errorf("smote: the class has %d row(s); SMOTE needs at least 2 to interpolate (use random oversampling for it)", x.Rows)
	}
	k = min(k, x.Rows-1)
	out := Synthetic{
		X:          blas32.General{Rows: n, Cols: x.Cols, Stride: x.Cols, Data: make([]float32, n*x.Cols)},
		Provenance: make([]Provenance, n),
		K:          k,
	}
	if n == 0 {
		return out, neighbors.CheckMatrix("smote: class rows", x)
	}
	// Draw every (base, neighbour slot) pair and gap first, then search the
	// neighbours of the distinct base rows only.
	slot := make([]int, n)
	for i := range n {
		p := rng.IntN(x.Rows * k)
		out.Provenance[i] = Provenance{Base: p / k, Gap: rng.Float64()}
		slot[i] = p % k
	}
	bases := make([]int, n)
	for i, p := range out.Provenance {
		bases[i] = p.Base
	}
	slices.Sort(bases)
	bases = slices.Compact(bases)
	ix, err := neighbors.NewIndex(x)
	if err != nil {
		return Synthetic{}, fmt.Errorf("smote: class rows: %w", err)
	}
	nb, err := ix.SearchSelf(ctx, bases, k)
	if err != nil {
		return Synthetic{}, fmt.Errorf("smote: neighbour search: %w", err)
	}
	for i := range out.Provenance {
		p := &out.Provenance[i]
		q, _ := slices.BinarySearch(bases, p.Base)
		nbIdx, _ := nb.Row(q)
		p.Neighbor = nbIdx[slot[i]]
		a, b := neighbors.Row(x, p.Base), neighbors.Row(x, p.Neighbor)
		dst := neighbors.Row(out.X, i)
		for j := range dst {
			dst[j] = float32(float64(a[j]) + p.Gap*(float64(b[j])-float64(a[j])))
		}
	}
	return out, nil
}
