package gan

import (
	"fmt"
	"hash"
	"hash/fnv"

	"github.com/chewxy/hm"
	"github.com/tailsynth/tailsynth/internal/sgemm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// convGeom is the geometry of a 2-D convolution on NHWC images: kernel
// KH x KW, stride SH x SW, zero padding PH x PW on both sides, dilation 1.
//
// An input of shape (B, H, W, C) gives an output of (B, OH, OW, ·) with
//
//	OH = (H + 2*PH - KH)/SH + 1,  OW = (W + 2*PW - KW)/SW + 1.
type convGeom struct {
	KH, KW, SH, SW, PH, PW int
	// H, W, C are the image (the im side) height, width and channels.
	H, W, C int
}

func (g convGeom) outHW() (int, int) {
	return (g.H+2*g.PH-g.KH)/g.SH + 1, (g.W+2*g.PW-g.KW)/g.SW + 1
}

// colWidth is the number of columns of the im2col matrix: KH*KW*C.
func (g convGeom) colWidth() int { return g.KH * g.KW * g.C }

func (g convGeom) validate() error {
	if g.KH < 1 || g.KW < 1 || g.SH < 1 || g.SW < 1 || g.PH < 0 || g.PW < 0 || g.H < 1 || g.W < 1 || g.C < 1 {
		return fmt.Errorf("gan: bad convolution geometry %+v: kernel, stride, image sizes must be >= 1 and padding >= 0", g)
	}
	oh, ow := g.outHW()
	if oh < 1 || ow < 1 {
		return fmt.Errorf("gan: convolution geometry %+v gives an empty output %dx%d", g, oh, ow)
	}
	return nil
}

func (g convGeom) String() string {
	return fmt.Sprintf("k%dx%d s%dx%d p%dx%d im%dx%dx%d", g.KH, g.KW, g.SH, g.SW, g.PH, g.PW, g.H, g.W, g.C)
}

// im2colOp turns an NHWC image batch (B, H, W, C) into the matrix
// (B*OH*OW, KH*KW*C) whose row (b, oy, ox) holds the receptive field of
// output pixel (oy, ox) of image b in (ky, kx, c) order; out-of-image
// positions (padding) are zero. A convolution is then im2col(x) · W with W of
// shape (KH*KW*C, OC), and the (B*OH*OW, OC) result reshapes to NHWC for free.
//
// im2col is linear; its adjoint is col2im, so its symbolic derivative is
// col2im(grad) and col2im's is im2col(grad). Because each derivative is again
// a differentiable op, gradients of gradients (the WGAN-GP penalty) work to
// any order. gorgonia's own Im2Col cannot be differentiated twice: its col2im
// inherits im2col's SymDiff by struct embedding.
type im2colOp struct {
	geom   convGeom
	imDims int // 4: the image side is (B, H, W, C); 2: (B*H*W, C), the same memory
	buf    *outBuf
}

// col2imOp is the adjoint of im2colOp: it scatters-and-adds the rows of a
// (B*OH*OW, KH*KW*C) matrix back onto a zeroed (B, H, W, C) image, dropping
// the padding. Followed by a matmul it is a transposed convolution.
type col2imOp struct {
	geom   convGeom
	imDims int // as im2colOp's
	buf    *outBuf
}

var (
	_ G.SDOp            = im2colOp{}
	_ G.UsePreallocDoer = im2colOp{}
	_ G.SDOp            = col2imOp{}
	_ G.UsePreallocDoer = col2imOp{}
)

// im2col applies im2colOp to x, which must have shape (B, geom.H, geom.W,
// geom.C) or, the same pixels as rows, (B*geom.H*geom.W, geom.C).
func im2col(x *G.Node, geom convGeom) (*G.Node, error) {
	if err := geom.validate(); err != nil {
		return nil, err
	}
	s := x.Shape()
	ok4 := len(s) == 4 && s[1] == geom.H && s[2] == geom.W && s[3] == geom.C
	ok2 := len(s) == 2 && s[1] == geom.C && s[0]%(geom.H*geom.W) == 0
	if !ok4 && !ok2 {
		return nil, fmt.Errorf("gan: im2col input shape %v, want (B, %d, %d, %d) or (B*%d, %d)", s, geom.H, geom.W, geom.C, geom.H*geom.W, geom.C)
	}
	return G.ApplyOp(im2colOp{geom: geom, imDims: len(s), buf: newBuf()}, x)
}

// col2im applies col2imOp to cols, which must have shape (B*OH*OW,
// KH*KW*C); the image comes out as (B, H, W, C) for imDims 4 and as
// (B*H*W, C) for imDims 2.
func col2im(cols *G.Node, geom convGeom, imDims int) (*G.Node, error) {
	if imDims != 2 && imDims != 4 {
		return nil, fmt.Errorf("gan: col2im image rank %d, want 2 or 4", imDims)
	}
	if err := geom.validate(); err != nil {
		return nil, err
	}
	s := cols.Shape()
	oh, ow := geom.outHW()
	if len(s) != 2 || s[1] != geom.colWidth() || s[0]%(oh*ow) != 0 {
		return nil, fmt.Errorf("gan: col2im input shape %v, want (B*%d, %d)", s, oh*ow, geom.colWidth())
	}
	return G.ApplyOp(col2imOp{geom: geom, imDims: imDims, buf: newBuf()}, cols)
}

// ---- im2colOp ----

func (op im2colOp) Arity() int { return 1 }
func (op im2colOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	return hm.NewFnType(G.TensorType{Dims: op.imDims, Of: a}, G.TensorType{Dims: 2, Of: a})
}
func (op im2colOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	if len(in) != 1 {
		return nil, fmt.Errorf("gan: im2col takes 1 input, got %d", len(in))
	}
	s, ok := in[0].(tensor.Shape)
	if !ok || len(s) != op.imDims {
		return nil, fmt.Errorf("gan: im2col wants a %d-D shape, got %v", op.imDims, in[0])
	}
	b, err := op.geom.imBatch(s.TotalSize())
	if err != nil {
		return nil, err
	}
	oh, ow := op.geom.outHW()
	return tensor.Shape{b * oh * ow, op.geom.colWidth()}, nil
}
func (op im2colOp) Do(in ...G.Value) (G.Value, error) {
	if len(in) != 1 {
		return nil, fmt.Errorf("gan: im2col takes 1 input, got %d", len(in))
	}
	b, err := op.geom.imBatch(in[0].Shape().TotalSize())
	if err != nil {
		return nil, err
	}
	oh, ow := op.geom.outHW()
	out := op.buf.get(in[0].Dtype(), b*oh*ow, op.geom.colWidth())
	return op.UsePreallocDo(out, in...)
}
func (op im2colOp) UsePreallocDo(prealloc G.Value, in ...G.Value) (G.Value, error) {
	if len(in) != 1 {
		return nil, fmt.Errorf("gan: im2col takes 1 input, got %d", len(in))
	}
	b, err := op.geom.imBatch(in[0].Shape().TotalSize())
	if err != nil {
		return nil, err
	}
	oh, ow := op.geom.outHW()
	if prealloc, err = setShape(prealloc, b*oh*ow, op.geom.colWidth()); err != nil {
		return nil, err
	}
	switch src := in[0].Data().(type) {
	case []float32:
		im2colKernel(src, prealloc.Data().([]float32), b, op.geom)
	case []float64:
		im2colKernel(src, prealloc.Data().([]float64), b, op.geom)
	default:
		return nil, fmt.Errorf("gan: im2col supports float32 and float64, got %v", in[0].Dtype())
	}
	return prealloc, nil
}
func (op im2colOp) ReturnsPtr() bool     { return false }
func (op im2colOp) CallsExtern() bool    { return false }
func (op im2colOp) OverwritesInput() int { return -1 }
func (op im2colOp) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "gan.im2col(%v,%d,%p)", op.geom, op.imDims, op.buf)
}
func (op im2colOp) Hashcode() uint32     { return opHash(op) }
func (op im2colOp) String() string       { return fmt.Sprintf("im2colNHWC{%v}", op.geom) }
func (op im2colOp) DiffWRT(n int) []bool { return []bool{true} }
func (op im2colOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	d, err := G.ApplyOp(col2imOp{geom: op.geom, imDims: op.imDims, buf: newBuf()}, grad)
	if err != nil {
		return nil, fmt.Errorf("gan: im2col derivative: %w", err)
	}
	return G.Nodes{d}, nil
}

