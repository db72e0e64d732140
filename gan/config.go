package gan

import (
	"errors"
	"fmt"
)

// Arch names a network family.
type Arch string

const (
	// ArchConv is the convolutional critic and generator for images and
	// spectrograms of any height and width divisible by 2^Stages (4 at least).
	ArchConv Arch = "conv"
	// ArchMLP is a multilayer perceptron for small or vector data
	// (use Height 1, Width = number of features, Channels 1).
	ArchMLP Arch = "mlp"
)

// Norm names the normalisation used in the critic.
type Norm string

const (
	// NormNone uses no normalisation in the critic (the WGAN-GP default).
	NormNone Norm = "none"
	// NormLayer uses layer normalisation over each sample's features. Batch
	// normalisation is not offered: it couples the samples of a batch, which
	// the per-sample gradient penalty forbids (Gulrajani et al. 2017, §4).
	NormLayer Norm = "layer"
)

// Output names the generator's output activation.
type Output string

const (
	// OutputTanh squashes generator outputs into [-1, 1], the range that
	// image data must be scaled to.
	OutputTanh Output = "tanh"
	// OutputLinear leaves generator outputs unbounded (standardised vectors).
	OutputLinear Output = "linear"
)

// GenBlock is how the conv generator doubles its resolution.
type GenBlock string

const (
	// GenDeconv is a 4x4 stride-2 transposed convolution (DCGAN; the
	// WGAN-GP reference code).
	GenDeconv GenBlock = "deconv"
	// GenUpsample is a nearest-neighbour 2x upsampling followed by a 3x3
	// convolution (Odena et al. 2016, "Deconvolution and Checkerboard
	// Artifacts"): every output pixel sees the same number of input pixels,
	// so the generator has no checkerboard pattern to unlearn.
	GenUpsample GenBlock = "upsample"
)

// DType is the floating point type of weights and activations.
type DType string

const (
	Float32 DType = "float32" // training and sampling
	Float64 DType = "float64" // gradient checks
)

// Config describes a model's architecture. The zero value is not valid; start
// from DefaultConfig and change what you need.
type Config struct {
	Arch     Arch `json:"arch"`
	Height   int  `json:"height"`   // sample height (1 for vectors)
	Width    int  `json:"width"`    // sample width (number of features for vectors)
	Channels int  `json:"channels"` // 1 (grey, spectrogram) or 3 (RGB); any >= 1 works
	Classes  int  `json:"classes"`  // number of classes, >= 1
	ZDim     int  `json:"z_dim"`    // latent size, default 128

	// Conv: Base is the channel count of the critic's first layer and of the
	// generator's last hidden layer; stage i of the critic has Base*2^i
	// channels. Stages is the number of stride-2 (de)convolutions: Height and
	// Width must be divisible by 2^Stages. 0 picks the largest of 2..4 that
	// divides both sizes and leaves at least 4 pixels on each side.
	Base   int `json:"base,omitempty"`
	Stages int `json:"stages,omitempty"`

	// MLP: hidden layer widths of the critic; the generator mirrors them.
	Hidden []int `json:"hidden,omitempty"`

	// LabelInput also feeds the one-hot label to the generator's first
	// layer (label-embedding concatenation: dense(z ⊕ y) = W_z z + W_y y + b),
	// besides the per-class gains and biases of its conditional norms.
	// DefaultConfig sets it. Without it the class reaches the generator only
	// through those gains and biases, which start at 1 and 0 and which Adam
	// moves by about lr per step: on Fashion-MNIST (lr 2e-4) the samples of
	// different classes were still alike after 1,000 steps, while with it
	// they differed by class from about step 500 (scripts/bench/gan/learn).
	// Models saved before the field existed load with false, as trained.
	LabelInput bool `json:"label_input,omitempty"`

	// GenBlock is the conv generator's upsampling block; "" reads as
	// GenDeconv (models saved before the field existed).
	GenBlock GenBlock `json:"gen_block,omitempty"`

	CriticNorm Norm   `json:"critic_norm"`
	Output     Output `json:"output"`
	// LeakySlope is the negative slope of the critic's LeakyReLU, default 0.2.
	LeakySlope float64 `json:"leaky_slope"`
	DType      DType   `json:"dtype"`
	// Seed seeds the weight initialisation.
	Seed int64 `json:"seed"`
}

// DefaultConfig returns a float32 conv configuration for h x w x c samples of
// the given number of classes with the defaults named on Config.
func DefaultConfig(h, w, c, classes int) Config {
	return Config{
		Arch: ArchConv, Height: h, Width: w, Channels: c, Classes: classes,
		ZDim: 128, Base: 64, Hidden: []int{256, 256}, LabelInput: true,
		CriticNorm: NormNone, Output: OutputTanh, LeakySlope: 0.2, DType: Float32, Seed: 1,
	}
}

