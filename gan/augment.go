package gan

import (
	"fmt"
	"hash"
	"math/rand/v2"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Augment selects DiffAugment transforms (Zhao et al. 2020, "Differentiable
// Augmentation for Data-Efficient GAN Training"), applied with fresh random
// parameters per sample to every batch the critic sees, real and fake, and
// differentiated through in the generator update. Ratios are the paper's:
//
//   - Color: brightness x + (r - 0.5); saturation (x - mean_c x)·2r + mean_c x
//     (mean over channels per pixel); contrast (x - mean x)·(r + 0.5) + mean x
//     (mean over the sample), r ~ U[0, 1) each.
//   - Translation: shift by integers in [-round(H/8), round(H/8)] and
//     [-round(W/8), round(W/8)], zero fill.
//   - Cutout: zero a round(H/2) x round(W/2) rectangle at a random centre.
//
// The gradient penalty is taken on interpolates between augmented reals and
// augmented fakes, where the critic is evaluated.
type Augment struct {
	Color       bool `json:"color"`
	Translation bool `json:"translation"`
	Cutout      bool `json:"cutout"`
}

func (a Augment) enabled() bool { return a.Color || a.Translation || a.Cutout }

// augParams are one sample's random augmentation parameters.
type augParams struct {
	bright, sat, contrast float64 // colour: additive shift, saturation and contrast factors
	tx, ty                int     // translation: out(y, x) = in(y+ty, x+tx)
	cy0, cy1, cx0, cx1    int     // cutout rectangle [cy0, cy1) x [cx0, cx1)
	aug                   Augment
}

// drawAugParams draws the parameters of one sample of an h x w image,
// following the DiffAugment reference code.
func drawAugParams(a Augment, h, w int, rng *rand.Rand) augParams {
	p := augParams{aug: a, sat: 1, contrast: 1}
	if a.Color {
		p.bright = rng.Float64() - 0.5
		p.sat = rng.Float64() * 2
		p.contrast = rng.Float64() + 0.5
	}
	if a.Translation {
		sy, sx := int(float64(h)*0.125+0.5), int(float64(w)*0.125+0.5)
		p.ty = rng.IntN(2*sy+1) - sy
		p.tx = rng.IntN(2*sx+1) - sx
	}
	if a.Cutout {
		ch, cw := int(float64(h)*0.5+0.5), int(float64(w)*0.5+0.5)
		oy := rng.IntN(h + (1 - ch%2))
		ox := rng.IntN(w + (1 - cw%2))
		p.cy0, p.cy1 = max(0, oy-ch/2), min(h, oy-ch/2+ch)
		p.cx0, p.cx1 = max(0, ox-cw/2), min(w, ox-cw/2+cw)
	}
	return p
}

// augmentSample applies p to one NHWC sample x (h, w, c) into out. With
// linear set the brightness shift is left out, which gives the linear part
// A of the affine map x ↦ A x + b.
func augmentSample[T float](x, out []T, h, w, c int, p augParams, linear bool) {
	n := h * w * c
	tmp := out[:n]
	copy(tmp, x[:n])
	if p.aug.Color {
		if !linear {
			b := T(p.bright)
			for i := range tmp {
				tmp[i] += b
			}
		}
		channelMix(tmp, c, T(p.sat))
		mixAll(tmp, T(p.contrast))
	}
	if p.aug.Translation {
		shift(tmp, h, w, c, p.ty, p.tx)
	}
	if p.aug.Cutout {
		for y := p.cy0; y < p.cy1; y++ {
			clear(tmp[(y*w+p.cx0)*c : (y*w+p.cx1)*c])
		}
	}
}

// augmentSampleT applies the adjoint Aᵀ of the linear part of p to g.
// Saturation and contrast are symmetric, cutout is a diagonal mask, and the
// adjoint of a zero-filled shift is the opposite shift.
func augmentSampleT[T float](g, out []T, h, w, c int, p augParams) {
	n := h * w * c
	tmp := out[:n]
	copy(tmp, g[:n])
	if p.aug.Cutout {
		for y := p.cy0; y < p.cy1; y++ {
			clear(tmp[(y*w+p.cx0)*c : (y*w+p.cx1)*c])
		}
	}
	if p.aug.Translation {
		shift(tmp, h, w, c, -p.ty, -p.tx)
	}
	if p.aug.Color {
		mixAll(tmp, T(p.contrast))
		channelMix(tmp, c, T(p.sat))
	}
}

// channelMix sets each pixel to (v - mean_c v)·s + mean_c v.
func channelMix[T float](v []T, c int, s T) {
	for i := 0; i+c <= len(v); i += c {
		var m T
		for _, x := range v[i : i+c] {
			m += x
		}
		m /= T(c)
		for j := i; j < i+c; j++ {
			v[j] = (v[j]-m)*s + m
		}
	}
}

// mixAll sets v to (v - mean v)·s + mean v.
func mixAll[T float](v []T, s T) {
	var m T
	for _, x := range v {
		m += x
	}
	m /= T(len(v))
	for i := range v {
		v[i] = (v[i]-m)*s + m
	}
}

// shift sets v(y, x) = v(y+dy, x+dx), zero outside the image.
func shift[T float](v []T, h, w, c, dy, dx int) {
	if dy == 0 && dx == 0 {
		return
	}
	src := append([]T(nil), v...)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			sy, sx := y+dy, x+dx
			d := v[(y*w+x)*c : (y*w+x)*c+c]
			if sy < 0 || sy >= h || sx < 0 || sx >= w {
				clear(d)
			} else {
				copy(d, src[(sy*w+sx)*c:])
			}
		}
	}
}

