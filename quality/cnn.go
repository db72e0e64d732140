package quality

import (
	"fmt"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/gonum/blas/blas64"

	"github.com/tailsynth/tailsynth/internal/sgemm"
	"github.com/tailsynth/tailsynth/quality/neighbors"
)

// CNNConfig sets [TrainCNN]. Height, Width and Channels are required; other
// zero values mean the defaults in brackets.
type CNNConfig struct {
	// Height, Width and Channels give the image layout of a row: row-major
	// HWC (pixel (y, x) channel c at index (y·Width + x)·Channels + c), as
	// the evaluation's image features are (28×28, gray C = 1 or RGB C = 3).
	// Both sides must be at least 4 (two 2×2 poolings).
	Height   int `json:"height"`
	Width    int `json:"width"`
	Channels int `json:"channels"`
	// Conv1 and Conv2 are the channels of the two 3×3 convolutions [16, 32];
	// Hidden is the width of the dense layer [64].
	Conv1  int `json:"conv1"`
	Conv2  int `json:"conv2"`
	Hidden int `json:"hidden"`
	// Epochs, BatchSize and LearningRate drive Adam [8, 64, 1e-3].
	Epochs       int     `json:"epochs"`
	BatchSize    int     `json:"batch_size"`
	LearningRate float64 `json:"learning_rate"`
	// WeightDecay adds WeightDecay·W to the weight gradients (L2; biases
	// excluded) [0].
	WeightDecay float64 `json:"weight_decay"`
	// Seed drives the initial weights and the shuffles.
	Seed int64 `json:"seed"`
}

func (c CNNConfig) withDefaults() CNNConfig {
	if c.Conv1 == 0 {
		c.Conv1 = 16
	}
	if c.Conv2 == 0 {
		c.Conv2 = 32
	}
	if c.Hidden == 0 {
		c.Hidden = 64
	}
	if c.Epochs == 0 {
		c.Epochs = 8
	}
	if c.BatchSize == 0 {
		c.BatchSize = 64
	}
	if c.LearningRate == 0 {
		c.LearningRate = 1e-3
	}
	return c
}

// check validates a config with defaults applied against rows of cols
// values.
func (c CNNConfig) check(cols int) error {
	if c.Height < 4 || c.Width < 4 || c.Channels < 1 {
		return fmt.Errorf("cnn: image %dx%dx%d (height x width x channels), want sides of at least 4 and at least 1 channel", c.Height, c.Width, c.Channels)
	}
	if n := c.Height * c.Width * c.Channels; n != cols {
		return fmt.Errorf("cnn: rows have %d values but %dx%dx%d images have %d; set height, width and channels to the image layout (28x28x1 for gray, 28x28x3 for RGB features)",
			cols, c.Height, c.Width, c.Channels, n)
	}
	if c.Conv1 < 1 || c.Conv2 < 1 || c.Hidden < 1 || c.Epochs < 1 || c.BatchSize < 1 {
		return fmt.Errorf("cnn: conv1 %d, conv2 %d, hidden %d, epochs %d, batch size %d: want all at least 1", c.Conv1, c.Conv2, c.Hidden, c.Epochs, c.BatchSize)
	}
	if !(c.LearningRate > 0) || !(c.WeightDecay >= 0) {
		return fmt.Errorf("cnn: learning rate %g and weight decay %g, want a positive rate and a non-negative decay", c.LearningRate, c.WeightDecay)
	}
	return nil
}

