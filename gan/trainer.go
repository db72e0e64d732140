package gan

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"gorgonia.org/tensor"
)

// Hyper are the training hyperparameters. Defaults (DefaultHyper) follow
// Gulrajani et al. 2017, Algorithm 1.
type Hyper struct {
	BatchSize int     `json:"batch_size"` // m, default 64
	NCritic   int     `json:"n_critic"`   // critic steps per generator step, default 5
	Lambda    float64 `json:"lambda"`     // gradient penalty weight λ, default 10
	LR        float64 `json:"lr"`         // Adam step size α for both networks, default 1e-4
	Beta1     float64 `json:"beta1"`      // Adam β₁, default 0 (the paper; its reference code uses 0.5)
	Beta2     float64 `json:"beta2"`      // Adam β₂, default 0.9
	AdamEps   float64 `json:"adam_eps"`   // Adam ε, default 1e-8
	// Seed seeds batch sampling, latents z, interpolation weights ε and
	// augmentation. Weight initialisation is seeded by Config.Seed.
	Seed int64 `json:"seed"`
	// Balanced draws each batch's classes uniformly, then a sample of that
	// class, instead of drawing samples uniformly. It shows the minority
	// classes to the conditional critic as often as the others.
	Balanced bool `json:"balanced"`
	// Augment is DiffAugment (Zhao et al. 2020), off by default.
	Augment Augment `json:"augment"`
	// EMA is the decay of an exponential moving average of the generator's
	// weights, kept beside the trained weights and used for sampling
	// (Trainer.SamplingModel; Yazıcı et al. 2019, "The Unusual Effectiveness
	// of Averaging in GAN Training"). The decay at step t is
	// min(EMA, (1+t)/(10+t)), so early averages do not cling to the random
	// initialisation. 0 turns it off; default 0.999. It does not change
	// training, only the weights samples are drawn from.
	EMA float64 `json:"ema,omitempty"`
}

// DefaultHyper returns the WGAN-GP defaults.
func DefaultHyper() Hyper {
	return Hyper{BatchSize: 64, NCritic: 5, Lambda: 10, LR: 1e-4, Beta1: 0, Beta2: 0.9, AdamEps: 1e-8, Seed: 1, EMA: 0.999}
}

// Validate reports the first invalid field with its value and accepted range.
func (h Hyper) Validate() error {
	switch {
	case h.BatchSize < 1 || h.BatchSize > 4096:
		return configErr("BatchSize", h.BatchSize, "1..4096")
	case h.NCritic < 1 || h.NCritic > 100:
		return configErr("NCritic", h.NCritic, "1..100")
	case !(h.Lambda >= 0) || math.IsInf(h.Lambda, 0):
		return configErr("Lambda", h.Lambda, "a finite value >= 0")
	case !(h.LR > 0 && h.LR < 1):
		return configErr("LR", h.LR, "(0, 1)")
	case !(h.Beta1 >= 0 && h.Beta1 < 1):
		return configErr("Beta1", h.Beta1, "[0, 1)")
	case !(h.Beta2 >= 0 && h.Beta2 < 1):
		return configErr("Beta2", h.Beta2, "[0, 1)")
	case !(h.AdamEps > 0 && h.AdamEps < 1):
		return configErr("AdamEps", h.AdamEps, "(0, 1)")
	case !(h.EMA >= 0 && h.EMA < 1):
		return configErr("EMA", h.EMA, "[0, 1) (0: off)")
	}
	return nil
}

// StepStats describe one training step: NCritic critic updates and one
// generator update. Critic figures are means over the step's critic updates.
type StepStats struct {
	Step        int     `json:"step"`        // generator updates since the model was created, 1-based
	CriticLoss  float64 `json:"critic_loss"` // mean D(fake) - mean D(real) + λ·GP
	GenLoss     float64 `json:"gen_loss"`    // -mean D(G(z))
	Wasserstein float64 `json:"wasserstein"` // mean D(real) - mean D(fake), the critic's estimate
	Penalty     float64 `json:"penalty"`     // λ·mean (‖∇D(x̂)‖ - 1)²
	GradNorm    float64 `json:"grad_norm"`   // mean ‖∇D(x̂)‖ over the interpolates
	Seconds     float64 `json:"seconds"`     // wall time of the step
}

// RunOptions bound one Train call; at least one of Steps and TimeBudget must
// be set. Training also stops when ctx is done.
type RunOptions struct {
	Steps      int           // generator steps to run in this call
	TimeBudget time.Duration // wall time for this call; the running step is finished
	// Progress, if set, is called after every step; an error stops training
	// and Train returns it.
	Progress func(StepStats) error
}

// StopReason says why Train returned.
type StopReason string