// ---- col2imOp ----

func (op col2imOp) Arity() int { return 1 }
func (op col2imOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	return hm.NewFnType(G.TensorType{Dims: 2, Of: a}, G.TensorType{Dims: op.imDims, Of: a})
}

// imShape is the image-side shape of a batch of b images.
func (op col2imOp) imShape(b int) tensor.Shape {
	if op.imDims == 2 {
		return tensor.Shape{b * op.geom.H * op.geom.W, op.geom.C}
	}
	return tensor.Shape{b, op.geom.H, op.geom.W, op.geom.C}
}
func (op col2imOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	if len(in) != 1 {
		return nil, fmt.Errorf("gan: col2im takes 1 input, got %d", len(in))
	}
	s, ok := in[0].(tensor.Shape)
	if !ok || len(s) != 2 {
		return nil, fmt.Errorf("gan: col2im wants a 2-D shape, got %v", in[0])
	}
	oh, ow := op.geom.outHW()
	return op.imShape(s[0] / (oh * ow)), nil
}
func (op col2imOp) Do(in ...G.Value) (G.Value, error) {
	if len(in) != 1 {
		return nil, fmt.Errorf("gan: col2im takes 1 input, got %d", len(in))
	}
	b, err := op.geom.colBatch(in[0].Shape().TotalSize())
	if err != nil {
		return nil, err
	}
	out := op.buf.get(in[0].Dtype(), op.imShape(b)...)
	return op.UsePreallocDo(out, in...)
}
func (op col2imOp) UsePreallocDo(prealloc G.Value, in ...G.Value) (G.Value, error) {
	if len(in) != 1 {
		return nil, fmt.Errorf("gan: col2im takes 1 input, got %d", len(in))
	}
	b, err := op.geom.colBatch(in[0].Shape().TotalSize())
	if err != nil {
		return nil, err
	}
	if prealloc, err = setShape(prealloc, op.imShape(b)...); err != nil {
		return nil, err
	}
	switch src := in[0].Data().(type) {
	case []float32:
		col2imKernel(src, prealloc.Data().([]float32), b, op.geom)
	case []float64:
		col2imKernel(src, prealloc.Data().([]float64), b, op.geom)
	default:
		return nil, fmt.Errorf("gan: col2im supports float32 and float64, got %v", in[0].Dtype())
	}
	return prealloc, nil
}
func (op col2imOp) ReturnsPtr() bool     { return false }
func (op col2imOp) CallsExtern() bool    { return false }
func (op col2imOp) OverwritesInput() int { return -1 }
func (op col2imOp) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "gan.col2im(%v,%d,%p)", op.geom, op.imDims, op.buf)
}
func (op col2imOp) Hashcode() uint32     { return opHash(op) }
func (op col2imOp) String() string       { return fmt.Sprintf("col2imNHWC{%v}", op.geom) }
func (op col2imOp) DiffWRT(n int) []bool { return []bool{true} }
func (op col2imOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	d, err := G.ApplyOp(im2colOp{geom: op.geom, imDims: op.imDims, buf: newBuf()}, grad)
	if err != nil {
		return nil, fmt.Errorf("gan: col2im derivative: %w", err)
	}
	return G.Nodes{d}, nil
}

