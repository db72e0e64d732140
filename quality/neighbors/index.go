package neighbors

import (
	"context"
	"fmt"
	"runtime"
	"sync"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
)

// Default block sizes: 512×4096 float32 dot products (8 MiB) per block.
const (
	DefaultBlockQueries = 512
	DefaultBlockRefs    = 4096
)

// Index is a set of reference rows prepared for brute-force search. The
// reference data is not copied and must not change while the Index is in use.
// An Index is safe for concurrent use.
type Index struct {
	ref   blas32.General
	norms []float64

	// BlockQueries and BlockRefs bound the dot-product buffer of one search to
	// BlockQueries×BlockRefs float32 values. Zero means the defaults.
	BlockQueries, BlockRefs int
}

// NewIndex validates ref (see [CheckMatrix]) and precomputes its squared row
// norms.
func NewIndex(ref blas32.General) (*Index, error) {
	if err := CheckMatrix("reference set", ref); err != nil {
		return nil, err
	}
	return &Index{ref: ref, norms: SquaredNorms(ref)}, nil
}

// Len returns the number of reference rows.
func (ix *Index) Len() int { return ix.ref.Rows }

// Dim returns the dimension of the reference rows.
func (ix *Index) Dim() int { return ix.ref.Cols }

// Ref returns the reference matrix.
func (ix *Index) Ref() blas32.General { return ix.ref }

func (ix *Index) checkQueries(q blas32.General) error {
	if err := CheckMatrix("queries", q); err != nil {
		return err
	}
	if q.Cols != ix.ref.Cols {
		return fmt.Errorf("queries have %d columns, want %d (the reference dimension)", q.Cols, ix.ref.Cols)
	}
	return nil
}

// visitFunc handles the local query rows [lo, hi) of one block. Query row r of
// the block is global query q0+r; column c is reference row r0+c; dots holds
// the float32 dot products.
type visitFunc func(q0, r0 int, dots blas32.General, lo, hi int)

// scan computes the dot products of all queries with all reference rows one
// block at a time and hands each block to visit, split by query rows over
// GOMAXPROCS goroutines. skip, if not nil, reports that a query block needs no
// more work.
func (ix *Index) scan(ctx context.Context, q blas32.General, skip func(q0, q1 int) bool, visit visitFunc) error {
	bq, br := ix.BlockQueries, ix.BlockRefs
	if bq <= 0 {
		bq = DefaultBlockQueries
	}
	if br <= 0 {
		br = DefaultBlockRefs
	}
	bq, br = min(bq, q.Rows), min(br, ix.ref.Rows)
	buf := make([]float32, bq*br)
	workers := runtime.GOMAXPROCS(0)
	for q0 := 0; q0 < q.Rows; q0 += bq {
		q1 := min(q0+bq, q.Rows)
		qb := slice(q, q0, q1)
		for r0 := 0; r0 < ix.ref.Rows; r0 += br {
			if err := ctx.Err(); err != nil {
				return err
			}
			if skip != nil && skip(q0, q1) {
				break
			}
			r1 := min(r0+br, ix.ref.Rows)
			rb := slice(ix.ref, r0, r1)
			dots := blas32.General{Rows: q1 - q0, Cols: r1 - r0, Stride: r1 - r0, Data: buf[:(q1-q0)*(r1-r0)]}
			blas32.Gemm(blas.NoTrans, blas.Trans, 1, qb, rb, 0, dots)
			parallelRows(dots.Rows, dots.Rows*dots.Cols, workers, func(lo, hi int) { visit(q0, r0, dots, lo, hi) })
		}
	}
	return ctx.Err()
}

// parallelRows splits [0, n) into up to workers contiguous ranges and runs f on
// each; small jobs (work < 1<<15 elements) run on the calling goroutine.
func parallelRows(n, work, workers int, f func(lo, hi int)) {
	if workers <= 1 || n < 2 || work < 1<<15 {
		f(0, n)
		return
	}
	workers = min(workers, n)
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := w*n/workers, (w+1)*n/workers
		wg.Go(func() { f(lo, hi) })
	}
	wg.Wait()
}
