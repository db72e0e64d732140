package tabgan

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"time"

	"github.com/tailsynth/tailsynth/smote"
)

// Trainer trains a Model (CTGAN's fit loop). It holds the critic, both Adam
// states and the random state, so a checkpoint resumes exactly.
type Trainer struct {
	m       *Model
	cfg     Config
	data    []float64 // transformed rows, rows x dim
	rows    int
	sampler *condSampler
	critic  *criticNet
	critP   []float64
	adamG   *adam
	adamD   *adam
	pcg     *rand.PCG
	rng     *rand.Rand
	step    int
}

// NewTrainer fits the data transformer to t and builds fresh networks. y
// holds a class in [0, numClasses) per row of t.
func NewTrainer(t smote.Table, y []int, numClasses int, cfg Config) (*Trainer, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if err := checkLabels(t, y, numClasses); err != nil {
		return nil, err
	}
	tr, err := FitTransformer(t)
	if err != nil {
		return nil, err
	}
	m := &Model{tr: tr, classes: numClasses, zDim: cfg.ZDim, hidden: append([]int(nil), cfg.GenHidden...)}
	m.gen = newGenNet(cfg.ZDim+m.condDim()+numClasses, cfg.GenHidden, tr.Dim())
	m.genP = make([]float64, m.gen.size)
	tn := &Trainer{m: m, cfg: cfg}
	tn.critic = newCriticNet(cfg.Pac*(tr.Dim()+m.condDim()+numClasses), cfg.CriticHidden, cfg.LeakySlope, cfg.Dropout)
	tn.critP = make([]float64, tn.critic.size)
	init := rand.New(rand.NewPCG(uint64(cfg.Seed), streamInit))
	initLayers(m.genP, m.gen.layers, init)
	initLayers(tn.critP, tn.critic.layers, init)
	if err := tn.attach(t, y); err != nil {
		return nil, err
	}
	tn.adamG = newAdam(m.gen.size, cfg)
	tn.adamD = newAdam(tn.critic.size, cfg)
	tn.pcg = rand.NewPCG(uint64(cfg.Seed), streamTrain)
	tn.rng = rand.New(tn.pcg)
	return tn, nil
}

// attach transforms the training data and builds the condition sampler.
func (tn *Trainer) attach(t smote.Table, y []int) error {
	m := tn.m
	data, err := m.tr.Transform(t, rand.New(rand.NewPCG(uint64(tn.cfg.Seed), streamTransform)))
	if err != nil {
		return err
	}
	tn.data, tn.rows = data, t.Rows()
	tn.sampler = newCondSampler(t.Categorical, t.Levels, y, m.classes)
	m.classRows = make([]int, m.classes)
	for c := range m.classes {
		m.classRows[c] = len(tn.sampler.byClass[c])
	}
	m.freqP = tn.sampler.freqP
	return nil
}

func checkLabels(t smote.Table, y []int, numClasses int) error {
	if numClasses < 1 {
		return fmt.Errorf("tabgan: numClasses = %d, want >= 1", numClasses)
	}
	if len(y) != t.Rows() {
		return fmt.Errorf("tabgan: %d labels for %d rows, want one label per row", len(y), t.Rows())
	}
	for i, c := range y {
		if c < 0 || c >= numClasses {
			return fmt.Errorf("tabgan: row %d has label %d, want a class in [0, %d)", i, c, numClasses)
		}
	}
	return nil
}

// Model returns the model being trained; sample it only between Train calls.
func (tn *Trainer) Model() *Model { return tn.m }

// Step returns the number of generator steps run so far.
func (tn *Trainer) Step() int { return tn.step }

// StepsPerEpoch is CTGAN's max(rows/Batch, 1).
func (tn *Trainer) StepsPerEpoch() int { return max(tn.rows/tn.cfg.Batch, 1) }

// Train runs generator steps until the trainer has run total steps in all,
// the time budget of the Config is spent, ctx is done or Progress fails. It
// returns nil when it stopped on steps or time, and the context's or
// Progress's error otherwise; the trainer stays usable (and checkpointable)
// after every step.
func (tn *Trainer) Train(ctx context.Context, total int) error {
	start := time.Now()
	for tn.step < total {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("tabgan: training stopped at step %d of %d: %w", tn.step, total, err)
		}
		if tn.cfg.TimeBudget > 0 && time.Since(start) >= tn.cfg.TimeBudget {
			return nil
		}
		t0 := time.Now()
		var st Stats
		for range tn.cfg.CriticSteps {
			st.CriticLoss, st.Penalty = tn.criticStep()
		}
		st.GenLoss, st.CondLoss = tn.genStep()
		tn.step++
		st.Step, st.Epoch = tn.step, (tn.step-1)/tn.StepsPerEpoch()+1
		st.Seconds = time.Since(t0).Seconds()
		if tn.cfg.Progress != nil {
			if err := tn.cfg.Progress(st); err != nil {
				return fmt.Errorf("tabgan: progress stopped training at step %d: %w", tn.step, err)
			}
		}
	}
	return nil
}

