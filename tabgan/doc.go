// Package tabgan trains and samples a class-conditional tabular WGAN-GP in
// the spirit of CTGAN (Xu et al. 2019, "Modeling Tabular data using
// Conditional GAN"; reference code sdv-dev/CTGAN) on tables in the
// smote.Table shape. The class label is an exact condition: it is an input
// of the generator, never an output, so Sample(ctx, c, n, seed) returns
// exactly n rows, all of class c, with no rejection loop.
//
// It knows nothing of HTTP, storage or jobs.
//
// # Use
//
//	cfg := tabgan.DefaultConfig() // CTGAN's defaults
//	cfg.Seed, cfg.TimeBudget = 1, 10*time.Minute
//	m, err := tabgan.Fit(ctx, table, labels, numClasses, cfg)
//	rows, err := m.Sample(ctx, class, n, seed) // smote.Table, n rows of class
//	err = m.Save(w)                            // versioned JSON
//	m, err = tabgan.Load(r)
//
//	tr, err := tabgan.NewTrainer(table, labels, numClasses, cfg) // resumable
//	err = tr.Train(ctx, 1000)                   // until 1000 steps in all
//	err = tr.Save(w)                            // checkpoint
//	tr, err = tabgan.LoadTrainer(r, table, labels)
//
// # What follows CTGAN
//
// Mode-specific normalisation of numeric columns (Transformer: α in
// [−0.99, 0.99] with 4σ, the mode drawn from its posterior, one-hot modes;
// at most 10 modes, weights ≤ 0.005 pruned), one-hot categorical columns;
// the conditional vector with training-by-sampling (a categorical column
// drawn uniformly, a level by log-frequency, a real row that has it; reals
// under a permutation of the fakes' conditions as in CTGAN's fit loop); the
// generator's cross-entropy on the conditioned column's logits, summed over
// rows and divided by the batch; tanh on scalars and Gumbel-softmax (τ 0.2)
// on mode and level one-hots; residual generator blocks [ReLU(x·W+b), x];
// the critic [Linear, LeakyReLU 0.2, Dropout 0.5] × 2 then Linear, on packs
// of Pac rows (PacGAN); the gradient penalty (λ 10) on one interpolation α
// per pack, with the critic run again (fresh dropout) on the interpolates;
// one critic step per generator step; Adam lr 2e-4, betas (0.5, 0.9),
// weight decay 1e-6 for both; PyTorch's Linear initialisation; batch 500,
// noise width 128, widths (256, 256), epochs of max(rows/batch, 1) steps.
//
// # What differs
//
//   - The class label is a second condition beside CTGAN's: its one-hot is
//     appended to the generator's input and to every critic row, always
//     set. A training condition draws the class first (probability ∝
//     log(1 + rows)), then the column and level among that class's rows,
//     then a real row of that class with that level.
//   - The mixtures are fitted by EM for 1 to 10 components with the count
//     chosen by BIC (CTGAN: a variational Dirichlet-process mixture, rdt's
//     ClusterBasedNormalizer), on at most 5000 evenly spaced order
//     statistics of the column.
//   - The generator has no batch norm (CTGAN's Residual has BatchNorm1d),
//     so a row never depends on its batch and sampling in chunks is exact.
//   - Sampling names a column uniformly and a level with its plain
//     frequency within the class (CTGAN's sample_original_condvec uses the
//     log-frequency), and reads one-hots by arg-max of the Gumbel-perturbed
//     logits, which is what arg-max of CTGAN's Gumbel-softmax output gives.
//   - Numeric outputs are clipped to the column's training range (CTGAN
//     does not clip).
//   - The networks are hand-written float64 MLPs (net.go), not gorgonia:
//     the critic is piecewise linear, so the penalty's second-order
//     gradient is exact by hand; TestGradients checks both networks'
//     gradients against finite differences. Matrix products use gonum's
//     BLAS; everything is single-threaded apart from gonum's own blocking,
//     and the same seed gives the same bits.
package tabgan
