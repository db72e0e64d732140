package quality

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/blas/blas32"
)

// CNNEpoch is the mean training loss and accuracy over one epoch, measured
// on the mini-batches as they were trained.
type CNNEpoch struct {
	Loss     float64 `json:"loss"`
	Accuracy float64 `json:"accuracy"`
}

// CNNFit describes a [TrainCNN] run.
type CNNFit struct {
	// Steps is the number of Adam steps (mini-batches).
	Steps int `json:"steps"`
	// Loss and Accuracy are those of the last epoch.
	Loss     float64    `json:"loss"`
	Accuracy float64    `json:"accuracy"`
	History  []CNNEpoch `json:"history"`
}

// TrainCNN trains a [CNN] on the rows of x — flattened cfg.Height ×
// cfg.Width × cfg.Channels images, row-major HWC, values typically in
// [0, 1] — with labels y in [0, numClasses).
//
// The inputs are standardised per channel with the mean and standard
// deviation of x (a channel with no spread is only centred). Weights start
// He-normal (biases zero); the loss is the mean softmax cross-entropy,
// minimised by Adam (β₁ = 0.9, β₂ = 0.999, ε = 1e-8) on mini-batches of a
// fresh seeded permutation each epoch, the last, smaller batch included.
//
// Classes are not weighted, and no augmentation is applied: as a utility
// judge the network must show what the training rows — and rows a
// generator added — do to a rare class, not compensate for the imbalance
// itself.
//
// Training is deterministic: math/rand/v2 PCG seeded with cfg.Seed draws
// the weights and the permutations, everything else runs on one goroutine
// except gonum's Gemm, which splits only the output between goroutines, so
// every sum runs in a fixed order. The same seed gives the same weights,
// bit for bit, on the same machine.
//
// Cost with the defaults on 5,000 28×28 gray rows: about 1.6·10¹⁰
// multiply-adds per epoch (three quarters in the second convolution),
// 2.5-3 s of one core of the 2-core development machine, so 20-25 s for 8
// epochs (BenchmarkTrainCNNEpoch); gonum's Gemm uses more cores when there
// are. The buffers take about 0.5 MiB per row of the batch (the im2col
// matrices and their gradients dominate), 30 MiB for the default batch of 64.
func TrainCNN(ctx context.Context, x blas32.General, y []int, numClasses int, cfg CNNConfig) (*CNN, CNNFit, error) {
	cfg = cfg.withDefaults()
	if numClasses < 2 {
		return nil, CNNFit{}, fmt.Errorf("cnn: %d classes, want at least 2", numClasses)
	}
	if err := (Dataset{X: x, Y: y}).Validate(numClasses); err != nil {
		return nil, CNNFit{}, fmt.Errorf("cnn: %w", err)
	}
	if err := cfg.check(x.Cols); err != nil {
		return nil, CNNFit{}, err
	}
	if x.Rows == 0 {
		return nil, CNNFit{}, fmt.Errorf("cnn: no training rows")
	}
	m := &CNN{Config: cfg, Classes: numClasses}
	m.Mean, m.Std = channelStats(x, cfg.Channels)
	g := m.geom()
	rng := rand.New(rand.NewPCG(uint64(cfg.Seed), 0x636e6e))
	params := make([][]float32, 8)
	grads := make([][]float32, 8)
	for i, n := range g.paramSizes() {
		params[i] = make([]float32, n)
		grads[i] = make([]float32, n)
		if fanIn := g.fanIns()[i]; fanIn > 0 {
			heNormal(rng, params[i], fanIn)
		}
	}
	m.W1, m.B1, m.W2, m.B2, m.W3, m.B3, m.W4, m.B4 = params[0], params[1], params[2], params[3], params[4], params[5], params[6], params[7]
	opt := newAdam(params, cfg.LearningRate)

	bs := min(cfg.BatchSize, x.Rows)
	w := newCNNWork[float32](g, bs)
	w.allocBackward()
	yb := make([]int, bs)
	var fit CNNFit
	for range cfg.Epochs {
		perm := rng.Perm(x.Rows)
		var lossSum float64
		correct := 0
		for b0 := 0; b0 < x.Rows; b0 += bs {
			if err := ctx.Err(); err != nil {
				return nil, CNNFit{}, err
			}
			rows := perm[b0:min(b0+bs, x.Rows)]
			m.loadRows(w, x, rows)
			for i, r := range rows {
				yb[i] = y[r]
			}
			w.forward(params)
			loss, ok := w.lossGrad(yb[:len(rows)])
			lossSum += loss
			correct += ok
			w.backward(params, grads)
			if cfg.WeightDecay > 0 {
				for k := 0; k < len(grads); k += 2 { // weights only
					for i, v := range params[k] {
						grads[k][i] += float32(cfg.WeightDecay) * v
					}
				}
			}
			opt.step(params, grads)
			fit.Steps++
		}
		e := CNNEpoch{Loss: lossSum / float64(x.Rows), Accuracy: float64(correct) / float64(x.Rows)}
		if math.IsNaN(e.Loss) || math.IsInf(e.Loss, 0) {
			return nil, CNNFit{}, fmt.Errorf("cnn: the training loss is not finite after epoch %d; lower the learning rate (%g)", len(fit.History)+1, cfg.LearningRate)
		}
		fit.History = append(fit.History, e)
	}
	last := fit.History[len(fit.History)-1]
	fit.Loss, fit.Accuracy = last.Loss, last.Accuracy
	return m, fit, nil
}

// channelStats returns the mean and standard deviation of each channel of
// the HWC rows of x over all rows and pixels (float64 sums); a deviation of
// zero becomes 1.
func channelStats(x blas32.General, c int) (mean, std []float32) {
	sum := make([]float64, c)
	sq := make([]float64, c)
	for i := range x.Rows {
		for j, v := range x.Data[i*x.Stride : i*x.Stride+x.Cols] {
			sum[j%c] += float64(v)
		}
	}
	n := float64(x.Rows * x.Cols / c)
	for ch := range c {
		sum[ch] /= n
	}
	for i := range x.Rows {
		for j, v := range x.Data[i*x.Stride : i*x.Stride+x.Cols] {
			d := float64(v) - sum[j%c]
			sq[j%c] += d * d
		}
	}
	mean, std = make([]float32, c), make([]float32, c)
	for ch := range c {
		mean[ch] = float32(sum[ch])
		s := math.Sqrt(sq[ch] / n)
		if s == 0 {
			s = 1
		}
		std[ch] = float32(s)
	}
	return mean, std
}