// TotalSteps returns the steps the Config asks for: Steps, or Epochs times
// StepsPerEpoch; with only a TimeBudget, effectively unbounded.
func (tn *Trainer) TotalSteps() int {
	switch {
	case tn.cfg.Steps > 0:
		return tn.cfg.Steps
	case tn.cfg.Epochs > 0:
		return tn.cfg.Epochs * tn.StepsPerEpoch()
	}
	return math.MaxInt
}

// Fit trains a model on t with labels y (classes in [0, numClasses)) as cfg
// says. Stopping on cfg.TimeBudget is not an error; a done ctx is.
func Fit(ctx context.Context, t smote.Table, y []int, numClasses int, cfg Config) (*Model, error) {
	tn, err := NewTrainer(t, y, numClasses, cfg)
	if err != nil {
		return nil, err
	}
	if err := tn.Train(ctx, tn.TotalSteps()); err != nil {
		return nil, err
	}
	return tn.m, nil
}

// rowWidth is the width of a critic input row: data, cond, label.
func (tn *Trainer) rowWidth() int { return tn.m.tr.Dim() + tn.m.condDim() + tn.m.classes }

// fake runs the generator on conditions ks and applies the output
// activations: tanh on scalars, Gumbel-softmax (τ) on one-hots. It returns
// the pass, the activated rows and the Gumbel-softmax outputs' positions.
func (tn *Trainer) fake(ks []cond) (*genPass, []float64) {
	m := tn.m
	gp := m.gen.forward(m.genP, m.genInput(ks, tn.rng), len(ks))
	d := m.tr.Dim()
	act := make([]float64, len(gp.out))
	spans := m.tr.spans()
	for i := range ks {
		src, dst := gp.out[i*d:(i+1)*d], act[i*d:(i+1)*d]
		for _, s := range spans {
			if !s.softmax {
				dst[s.start] = math.Tanh(src[s.start])
				continue
			}
			mx := math.Inf(-1)
			for k := range s.dim {
				v := (src[s.start+k] - math.Log(tn.rng.ExpFloat64())) / tn.cfg.Tau
				dst[s.start+k] = v
				mx = max(mx, v)
			}
			sum := 0.0
			for k := range s.dim {
				dst[s.start+k] = math.Exp(dst[s.start+k] - mx)
				sum += dst[s.start+k]
			}
			for k := range s.dim {
				dst[s.start+k] /= sum
			}
		}
	}
	return gp, act
}

// criticInput writes rows [data, cond, label] (packs are consecutive rows).
func (tn *Trainer) criticInput(data []float64, ks []cond) []float64 {
	d, w := tn.m.tr.Dim(), tn.rowWidth()
	x := make([]float64, len(ks)*w)
	for i, k := range ks {
		copy(x[i*w:i*w+d], data[i*d:(i+1)*d])
		tn.m.writeCond(x[i*w+d:(i+1)*w], k)
	}
	return x
}

func (tn *Trainer) drawConds(b int) []cond {
	ks := make([]cond, b)
	for i := range ks {
		ks[i] = tn.sampler.drawCond(tn.rng)
	}
	return ks
}

// criticStep is one critic update (CTGAN's discriminator step): fakes under
// conditions c1, reals under a permutation c2 of c1, loss −(mean D(real) −
// mean D(fake)) plus the gradient penalty on per-pack interpolates.
func (tn *Trainer) criticStep() (loss, pen float64) {
	loss, pen, grad := tn.criticGrad()
	tn.adamD.step(tn.critP, grad)
	return loss, pen
}