// CNN is a small convolutional classifier of HWC images:
//
//	conv3×3(C→Conv1, zero padding 1) + ReLU + maxpool 2×2
//	conv3×3(Conv1→Conv2, zero padding 1) + ReLU + maxpool 2×2
//	dense(→Hidden) + ReLU
//	dense(→Classes), softmax
//
// on inputs standardised per channel with the training mean and standard
// deviation. Pooling floors odd sides (a 7-pixel side pools to 3).
type CNN struct {
	// Config is the training config with defaults applied.
	Config  CNNConfig `json:"config"`
	Classes int       `json:"classes"`
	// Mean and Std are the per-channel input statistics of the training
	// rows; inputs become (x − Mean[c]) / Std[c].
	Mean []float32 `json:"mean"`
	Std  []float32 `json:"std"`
	// Weights are row-major (inputs × outputs); a convolution's inputs are
	// its 3×3 receptive field in (ky, kx, channel) order and the first
	// dense layer's the pooled Conv2 map in (channel, y, x) order.
	W1 []float32 `json:"w1"`
	B1 []float32 `json:"b1"`
	W2 []float32 `json:"w2"`
	B2 []float32 `json:"b2"`
	W3 []float32 `json:"w3"`
	B3 []float32 `json:"b3"`
	W4 []float32 `json:"w4"`
	B4 []float32 `json:"b4"`
}

// cnnChunk is the number of rows processed at a time at inference.
const cnnChunk = 256

// Predict returns the most probable class of every row of x (rows laid out
// as at training). It does not change m, so concurrent calls are safe.
func (m *CNN) Predict(x blas32.General) ([]int, error) {
	out := make([]int, x.Rows)
	err := m.logits(x, func(i int, z []float32) { out[i] = argmax(z) })
	return out, err
}

// Probabilities returns, for every row of x, the softmax of the network's
// outputs: one probability per class.
func (m *CNN) Probabilities(x blas32.General) ([][]float64, error) {
	out := make([][]float64, x.Rows)
	err := m.logits(x, func(i int, z []float32) {
		out[i] = make([]float64, len(z))
		softmaxRow(z, 0, out[i])
	})
	return out, err
}

// logits runs the network on the rows of x, cnnChunk at a time, and calls
// f with each row's outputs (valid during the call only).
func (m *CNN) logits(x blas32.General, f func(i int, z []float32)) error {
	if err := neighbors.CheckMatrix("cnn input", x); err != nil {
		return err
	}
	g := m.geom()
	if x.Cols != g.in() {
		return fmt.Errorf("cnn: rows have %d values, want %d (%dx%dx%d images)", x.Cols, g.in(), g.h, g.w, g.c)
	}
	if err := g.checkParams(m.params()); err != nil {
		return err
	}
	w := newCNNWork[float32](g, min(cnnChunk, x.Rows))
	for i0 := 0; i0 < x.Rows; i0 += cnnChunk {
		i1 := min(i0+cnnChunk, x.Rows)
		m.loadRows(w, x, rowRange(i0, i1))
		w.forward(m.params())
		for i := range i1 - i0 {
			f(i0+i, w.z[i*g.classes:(i+1)*g.classes])
		}
	}
	return nil
}

func (m *CNN) geom() cnnGeom {
	c := m.Config
	return cnnGeom{h: c.Height, w: c.Width, c: c.Channels, c1: c.Conv1, c2: c.Conv2, hidden: c.Hidden, classes: m.Classes}
}

func (m *CNN) params() [][]float32 {
	return [][]float32{m.W1, m.B1, m.W2, m.B2, m.W3, m.B3, m.W4, m.B4}
}

// loadRows copies the given rows of x, standardised, into the work input
// and sets the batch size.
func (m *CNN) loadRows(w *cnnWork[float32], x blas32.General, rows []int) {
	w.setBatch(len(rows))
	scale := make([]float32, len(m.Std))
	for i, s := range m.Std {
		scale[i] = 1 / s
	}
	for i, r := range rows {
		w.loadHWC(i, neighbors.Row(x, r), m.Mean, scale)
	}
}

func rowRange(i0, i1 int) []int {
	out := make([]int, i1-i0)
	for i := range out {
		out[i] = i0 + i
	}
	return out
}

// cnnFloat is the element type of the network arithmetic: float32 for
// training and inference, float64 for the gradient check.
type cnnFloat interface{ float32 | float64 }

// cnnGeom is the shape of a [CNN]: image h×w×c, the channels of the two
// convolutions, the hidden width and the class count.
type cnnGeom struct{ h, w, c, c1, c2, hidden, classes int }

func (g cnnGeom) in() int { return g.h * g.w * g.c }

