package gan

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

func randSlice(rng *rand.Rand, n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = rng.NormFloat64()
	}
	return v
}

func dot(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// TestIm2colConv checks im2col(x)·W against a direct NHWC convolution
// sum_{ky,kx,c} x[b, oy*s-p+ky, ox*s-p+kx, c] W[(ky*K+kx)*C+c, o] (zero
// outside the image), to 1e-12.
func TestIm2colConv(t *testing.T) {
	for _, g := range []convGeom{
		{KH: 4, KW: 4, SH: 2, SW: 2, PH: 1, PW: 1, H: 8, W: 6, C: 3},
		{KH: 3, KW: 3, SH: 1, SW: 1, PH: 1, PW: 1, H: 5, W: 7, C: 2},
		{KH: 3, KW: 2, SH: 2, SW: 1, PH: 0, PW: 1, H: 7, W: 4, C: 1},
	} {
		rng := rand.New(rand.NewPCG(1, 2))
		const batch, oc = 2, 3
		x := randSlice(rng, batch*g.H*g.W*g.C)
		w := randSlice(rng, g.colWidth()*oc)
		oh, ow := g.outHW()
		col := make([]float64, batch*oh*ow*g.colWidth())
		im2colKernel(x, col, batch, g)
		for b := 0; b < batch; b++ {
			for oy := 0; oy < oh; oy++ {
				for ox := 0; ox < ow; ox++ {
					row := col[((b*oh+oy)*ow+ox)*g.colWidth():][:g.colWidth()]
					for o := 0; o < oc; o++ {
						var got, want float64
						for r := range row {
							got += row[r] * w[r*oc+o]
						}
						for ky := 0; ky < g.KH; ky++ {
							for kx := 0; kx < g.KW; kx++ {
								iy, ix := oy*g.SH-g.PH+ky, ox*g.SW-g.PW+kx
								if iy < 0 || iy >= g.H || ix < 0 || ix >= g.W {
									continue
								}
								for c := 0; c < g.C; c++ {
									want += x[((b*g.H+iy)*g.W+ix)*g.C+c] * w[((ky*g.KW+kx)*g.C+c)*oc+o]
								}
							}
						}
						if math.Abs(got-want) > 1e-12 {
							t.Fatalf("%v: conv at b=%d (%d,%d) o=%d: got %v, want %v", g, b, oy, ox, o, got, want)
						}
					}
				}
			}
		}
	}
}

// TestCol2imAdjoint checks <im2col(x), y> = <x, col2im(y)> to 1e-10: col2im
// is the adjoint of im2col, which makes each the other's derivative.
func TestCol2imAdjoint(t *testing.T) {
	for _, g := range []convGeom{
		{KH: 4, KW: 4, SH: 2, SW: 2, PH: 1, PW: 1, H: 8, W: 12, C: 3},
		{KH: 3, KW: 3, SH: 1, SW: 1, PH: 1, PW: 1, H: 6, W: 5, C: 1}, // the single-channel paths
	} {
		rng := rand.New(rand.NewPCG(3, 4))
		const batch = 2
		oh, ow := g.outHW()
		x := randSlice(rng, batch*g.H*g.W*g.C)
		y := randSlice(rng, batch*oh*ow*g.colWidth())
		ax := make([]float64, len(y))
		aty := make([]float64, len(x))
		im2colKernel(x, ax, batch, g)
		col2imKernel(y, aty, batch, g)
		if l, r := dot(ax, y), dot(x, aty); math.Abs(l-r) > 1e-10*math.Max(1, math.Abs(l)) {
			t.Errorf("%v: <im2col x, y> = %v, <x, col2im y> = %v", g, l, r)
		}
	}
}

// TestDeconvShapes checks the transposed convolution's output size for the
// generator's 4x4 stride-2 pad-1 upsampling at odd and even sizes.
func TestDeconvShapes(t *testing.T) {
	for _, hw := range [][2]int{{7, 7}, {4, 4}, {16, 4}, {1, 3}} {
		g := G.NewGraph()
		x := newNode(g, tensor.Float64, tensor.Shape{2 * hw[0] * hw[1], 5}, "x", nil)
		c := newNetCtx(g, tensor.Float64, newParamSet(), rand.New(rand.NewPCG(1, 1)))
		y, im, err := c.deconv("d", x, imgShape{B: 2, H: hw[0], W: hw[1], C: 5}, 3, 4, 2, 1, 0)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := y.Shape(), (tensor.Shape{2 * 2 * hw[0] * 2 * hw[1], 3}); !got.Eq(want) {
			t.Errorf("deconv of %v: got shape %v, want %v", hw, got, want)
		}
		if want := (imgShape{B: 2, H: 2 * hw[0], W: 2 * hw[1], C: 3}); im != want {
			t.Errorf("deconv of %v: got geometry %+v, want %+v", hw, im, want)
		}
	}
}

// TestAugmentAdjoint checks <A x, y> = <x, Aᵀ y> for the linear part A of
// random DiffAugment transforms, which makes augmentAdjointOp the derivative
// of augmentOp, and that brightness is the only affine offset.
func TestAugmentAdjoint(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	const h, w, c = 8, 6, 3
	all := Augment{Color: true, Translation: true, Cutout: true}
	for trial := 0; trial < 20; trial++ {
		p := drawAugParams(all, h, w, rng)
		x, y := randSlice(rng, h*w*c), randSlice(rng, h*w*c)
		ax, aty := make([]float64, len(x)), make([]float64, len(y))
		augmentSample(x, ax, h, w, c, p, true)
		augmentSampleT(y, aty, h, w, c, p)
		if l, r := dot(ax, y), dot(x, aty); math.Abs(l-r) > 1e-10*math.Max(1, math.Abs(l)) {
			t.Fatalf("params %+v: <A x, y> = %v, <x, Aᵀ y> = %v", p, l, r)
		}
		// affine: T(x) - A x = T(0)
		tx, t0 := make([]float64, len(x)), make([]float64, len(x))
		augmentSample(x, tx, h, w, c, p, false)
		augmentSample(make([]float64, len(x)), t0, h, w, c, p, false)
		for i := range tx {
			if d := tx[i] - ax[i] - t0[i]; math.Abs(d) > 1e-12 {
				t.Fatalf("T(x) - A x - T(0) = %v at %d, want 0", d, i)
			}
		}
	}
}

// TestAugmentKnownValues checks single transforms against hand-computed values.
func TestAugmentKnownValues(t *testing.T) {
	// 1x3 image, 1 channel, values 1 2 3.
	x := []float64{1, 2, 3}
	out := make([]float64, 3)
	augmentSample(x, out, 1, 3, 1, augParams{aug: Augment{Translation: true}, tx: 1, sat: 1, contrast: 1}, false)
	if want := []float64{2, 3, 0}; !equalF(out, want) {
		t.Errorf("shift by +1: got %v, want %v", out, want)
	}
	augmentSample(x, out, 1, 3, 1, augParams{aug: Augment{Color: true}, bright: 0.5, sat: 1, contrast: 2}, false)
	// +0.5 -> 1.5 2.5 3.5, mean 2.5, contrast 2 -> 0.5 2.5 4.5
	if want := []float64{0.5, 2.5, 4.5}; !equalF(out, want) {
		t.Errorf("brightness 0.5, contrast 2: got %v, want %v", out, want)
	}
	augmentSample(x, out, 1, 3, 1, augParams{aug: Augment{Cutout: true}, cx0: 1, cx1: 2, cy0: 0, cy1: 1, sat: 1, contrast: 1}, false)
	if want := []float64{1, 0, 3}; !equalF(out, want) {
		t.Errorf("cutout of column 1: got %v, want %v", out, want)
	}
}

func equalF(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Abs(a[i]-b[i]) > 1e-12 {
			return false
		}
	}
	return true
}