// criticGrad returns the critic loss, its penalty part and its gradient.
func (tn *Trainer) criticGrad() (loss, pen float64, grad []float64) {
	b, pac, d := tn.cfg.Batch, tn.cfg.Pac, tn.m.tr.Dim()
	n := b / pac
	c1 := tn.drawConds(b)
	perm := tn.rng.Perm(b)
	c2 := make([]cond, b)
	real := make([]float64, b*d)
	for i, p := range perm {
		c2[i] = c1[p]
		r := tn.sampler.realRow(c2[i], tn.rng)
		copy(real[i*d:(i+1)*d], tn.data[r*d:(r+1)*d])
	}
	_, act := tn.fake(c1)
	xf := tn.criticInput(act, c1)
	xr := tn.criticInput(real, c2)
	grad = make([]float64, tn.critic.size)
	pf := tn.critic.forward(tn.critP, xf, n, tn.rng)
	pr := tn.critic.forward(tn.critP, xr, n, tn.rng)
	dOut := make([]float64, n)
	for i := range dOut {
		dOut[i] = 1 / float64(n)
		loss += (pf.out[i] - pr.out[i]) / float64(n)
	}
	tn.critic.backward(tn.critP, grad, pf, dOut, false)
	for i := range dOut {
		dOut[i] = -1 / float64(n)
	}
	tn.critic.backward(tn.critP, grad, pr, dOut, false)
	// Interpolates: one α per pack (CTGAN's calc_gradient_penalty).
	w := tn.critic.in
	xh := make([]float64, n*w)
	for i := range n {
		a := tn.rng.Float64()
		for k := i * w; k < (i+1)*w; k++ {
			xh[k] = a*xr[k] + (1-a)*xf[k]
		}
	}
	ph := tn.critic.forward(tn.critP, xh, n, tn.rng)
	pen, _ = tn.critic.penalty(tn.critP, grad, ph, tn.cfg.Lambda)
	return loss + pen, pen, grad
}

// genStep is one generator update: −mean D(G(z, c)) plus the cross-entropy
// of the conditioned column's logits against the conditioned level.
func (tn *Trainer) genStep() (loss, condLoss float64) {
	loss, condLoss, grad := tn.genGrad()
	tn.adamG.step(tn.m.genP, grad)
	return loss, condLoss
}

// genGrad returns the generator loss, its conditional part and its gradient.
func (tn *Trainer) genGrad() (loss, condLoss float64, grad []float64) {
	b, pac, d := tn.cfg.Batch, tn.cfg.Pac, tn.m.tr.Dim()
	n := b / pac
	ks := tn.drawConds(b)
	gp, act := tn.fake(ks)
	x := tn.criticInput(act, ks)
	pc := tn.critic.forward(tn.critP, x, n, tn.rng)
	dOut := make([]float64, n)
	for i := range dOut {
		dOut[i] = -1 / float64(n)
		loss -= pc.out[i] / float64(n)
	}
	dx := tn.critic.backward(tn.critP, nil, pc, dOut, true)
	w := tn.rowWidth()
	dF := make([]float64, b*d)
	tau := tn.cfg.Tau
	spans := tn.m.tr.spans()
	for i := range b {
		da, a, df := dx[i*w:i*w+d], act[i*d:(i+1)*d], dF[i*d:(i+1)*d]
		for _, s := range spans {
			if !s.softmax {
				df[s.start] = da[s.start] * (1 - a[s.start]*a[s.start])
				continue
			}
			dot := 0.0
			for k := range s.dim {
				dot += a[s.start+k] * da[s.start+k]
			}
			for k := range s.dim {
				df[s.start+k] = a[s.start+k] * (da[s.start+k] - dot) / tau
			}
		}
		if k := ks[i]; k.col >= 0 {
			at, l := tn.m.tr.catStart(k.col), tn.m.tr.Levels[k.col]
			logits := gp.out[i*d+at : i*d+at+l]
			mx := math.Inf(-1)
			for _, v := range logits {
				mx = max(mx, v)
			}
			sum := 0.0
			for _, v := range logits {
				sum += math.Exp(v - mx)
			}
			lse := mx + math.Log(sum)
			condLoss += (lse - logits[k.level]) / float64(b)
			for v, z := range logits {
				g := math.Exp(z-lse) / float64(b)
				if v == k.level {
					g -= 1 / float64(b)
				}
				df[at+v] += g
			}
		}
	}
	grad = make([]float64, tn.m.gen.size)
	tn.m.gen.backward(tn.m.genP, grad, gp, dF)
	return loss + condLoss, condLoss, grad
}

// adam is torch.optim.Adam with L2 weight decay added to the gradient, its
// bias corrections folded into the step size as in package gan.
type adam struct {
	LR, Beta1, Beta2, Eps, Decay float64
	T                            int64
	M, V                         []float64
}

func newAdam(n int, cfg Config) *adam {
	return &adam{LR: cfg.LR, Beta1: cfg.Beta1, Beta2: cfg.Beta2, Eps: 1e-8, Decay: cfg.WeightDecay, M: make([]float64, n), V: make([]float64, n)}
}