const (
	StopSteps    StopReason = "steps"
	StopTime     StopReason = "time"
	StopCanceled StopReason = "canceled"
	StopProgress StopReason = "progress"
	StopError    StopReason = "error"
)

// TrainResult summarises a Train call.
type TrainResult struct {
	Steps int        // steps run in this call
	Stop  StopReason // why it stopped
}

// Trainer trains a Model with WGAN-GP. It owns the optimizer state and the
// random stream; it is not safe for concurrent use.
type Trainer struct {
	m       *Model
	hp      Hyper
	pcg     *rand.PCG
	rng     *rand.Rand
	step    int
	history []StepStats
	cOpt    *adam
	gOpt    *adam
	ema     []*tensor.Dense // moving average of the generator's params (nil: Hyper.EMA = 0)

	// arena holds the output buffers of cg, gg and fg, which run one
	// after the other (planBuffers); privateBuffers (tests) leaves every
	// node its own buffer instead.
	arena          *bufArena
	privateBuffers bool
	cg             *criticGraph // shards[0].cg
	gg             *genGraph    // shards[0].gg
	fg             *fwdGraph
	// workers is the number of batch shards run at once (SetWorkers);
	// shards are their graphs, sums the weighted sums of their gradients.
	workers int
	shards  []*shard
	cSum    []*tensor.Dense
	gSum    []*tensor.Dense
	// host buffers
	realF32 []float32
	eps     []float64
	labels  []int
	typed   any // []float32 or []float64 reals for float64 models
	zFull   any // []T latents of a whole generator batch, when sharded
	// fakeFull is the critic's batch of fakes gathered from the shards.
	fakeFull any
}

// NewTrainer returns a trainer for m with fresh Adam state.
func NewTrainer(m *Model, hp Hyper) (*Trainer, error) {
	if m == nil {
		return nil, errors.New("gan: NewTrainer: nil model")
	}
	if err := hp.Validate(); err != nil {
		return nil, err
	}
	pcg := rand.NewPCG(uint64(hp.Seed), seedStreamTrain)
	t := &Trainer{
		m: m, hp: hp, pcg: pcg, rng: rand.New(pcg),
		cOpt: newAdam(m.critic, hp.LR, hp.Beta1, hp.Beta2, hp.AdamEps),
		gOpt: newAdam(m.gen, hp.LR, hp.Beta1, hp.Beta2, hp.AdamEps),
	}
	if hp.EMA > 0 {
		for _, p := range m.gen.list {
			t.ema = append(t.ema, p.t.Clone().(*tensor.Dense))
		}
	}
	return t, nil
}

// SamplingModel returns the model to sample from: with Hyper.EMA a snapshot
// whose generator holds the moving average of the generator's weights
// (its critic is a copy of the trained critic), otherwise the trained model
// itself. The snapshot does not change when training goes on.
func (t *Trainer) SamplingModel() *Model {
	if t.ema == nil {
		return t.m
	}
	out := &Model{cfg: t.m.cfg, critic: newParamSet(), gen: newParamSet()}
	for _, set := range []struct {
		from, to *paramSet
		values   []*tensor.Dense
	}{{t.m.critic, out.critic, nil}, {t.m.gen, out.gen, t.ema}} {
		for i, p := range set.from.list {
			v := p.t
			if set.values != nil {
				v = set.values[i]
			}
			q := &param{name: p.name, t: v.Clone().(*tensor.Dense)}
			set.to.list = append(set.to.list, q)
			set.to.byName[q.name] = q
		}
	}
	return out
}

// updateEMA moves the average toward the generator's current weights.
func (t *Trainer) updateEMA() {
	if t.ema == nil {
		return
	}
	n := float64(t.step + 1)
	d := min(t.hp.EMA, (1+n)/(10+n))
	for i, p := range t.m.gen.list {
		switch w := p.t.Data().(type) {
		case []float32:
			e := t.ema[i].Data().([]float32)
			a, b := float32(d), float32(1-d)
			for j, v := range w {
				e[j] = a*e[j] + b*v
			}
		case []float64:
			e := t.ema[i].Data().([]float64)
			for j, v := range w {
				e[j] = d*e[j] + (1-d)*v
			}
		}
	}
}

// Model returns the model being trained.
func (t *Trainer) Model() *Model { return t.m }

// Hyper returns the hyperparameters.
func (t *Trainer) Hyper() Hyper { return t.hp }

// Step returns the number of generator updates so far.
func (t *Trainer) Step() int { return t.step }

// History returns a copy of the per-step statistics so far.
func (t *Trainer) History() []StepStats { return append([]StepStats(nil), t.history...) }