// TestMatMulOp checks the four transpose variants of matMulOp against a
// direct triple loop, in float32 and float64 (the derivatives are checked
// by the gradient tests, which go through it everywhere).
func TestMatMulOp(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 3))
	const m, k, n = 5, 4, 3
	a := make([]float64, m*k) // A is m x k
	b := make([]float64, k*n) // B is k x n
	for i := range a {
		a[i] = rng.NormFloat64()
	}
	for i := range b {
		b[i] = rng.NormFloat64()
	}
	want := make([]float64, m*n)
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			for l := 0; l < k; l++ {
				want[i*n+j] += a[i*k+l] * b[l*n+j]
			}
		}
	}
	transpose := func(x []float64, r, c int) []float64 {
		out := make([]float64, len(x))
		for i := 0; i < r; i++ {
			for j := 0; j < c; j++ {
				out[j*r+i] = x[i*c+j]
			}
		}
		return out
	}
	for _, ta := range []bool{false, true} {
		for _, tb := range []bool{false, true} {
			av, ash := a, []int{m, k}
			if ta {
				av, ash = transpose(a, m, k), []int{k, m}
			}
			bv, bsh := b, []int{k, n}
			if tb {
				bv, bsh = transpose(b, k, n), []int{n, k}
			}
			op := matMulOp{ta: ta, tb: tb, buf: newBuf()}
			got, err := op.Do(tensor.New(tensor.WithShape(ash...), tensor.WithBacking(av)), tensor.New(tensor.WithShape(bsh...), tensor.WithBacking(bv)))
			if err != nil {
				t.Fatalf("%v: %v", op, err)
			}
			if !slices.Equal(got.Shape(), tensor.Shape{m, n}) {
				t.Fatalf("%v: shape %v, want (%d, %d)", op, got.Shape(), m, n)
			}
			for i, v := range got.Data().([]float64) {
				if math.Abs(v-want[i]) > 1e-12 {
					t.Fatalf("%v: element %d = %g, want %g", op, i, v, want[i])
				}
			}
			a32, b32 := make([]float32, len(av)), make([]float32, len(bv))
			for i, v := range av {
				a32[i] = float32(v)
			}
			for i, v := range bv {
				b32[i] = float32(v)
			}
			got32, err := matMulOp{ta: ta, tb: tb, buf: newBuf()}.Do(tensor.New(tensor.WithShape(ash...), tensor.WithBacking(a32)), tensor.New(tensor.WithShape(bsh...), tensor.WithBacking(b32)))
			if err != nil {
				t.Fatal(err)
			}
			for i, v := range got32.Data().([]float32) {
				if math.Abs(float64(v)-want[i]) > 1e-5 {
					t.Fatalf("%v float32: element %d = %g, want %g", op, i, v, want[i])
				}
			}
		}
	}
	if _, err := (matMulOp{buf: newBuf()}).InferShape(tensor.Shape{2, 3}, tensor.Shape{2, 3}); err == nil {
		t.Error("matmul of 2x3 by 2x3: no error")
	}
}