// Sides after the first and second pooling.
func (g cnnGeom) pool1() (int, int) { return g.h / 2, g.w / 2 }
func (g cnnGeom) pool2() (int, int) { return g.h / 4, g.w / 4 }

// flat is the input width of the first dense layer.
func (g cnnGeom) flat() int {
	h, w := g.pool2()
	return h * w * g.c2
}

// paramSizes lists the lengths of W1, B1, …, W4, B4.
func (g cnnGeom) paramSizes() []int {
	return []int{9 * g.c * g.c1, g.c1, 9 * g.c1 * g.c2, g.c2, g.flat() * g.hidden, g.hidden, g.hidden * g.classes, g.classes}
}

// fanIns lists the fan-in of each weight (for He initialisation); 0 marks
// a bias.
func (g cnnGeom) fanIns() []int {
	return []int{9 * g.c, 0, 9 * g.c1, 0, g.flat(), 0, g.hidden, 0}
}

func (g cnnGeom) checkParams(p [][]float32) error {
	for i, n := range g.paramSizes() {
		if len(p[i]) != n {
			return fmt.Errorf("cnn: parameter %d has %d values, want %d for config %dx%dx%d, conv %d/%d, hidden %d, %d classes",
				i, len(p[i]), n, g.h, g.w, g.c, g.c1, g.c2, g.hidden, g.classes)
		}
	}
	return nil
}

// cnnWork holds the activations of one batch of up to capacity rows and the
// buffers of the backward pass. Convolution activations are channel-major
// over the batch: a map of ch channels is the ch×(n·h·w) matrix whose row k
// holds channel k of every image, image after image, row-major. So each
// convolution is one matrix product whose rows are n·h·w long, which gonum's
// kernels run much faster than the 16- or 32-wide rows of the pixel-major
// (NHWC) layout, and im2col copies whole image rows.
type cnnWork[T cnnFloat] struct {
	g        cnnGeom
	capacity int
	n        int

	x    []T     // c × n·h·w, standardised
	col1 []T     // 9c × n·h·w
	a1   []T     // c1 × n·h·w, after ReLU
	p1   []T     // c1 × n·h1·w1
	arg1 []int32 // index into a1 of each p1 value
	col2 []T     // 9c1 × n·h1·w1
	a2   []T     // c2 × n·h1·w1, after ReLU
	p2   []T     // c2 × n·h2·w2
	arg2 []int32
	f    []T // n × flat: p2 gathered per image in (channel, y, x) order
	a3   []T // n × hidden, after ReLU
	z    []T // n × classes: logits, then dL/dz after lossGrad

	// Backward buffers.
	da3, df, dp2, da2, dcol2, dp1, da1 []T
	prob                               []float64
}

func newCNNWork[T cnnFloat](g cnnGeom, capacity int) *cnnWork[T] {
	h1, w1 := g.pool1()
	h2, w2 := g.pool2()
	n, px, px1, px2 := capacity, g.h*g.w, h1*w1, h2*w2
	return &cnnWork[T]{
		g: g, capacity: capacity, n: capacity,
		x:    make([]T, n*g.in()),
		col1: make([]T, n*px*9*g.c),
		a1:   make([]T, n*px*g.c1),
		p1:   make([]T, n*px1*g.c1),
		arg1: make([]int32, n*px1*g.c1),
		col2: make([]T, n*px1*9*g.c1),
		a2:   make([]T, n*px1*g.c2),
		p2:   make([]T, n*px2*g.c2),
		arg2: make([]int32, n*px2*g.c2),
		f:    make([]T, n*g.flat()),
		a3:   make([]T, n*g.hidden),
		z:    make([]T, n*g.classes),
		prob: make([]float64, g.classes),
	}
}

// allocBackward allocates the backward buffers once, for training.
func (w *cnnWork[T]) allocBackward() {
	g, n := w.g, w.capacity
	h1, w1 := g.pool1()
	w.da3 = make([]T, n*g.hidden)
	w.df = make([]T, n*g.flat())
	w.dp2 = make([]T, n*g.flat())
	w.da2 = make([]T, n*h1*w1*g.c2)
	w.dcol2 = make([]T, n*h1*w1*9*g.c1)
	w.dp1 = make([]T, n*h1*w1*g.c1)
	w.da1 = make([]T, n*g.h*g.w*g.c1)
}

