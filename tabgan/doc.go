// Package tabgan trains and samples a class-conditional tabular WGAN-GP in
// the spirit of CTGAN (Xu et al. 2019, "Modeling Tabular data using
// Conditional GAN"; reference code sdv-dev/CTGAN), on tables in the
// smote.Table shape. The class label is an exact condition: it is an input
// of the generator, never an output, so Sample(ctx, c, n, seed) returns
// exactly n rows, all of class c, with no rejection loop.
//
// It knows nothing of HTTP, storage or jobs.
package tabgan