// ---- kernels ----

type float interface{ ~float32 | ~float64 }

// imBatch returns the batch size of an image tensor of n elements. Kernels
// work from sizes, not from the value's shape: gorgonia's in-place Reshape
// can change the shape of a value that another op still reads.
func (g convGeom) imBatch(n int) (int, error) {
	if size := g.H * g.W * g.C; n%size != 0 {
		return 0, fmt.Errorf("gan: image tensor of %d elements is not a batch of %dx%dx%d images", n, g.H, g.W, g.C)
	}
	return n / (g.H * g.W * g.C), nil
}

// colBatch returns the batch size of a column matrix of n elements.
func (g convGeom) colBatch(n int) (int, error) {
	oh, ow := g.outHW()
	if size := oh * ow * g.colWidth(); n%size != 0 {
		return 0, fmt.Errorf("gan: column matrix of %d elements is not a batch of (%d, %d) blocks", n, oh*ow, g.colWidth())
	}
	return n / (oh * ow * g.colWidth()), nil
}

// im2colKernel writes the (B*OH*OW, KH*KW*C) matrix of im into col.
// Images are independent, so they are processed in parallel.
func im2colKernel[T float](im, col []T, batch int, g convGeom) {
	oh, ow := g.outHW()
	cw := g.colWidth()
	imSize := g.H * g.W * g.C
	parallelFor(batch, oh*ow*cw, func(b int) {
		src := im[b*imSize : (b+1)*imSize]
		dst := col[b*oh*ow*cw : (b+1)*oh*ow*cw]
		i := 0
		for oy := 0; oy < oh; oy++ {
			for ox := 0; ox < ow; ox++ {
				for ky := 0; ky < g.KH; ky++ {
					iy := oy*g.SH - g.PH + ky
					// A kernel row inside the image is KW·C contiguous
					// values of the source row (channels last): one copy.
					if ix0 := ox*g.SW - g.PW; iy >= 0 && iy < g.H && ix0 >= 0 && ix0+g.KW <= g.W {
						n := g.KW * g.C
						copy(dst[i:i+n], src[(iy*g.W+ix0)*g.C:])
						i += n
						continue
					}
					for kx := 0; kx < g.KW; kx++ {
						ix := ox*g.SW - g.PW + kx
						switch {
						case iy < 0 || iy >= g.H || ix < 0 || ix >= g.W:
							clear(dst[i : i+g.C])
						case g.C == 1: // the first conv of a grey image: no copy call per pixel
							dst[i] = src[iy*g.W+ix]
						default:
							copy(dst[i:i+g.C], src[(iy*g.W+ix)*g.C:])
						}
						i += g.C
					}
				}
			}
		}
	})
}

