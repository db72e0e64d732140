package gan

import (
	"fmt"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// normEps is added to the variance in layer normalisation.
const normEps = 1e-5

// dense returns x·W + b for x of shape (N, in); W is (in, out), b is (out).
// act is the negative slope of the activation that follows (for the
// initialisation), 1 for none.
func (c *netCtx) dense(name string, x *G.Node, out int, act float64) (*G.Node, error) {
	in := x.Shape()[1]
	w, err := c.param(name+"/w", tensor.Shape{in, out}, kaiming(in, act))
	if err != nil {
		return nil, err
	}
	b, err := c.param(name+"/b", tensor.Shape{out}, initSpec{})
	if err != nil {
		return nil, err
	}
	y, err := matmul(x, w, false, false)
	if err != nil {
		return nil, fmt.Errorf("gan: %s matmul: %w", name, err)
	}
	return addBias(y, b)
}

// conv is a KxK convolution with stride s and padding p of an NHWC batch
// (B, H, W, C) to out channels: im2col, a matmul with W (K*K*C, out), a bias.
func (c *netCtx) conv(name string, x *G.Node, out, k, s, p int, act float64) (*G.Node, error) {
	sh := x.Shape()
	geom := convGeom{KH: k, KW: k, SH: s, SW: s, PH: p, PW: p, H: sh[1], W: sh[2], C: sh[3]}
	cols, err := im2col(x, geom)
	if err != nil {
		return nil, fmt.Errorf("gan: %s: %w", name, err)
	}
	y, err := c.dense(name, cols, out, act)
	if err != nil {
		return nil, err
	}
	oh, ow := geom.outHW()
	return reshape(y, sh[0], oh, ow, out)
}

// deconv is the transposed convolution (the adjoint of conv with the same
// kernel, stride and padding) from (B, h, w, Cin) to (B, H, W, out) with
// (H + 2p - k)/s + 1 = h: a matmul of the pixels with W (Cin, K*K*out) gives
// every pixel's K x K x out patch, and col2im adds the patches up.
func (c *netCtx) deconv(name string, x *G.Node, out, k, s, p int, act float64) (*G.Node, error) {
	sh := x.Shape()
	b, h, w, cin := sh[0], sh[1], sh[2], sh[3]
	geom := convGeom{KH: k, KW: k, SH: s, SW: s, PH: p, PW: p, H: (h-1)*s - 2*p + k, W: (w-1)*s - 2*p + k, C: out}
	if oh, ow := geom.outHW(); oh != h || ow != w {
		return nil, fmt.Errorf("gan: %s: transposed conv geometry %v does not invert %dx%d", name, geom, h, w)
	}
	// fan-in of a transposed conv output pixel: cin * (k/s)^2 patches overlap.
	fanIn := cin * max(1, (k/s)*(k/s))
	wt, err := c.param(name+"/w", tensor.Shape{cin, k * k * out}, kaiming(fanIn, act))
	if err != nil {
		return nil, err
	}
	bias, err := c.param(name+"/b", tensor.Shape{out}, initSpec{})
	if err != nil {
		return nil, err
	}
	flat, err := reshape(x, b*h*w, cin)
	if err != nil {
		return nil, err
	}
	cols, err := matmul(flat, wt, false, false)
	if err != nil {
		return nil, fmt.Errorf("gan: %s matmul: %w", name, err)
	}
	im, err := col2im(cols, geom)
	if err != nil {
		return nil, fmt.Errorf("gan: %s: %w", name, err)
	}
	pix, err := reshape(im, b*geom.H*geom.W, out)
	if err != nil {
		return nil, err
	}
	y, err := addBias(pix, bias)
	if err != nil {
		return nil, err
	}
	return reshape(y, b, geom.H, geom.W, out)
}

// normalize standardises each sample of x (first axis) over all its other
// axes: (x - mean) / sqrt(var + normEps), with the biased variance. It
// returns the result as (B, F).
func (c *netCtx) normalize(x *G.Node) (*G.Node, error) {
	sh := x.Shape()
	flat, err := reshape(x, sh[0], sh.TotalSize()/sh[0])
	if err != nil {
		return nil, err
	}
	mean, err := G.Mean(flat, 1)
	if err != nil {
		return nil, err
	}
	xc, err := G.BroadcastSub(flat, mean, nil, []byte{1})
	if err != nil {
		return nil, err
	}
	sq, err := G.Square(xc)
	if err != nil {
		return nil, err
	}
	variance, err := G.Mean(sq, 1)
	if err != nil {
		return nil, err
	}
	eps := G.NewConstant(c.scalar(normEps))
	ve, err := G.Add(variance, eps)
	if err != nil {
		return nil, err
	}
	// Not G.InverseSqrt: its derivative in gorgonia v0.9.18 is
	// -g/(2y³) instead of -g·y³/2 (wrong even at first order).
	std, err := G.Sqrt(ve)
	if err != nil {
		return nil, err
	}
	return G.BroadcastHadamardDiv(xc, std, nil, []byte{1})
}

// layerNorm is layer normalisation over each sample's features with a
// learned per-channel gain and bias (channels = last axis).
func (c *netCtx) layerNorm(name string, x *G.Node) (*G.Node, error) {
	sh := x.Shape()
	ch := sh[len(sh)-1]
	n, err := c.normalize(x)
	if err != nil {
		return nil, fmt.Errorf("gan: %s: %w", name, err)
	}
	gain, err := c.param(name+"/gain", tensor.Shape{ch}, initSpec{kind: initOnes})
	if err != nil {
		return nil, err
	}
	bias, err := c.param(name+"/bias", tensor.Shape{ch}, initSpec{})
	if err != nil {
		return nil, err
	}
	pix, err := reshape(n, sh.TotalSize()/ch, ch)
	if err != nil {
		return nil, err
	}
	scaled, err := G.BroadcastHadamardProd(pix, gain, nil, []byte{0})
	if err != nil {
		return nil, err
	}
	y, err := addBias(scaled, bias)
	if err != nil {
		return nil, err
	}
	return reshape(y, sh...)
}

// condLayerNorm is conditional layer normalisation: each sample is
// normalised over all its features, then channel j of a sample of class k is
// scaled by Gain[k, j] and shifted by Bias[k, j] (class-conditional gain and
// bias, de Vries et al. 2017; Dumoulin et al. 2017, with layer instead of
// batch statistics so that a sample does not depend on its batch). onehot is
// (B, K); Gain starts at one and Bias at zero. The normalisation is the fused
// condNormOp, differentiable once (generator only).
func (c *netCtx) condLayerNorm(name string, x, onehot *G.Node) (*G.Node, error) {
	sh := x.Shape()
	ch := sh[len(sh)-1]
	k := onehot.Shape()[1]
	gainE, err := c.param(name+"/gain", tensor.Shape{k, ch}, initSpec{kind: initOnes})
	if err != nil {
		return nil, err
	}
	biasE, err := c.param(name+"/bias", tensor.Shape{k, ch}, initSpec{})
	if err != nil {
		return nil, err
	}
	gain, err := matmul(onehot, gainE, false, false) // (B, ch)
	if err != nil {
		return nil, err
	}
	bias, err := matmul(onehot, biasE, false, false)
	if err != nil {
		return nil, err
	}
	y, err := condNorm(x, gain, bias)
	if err != nil {
		return nil, fmt.Errorf("gan: %s: %w", name, err)
	}
	return y, nil
}

func (c *netCtx) scalar(v float64) any {
	if c.dt == tensor.Float64 {
		return v
	}
	return float32(v)
}
