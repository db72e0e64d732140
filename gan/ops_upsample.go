package gan

import (
	"fmt"
	"hash"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// upsampleOp is nearest-neighbour 2x upsampling of images given as pixel
// rows: (B*H*W, C) -> (B*2H*2W, C), each pixel copied to a 2x2 block.
// sumPoolOp is its adjoint, (B*2H*2W, C) -> (B*H*W, C), each output pixel
// the sum of its 2x2 block. Both are linear and each is the other's
// derivative, so they differentiate to any order.
type upsampleOp struct {
	h, w int // the small side
	buf  *outBuf
}

// sumPoolOp is the adjoint of upsampleOp; h, w are the small side.
type sumPoolOp struct {
	h, w int
	buf  *outBuf
}

var (
	_ G.SDOp = upsampleOp{}
	_ G.SDOp = sumPoolOp{}
)

func (op upsampleOp) outBuffer() *outBuf { return op.buf }
func (op sumPoolOp) outBuffer() *outBuf  { return op.buf }

// upsample2x upsamples the pixel rows x of images im to twice their height
// and width.
func upsample2x(x *G.Node, im imgShape) (*G.Node, imgShape, error) {
	if s := x.Shape(); len(s) != 2 || s[0] != im.rows() || s[1] != im.C {
		return nil, im, fmt.Errorf("gan: upsample input %v, want pixel rows (%d, %d)", x.Shape(), im.rows(), im.C)
	}
	y, err := G.ApplyOp(upsampleOp{h: im.H, w: im.W, buf: newBuf()}, x)
	if err != nil {
		return nil, im, err
	}
	return y, imgShape{B: im.B, H: 2 * im.H, W: 2 * im.W, C: im.C}, nil
}

func pixelRowsType() hm.Type {
	t := G.TensorType{Dims: 2, Of: hm.TypeVariable('a')}
	return hm.NewFnType(t, t)
}

// rowsShape checks in (one 2-D shape whose rows are a multiple of per) and
// returns the shape with rows scaled by num/den.
func rowsShape(name string, in []G.DimSizer, per, num, den int) (tensor.Shape, error) {
	if len(in) != 1 {
		return nil, fmt.Errorf("gan: %s takes 1 input, got %d", name, len(in))
	}
	s, ok := in[0].(tensor.Shape)
	if !ok || len(s) != 2 || s[0]%per != 0 {
		return nil, fmt.Errorf("gan: %s wants pixel rows (B*%d, C), got %v", name, per, in[0])
	}
	return tensor.Shape{s[0] * num / den, s[1]}, nil
}

func (op upsampleOp) Arity() int    { return 1 }
func (op upsampleOp) Type() hm.Type { return pixelRowsType() }
func (op upsampleOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	return rowsShape("upsample", in, op.h*op.w, 4, 1)
}
func (op upsampleOp) Do(in ...G.Value) (G.Value, error) {
	if len(in) != 1 {
		return nil, fmt.Errorf("gan: upsample takes 1 input, got %d", len(in))
	}
	s := in[0].Shape()
	return op.UsePreallocDo(op.buf.get(in[0].Dtype(), 4*s[0], s[1]), in...)
}
func (op upsampleOp) UsePreallocDo(prealloc G.Value, in ...G.Value) (G.Value, error) {
	s := in[0].Shape()
	out, err := setShape(prealloc, 4*s[0], s[1])
	if err != nil {
		return nil, err
	}
	b := s[0] / (op.h * op.w)
	switch x := in[0].Data().(type) {
	case []float32:
		upsampleKernel(x, out.Data().([]float32), b, op.h, op.w, s[1])
	case []float64:
		upsampleKernel(x, out.Data().([]float64), b, op.h, op.w, s[1])
	default:
		return nil, fmt.Errorf("gan: upsample supports float32 and float64, got %v", in[0].Dtype())
	}
	return out, nil
}
func (op upsampleOp) ReturnsPtr() bool     { return false }
func (op upsampleOp) CallsExtern() bool    { return false }
func (op upsampleOp) OverwritesInput() int { return -1 }
func (op upsampleOp) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "gan.upsample(%d,%d,%p)", op.h, op.w, op.buf)
}
func (op upsampleOp) Hashcode() uint32   { return opHash(op) }
func (op upsampleOp) String() string     { return fmt.Sprintf("Upsample2x(%dx%d)", op.h, op.w) }
func (op upsampleOp) DiffWRT(int) []bool { return []bool{true} }
func (op upsampleOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	d, err := G.ApplyOp(sumPoolOp{h: op.h, w: op.w, buf: newBuf()}, grad)
	if err != nil {
		return nil, fmt.Errorf("gan: upsample derivative: %w", err)
	}
	return G.Nodes{d}, nil
}

