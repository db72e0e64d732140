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

// imgShape is the geometry of a batch of NHWC images: B images of H x W
// pixels of C channels. Between layers the conv nets keep activations as
// the (B*H*W, C) matrix of pixel rows (the same memory as (B, H, W, C)), so
// convolutions, bias adds and norms need no reshaping copies.
type imgShape struct{ B, H, W, C int }

// rows is the number of pixel rows, B*H*W.
func (s imgShape) rows() int { return s.B * s.H * s.W }

// conv is a KxK convolution with stride s and padding p of the images x,
// given as (B, H, W, C) or as pixel rows (B*H*W, C), to out channels:
// im2col, a matmul with W (K*K*C, out), a bias. It returns pixel rows
// (B*OH*OW, out) and their geometry.
func (c *netCtx) conv(name string, x *G.Node, im imgShape, out, k, s, p int, act float64) (*G.Node, imgShape, error) {
	geom := convGeom{KH: k, KW: k, SH: s, SW: s, PH: p, PW: p, H: im.H, W: im.W, C: im.C}
	cols, err := im2col(x, geom)
	if err != nil {
		return nil, im, fmt.Errorf("gan: %s: %w", name, err)
	}
	y, err := c.dense(name, cols, out, act)
	if err != nil {
		return nil, im, err
	}
	oh, ow := geom.outHW()
	return y, imgShape{B: im.B, H: oh, W: ow, C: out}, nil
}

// deconv is the transposed convolution (the adjoint of conv with the same
// kernel, stride and padding) from pixel rows x (B*h*w, Cin) to pixel rows
// (B*H*W, out) with (H + 2p - k)/s + 1 = h: a matmul of the pixels with
// W (Cin, K*K*out) gives every pixel's K x K x out patch, and col2im adds
// the patches up.
func (c *netCtx) deconv(name string, x *G.Node, im imgShape, out, k, s, p int, act float64) (*G.Node, imgShape, error) {
	cin := im.C
	geom := convGeom{KH: k, KW: k, SH: s, SW: s, PH: p, PW: p, H: (im.H-1)*s - 2*p + k, W: (im.W-1)*s - 2*p + k, C: out}
	if oh, ow := geom.outHW(); oh != im.H || ow != im.W {
		return nil, im, fmt.Errorf("gan: %s: transposed conv geometry %v does not invert %dx%d", name, geom, im.H, im.W)
	}
	if sh := x.Shape(); len(sh) != 2 || sh[0] != im.rows() || sh[1] != cin {
		return nil, im, fmt.Errorf("gan: %s: input %v, want pixel rows (%d, %d)", name, sh, im.rows(), cin)
	}
	// fan-in of a transposed conv output pixel: cin * (k/s)^2 patches overlap.
	fanIn := cin * max(1, (k/s)*(k/s))
	wt, err := c.param(name+"/w", tensor.Shape{cin, k * k * out}, kaiming(fanIn, act))
	if err != nil {
		return nil, im, err
	}
	bias, err := c.param(name+"/b", tensor.Shape{out}, initSpec{})
	if err != nil {
		return nil, im, err
	}
	cols, err := matmul(x, wt, false, false)
	if err != nil {
		return nil, im, fmt.Errorf("gan: %s matmul: %w", name, err)
	}
	pix, err := col2im(cols, geom, 2)
	if err != nil {
		return nil, im, fmt.Errorf("gan: %s: %w", name, err)
	}
	y, err := addBias(pix, bias)
	if err != nil {
		return nil, im, err
	}
	return y, imgShape{B: im.B, H: geom.H, W: geom.W, C: out}, nil
}

// normalize standardises each of the b samples of x (each one a contiguous
// block of its values) over all its values: (x - mean) / sqrt(var +
// normEps), with the biased variance. It returns the result as (b, F).
func (c *netCtx) normalize(x *G.Node, b int) (*G.Node, error) {
	sh := x.Shape()
	flat, err := reshape(x, b, sh.TotalSize()/b)
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

// layerNorm is layer normalisation over each of the b samples' features
// with a learned per-channel gain and bias (channels = last axis).
func (c *netCtx) layerNorm(name string, x *G.Node, b int) (*G.Node, error) {
	sh := x.Shape()
	ch := sh[len(sh)-1]
	n, err := c.normalize(x, b)
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
// (B, K); x is the samples' pixel rows (B*S, C) (S = 1 for vectors). Gain
// starts at one and Bias at zero. The normalisation is the fused
// condNormOp, differentiable once (generator only).
func (c *netCtx) condLayerNorm(name string, x, onehot *G.Node) (*G.Node, error) {
	sh := x.Shape()
	ch := sh[len(sh)-1]
	b := onehot.Shape()[0]
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
	y, err := condNorm(x, b, gain, bias)
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