func (a *adam) step(w, g []float64) {
	a.T++
	bc1 := 1 - math.Pow(a.Beta1, float64(a.T))
	sqrtBC2 := math.Sqrt(1 - math.Pow(a.Beta2, float64(a.T)))
	stepSize := a.LR / bc1
	for i := range w {
		gi := g[i] + a.Decay*w[i]
		a.M[i] = a.Beta1*a.M[i] + (1-a.Beta1)*gi
		a.V[i] = a.Beta2*a.V[i] + (1-a.Beta2)*gi*gi
		w[i] -= stepSize * a.M[i] / (math.Sqrt(a.V[i])/sqrtBC2 + a.Eps)
	}
}

type ckptFile struct {
	Format  string    `json:"format"`
	Version int       `json:"version"`
	Config  Config    `json:"config"`
	Model   modelFile `json:"model"`
	Critic  []float64 `json:"critic"`
	AdamG   *adam     `json:"adam_generator"`
	AdamD   *adam     `json:"adam_critic"`
	Step    int       `json:"step"`
	RNG     []byte    `json:"rng"`
	Rows    int       `json:"rows"`
}

// Save writes a checkpoint (JSON, format "tailsynth/tabgan-checkpoint",
// version 1): the model, the critic, both Adam states, the step and the
// random state. The training data are not in it: LoadTrainer takes them
// again. Training N steps, saving, loading and training to N+M gives the
// same model as training N+M steps straight.
func (tn *Trainer) Save(w io.Writer) error {
	rs, err := tn.pcg.MarshalBinary()
	if err != nil {
		return fmt.Errorf("tabgan: random state: %w", err)
	}
	f := ckptFile{Format: ckptFormat, Version: ckptVersion, Config: tn.cfg, Model: tn.m.file(), Critic: tn.critP,
		AdamG: tn.adamG, AdamD: tn.adamD, Step: tn.step, RNG: rs, Rows: tn.rows}
	if err := json.NewEncoder(w).Encode(f); err != nil {
		return fmt.Errorf("tabgan: writing checkpoint: %w", err)
	}
	return nil
}

// LoadTrainer reads a checkpoint written by Trainer.Save and reattaches the
// same training data (t, y). The time budget and progress function are not
// stored: set them with SetRun.
func LoadTrainer(r io.Reader, t smote.Table, y []int) (*Trainer, error) {
	var f ckptFile
	if err := json.NewDecoder(r).Decode(&f); err != nil {
		return nil, fmt.Errorf("tabgan: reading checkpoint: %w", err)
	}
	if f.Format != ckptFormat || f.Version != ckptVersion {
		return nil, fmt.Errorf("tabgan: checkpoint has format %q version %d, want %q version %d", f.Format, f.Version, ckptFormat, ckptVersion)
	}
	if err := f.Config.validate(); err != nil {
		return nil, err
	}
	m, err := f.Model.model()
	if err != nil {
		return nil, err
	}
	if t.Rows() != f.Rows {
		return nil, fmt.Errorf("tabgan: checkpoint was trained on %d rows, got %d; resume with the same table", f.Rows, t.Rows())
	}
	if err := checkLabels(t, y, m.classes); err != nil {
		return nil, err
	}
	tn := &Trainer{m: m, cfg: f.Config}
	tn.critic = newCriticNet(f.Config.Pac*(m.tr.Dim()+m.condDim()+m.classes), f.Config.CriticHidden, f.Config.LeakySlope, f.Config.Dropout)
	if len(f.Critic) != tn.critic.size || f.AdamG == nil || f.AdamD == nil ||
		len(f.AdamG.M) != m.gen.size || len(f.AdamG.V) != m.gen.size || len(f.AdamD.M) != tn.critic.size || len(f.AdamD.V) != tn.critic.size {
		return nil, errors.New("tabgan: checkpoint's critic or Adam state does not fit its architecture")
	}
	tn.critP, tn.adamG, tn.adamD, tn.step = f.Critic, f.AdamG, f.AdamD, f.Step
	if err := tn.attach(t, y); err != nil {
		return nil, err
	}
	tn.pcg = &rand.PCG{}
	if err := tn.pcg.UnmarshalBinary(f.RNG); err != nil {
		return nil, fmt.Errorf("tabgan: checkpoint random state: %w", err)
	}
	tn.rng = rand.New(tn.pcg)
	return tn, nil
}

// Config returns the trainer's configuration (for a loaded checkpoint,
// the one it was trained with; the time budget and progress are SetRun's).
func (tn *Trainer) Config() Config { return tn.cfg }

// SetRun sets the time budget and progress function of later Train calls.
func (tn *Trainer) SetRun(budget time.Duration, progress func(Stats) error) {
	tn.cfg.TimeBudget, tn.cfg.Progress = budget, progress
}
