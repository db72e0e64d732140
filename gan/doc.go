// Package gan trains and samples class-conditional Wasserstein GANs with
// gradient penalty (WGAN-GP, Gulrajani et al. 2017) on gorgonia. It knows
// nothing of HTTP or storage: data come in through the Dataset interface,
// models go out through io.Writer.
//
// # Use
//
//	cfg := gan.DefaultConfig(28, 28, 1, numClasses) // conv nets, float32
//	m, err := gan.NewModel(cfg)
//	tr, err := gan.NewTrainer(m, gan.DefaultHyper())
//	res, err := tr.Train(ctx, data, gan.RunOptions{Steps: 20000, TimeBudget: time.Hour,
//		Progress: func(s gan.StepStats) error { log.Print(s); return nil }})
//	err = tr.Save(w, gan.Meta{ID: id, ClassNames: names, Version: version}) // resumable
//	err = m.Save(w, meta)                                                  // model artifact
//	m, meta, err := gan.LoadModel(r)
//	tr, meta, err := gan.LoadTrainer(r) // resume exactly
//	err = m.Sample(ctx, class, n, seed, func(i int, x []float32) error { ... })
//	img, err := gan.SampleToImage(x, cfg.Height, cfg.Width, cfg.Channels)
//	grid, err := gan.SampleGrid(ctx, m, classes, 8, seed) // PNG-ready *image.RGBA
//	curve, err := gan.LossCurve(tr.History(), 640, 360)
//
// Samples are NHWC float32 (height, width, channels; channels fastest),
// scaled to [-1, 1] (ImageToSample converts decoded images). Spectrograms
// are 1-channel images of any height and width divisible by 4 (2^Stages).
//
// # Training (Gulrajani et al. 2017, Algorithm 1)
//
// Each step runs NCritic critic updates and one generator update. A critic
// update draws m reals x with labels y, fakes G(z, y) with the same labels,
// ε ~ U[0, 1] per sample and x̂ = ε x + (1-ε) G(z, y), and minimises
//
//	L_D = mean D(G(z, y), y) - mean D(x, y) + λ mean (‖∇_x̂ D(x̂, y)‖₂ - 1)²;
//
// a generator update minimises L_G = -mean D(G(z, y), y). Both use Adam
// (lr 1e-4, β₁ 0, β₂ 0.9 by default; the reference code's β₁ is 0.5, and
// lr 2e-4 with β₁ 0.5 learnt Fashion-MNIST about four times sooner at equal
// steps: scripts/bench/gan/learn).
// The penalty's gradient w.r.t. the critic's weights is a gradient of a
// gradient, taken symbolically by gorgonia and checked against finite
// differences and against PyTorch autograd (testdata/critic_gp_torch.json,
// agreement to 1e-9 in float64).
//
// # Architectures (arch.go)
//
// Conv critic: stride-2 4x4 convolutions with LeakyReLU(0.2) (optional
// layer norm, no batch norm) and a projection head (Miyato & Koyama 2018):
// D(x, y) = w·φ(x) + b + ⟨E[y], φ(x)⟩. Conv generator: dense on z and the
// one-hot label (Config.LabelInput), then blocks that double the resolution,
// each preceded by class-conditional layer norm and ReLU, and tanh. A block
// is a 4x4 stride-2 transposed convolution (Config.GenBlock "deconv", the
// default) or nearest 2x upsampling and a 3x3 convolution ("upsample",
// which has no checkerboard pattern). An MLP pair serves vector data. Weights are initialised
// from Config.Seed; training randomness from Hyper.Seed; sampling from the
// seed passed to Sample. On the pure-Go path the same seeds give the same
// bits.
//
// DiffAugment (Zhao et al. 2020: colour, translation, cutout) is available
// through Hyper.Augment and is off by default.
//
// # gorgonia
//
// The package uses gorgonia's TapeMachine and symbolic differentiation, with
// its own ops where gorgonia v0.9.18 fails at second order or is slow: NHWC
// im2col/col2im (each the other's derivative, so convolutions and transposed
// convolutions differentiate to any order), LeakyReLU, bias add, a copying
// reshape, a fused conditional layer norm (first order, generator only) and
// capture ops that copy results out of the machine. It also clears gorgonia's
// cached per-node derivatives before the second Grad (see gradOfGrad); without
// that, gorgonia silently returns wrong second-order gradients for any
// smooth nonlinearity. gorgonia's InverseSqrt has a wrong derivative and is
// not used. Graphs are built once per trainer and rerun with new inputs.
//
// Only what the results need is compiled (newMachine): gorgonia's Grad
// also builds first-order weight gradients that the penalty and the
// generator loss never read. Every op of this package writes its value into
// a buffer kept across runs, and the trainer's three graphs (critic,
// generator, forward) draw those buffers from one arena (planBuffers):
// nodes whose values are never alive at the same time share memory. That
// halved the peak memory of training; TestArenaMatchesPrivateBuffers checks
// that it changes no bit of the result.
//
// # BLAS
//
// By default matrix products use gonum's pure-Go BLAS and the package builds
// with CGO_ENABLED=0. Build with -tags openblas (cgo, Debian libopenblas-dev)
// to use OpenBLAS, several times faster; BLAS reports which one is active.
// scripts/bench/gan/bench.sh compares the step times with PyTorch.
//
// # Checkpoints
//
// See checkpoint.go for the byte layout: magic, a JSON header (format
// version, Meta, Config, gorgonia version, tensor table, trainer state with
// hyperparameters, step, loss history, Adam step counts and PCG state),
// little-endian tensors (weights, then Adam moments) and a CRC-32.
// Training N steps, saving, loading and training M more gives the same
// weights as N+M steps straight.
package gan