// Train runs training steps on data until run.Steps steps are done,
// run.TimeBudget has passed, ctx is done, or Progress returns an error.
// A done ctx returns its error with Stop = StopCanceled; the model and
// trainer stay consistent (a step is never half applied).
func (t *Trainer) Train(ctx context.Context, data Dataset, run RunOptions) (TrainResult, error) {
	var res TrainResult
	if run.Steps < 0 || run.TimeBudget < 0 || (run.Steps == 0 && run.TimeBudget == 0) {
		return res, fmt.Errorf("gan: RunOptions Steps = %d, TimeBudget = %v: set Steps > 0 or TimeBudget > 0", run.Steps, run.TimeBudget)
	}
	idx, err := classIndex(data, t.m.cfg.Classes)
	if err != nil {
		return res, err
	}
	if err := t.ensureGraphs(); err != nil {
		return res, err
	}
	start := time.Now()
	for {
		switch {
		case ctx.Err() != nil:
			res.Stop = StopCanceled
			return res, ctx.Err()
		case run.Steps > 0 && res.Steps >= run.Steps:
			res.Stop = StopSteps
			return res, nil
		case run.TimeBudget > 0 && time.Since(start) >= run.TimeBudget:
			res.Stop = StopTime
			return res, nil
		}
		st, err := t.trainStep(data, idx)
		if err != nil {
			res.Stop = StopError
			return res, err
		}
		res.Steps++
		if run.Progress != nil {
			if err := run.Progress(st); err != nil {
				res.Stop = StopProgress
				return res, err
			}
		}
	}
}

func (t *Trainer) ensureGraphs() error {
	if t.cg != nil {
		return nil
	}
	b := t.hp.BatchSize
	var err error
	if !t.privateBuffers {
		t.arena = &bufArena{}
	}
	if err := t.buildShards(); err != nil {
		return err
	}
	if t.fg, err = newFwdGraph(t.m, b, t.arena); err != nil {
		return err
	}
	f := t.m.cfg.features()
	t.realF32 = make([]float32, b*f)
	t.eps = make([]float64, b)
	t.labels = make([]int, b)
	if t.m.cfg.DType == Float64 {
		t.typed = make([]float64, b*f)
	}
	return nil
}

// trainStep runs NCritic critic updates and one generator update.
func (t *Trainer) trainStep(data Dataset, idx [][]int) (StepStats, error) {
	start := time.Now()
	st := StepStats{Step: t.step + 1}
	for k := 0; k < t.hp.NCritic; k++ {
		var err error
		if t.m.cfg.DType == Float64 {
			err = criticUpdate[float64](t, data, idx, &st)
		} else {
			err = criticUpdate[float32](t, data, idx, &st)
		}
		if err != nil {
			return st, err
		}
	}
	n := float64(t.hp.NCritic)
	st.CriticLoss /= n
	st.Wasserstein /= n
	st.Penalty /= n
	st.GradNorm /= n
	var err error
	if t.m.cfg.DType == Float64 {
		err = genUpdate[float64](t, data, idx, &st)
	} else {
		err = genUpdate[float32](t, data, idx, &st)
	}
	if err != nil {
		return st, err
	}
	t.updateEMA()
	t.step++
	st.Seconds = time.Since(start).Seconds()
	t.history = append(t.history, st)
	return st, nil
}

// drawBatch draws one batch of sample indices and fills t.labels and,
// with read, t.realF32. Generator batches draw labels the same way.
func (t *Trainer) drawBatch(data Dataset, idx [][]int, read bool) error {
	f := t.m.cfg.features()
	for i := range t.labels {
		var s int
		if t.hp.Balanced {
			c := t.rng.IntN(len(idx))
			for len(idx[c]) == 0 { // classes without samples are skipped
				c = (c + 1) % len(idx)
			}
			s = idx[c][t.rng.IntN(len(idx[c]))]
		} else {
			s = t.rng.IntN(data.Len())
		}
		t.labels[i] = data.Label(s)
		if read {
			if err := data.Read(s, t.realF32[i*f:(i+1)*f]); err != nil {
				return fmt.Errorf("gan: reading sample %d: %w", s, err)
			}
		}
	}
	return nil
}

