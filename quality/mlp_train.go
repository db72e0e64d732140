package quality

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"

	"github.com/tailsynth/tailsynth/quality/neighbors"
)

// MLPConfig sets [TrainMLP]. Zero values mean the defaults in brackets.
type MLPConfig struct {
	Hidden       int     `json:"hidden"`        // hidden units [128]
	Epochs       int     `json:"epochs"`        // passes over the data [10]
	BatchSize    int     `json:"batch_size"`    // rows per Adam step [128]
	LearningRate float64 `json:"learning_rate"` // Adam step size [1e-3]
	// WeightDecay adds WeightDecay·W to the weight gradients (L2; biases
	// excluded) [0].
	WeightDecay float64 `json:"weight_decay"`
	// Standardize fits a [Standardizer] on the training rows and applies it
	// to every input. Leave it off for pixels in [0, 1] (standardising
	// nearly-constant border pixels amplifies noise); turn it on for
	// feature columns of different scales.
	Standardize bool  `json:"standardize"`
	Seed        int64 `json:"seed"`
}

func (c MLPConfig) withDefaults() MLPConfig {
	if c.Hidden == 0 {
		c.Hidden = 128
	}
	if c.Epochs == 0 {
		c.Epochs = 10
	}
	if c.BatchSize == 0 {
		c.BatchSize = 128
	}
	if c.LearningRate == 0 {
		c.LearningRate = 1e-3
	}
	return c
}

// MLPEpoch is the mean training loss and accuracy over one epoch, measured on
// the mini-batches as they were trained.
type MLPEpoch struct {
	Loss     float64 `json:"loss"`
	Accuracy float64 `json:"accuracy"`
}

