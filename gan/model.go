package gan

import (
	"fmt"
	"math/rand/v2"
	"sync"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Model is a class-conditional generator and its critic: the architecture
// (Config) and the learnable weights. A Model is safe for concurrent Sample
// calls, but must not be sampled while a Trainer is training it.
type Model struct {
	cfg    Config
	critic *paramSet
	gen    *paramSet

	mu sync.Mutex
	// samplers run Sample's batches, one shard of rows each (built on
	// first Sample); sampleWorkers is their number (0: AutoWorkers).
	samplers      []*sampleShard
	sampleWorkers int
}

// NewModel validates cfg and returns a model with freshly initialised
// weights; the same cfg (including Seed) always gives the same weights.
func NewModel(cfg Config) (*Model, error) {
	cfg, err := cfg.normalize()
	if err != nil {
		return nil, err
	}
	m := &Model{cfg: cfg, critic: newParamSet(), gen: newParamSet()}
	rng := rand.New(rand.NewPCG(uint64(cfg.Seed), seedStreamInit))
	// Build both networks once at batch 1; netCtx creates the params as the
	// architecture code asks for them, in a fixed order.
	g := G.NewGraph()
	dt := dtypeOf(cfg.DType)
	x := newNode(g, dt, tensor.Shape{1, cfg.Height, cfg.Width, cfg.Channels}, "x", nil)
	y := newNode(g, dt, tensor.Shape{1, cfg.Classes}, "y", nil)
	z := newNode(g, dt, tensor.Shape{1, cfg.ZDim}, "z", nil)
	if _, err := critic(newNetCtx(g, dt, m.critic, rng), cfg, x, y); err != nil {
		return nil, fmt.Errorf("gan: building critic: %w", err)
	}
	if _, err := generator(newNetCtx(g, dt, m.gen, rng), cfg, z, y); err != nil {
		return nil, fmt.Errorf("gan: building generator: %w", err)
	}
	return m, nil
}

// Seed streams: the second PCG word separates the uses of one user seed.
const (
	seedStreamInit   = 0x6a09e667f3bcc908
	seedStreamTrain  = 0xbb67ae8584caa73b
	seedStreamSample = 0x3c6ef372fe94f82b
)

// Config returns the model's configuration with derived fields (Stages) filled in.
func (m *Model) Config() Config {
	c := m.cfg
	c.Hidden = append([]int(nil), c.Hidden...)
	return c
}

// NumParams returns the number of learnable scalars of the critic and of the generator.
func (m *Model) NumParams() (critic, generator int) { return m.critic.size(), m.gen.size() }

// ParamNames lists the critic's or the generator's params in checkpoint order.
func (m *Model) ParamNames(ofCritic bool) []string {
	ps := m.gen
	if ofCritic {
		ps = m.critic
	}
	names := make([]string, len(ps.list))
	for i, p := range ps.list {
		names[i] = p.name
	}
	return names
}