// augmentBatch augments a batch of NHWC samples in place with fresh
// parameters per sample.
func augmentBatch[T float](x []T, shape [3]int, a Augment, rng *rand.Rand) {
	h, w, c := shape[0], shape[1], shape[2]
	n := h * w * c
	tmp := make([]T, n)
	for i := 0; i+n <= len(x); i += n {
		p := drawAugParams(a, h, w, rng)
		augmentSample(x[i:i+n], tmp, h, w, c, p, false)
		copy(x[i:i+n], tmp)
	}
}

// augmentOp applies per-sample DiffAugment parameters *params to an NHWC
// batch inside a graph (the generator update); linear drops the brightness
// shift. Its derivative is augmentAdjointOp, whose derivative is augmentOp
// with linear set, so both are differentiable to any order.
type augmentOp struct {
	h, w, c int
	params  *[]augParams
	linear  bool
}

type augmentAdjointOp struct {
	h, w, c int
	params  *[]augParams
}

var (
	_ G.SDOp = augmentOp{}
	_ G.SDOp = augmentAdjointOp{}
)

func (op augmentOp) Arity() int { return 1 }
func (op augmentOp) Type() hm.Type {
	t := G.TensorType{Dims: 4, Of: hm.TypeVariable('a')}
	return hm.NewFnType(t, t)
}
func (op augmentOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	s, ok := in[0].(tensor.Shape)
	if !ok || len(s) != 4 {
		return nil, fmt.Errorf("gan: augment wants a 4-D shape, got %v", in[0])
	}
	return s.Clone(), nil
}
func (op augmentOp) Do(in ...G.Value) (G.Value, error) {
	return applyAug(in[0], *op.params, op.h, op.w, op.c, func(p augParams) func(x, out any) {
		return func(x, out any) {
			switch x := x.(type) {
			case []float32:
				augmentSample(x, out.([]float32), op.h, op.w, op.c, p, op.linear)
			case []float64:
				augmentSample(x, out.([]float64), op.h, op.w, op.c, p, op.linear)
			}
		}
	})
}
func (op augmentOp) ReturnsPtr() bool     { return false }
func (op augmentOp) CallsExtern() bool    { return false }
func (op augmentOp) OverwritesInput() int { return -1 }
func (op augmentOp) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "gan.augment(%d,%d,%d,%p,%v)", op.h, op.w, op.c, op.params, op.linear)
}
func (op augmentOp) Hashcode() uint32   { return opHash(op) }
func (op augmentOp) String() string     { return fmt.Sprintf("DiffAugment(linear=%v)", op.linear) }
func (op augmentOp) DiffWRT(int) []bool { return []bool{true} }
func (op augmentOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	d, err := G.ApplyOp(augmentAdjointOp{h: op.h, w: op.w, c: op.c, params: op.params}, grad)
	if err != nil {
		return nil, fmt.Errorf("gan: augment derivative: %w", err)
	}
	return G.Nodes{d}, nil
}

func (op augmentAdjointOp) Arity() int { return 1 }
func (op augmentAdjointOp) Type() hm.Type {
	t := G.TensorType{Dims: 4, Of: hm.TypeVariable('a')}
	return hm.NewFnType(t, t)
}
func (op augmentAdjointOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	return augmentOp{}.InferShape(in...)
}
func (op augmentAdjointOp) Do(in ...G.Value) (G.Value, error) {
	return applyAug(in[0], *op.params, op.h, op.w, op.c, func(p augParams) func(x, out any) {
		return func(x, out any) {
			switch x := x.(type) {
			case []float32:
				augmentSampleT(x, out.([]float32), op.h, op.w, op.c, p)
			case []float64:
				augmentSampleT(x, out.([]float64), op.h, op.w, op.c, p)
			}
		}
	})
}
func (op augmentAdjointOp) ReturnsPtr() bool     { return false }
func (op augmentAdjointOp) CallsExtern() bool    { return false }
func (op augmentAdjointOp) OverwritesInput() int { return -1 }
func (op augmentAdjointOp) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "gan.augmentT(%d,%d,%d,%p)", op.h, op.w, op.c, op.params)
}
func (op augmentAdjointOp) Hashcode() uint32   { return opHash(op) }
func (op augmentAdjointOp) String() string     { return "DiffAugmentAdjoint" }
func (op augmentAdjointOp) DiffWRT(int) []bool { return []bool{true} }
func (op augmentAdjointOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	d, err := G.ApplyOp(augmentOp{h: op.h, w: op.w, c: op.c, params: op.params, linear: true}, grad)
	if err != nil {
		return nil, fmt.Errorf("gan: augment adjoint derivative: %w", err)
	}
	return G.Nodes{d}, nil
}

// applyAug runs a per-sample kernel over a batch value into a new value.
func applyAug(v G.Value, params []augParams, h, w, c int, kernel func(augParams) func(x, out any)) (G.Value, error) {
	n := h * w * c
	total := v.Shape().TotalSize()
	if total%n != 0 || total/n != len(params) {
		return nil, fmt.Errorf("gan: augment of %d values with %d parameter sets of %dx%dx%d", total, len(params), h, w, c)
	}
	out := tensor.New(tensor.Of(v.Dtype()), tensor.WithShape(len(params), h, w, c))
	switch x := v.Data().(type) {
	case []float32:
		o := out.Data().([]float32)
		for i, p := range params {
			kernel(p)(x[i*n:(i+1)*n], o[i*n:(i+1)*n])
		}
	case []float64:
		o := out.Data().([]float64)
		for i, p := range params {
			kernel(p)(x[i*n:(i+1)*n], o[i*n:(i+1)*n])
		}
	default:
		return nil, fmt.Errorf("gan: augment supports float32 and float64, got %v", v.Dtype())
	}
	return out, nil
}
