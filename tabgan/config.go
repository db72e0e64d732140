package tabgan

import (
	"fmt"
	"time"
)

// Config sets the networks and the training run. DefaultConfig gives
// CTGAN's defaults (sdv-dev/CTGAN ctgan.py: embedding_dim 128,
// generator_dim and discriminator_dim (256, 256), batch_size 500, pac 10,
// discriminator_steps 1, Adam lr 2e-4, betas (0.5, 0.9), weight_decay 1e-6,
// epochs 300, Gumbel-softmax τ 0.2, dropout 0.5, LeakyReLU 0.2, λ 10).
type Config struct {
	// Epochs of max(rows/Batch, 1) steps each, as CTGAN counts them; Steps,
	// when set, replaces Epochs with an exact number of generator steps.
	Epochs int `json:"epochs"`
	Steps  int `json:"steps"`
	// Batch is the number of rows per step; it must be a multiple of Pac,
	// the number of rows the critic sees side by side (PacGAN).
	Batch int `json:"batch"`
	Pac   int `json:"pac"`
	// ZDim is the noise width; GenHidden the generator's residual widths;
	// CriticHidden the critic's hidden widths.
	ZDim         int   `json:"z_dim"`
	GenHidden    []int `json:"gen_hidden"`
	CriticHidden []int `json:"critic_hidden"`
	// CriticSteps is the number of critic updates per generator update.
	CriticSteps int     `json:"critic_steps"`
	LR          float64 `json:"lr"`
	Beta1       float64 `json:"beta1"`
	Beta2       float64 `json:"beta2"`
	WeightDecay float64 `json:"weight_decay"` // L2 added to the gradient, as torch.optim.Adam's weight_decay
	Lambda      float64 `json:"lambda"`       // gradient penalty weight
	Tau         float64 `json:"tau"`          // Gumbel-softmax temperature
	Dropout     float64 `json:"dropout"`      // critic dropout rate
	LeakySlope  float64 `json:"leaky_slope"`
	// Seed sets the weights, the mode draws of the data transform and
	// every draw of training: the same seed, data and Config give the same
	// model, bit for bit.
	Seed int64 `json:"seed"`
	// TimeBudget, if set, bounds the wall time of training; the running
	// step is finished. Not part of the model.
	TimeBudget time.Duration `json:"-"`
	// Progress, if set, is called after every generator step; an error
	// stops training and is returned.
	Progress func(Stats) error `json:"-"`
}

// DefaultConfig returns CTGAN's defaults.
func DefaultConfig() Config {
	return Config{
		Epochs: 300, Batch: 500, Pac: 10, ZDim: 128,
		GenHidden: []int{256, 256}, CriticHidden: []int{256, 256},
		CriticSteps: 1, LR: 2e-4, Beta1: 0.5, Beta2: 0.9, WeightDecay: 1e-6,
		Lambda: 10, Tau: 0.2, Dropout: 0.5, LeakySlope: 0.2,
	}
}

// Stats reports one generator step.
type Stats struct {
	Step       int     `json:"step"`  // generator steps since the trainer was made, 1-based
	Epoch      int     `json:"epoch"` // 1-based
	CriticLoss float64 `json:"critic_loss"`
	Penalty    float64 `json:"penalty"`   // λ·mean (‖∇D(x̂)‖ − 1)², part of CriticLoss
	GenLoss    float64 `json:"gen_loss"`  // −mean D(G(z)) + CondLoss
	CondLoss   float64 `json:"cond_loss"` // cross-entropy on the conditioned column
	Seconds    float64 `json:"seconds"`
}

func (c Config) validate() error {
	switch {
	case c.Pac < 1:
		return fmt.Errorf("tabgan: Pac = %d, want >= 1 (CTGAN uses 10)", c.Pac)
	case c.Batch < c.Pac || c.Batch%c.Pac != 0:
		return fmt.Errorf("tabgan: Batch = %d, want a positive multiple of Pac = %d (for example %d)", c.Batch, c.Pac, max(1, c.Batch/c.Pac+1)*c.Pac)
	case c.Epochs < 0 || c.Steps < 0 || c.Epochs == 0 && c.Steps == 0 && c.TimeBudget <= 0:
		return fmt.Errorf("tabgan: Epochs = %d, Steps = %d, TimeBudget = %v; set Epochs or Steps (positive), or a TimeBudget", c.Epochs, c.Steps, c.TimeBudget)
	case c.ZDim < 1:
		return fmt.Errorf("tabgan: ZDim = %d, want >= 1", c.ZDim)
	case c.CriticSteps < 1:
		return fmt.Errorf("tabgan: CriticSteps = %d, want >= 1", c.CriticSteps)
	case c.LR <= 0 || c.Beta1 < 0 || c.Beta1 >= 1 || c.Beta2 < 0 || c.Beta2 >= 1 || c.WeightDecay < 0:
		return fmt.Errorf("tabgan: Adam lr %v, betas (%v, %v), weight decay %v; want lr > 0, betas in [0, 1), decay >= 0", c.LR, c.Beta1, c.Beta2, c.WeightDecay)
	case c.Lambda < 0 || c.Tau <= 0 || c.Dropout < 0 || c.Dropout >= 1:
		return fmt.Errorf("tabgan: Lambda %v, Tau %v, Dropout %v; want Lambda >= 0, Tau > 0, Dropout in [0, 1)", c.Lambda, c.Tau, c.Dropout)
	}
	for _, h := range append(append([]int(nil), c.GenHidden...), c.CriticHidden...) {
		if h < 1 {
			return fmt.Errorf("tabgan: hidden widths %v and %v, want every width >= 1", c.GenHidden, c.CriticHidden)
		}
	}
	return nil
}