func (w *cnnWork[T]) setBatch(n int) {
	if n > w.capacity {
		panic(fmt.Sprintf("cnn: batch of %d rows in buffers for %d", n, w.capacity))
	}
	w.n = n
}

// loadHWC writes image i of the batch, given as h×w×c row-major HWC
// values, into the channel-major input as (v − mean[ch]) · scale[ch].
func (w *cnnWork[T]) loadHWC(i int, img []T, mean, scale []T) {
	g := w.g
	px := g.h * g.w
	stride := w.n * px
	for p := range px {
		for ch, v := range img[p*g.c : (p+1)*g.c] {
			w.x[ch*stride+i*px+p] = (v - mean[ch]) * scale[ch]
		}
	}
}

// forward computes the logits w.z of the w.n images in w.x.
func (w *cnnWork[T]) forward(p [][]T) {
	g, n := w.g, w.n
	h1, w1 := g.pool1()
	r0, r1, flat := n*g.h*g.w, n*h1*w1, g.flat()

	im2col3(w.x, w.col1, n, g.h, g.w, g.c)
	gemm(true, false, g.c1, r0, 9*g.c, p[0], w.col1, 0, w.a1)
	rowBiasReLU(w.a1[:g.c1*r0], r0, p[1])
	maxPool2(w.a1, w.p1, w.arg1, g.c1*n, g.h, g.w)

	im2col3(w.p1, w.col2, n, h1, w1, g.c1)
	gemm(true, false, g.c2, r1, 9*g.c1, p[2], w.col2, 0, w.a2)
	rowBiasReLU(w.a2[:g.c2*r1], r1, p[3])
	maxPool2(w.a2, w.p2, w.arg2, g.c2*n, h1, w1)
	w.flatten(w.p2, w.f, false)

	gemm(false, false, n, g.hidden, flat, w.f, p[4], 0, w.a3)
	biasReLU(w.a3[:n*g.hidden], p[5])
	gemm(false, false, n, g.classes, g.hidden, w.a3, p[6], 0, w.z)
	addBias(w.z[:n*g.classes], p[7])
}

// flatten gathers the channel-major pooled map cm (c2 × n·h2·w2) into rows
// of one image each, (channel, y, x) order; with back it scatters rows
// into cm instead.
func (w *cnnWork[T]) flatten(cm, rows []T, back bool) {
	h2, w2 := w.g.pool2()
	px, n := h2*w2, w.n
	flat := w.g.c2 * px
	for ch := range w.g.c2 {
		for i := range n {
			a := cm[(ch*n+i)*px : (ch*n+i+1)*px]
			b := rows[i*flat+ch*px : i*flat+(ch+1)*px]
			if back {
				copy(a, b)
			} else {
				copy(b, a)
			}
		}
	}
}

// lossGrad turns the logits into dL/dz of the mean cross-entropy over the
// batch, (softmax(z) − onehot(y))/n, written over w.z, and returns the summed
// loss and the number of rows whose logits ranked y first.
func (w *cnnWork[T]) lossGrad(y []int) (loss float64, correct int) {
	k, n := w.g.classes, w.n
	for i := range n {
		z := w.z[i*k : (i+1)*k]
		loss += softmaxRow(z, y[i], w.prob)
		if argmax(z) == y[i] {
			correct++
		}
		for j := range z {
			gj := w.prob[j]
			if j == y[i] {
				gj--
			}
			z[j] = T(gj / float64(n))
		}
	}
	return loss, correct
}

