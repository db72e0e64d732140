// Package neighbors is exact brute-force nearest-neighbour search for dense
// float32 vectors (one row per sample, row-major [blas32.General]).
//
// Squared Euclidean distances are computed block by block as
//
//	||q - r||² = ||q||² + ||r||² - 2 q·r
//
// where the dot products of a block of queries with a block of reference rows
// come from one float32 matrix product (gonum blas32.Gemm, which runs on all
// GOMAXPROCS threads). Blocks bound the memory to BlockQueries×BlockRefs
// float32 values whatever the data size; candidate selection inside a block is
// split over goroutines by query row, so results do not depend on scheduling.
//
// Precision. The float32 expansion above loses digits when two points are
// close relative to their norms. The package never reports such a value:
//
//   - [Index.Search] keeps the k best rows by exact float64 distance
//     (Σ(qᵢ-rᵢ)²) and computes that exact value only for rows whose float32
//     value, less the rounding bound below, could still beat the current
//     k-th: the result equals an exact float64 search, ties going to the
//     lower reference index.
//   - [Index.WithinAny] decides "||q - r|| <= radius" with the float32 value
//     only when it is farther from radius² than the rounding bound; inside
//     that band it recomputes the distance exactly. Its answers equal an
//     exact float64 search.
//
// The rounding bound is (2d+8)·2⁻²⁴·(||q||²+||r||²) for dimension d: the
// standard γ_d = d·u bound on a length-d float32 dot product (u = 2⁻²⁴),
// with |q·r| <= (||q||²+||r||²)/2, doubled for the factor 2 and padded for
// the final additions. The norms themselves are accumulated in float64.
//
// Cost: n_q × n_r × d multiply-adds. On the shared 2-core development
// machine the search ran at 13-24 GFLOP/s (BenchmarkSearch): 5,000 queries
// against 60,000 references took 4.6-5.7 s at d=128, and 10,000 against
// 60,000 at d=784 (Fashion-MNIST pixels) about a minute. Memory beyond the inputs is the block buffer plus
// k indices and distances per query.
package neighbors