// col2imKernel zeroes im and adds every column entry back onto its image
// position: the adjoint of im2colKernel.
func col2imKernel[T float](col, im []T, batch int, g convGeom) {
	oh, ow := g.outHW()
	cw := g.colWidth()
	imSize := g.H * g.W * g.C
	parallelFor(batch, oh*ow*cw, func(b int) {
		src := col[b*oh*ow*cw : (b+1)*oh*ow*cw]
		dst := im[b*imSize : (b+1)*imSize]
		clear(dst)
		// For one output row oy, input row iy gets its values from one
		// kernel row ky only, so walking ky outside ox adds to every
		// input value in the order oy, ox, kx as before (bit for bit),
		// with the row's bounds checked once per (oy, ky).
		C, KW := g.C, g.KW
		for oy := 0; oy < oh; oy++ {
			for ky := 0; ky < g.KH; ky++ {
				iy := oy*g.SH - g.PH + ky
				if iy < 0 || iy >= g.H {
					continue
				}
				row := dst[iy*g.W*C : (iy+1)*g.W*C]
				for ox := 0; ox < ow; ox++ {
					base := ((oy*ow+ox)*g.KH + ky) * KW * C
					ix0 := ox*g.SW - g.PW
					for kx := 0; kx < KW; kx++ {
						ix := ix0 + kx
						if ix < 0 || ix >= g.W {
							continue
						}
						if C == 1 {
							row[ix] += src[base+kx]
							continue
						}
						d := row[ix*C : ix*C+C]
						sv := src[base+kx*C : base+kx*C+C]
						if f, ok := any(d).([]float32); ok && C >= 8 {
							sgemm.Add(f, any(sv).([]float32))
							continue
						}
						for c := range d {
							d[c] += sv[c]
						}
					}
				}
			}
		}
	})
}

func opHash(op interface{ WriteHash(hash.Hash) }) uint32 {
	h := fnv.New32a()
	op.WriteHash(h)
	return h.Sum32()
}