// ErrConfig is wrapped by every configuration validation error.
var ErrConfig = errors.New("gan: invalid config")

func configErr(field string, value any, accepted string) error {
	return fmt.Errorf("%w: %s = %v, accepted: %s", ErrConfig, field, value, accepted)
}

// Validate reports the first invalid field with its value and the accepted
// range. It does not change c; see Normalize for the resolved form.
func (c Config) Validate() error {
	_, err := c.normalize()
	return err
}

// normalize validates c and fills derived fields (Stages).
func (c Config) normalize() (Config, error) {
	const maxSide = 4096
	switch c.Arch {
	case ArchConv, ArchMLP:
	default:
		return c, configErr("Arch", fmt.Sprintf("%q", c.Arch), `"conv" or "mlp"`)
	}
	if c.Height < 1 || c.Height > maxSide {
		return c, configErr("Height", c.Height, fmt.Sprintf("1..%d", maxSide))
	}
	if c.Width < 1 || c.Width > maxSide {
		return c, configErr("Width", c.Width, fmt.Sprintf("1..%d", maxSide))
	}
	if c.Channels < 1 || c.Channels > 16 {
		return c, configErr("Channels", c.Channels, "1..16")
	}
	if c.Classes < 1 || c.Classes > 10000 {
		return c, configErr("Classes", c.Classes, "1..10000")
	}
	if c.ZDim < 1 || c.ZDim > 4096 {
		return c, configErr("ZDim", c.ZDim, "1..4096")
	}
	switch c.GenBlock {
	case "", GenDeconv, GenUpsample:
	default:
		return c, configErr("GenBlock", fmt.Sprintf("%q", c.GenBlock), `"deconv" or "upsample"`)
	}
	switch c.CriticNorm {
	case NormNone, NormLayer:
	default:
		return c, configErr("CriticNorm", fmt.Sprintf("%q", c.CriticNorm), `"none" or "layer"`)
	}
	switch c.Output {
	case OutputTanh, OutputLinear:
	default:
		return c, configErr("Output", fmt.Sprintf("%q", c.Output), `"tanh" or "linear"`)
	}
	if !(c.LeakySlope >= 0 && c.LeakySlope < 1) {
		return c, configErr("LeakySlope", c.LeakySlope, "[0, 1)")
	}
	switch c.DType {
	case Float32, Float64:
	default:
		return c, configErr("DType", fmt.Sprintf("%q", c.DType), `"float32" or "float64"`)
	}
	if c.Arch == ArchMLP {
		if len(c.Hidden) < 1 || len(c.Hidden) > 8 {
			return c, configErr("Hidden", c.Hidden, "1 to 8 layer widths")
		}
		for i, h := range c.Hidden {
			if h < 1 || h > 16384 {
				return c, configErr(fmt.Sprintf("Hidden[%d]", i), h, "1..16384")
			}
		}
		c.Hidden = append([]int(nil), c.Hidden...)
		return c, nil
	}
	if c.Base < 1 || c.Base > 1024 {
		return c, configErr("Base", c.Base, "1..1024")
	}
	if c.Stages == 0 {
		if c.Height%4 != 0 || c.Width%4 != 0 {
			return c, configErr("Height x Width", fmt.Sprintf("%dx%d", c.Height, c.Width),
				"sizes divisible by 4 for the conv architecture (pad or resize the data, or use Arch \"mlp\")")
		}
		c.Stages = 2
		for s := 3; s <= 4; s++ {
			d := 1 << s
			if c.Height%d == 0 && c.Width%d == 0 && c.Height/d >= 4 && c.Width/d >= 4 {
				c.Stages = s
			}
		}
	}
	if c.Stages < 1 || c.Stages > 6 {
		return c, configErr("Stages", c.Stages, "0 (auto) or 1..6")
	}
	if d := 1 << c.Stages; c.Height%d != 0 || c.Width%d != 0 {
		return c, configErr("Height x Width", fmt.Sprintf("%dx%d", c.Height, c.Width),
			fmt.Sprintf("sizes divisible by 2^Stages = %d", d))
	}
	return c, nil
}

// features is the length of one sample: Height*Width*Channels.
func (c Config) features() int { return c.Height * c.Width * c.Channels }

// convChannels returns the critic's channel count after stage i (0-based).
// The generator uses the same ladder in reverse.
func (c Config) convChannels(i int) int {
	ch := c.Base << i
	return min(ch, c.Base*8)
}