func (op sumPoolOp) Arity() int    { return 1 }
func (op sumPoolOp) Type() hm.Type { return pixelRowsType() }
func (op sumPoolOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	return rowsShape("sum pool", in, 4*op.h*op.w, 1, 4)
}
func (op sumPoolOp) Do(in ...G.Value) (G.Value, error) {
	if len(in) != 1 {
		return nil, fmt.Errorf("gan: sum pool takes 1 input, got %d", len(in))
	}
	s := in[0].Shape()
	return op.UsePreallocDo(op.buf.get(in[0].Dtype(), s[0]/4, s[1]), in...)
}
func (op sumPoolOp) UsePreallocDo(prealloc G.Value, in ...G.Value) (G.Value, error) {
	s := in[0].Shape()
	out, err := setShape(prealloc, s[0]/4, s[1])
	if err != nil {
		return nil, err
	}
	b := s[0] / (4 * op.h * op.w)
	switch x := in[0].Data().(type) {
	case []float32:
		sumPoolKernel(x, out.Data().([]float32), b, op.h, op.w, s[1])
	case []float64:
		sumPoolKernel(x, out.Data().([]float64), b, op.h, op.w, s[1])
	default:
		return nil, fmt.Errorf("gan: sum pool supports float32 and float64, got %v", in[0].Dtype())
	}
	return out, nil
}
func (op sumPoolOp) ReturnsPtr() bool     { return false }
func (op sumPoolOp) CallsExtern() bool    { return false }
func (op sumPoolOp) OverwritesInput() int { return -1 }
func (op sumPoolOp) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "gan.sumpool(%d,%d,%p)", op.h, op.w, op.buf)
}
func (op sumPoolOp) Hashcode() uint32   { return opHash(op) }
func (op sumPoolOp) String() string     { return fmt.Sprintf("SumPool2x(%dx%d)", op.h, op.w) }
func (op sumPoolOp) DiffWRT(int) []bool { return []bool{true} }
func (op sumPoolOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	d, err := G.ApplyOp(upsampleOp{h: op.h, w: op.w, buf: newBuf()}, grad)
	if err != nil {
		return nil, fmt.Errorf("gan: sum pool derivative: %w", err)
	}
	return G.Nodes{d}, nil
}

// upsampleKernel copies pixel (y, x) of each of the b h x w images of c
// channels in src to pixels (2y+i, 2x+j), i, j in {0, 1}, of dst.
func upsampleKernel[T float](src, dst []T, b, h, w, c int) {
	w2 := 2 * w
	parallelFor(b, 4*h*w*c, func(n int) {
		s := src[n*h*w*c : (n+1)*h*w*c]
		d := dst[n*4*h*w*c : (n+1)*4*h*w*c]
		for y := 0; y < h; y++ {
			row := d[2*y*w2*c : (2*y+1)*w2*c]
			for x := 0; x < w; x++ {
				p := s[(y*w+x)*c : (y*w+x+1)*c]
				copy(row[2*x*c:], p)
				copy(row[(2*x+1)*c:], p)
			}
			copy(d[(2*y+1)*w2*c:(2*y+2)*w2*c], row)
		}
	})
}

// sumPoolKernel sets pixel (y, x) of each of the b h x w images of dst to
// the sum of pixels (2y+i, 2x+j) of src.
func sumPoolKernel[T float](src, dst []T, b, h, w, c int) {
	w2 := 2 * w
	parallelFor(b, 4*h*w*c, func(n int) {
		s := src[n*4*h*w*c : (n+1)*4*h*w*c]
		d := dst[n*h*w*c : (n+1)*h*w*c]
		for y := 0; y < h; y++ {
			top := s[2*y*w2*c : (2*y+1)*w2*c]
			bot := s[(2*y+1)*w2*c : (2*y+2)*w2*c]
			for x := 0; x < w; x++ {
				out := d[(y*w+x)*c : (y*w+x+1)*c]
				a, b := top[2*x*c:(2*x+1)*c], top[(2*x+1)*c:(2*x+2)*c]
				e, f := bot[2*x*c:(2*x+1)*c], bot[(2*x+1)*c:(2*x+2)*c]
				for k := range out {
					out[k] = a[k] + b[k] + e[k] + f[k]
				}
			}
		}
	})
}
