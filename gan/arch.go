package gan

import (
	"fmt"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Architectures.
//
// Conv critic (NHWC): Stages blocks of [conv 4x4 stride 2 pad 1 ->
// (layer norm) -> LeakyReLU], channels Base, 2*Base, ... capped at 8*Base;
// the final (H/2^S) x (W/2^S) x C_S map is flattened to features phi, and the
// output is the projection head of Miyato & Koyama (2018):
//
//	D(x, y) = w·phi(x) + b + <E[y], phi(x)>
//
// Conv generator: z (⊕ onehot with Config.LabelInput) -> dense -> reshape
// to (H/2^S, W/2^S, C_S), then Stages blocks of [conditional layer norm -> ReLU -> transposed conv 4x4 stride 2
// pad 1], the last one to the data's channels, then the output activation.
//
// MLP critic: dense -> (layer norm) -> LeakyReLU per hidden width, projection
// head. MLP generator: the hidden widths in reverse, each dense (the first
// also on the label with LabelInput) -> conditional layer norm -> ReLU, then
// dense to the features and the output activation.
//
// The critic has no batch-dependent op, as the per-sample gradient penalty
// requires, and uses LeakyReLU, whose second derivative is zero.

// critic returns D(x, y) of shape (B) for x (B, H, W, C) and onehot (B, K).
func critic(c *netCtx, cfg Config, x, onehot *G.Node) (*G.Node, error) {
	var phi *G.Node
	var err error
	if cfg.Arch == ArchConv {
		phi, err = convCriticFeatures(c, cfg, x)
	} else {
		phi, err = mlpCriticFeatures(c, cfg, x)
	}
	if err != nil {
		return nil, err
	}
	return projectionHead(c, cfg, phi, onehot)
}

func convCriticFeatures(c *netCtx, cfg Config, x *G.Node) (*G.Node, error) {
	h := x
	im := imgShape{B: x.Shape()[0], H: cfg.Height, W: cfg.Width, C: cfg.Channels}
	var err error
	for i := 0; i < cfg.Stages; i++ {
		name := fmt.Sprintf("critic/conv%d", i)
		if h, im, err = c.conv(name, h, im, cfg.convChannels(i), 4, 2, 1, cfg.LeakySlope); err != nil {
			return nil, err
		}
		if cfg.CriticNorm == NormLayer {
			if h, err = c.layerNorm(fmt.Sprintf("critic/ln%d", i), h, im.B); err != nil {
				return nil, err
			}
		}
		if h, err = leakyReLU(h, cfg.LeakySlope); err != nil {
			return nil, err
		}
	}
	return reshape(h, im.B, im.H*im.W*im.C)
}

func mlpCriticFeatures(c *netCtx, cfg Config, x *G.Node) (*G.Node, error) {
	b := x.Shape()[0]
	h, err := reshape(x, b, cfg.features())
	if err != nil {
		return nil, err
	}
	for i, width := range cfg.Hidden {
		if h, err = c.dense(fmt.Sprintf("critic/dense%d", i), h, width, cfg.LeakySlope); err != nil {
			return nil, err
		}
		if cfg.CriticNorm == NormLayer {
			if h, err = c.layerNorm(fmt.Sprintf("critic/ln%d", i), h, b); err != nil {
				return nil, err
			}
		}
		if h, err = leakyReLU(h, cfg.LeakySlope); err != nil {
			return nil, err
		}
	}
	return h, nil
}

// projectionHead returns w·phi + b + <E[y], phi> with E[y] = onehot·E.
func projectionHead(c *netCtx, cfg Config, phi, onehot *G.Node) (*G.Node, error) {
	b, f := phi.Shape()[0], phi.Shape()[1]
	lin, err := c.dense("critic/out", phi, 1, 1)
	if err != nil {
		return nil, err
	}
	lin, err = reshape(lin, b)
	if err != nil {
		return nil, err
	}
	emb, err := c.param("critic/embed", tensor.Shape{cfg.Classes, f}, kaiming(f, 1))
	if err != nil {
		return nil, err
	}
	ey, err := matmul(onehot, emb, false, false)
	if err != nil {
		return nil, err
	}
	prod, err := G.HadamardProd(ey, phi)
	if err != nil {
		return nil, err
	}
	proj, err := G.Sum(prod, 1)
	if err != nil {
		return nil, err
	}
	return G.Add(lin, proj)
}

// generator returns G(z, y) of shape (B, H, W, C) for z (B, ZDim) and onehot (B, K).
func generator(c *netCtx, cfg Config, z, onehot *G.Node) (*G.Node, error) {
	var out *G.Node
	var err error
	if cfg.Arch == ArchConv {
		out, err = convGenerator(c, cfg, z, onehot)
	} else {
		out, err = mlpGenerator(c, cfg, z, onehot)
	}
	if err != nil {
		return nil, err
	}
	if cfg.Output == OutputTanh {
		if out, err = tanh(out); err != nil {
			return nil, err
		}
	}
	return reshape(out, z.Shape()[0], cfg.Height, cfg.Width, cfg.Channels)
}

func convGenerator(c *netCtx, cfg Config, z, onehot *G.Node) (*G.Node, error) {
	b := z.Shape()[0]
	im := imgShape{B: b, H: cfg.Height >> cfg.Stages, W: cfg.Width >> cfg.Stages, C: cfg.convChannels(cfg.Stages - 1)}
	h, err := genInput(c, cfg, "gen/in", z, onehot, im.H*im.W*im.C)
	if err != nil {
		return nil, err
	}
	if h, err = reshape(h, im.rows(), im.C); err != nil { // pixel rows
		return nil, err
	}
	for i := cfg.Stages - 1; i >= 0; i-- {
		if h, err = c.condLayerNorm(fmt.Sprintf("gen/cln%d", i), h, onehot); err != nil {
			return nil, err
		}
		if h, err = leakyReLU(h, 0); err != nil {
			return nil, err
		}
		out, act := cfg.Channels, 1.0
		if i > 0 {
			out, act = cfg.convChannels(i-1), 0
		}
		if cfg.GenBlock == GenUpsample {
			if h, im, err = upsample2x(h, im); err != nil {
				return nil, err
			}
			// A 3x3 stride-1 convolution, computed as the transposed
			// convolution with the same kernel size (the same function
			// class, the kernel flipped): a matmul to K*K*out columns and
			// col2im, cheaper than im2col's K*K*Cin columns when out < Cin.
			if h, im, err = c.deconv(fmt.Sprintf("gen/up%d", i), h, im, out, 3, 1, 1, act); err != nil {
				return nil, err
			}
		} else if h, im, err = c.deconv(fmt.Sprintf("gen/deconv%d", i), h, im, out, 4, 2, 1, act); err != nil {
			return nil, err
		}
	}
	return h, nil
}

// genInput is the generator's first dense layer (ReLU follows). With
// cfg.LabelInput it is a dense layer on z ⊕ onehot, computed as
// z·W_z + onehot·W_y + b (W_y is the param name+"/label"), initialised as one
// He-uniform layer of ZDim + Classes inputs.
func genInput(c *netCtx, cfg Config, name string, z, onehot *G.Node, out int) (*G.Node, error) {
	if !cfg.LabelInput {
		return c.dense(name, z, out, 0)
	}
	fanIn := cfg.ZDim + cfg.Classes
	w, err := c.param(name+"/w", tensor.Shape{cfg.ZDim, out}, kaiming(fanIn, 0))
	if err != nil {
		return nil, err
	}
	wy, err := c.param(name+"/label", tensor.Shape{cfg.Classes, out}, kaiming(fanIn, 0))
	if err != nil {
		return nil, err
	}
	b, err := c.param(name+"/b", tensor.Shape{out}, initSpec{})
	if err != nil {
		return nil, err
	}
	hz, err := matmul(z, w, false, false)
	if err != nil {
		return nil, fmt.Errorf("gan: %s matmul: %w", name, err)
	}
	hy, err := matmul(onehot, wy, false, false)
	if err != nil {
		return nil, fmt.Errorf("gan: %s label matmul: %w", name, err)
	}
	h, err := G.Add(hz, hy)
	if err != nil {
		return nil, err
	}
	return addBias(h, b)
}

func mlpGenerator(c *netCtx, cfg Config, z, onehot *G.Node) (*G.Node, error) {
	h := z
	var err error
	for i := len(cfg.Hidden) - 1; i >= 0; i-- {
		name := fmt.Sprintf("gen/dense%d", i)
		if i == len(cfg.Hidden)-1 {
			h, err = genInput(c, cfg, name, h, onehot, cfg.Hidden[i])
		} else {
			h, err = c.dense(name, h, cfg.Hidden[i], 0)
		}
		if err != nil {
			return nil, err
		}
		if h, err = c.condLayerNorm(fmt.Sprintf("gen/cln%d", i), h, onehot); err != nil {
			return nil, err
		}
		if h, err = leakyReLU(h, 0); err != nil {
			return nil, err
		}
	}
	return c.dense("gen/out", h, cfg.features(), 1)
}