// backward writes the gradients of the loss whose dL/dz lossGrad left in
// w.z into grads (same layout as p).
func (w *cnnWork[T]) backward(p, grads [][]T) {
	g, n := w.g, w.n
	h1, w1 := g.pool1()
	r0, r1, flat := n*g.h*g.w, n*h1*w1, g.flat()

	// Dense layers.
	gemm(true, false, g.hidden, g.classes, n, w.a3, w.z, 0, grads[6])
	colSumsT(w.z[:n*g.classes], g.classes, grads[7])
	gemm(false, true, n, g.hidden, g.classes, w.z, p[6], 0, w.da3)
	reluMask(w.da3[:n*g.hidden], w.a3)
	gemm(true, false, flat, g.hidden, n, w.f, w.da3, 0, grads[4])
	colSumsT(w.da3[:n*g.hidden], g.hidden, grads[5])
	gemm(false, true, n, flat, g.hidden, w.da3, p[4], 0, w.df)
	w.flatten(w.dp2, w.df, true)

	// Second convolution.
	unpoolReLU(w.dp2[:n*flat], w.arg2, w.a2, w.da2[:g.c2*r1])
	gemm(false, true, 9*g.c1, g.c2, r1, w.col2, w.da2, 0, grads[2])
	rowSums(w.da2[:g.c2*r1], r1, grads[3])
	gemm(false, false, 9*g.c1, r1, g.c2, p[2], w.da2, 0, w.dcol2)
	col2im3(w.dcol2, w.dp1, n, h1, w1, g.c1)

	// First convolution (no gradient for the input).
	unpoolReLU(w.dp1[:g.c1*r1], w.arg1, w.a1, w.da1[:g.c1*r0])
	gemm(false, true, 9*g.c, g.c1, r0, w.col1, w.da1, 0, grads[0])
	rowSums(w.da1[:g.c1*r0], r0, grads[1])
}

// gemm sets c (m×n) = op(a)·op(b) + beta·c, where op(a) is m×k and op(b)
// k×n, all densely packed row-major. In float32 with beta 0 it is
// internal/sgemm's product (its AVX-512 or AVX2/FMA kernel where the CPU
// has one),
// else gonum's Gemm. Both split only the output between goroutines, so
// every sum runs in a fixed order and the result does not depend on
// GOMAXPROCS.
func gemm[T cnnFloat](transA, transB bool, m, n, k int, a, b []T, beta T, c []T) {
	ta, lda := blas.NoTrans, k
	if transA {
		ta, lda = blas.Trans, m
	}
	tb, ldb := blas.NoTrans, n
	if transB {
		tb, ldb = blas.Trans, k
	}
	switch a := any(a).(type) {
	case []float32:
		if beta == 0 {
			sgemm.Mul(transA, transB, m, n, k, a, lda, any(b).([]float32), ldb, any(c).([]float32), n)
			return
		}
		blas32.Implementation().Sgemm(ta, tb, m, n, k, 1, a, lda, any(b).([]float32), ldb, float32(beta), any(c).([]float32), n)
	case []float64:
		blas64.Implementation().Dgemm(ta, tb, m, n, k, 1, a, lda, any(b).([]float64), ldb, float64(beta), any(c).([]float64), n)
	}
}

// im2col3 writes the 3×3 neighbourhoods (zero outside the image) of a
// channel-major map im of c channels of n h×w images (c × n·h·w) into col
// (9c × n·h·w): row (ky·3 + kx)·c + ch holds channel ch shifted by
// (ky − 1, kx − 1), so column j of col is the receptive field of pixel j in
// (ky, kx, channel) order, the row order of the weights.
func im2col3[T cnnFloat](im, col []T, n, h, w, c int) {
	r := n * h * w
	for ky := range 3 {
		for kx := range 3 {
			for ch := range c {
				dst := col[((ky*3+kx)*c+ch)*r : ((ky*3+kx)*c+ch+1)*r]
				src := im[ch*r : (ch+1)*r]
				for b := range n {
					for y := range h {
						d := dst[(b*h+y)*w : (b*h+y+1)*w]
						iy := y + ky - 1
						if iy < 0 || iy >= h {
							clear(d)
							continue
						}
						s := src[(b*h+iy)*w : (b*h+iy+1)*w]
						switch kx {
						case 0:
							d[0] = 0
							copy(d[1:], s[:w-1])
						case 1:
							copy(d, s)
						case 2:
							copy(d[:w-1], s[1:])
							d[w-1] = 0
						}
					}
				}
			}
		}
	}
}