func criticUpdate[T float](t *Trainer, data Dataset, idx [][]int, st *StepStats) error {
	if err := t.drawBatch(data, idx, true); err != nil {
		return err
	}
	real := typedReals[T](t)
	var fake []T
	var err error
	if len(t.shards) > 1 {
		fake, err = generateSharded[T](t)
	} else {
		fake, err = generate[T](t.fg, t.rng, t.labels, t.m.cfg.Classes)
	}
	if err != nil {
		return err
	}
	for i := range t.eps {
		t.eps[i] = t.rng.Float64()
	}
	if t.hp.Augment.enabled() {
		shape := [3]int{t.m.cfg.Height, t.m.cfg.Width, t.m.cfg.Channels}
		augmentBatch(real, shape, t.hp.Augment, t.rng)
		augmentBatch(fake, shape, t.hp.Augment, t.rng)
	}
	if err := runShards(t.shards, func(sh *shard) error {
		n := t.m.cfg.features()
		if err := loadCriticBatch(sh.cg, real[sh.lo*n:sh.hi*n], fake[sh.lo*n:sh.hi*n], t.eps[sh.lo:sh.hi], t.labels[sh.lo:sh.hi], t.m.cfg.Classes); err != nil {
			return err
		}
		return sh.cg.run()
	}); err != nil {
		return err
	}
	grads := t.shards[0].cg.out.grads
	if len(t.shards) > 1 {
		grads = t.sumGrads(t.cSum, func(sh *shard) []*tensor.Dense { return sh.cg.out.grads })
	}
	if err := t.cOpt.step(t.m.critic, grads); err != nil {
		return err
	}
	b := t.hp.BatchSize
	var dr, df, norms float64
	for _, sh := range t.shards {
		d := sh.cg.out.dRF.Data().([]T)
		nb := sh.hi - sh.lo
		for i := 0; i < nb; i++ {
			dr += float64(d[i])
			df += float64(d[nb+i])
		}
		for _, v := range sh.cg.out.norms.Data().([]T) {
			norms += float64(v)
		}
		// A shard's loss is a mean over its rows: the batch's is their
		// weighted mean.
		w := sh.weight(b)
		st.CriticLoss += w * scalarOf(sh.cg.out.loss)
		st.Penalty += w * scalarOf(sh.cg.out.pen)
	}
	st.Wasserstein += (dr - df) / float64(b)
	st.GradNorm += norms / float64(b)
	return nil
}

func genUpdate[T float](t *Trainer, data Dataset, idx [][]int, st *StepStats) error {
	if err := t.drawBatch(data, idx, false); err != nil {
		return err
	}
	// Draws in the order of one batch, whatever the shards: z, then the
	// augmentation of each sample.
	z := t.shards[0].gg.inputs.z.Data().([]T)
	if len(t.shards) > 1 {
		z = t.zFull.([]T)
	}
	fillNormal(z, t.rng)
	var aug []augParams
	if t.hp.Augment.enabled() {
		aug = make([]augParams, t.hp.BatchSize)
		for i := range aug {
			aug[i] = drawAugParams(t.hp.Augment, t.m.cfg.Height, t.m.cfg.Width, t.rng)
		}
	}
	zdim, k := t.m.cfg.ZDim, t.m.cfg.Classes
	if err := runShards(t.shards, func(sh *shard) error {
		gg := sh.gg
		if len(t.shards) > 1 {
			copy(gg.inputs.z.Data().([]T), z[sh.lo*zdim:sh.hi*zdim])
		}
		if err := oneHot(gg.inputs.y.Data().([]T), t.labels[sh.lo:sh.hi], k); err != nil {
			return err
		}
		if aug != nil {
			if gg.aug == nil {
				return fmt.Errorf("gan: generator graph was built without augmentation")
			}
			copy(*gg.aug, aug[sh.lo:sh.hi])
		}
		return gg.run()
	}); err != nil {
		return err
	}
	grads := t.shards[0].gg.out.grads
	if len(t.shards) > 1 {
		grads = t.sumGrads(t.gSum, func(sh *shard) []*tensor.Dense { return sh.gg.out.grads })
	}
	if err := t.gOpt.step(t.m.gen, grads); err != nil {
		return err
	}
	st.GenLoss = 0
	for _, sh := range t.shards {
		st.GenLoss += sh.weight(t.hp.BatchSize) * scalarOf(sh.gg.out.loss)
	}
	return nil
}

// typedReals returns the batch of reals as []T (float64 models copy).
func typedReals[T float](t *Trainer) []T {
	if r, ok := any(t.realF32).([]T); ok {
		return r
	}
	dst := t.typed.([]T)
	for i, v := range t.realF32 {
		dst[i] = T(v)
	}
	return dst
}

// generate runs the generator on fresh latents z ~ N(0, I) for the labels
// and returns its output buffer (valid until the next run).
func generate[T float](fg *fwdGraph, rng *rand.Rand, labels []int, classes int) ([]T, error) {
	fillNormal(fg.inputs.z.Data().([]T), rng)
	if err := oneHot(fg.inputs.y.Data().([]T), labels, classes); err != nil {
		return nil, err
	}
	if err := fg.run(); err != nil {
		return nil, err
	}
	return fg.out.Data().([]T), nil
}

func fillNormal[T float](dst []T, rng *rand.Rand) {
	for i := range dst {
		dst[i] = T(rng.NormFloat64())
	}
}