// TestUpsampleKnownAndAdjoint checks nearest 2x upsampling on a known
// 2x3 image of 2 channels and that sum pooling is its adjoint.
func TestUpsampleKnownAndAdjoint(t *testing.T) {
	const b, h, w, c = 2, 2, 3, 2
	src := make([]float64, b*h*w*c)
	for i := range src {
		src[i] = float64(i)
	}
	dst := make([]float64, 4*len(src))
	upsampleKernel(src, dst, b, h, w, c)
	for n := 0; n < b; n++ {
		for y := 0; y < 2*h; y++ {
			for x := 0; x < 2*w; x++ {
				for k := 0; k < c; k++ {
					got := dst[((n*2*h+y)*2*w+x)*c+k]
					want := src[((n*h+y/2)*w+x/2)*c+k]
					if got != want {
						t.Fatalf("image %d pixel (%d, %d) channel %d = %v, want %v", n, y, x, k, got, want)
					}
				}
			}
		}
	}
	rng := rand.New(rand.NewPCG(5, 6))
	x := randSlice(rng, len(src))
	y := randSlice(rng, len(dst))
	ux := make([]float64, len(y))
	py := make([]float64, len(x))
	upsampleKernel(x, ux, b, h, w, c)
	sumPoolKernel(y, py, b, h, w, c)
	if l, r := dot(ux, y), dot(x, py); math.Abs(l-r) > 1e-10*math.Max(1, math.Abs(l)) {
		t.Errorf("<up x, y> = %v, <x, pool y> = %v", l, r)
	}
}