// TrainMLP trains an [MLP] on the rows of x with labels y in [0, numClasses):
// He-normal initial weights (zero biases), cross-entropy loss, Adam
// (β₁=0.9, β₂=0.999, ε=1e-8) on mini-batches of a fresh seeded permutation
// each epoch (the last, smaller batch included). Training is deterministic:
// math/rand/v2 PCG seeded with cfg.Seed, and gonum's parallel Gemm splits
// only the output, so float sums run in a fixed order.
func TrainMLP(ctx context.Context, x blas32.General, y []int, numClasses int, cfg MLPConfig) (*MLP, []MLPEpoch, error) {
	cfg = cfg.withDefaults()
	if numClasses < 2 {
		return nil, nil, fmt.Errorf("mlp: %d classes, want at least 2", numClasses)
	}
	if cfg.Hidden < 1 || cfg.Epochs < 1 || cfg.BatchSize < 1 || cfg.LearningRate < 0 || cfg.WeightDecay < 0 {
		return nil, nil, fmt.Errorf("mlp: config %+v, want positive hidden, epochs, batch size and non-negative rates", cfg)
	}
	if err := (Dataset{X: x, Y: y}).Validate(numClasses); err != nil {
		return nil, nil, fmt.Errorf("mlp: %w", err)
	}
	rng := rand.New(rand.NewPCG(uint64(cfg.Seed), 0x6d6c70))
	m := &MLP{
		In: x.Cols, Hidden: cfg.Hidden, Classes: numClasses,
		W1: make([]float32, x.Cols*cfg.Hidden), B1: make([]float32, cfg.Hidden),
		W2: make([]float32, cfg.Hidden*numClasses), B2: make([]float32, numClasses),
	}
	if cfg.Standardize {
		s, err := FitStandardizer(x)
		if err != nil {
			return nil, nil, fmt.Errorf("mlp: %w", err)
		}
		m.Scaler = &s
	}
	heNormal(rng, m.W1, x.Cols)
	heNormal(rng, m.W2, cfg.Hidden)
	params := [][]float32{m.W1, m.B1, m.W2, m.B2}
	decay := []bool{true, false, true, false}
	opt := newAdam(params, cfg.LearningRate)

	bs := min(cfg.BatchSize, x.Rows)
	xb := newMatrix(bs, x.Cols)
	hb := newMatrix(bs, cfg.Hidden)
	zb := newMatrix(bs, numClasses)
	dh := newMatrix(bs, cfg.Hidden)
	grads := [][]float32{make([]float32, len(m.W1)), make([]float32, len(m.B1)), make([]float32, len(m.W2)), make([]float32, len(m.B2))}
	p := make([]float64, numClasses)
	scaled := m.Scaler != nil
	history := make([]MLPEpoch, 0, cfg.Epochs)
	for range cfg.Epochs {
		perm := rng.Perm(x.Rows)
		var lossSum float64
		correct := 0
		for b0 := 0; b0 < x.Rows; b0 += bs {
			if err := ctx.Err(); err != nil {
				return nil, nil, err
			}
			rows := perm[b0:min(b0+bs, x.Rows)]
			n := len(rows)
			xb.Rows, hb.Rows, zb.Rows, dh.Rows = n, n, n, n
			for i, r := range rows {
				dst := neighbors.Row(xb, i)
				copy(dst, neighbors.Row(x, r))
				if scaled {
					for j, v := range dst {
						dst[j] = float32((float64(v) - m.Scaler.Mean[j]) * m.Scaler.Scale[j])
					}
				}
			}
			m.hidden(xb, hb)
			m.logits(hb, zb)
			// dL/dz = (p − onehot)/n, written over z.
			for i, r := range rows {
				z := neighbors.Row(zb, i)
				lossSum += softmaxRow(z, y[r], p)
				if argmax(z) == y[r] {
					correct++
				}
				for j := range z {
					g := p[j]
					if j == y[r] {
						g--
					}
					z[j] = float32(g / float64(n))
				}
			}
			gw2 := blas32.General{Rows: m.Hidden, Cols: m.Classes, Stride: m.Classes, Data: grads[2]}
			blas32.Gemm(blas.Trans, blas.NoTrans, 1, hb, zb, 0, gw2)
			colSums(zb, grads[3])
			w2 := blas32.General{Rows: m.Hidden, Cols: m.Classes, Stride: m.Classes, Data: m.W2}
			blas32.Gemm(blas.NoTrans, blas.Trans, 1, zb, w2, 0, dh)
			for i := range n {
				hr, dr := neighbors.Row(hb, i), neighbors.Row(dh, i)
				for j := range dr {
					if hr[j] <= 0 {
						dr[j] = 0
					}
				}
			}
			gw1 := blas32.General{Rows: m.In, Cols: m.Hidden, Stride: m.Hidden, Data: grads[0]}
			blas32.Gemm(blas.Trans, blas.NoTrans, 1, xb, dh, 0, gw1)
			colSums(dh, grads[1])
			for k, g := range grads {
				if decay[k] && cfg.WeightDecay > 0 {
					for i, w := range params[k] {
						g[i] += float32(cfg.WeightDecay) * w
					}
				}
			}
			opt.step(params, grads)
		}
		history = append(history, MLPEpoch{Loss: lossSum / float64(x.Rows), Accuracy: float64(correct) / float64(x.Rows)})
	}
	return m, history, nil
}

func heNormal(rng *rand.Rand, w []float32, fanIn int) {
	sd := math.Sqrt(2 / float64(fanIn))
	for i := range w {
		w[i] = float32(rng.NormFloat64() * sd)
	}
}

func colSums(m blas32.General, dst []float32) {
	clear(dst)
	for i := range m.Rows {
		for j, v := range neighbors.Row(m, i) {
			dst[j] += v
		}
	}
}

// adam is Kingma & Ba 2015 with bias correction.
type adam struct {
	lr     float64
	t      int
	m, v   [][]float32
	b1, b2 float64
	eps    float64
}

func newAdam(params [][]float32, lr float64) *adam {
	a := &adam{lr: lr, b1: 0.9, b2: 0.999, eps: 1e-8}
	for _, p := range params {
		a.m = append(a.m, make([]float32, len(p)))
		a.v = append(a.v, make([]float32, len(p)))
	}
	return a
}

func (a *adam) step(params, grads [][]float32) {
	a.t++
	c1 := 1 - math.Pow(a.b1, float64(a.t))
	c2 := 1 - math.Pow(a.b2, float64(a.t))
	for k, p := range params {
		m, v, g := a.m[k], a.v[k], grads[k]
		for i := range p {
			gi := float64(g[i])
			mi := a.b1*float64(m[i]) + (1-a.b1)*gi
			vi := a.b2*float64(v[i]) + (1-a.b2)*gi*gi
			m[i], v[i] = float32(mi), float32(vi)
			p[i] -= float32(a.lr * (mi / c1) / (math.Sqrt(vi/c2) + a.eps))
		}
	}
}