// col2im3 is the adjoint of im2col3: it sets im to zero and adds every
// entry of col back onto the pixel it was copied from.
func col2im3[T cnnFloat](col, im []T, n, h, w, c int) {
	r := n * h * w
	clear(im[:c*r])
	for ky := range 3 {
		for kx := range 3 {
			for ch := range c {
				src := col[((ky*3+kx)*c+ch)*r : ((ky*3+kx)*c+ch+1)*r]
				dst := im[ch*r : (ch+1)*r]
				for b := range n {
					for y := range h {
						iy := y + ky - 1
						if iy < 0 || iy >= h {
							continue
						}
						s := src[(b*h+y)*w : (b*h+y+1)*w]
						d := dst[(b*h+iy)*w : (b*h+iy+1)*w]
						switch kx {
						case 0:
							addTo(d[:w-1], s[1:])
						case 1:
							addTo(d, s)
						case 2:
							addTo(d[1:], s[:w-1])
						}
					}
				}
			}
		}
	}
}

func addTo[T cnnFloat](dst, src []T) {
	for i, v := range src {
		dst[i] += v
	}
}

// maxPool2 writes the 2×2, stride-2 max pooling of planes h×w planes (odd
// sides floored) into out and the index into in of each maximum (the first
// of equal values) into arg.
func maxPool2[T cnnFloat](in, out []T, arg []int32, planes, h, w int) {
	oh, ow := h/2, w/2
	for pl := range planes {
		for oy := range oh {
			top := (pl*h + 2*oy) * w
			o := (pl*oh + oy) * ow
			for ox := range ow {
				best := top + 2*ox
				for _, i := range [3]int{best + 1, best + w, best + w + 1} {
					if in[i] > in[best] {
						best = i
					}
				}
				out[o+ox] = in[best]
				arg[o+ox] = int32(best)
			}
		}
	}
}

// unpoolReLU sets dIn to zero and routes each pooled gradient to its
// maximum, unless the ReLU output a there is not positive (zero gradient).
func unpoolReLU[T cnnFloat](dOut []T, arg []int32, a, dIn []T) {
	clear(dIn)
	for i, v := range dOut {
		if j := arg[i]; a[j] > 0 {
			dIn[j] = v
		}
	}
}

// biasReLU adds the bias to every row of the packed matrix a and applies
// ReLU in place.
func biasReLU[T cnnFloat](a, bias []T) {
	k := len(bias)
	for i := 0; i < len(a); i += k {
		row := a[i : i+k]
		for j, v := range row {
			row[j] = max(v+bias[j], 0)
		}
	}
}

// rowBiasReLU adds bias[k] to row k (of length r) of a and applies ReLU in
// place.
func rowBiasReLU[T cnnFloat](a []T, r int, bias []T) {
	for k, b := range bias {
		row := a[k*r : (k+1)*r]
		for j, v := range row {
			row[j] = max(v+b, 0)
		}
	}
}

func addBias[T cnnFloat](a, bias []T) {
	k := len(bias)
	for i := 0; i < len(a); i += k {
		row := a[i : i+k]
		for j := range row {
			row[j] += bias[j]
		}
	}
}

// reluMask zeroes the gradient d where the ReLU output a was not positive.
func reluMask[T cnnFloat](d, a []T) {
	for i := range d {
		if a[i] <= 0 {
			d[i] = 0
		}
	}
}

// colSumsT writes the column sums of the packed matrix a (k columns) into
// dst.
func colSumsT[T cnnFloat](a []T, k int, dst []T) {
	clear(dst)
	for i := 0; i < len(a); i += k {
		for j, v := range a[i : i+k] {
			dst[j] += v
		}
	}
}

// rowSums writes the sums of the rows (of length r) of a into dst.
func rowSums[T cnnFloat](a []T, r int, dst []T) {
	for k := range dst {
		var s T
		for _, v := range a[k*r : (k+1)*r] {
			s += v
		}
		dst[k] = s
	}
}
