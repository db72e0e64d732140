// Package smote implements the two classic oversampling baselines that every
// synthetic-data method is compared against: SMOTE (Chawla et al. 2002,
// "SMOTE: Synthetic Minority Over-sampling Technique", JAIR 16) and random
// oversampling with replacement.
//
// SMOTE follows imbalanced-learn's SMOTE (BaseSMOTE._make_samples): with the
// k nearest neighbours of every minority row computed among the minority rows
// of the same class (Euclidean, the row itself excluded), each synthetic row
// draws one (row, neighbour) pair uniformly from the n·k pairs and a gap
// uniform in [0, 1), and is
//
//	new = x[base] + gap · (x[neighbour] − x[base])
//
// computed in float64 and stored as float32. A new row is therefore a convex
// combination of two real rows of the class and stays inside any box (such as
// pixel values in [0, 1]) that holds them. The default k is 5. A class with
// n < k+1 rows uses k = n−1; a class with fewer than 2 rows is an error,
// because there is nothing to interpolate with.
//
// Rows are float32 feature vectors or flattened images (one row each, in a
// row-major [blas32.General]). Randomness comes from math/rand/v2's PCG seeded
// with the caller's seed, so equal inputs and seeds give equal outputs; the
// random streams differ from imbalanced-learn's (NumPy's), so results match
// it in distribution, not value by value.
//
// For tables, [ResampleNC] (SMOTE-NC, mixed numeric and categorical columns)
// and [ResampleN] (SMOTE-N, categorical columns only) follow imbalanced-learn
// 0.10's SMOTENC and SMOTEN on a column-wise [Table]; testdata/imblearn_smotenc.json
// (written by scripts/fixtures/smotenc.py) checks them against it.
package smote
