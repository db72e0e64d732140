package gan

import (
	"fmt"
	"math"
	"math/rand/v2"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// The trainer keeps three graphs, each built once and run many times with
// new input values (Let) on a reusable TapeMachine:
//
//   - criticGraph: critic loss with gradient penalty and its gradient w.r.t.
//     the critic's params;
//   - genGraph: generator loss -mean D(G(z), y) and its gradient w.r.t. the
//     generator's params;
//   - fwdGraph: G(z, y) alone, for the critic's fake batches and for sampling.
//
// Param nodes of all graphs share their value tensors with the Model, so an
// optimizer step is visible to every graph at once.

// gpEps is added under the square root of the gradient norm so that its
// derivative stays finite at a zero gradient.
const gpEps = 1e-12

// criticGraph computes, for a batch of B real samples x_r with labels y, B
// fake samples x_f = G(z, y) and interpolates x̂ = ε x_r + (1-ε) x_f
// (ε ~ U[0,1] per sample, computed on the host),
//
//	L = mean_i D(x_f,i, y_i) - mean_i D(x_r,i, y_i) + λ mean_i (‖∇_x̂ D(x̂_i, y_i)‖₂ - 1)²
//
// (Gulrajani et al. 2017, Algorithm 1). Real and fake samples go through the
// critic as one batch of 2B; x̂ is an input node because gorgonia only
// differentiates w.r.t. inputs.
type criticGraph struct {
	g      *G.ExprGraph
	vm     G.VM
	b      int
	xRF    *G.Node // (2B, H, W, C): reals then fakes
	yRF    *G.Node // (2B, K)
	xHat   *G.Node // (B, H, W, C)
	yHat   *G.Node // (B, K)
	inputs struct{ xRF, yRF, xHat, yHat *tensor.Dense }
	// out holds copies of the results, written during each run (see captureOp).
	out struct {
		loss, pen *tensor.Dense // (1)
		dRF       *tensor.Dense // (2B): D on reals then fakes
		dHat      *tensor.Dense // (B)
		gx        *tensor.Dense // (B, H, W, C): ∇_x̂ D(x̂)
		norms     *tensor.Dense // (B): ‖∇_x̂ D(x̂)‖
		grads     []*tensor.Dense
	}
}

func newCriticGraph(m *Model, b int, lambda float64, arena *bufArena) (*criticGraph, error) {
	cfg := m.cfg
	dt := dtypeOf(cfg.DType)
	g := G.NewGraph()
	cg := &criticGraph{g: g, b: b}
	img := tensor.Shape{cfg.Height, cfg.Width, cfg.Channels}
	cg.inputs.xRF = tensor.New(tensor.Of(dt), tensor.WithShape(2*b, img[0], img[1], img[2]))
	cg.inputs.yRF = tensor.New(tensor.Of(dt), tensor.WithShape(2*b, cfg.Classes))
	cg.inputs.xHat = tensor.New(tensor.Of(dt), tensor.WithShape(b, img[0], img[1], img[2]))
	cg.inputs.yHat = tensor.New(tensor.Of(dt), tensor.WithShape(b, cfg.Classes))
	cg.xRF = newNode(g, dt, cg.inputs.xRF.Shape(), "x_real_fake", cg.inputs.xRF)
	cg.yRF = newNode(g, dt, cg.inputs.yRF.Shape(), "y_real_fake", cg.inputs.yRF)
	cg.xHat = newNode(g, dt, cg.inputs.xHat.Shape(), "x_hat", cg.inputs.xHat)
	cg.yHat = newNode(g, dt, cg.inputs.yHat.Shape(), "y_hat", cg.inputs.yHat)

	nc := newNetCtx(g, dt, m.critic, nil)
	dRF, err := critic(nc, cfg, cg.xRF, cg.yRF)
	if err != nil {
		return nil, fmt.Errorf("gan: critic on real and fake: %w", err)
	}
	dHat, err := critic(nc, cfg, cg.xHat, cg.yHat)
	if err != nil {
		return nil, fmt.Errorf("gan: critic on interpolates: %w", err)
	}
	if len(nc.used) != len(m.critic.list) {
		return nil, fmt.Errorf("gan: critic graph uses %d of %d params", len(nc.used), len(m.critic.list))
	}

	// sign = -1/B on reals, +1/B on fakes: sum(sign ⊙ D) = mean D(fake) - mean D(real).
	sign := tensor.New(tensor.Of(dt), tensor.WithShape(2*b))
	for i := 0; i < 2*b; i++ {
		v := 1 / float64(b)
		if i < b {
			v = -v
		}
		setAt(sign, i, v)
	}
	wdTerms, err := G.HadamardProd(dRF, G.NewConstant(sign, G.WithName("sign")))
	if err != nil {
		return nil, err
	}
	wd, err := G.Sum(wdTerms)
	if err != nil {
		return nil, err
	}

	sumHat, err := G.Sum(dHat)
	if err != nil {
		return nil, err
	}
	gx, err := G.Grad(sumHat, cg.xHat)
	if err != nil {
		return nil, fmt.Errorf("gan: gradient of the critic w.r.t. its input: %w", err)
	}
	gflat, err := reshape(gx[0], b, img.TotalSize())
	if err != nil {
		return nil, err
	}
	sq, err := G.Square(gflat)
	if err != nil {
		return nil, err
	}
	ss, err := G.Sum(sq, 1)
	if err != nil {
		return nil, err
	}
	ss, err = G.Add(ss, G.NewConstant(nc.scalar(gpEps)))
	if err != nil {
		return nil, err
	}
	norms, err := G.Sqrt(ss)
	if err != nil {
		return nil, err
	}
	dev, err := G.Sub(norms, G.NewConstant(nc.scalar(1)))
	if err != nil {
		return nil, err
	}
	dev2, err := G.Square(dev)
	if err != nil {
		return nil, err
	}
	penMean, err := G.Mean(dev2)
	if err != nil {
		return nil, err
	}
	pen, err := G.Mul(penMean, G.NewConstant(nc.scalar(lambda)))
	if err != nil {
		return nil, err
	}
	loss, err := G.Add(wd, pen)
	if err != nil {
		return nil, err
	}
	grads, err := gradOfGrad(g, loss, nc.used...)
	if err != nil {
		return nil, fmt.Errorf("gan: gradient of the critic loss: %w", err)
	}
	o := &cg.out
	captures := []struct {
		n   *G.Node
		dst **tensor.Dense
	}{{loss, &o.loss}, {pen, &o.pen}, {dRF, &o.dRF}, {dHat, &o.dHat}, {gx[0], &o.gx}, {norms, &o.norms}}
	for _, c := range captures {
		*c.dst = newLike(dt, c.n)
		if err := capture(c.n, *c.dst); err != nil {
			return nil, err
		}
	}
	if o.grads, err = captureGrads(dt, grads); err != nil {
		return nil, err
	}
	if cg.vm, err = newMachine(g, arena, dt); err != nil {
		return nil, err
	}
	return cg, nil
}

// run evaluates the graph on the current input tensors.
func (cg *criticGraph) run() error {
	cg.vm.Reset()
	for _, in := range []struct {
		n *G.Node
		v *tensor.Dense
	}{{cg.xRF, cg.inputs.xRF}, {cg.yRF, cg.inputs.yRF}, {cg.xHat, cg.inputs.xHat}, {cg.yHat, cg.inputs.yHat}} {
		if err := G.Let(in.n, in.v); err != nil {
			return err
		}
	}
	if err := cg.vm.RunAll(); err != nil {
		return fmt.Errorf("gan: critic step: %w", err)
	}
	return nil
}

// genGraph computes L_G = -mean_i D(G(z_i, y_i), y_i) and its gradient
// w.r.t. the generator's params.
type genGraph struct {
	g      *G.ExprGraph
	vm     G.VM
	z, y   *G.Node
	inputs struct{ z, y *tensor.Dense }
	aug    *[]augParams // per-sample DiffAugment parameters, nil without augmentation
	imgHW  [2]int
	out    struct {
		loss  *tensor.Dense   // (1)
		grads []*tensor.Dense // aligned with Model.gen.list
	}
}

func newGenGraph(m *Model, b int, aug Augment, arena *bufArena) (*genGraph, error) {
	cfg := m.cfg
	dt := dtypeOf(cfg.DType)
	g := G.NewGraph()
	gg := &genGraph{g: g, imgHW: [2]int{cfg.Height, cfg.Width}}
	gg.inputs.z = tensor.New(tensor.Of(dt), tensor.WithShape(b, cfg.ZDim))
	gg.inputs.y = tensor.New(tensor.Of(dt), tensor.WithShape(b, cfg.Classes))
	gg.z = newNode(g, dt, gg.inputs.z.Shape(), "z", gg.inputs.z)
	gg.y = newNode(g, dt, gg.inputs.y.Shape(), "y", gg.inputs.y)
	gc := newNetCtx(g, dt, m.gen, nil)
	fake, err := generator(gc, cfg, gg.z, gg.y)
	if err != nil {
		return nil, fmt.Errorf("gan: generator: %w", err)
	}
	if len(gc.used) != len(m.gen.list) {
		return nil, fmt.Errorf("gan: generator graph uses %d of %d params", len(gc.used), len(m.gen.list))
	}
	if aug.enabled() {
		params := make([]augParams, b)
		for i := range params {
			params[i] = augParams{aug: aug, sat: 1, contrast: 1}
		}
		gg.aug = &params
		if fake, err = G.ApplyOp(augmentOp{h: cfg.Height, w: cfg.Width, c: cfg.Channels, params: gg.aug}, fake); err != nil {
			return nil, fmt.Errorf("gan: augment: %w", err)
		}
	}
	d, err := critic(newNetCtx(g, dt, m.critic, nil), cfg, fake, gg.y)
	if err != nil {
		return nil, fmt.Errorf("gan: critic on fakes: %w", err)
	}
	mean, err := G.Mean(d)
	if err != nil {
		return nil, err
	}
	loss, err := G.Neg(mean)
	if err != nil {
		return nil, err
	}
	grads, err := G.Grad(loss, gc.used...)
	if err != nil {
		return nil, fmt.Errorf("gan: gradient of the generator loss: %w", err)
	}
	gg.out.loss = newLike(dt, loss)
	if err := capture(loss, gg.out.loss); err != nil {
		return nil, err
	}
	if gg.out.grads, err = captureGrads(dt, grads); err != nil {
		return nil, err
	}
	if gg.vm, err = newMachine(g, arena, dt); err != nil {
		return nil, err
	}
	return gg, nil
}

// loadAugment draws fresh DiffAugment parameters for the next run.
func (gg *genGraph) loadAugment(a Augment, rng *rand.Rand) error {
	if gg.aug == nil {
		return fmt.Errorf("gan: generator graph was built without augmentation")
	}
	p := *gg.aug
	h, w := gg.imgHW[0], gg.imgHW[1]
	for i := range p {
		p[i] = drawAugParams(a, h, w, rng)
	}
	return nil
}

func (gg *genGraph) run() error {
	gg.vm.Reset()
	if err := G.Let(gg.z, gg.inputs.z); err != nil {
		return err
	}
	if err := G.Let(gg.y, gg.inputs.y); err != nil {
		return err
	}
	if err := gg.vm.RunAll(); err != nil {
		return fmt.Errorf("gan: generator step: %w", err)
	}
	return nil
}

// fwdGraph computes G(z, y) for a batch of b latents.
type fwdGraph struct {
	g      *G.ExprGraph
	vm     G.VM
	b      int
	z, y   *G.Node
	inputs struct{ z, y *tensor.Dense }
	out    *tensor.Dense // (b, H, W, C)
}

func newFwdGraph(m *Model, b int, arena *bufArena) (*fwdGraph, error) {
	cfg := m.cfg
	dt := dtypeOf(cfg.DType)
	g := G.NewGraph()
	fg := &fwdGraph{g: g, b: b}
	fg.inputs.z = tensor.New(tensor.Of(dt), tensor.WithShape(b, cfg.ZDim))
	fg.inputs.y = tensor.New(tensor.Of(dt), tensor.WithShape(b, cfg.Classes))
	fg.z = newNode(g, dt, fg.inputs.z.Shape(), "z", fg.inputs.z)
	fg.y = newNode(g, dt, fg.inputs.y.Shape(), "y", fg.inputs.y)
	out, err := generator(newNetCtx(g, dt, m.gen, nil), cfg, fg.z, fg.y)
	if err != nil {
		return nil, fmt.Errorf("gan: generator: %w", err)
	}
	fg.out = newLike(dt, out)
	if err := capture(out, fg.out); err != nil {
		return nil, err
	}
	if fg.vm, err = newMachine(g, arena, dt); err != nil {
		return nil, err
	}
	return fg, nil
}

func (fg *fwdGraph) run() error {
	fg.vm.Reset()
	if err := G.Let(fg.z, fg.inputs.z); err != nil {
		return err
	}
	if err := G.Let(fg.y, fg.inputs.y); err != nil {
		return err
	}
	if err := fg.vm.RunAll(); err != nil {
		return fmt.Errorf("gan: generator forward: %w", err)
	}
	return nil
}

func setAt(t *tensor.Dense, i int, v float64) {
	switch d := t.Data().(type) {
	case []float32:
		d[i] = float32(v)
	case []float64:
		d[i] = v
	}
}

// newLike allocates a host tensor with n's shape (scalars get shape (1)).
func newLike(dt tensor.Dtype, n *G.Node) *tensor.Dense {
	s := n.Shape().Clone()
	if s.IsScalar() {
		s = tensor.Shape{1}
	}
	return tensor.New(tensor.Of(dt), tensor.WithShape(s...))
}

// captureGrads captures each gradient node into a new host tensor.
func captureGrads(dt tensor.Dtype, grads G.Nodes) ([]*tensor.Dense, error) {
	out := make([]*tensor.Dense, len(grads))
	for i, gn := range grads {
		out[i] = newLike(dt, gn)
		if err := capture(gn, out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// scalarOf returns element 0 of a host tensor as float64.
func scalarOf(t *tensor.Dense) float64 {
	switch v := t.Data().(type) {
	case []float32:
		return float64(v[0])
	case []float64:
		return v[0]
	}
	return math.NaN()
}

// float64s copies a float32 or float64 slice to a new []float64.
func float64s(data any) []float64 {
	switch d := data.(type) {
	case []float32:
		out := make([]float64, len(d))
		for i, v := range d {
			out[i] = float64(v)
		}
		return out
	case []float64:
		return append([]float64(nil), d...)
	}
	return nil
}

// loadCriticBatch fills a critic graph's inputs: reals then fakes in x_real_fake,
// their one-hot labels (the fakes were generated with the reals' labels), and
// the per-sample interpolates x̂_i = ε_i x_r,i + (1-ε_i) x_f,i.
func loadCriticBatch[T float](cg *criticGraph, real, fake []T, eps []float64, labels []int, classes int) error {
	xrf, ok := cg.inputs.xRF.Data().([]T)
	if !ok {
		return fmt.Errorf("gan: critic input dtype %v does not match the batch", cg.inputs.xRF.Dtype())
	}
	n := len(xrf) / (2 * cg.b)
	if len(real) != cg.b*n || len(fake) != cg.b*n || len(eps) != cg.b || len(labels) != cg.b {
		return fmt.Errorf("gan: critic batch sizes real %d, fake %d, eps %d, labels %d; want %d, %d, %d, %d",
			len(real), len(fake), len(eps), len(labels), cg.b*n, cg.b*n, cg.b, cg.b)
	}
	copy(xrf, real)
	copy(xrf[cg.b*n:], fake)
	xh := cg.inputs.xHat.Data().([]T)
	for i := 0; i < cg.b; i++ {
		e := T(eps[i])
		r, f, h := real[i*n:(i+1)*n], fake[i*n:(i+1)*n], xh[i*n:(i+1)*n]
		for j := range h {
			h[j] = e*r[j] + (1-e)*f[j]
		}
	}
	if err := oneHot(cg.inputs.yRF.Data().([]T)[:cg.b*classes], labels, classes); err != nil {
		return err
	}
	copy(cg.inputs.yRF.Data().([]T)[cg.b*classes:], cg.inputs.yRF.Data().([]T)[:cg.b*classes])
	return oneHot(cg.inputs.yHat.Data().([]T), labels, classes)
}

// oneHot writes the one-hot rows of labels into dst (len(labels) x classes).
func oneHot[T float](dst []T, labels []int, classes int) error {
	clear(dst)
	for i, l := range labels {
		if l < 0 || l >= classes {
			return fmt.Errorf("gan: label %d out of range [0, %d)", l, classes)
		}
		dst[i*classes+l] = 1
	}
	return nil
}
