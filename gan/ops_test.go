package gan

import (
	"math"
	"math/rand/v2"
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
	g := convGeom{KH: 4, KW: 4, SH: 2, SW: 2, PH: 1, PW: 1, H: 8, W: 12, C: 3}
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
		t.Errorf("<im2col x, y> = %v, <x, col2im y> = %v", l, r)
	}
}

// TestDeconvShapes checks the transposed convolution's output size for the
// generator's 4x4 stride-2 pad-1 upsampling at odd and even sizes.
func TestDeconvShapes(t *testing.T) {
	for _, hw := range [][2]int{{7, 7}, {4, 4}, {16, 4}, {1, 3}} {
		g := G.NewGraph()
		x := newNode(g, tensor.Float64, tensor.Shape{2, hw[0], hw[1], 5}, "x", nil)
		c := newNetCtx(g, tensor.Float64, newParamSet(), rand.New(rand.NewPCG(1, 1)))
		y, err := c.deconv("d", x, 3, 4, 2, 1, 0)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := y.Shape(), (tensor.Shape{2, 2 * hw[0], 2 * hw[1], 3}); !got.Eq(want) {
			t.Errorf("deconv of %v: got shape %v, want %v", hw, got, want)
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
