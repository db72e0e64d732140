package quality

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/blas/blas32"
)

// bars returns noisy h×w×c images, perClass[k] of class k: class 0 has a
// bright vertical bar at a random column, class 1 a horizontal bar at a
// random row, class 2 a diagonal at a random offset. Every channel of a
// pixel gets the same bar and independent Gaussian noise of the given
// deviation; values are clipped to [0, 1].
func bars(seed uint64, perClass []int, h, w, c int, noise float64) Dataset {
	rng := rand.New(rand.NewPCG(seed, 0x62617273))
	d := Dataset{X: blas32.General{Cols: h * w * c, Stride: h * w * c}}
	for k, n := range perClass {
		for range n {
			img := make([]float32, h*w*c)
			pos := rng.IntN(min(h, w))
			for y := range h {
				for x := range w {
					on := (k == 0 && x == pos) || (k == 1 && y == pos) || (k == 2 && (x-y+w)%w == pos)
					for ch := range c {
						v := 0.1 + noise*rng.NormFloat64()
						if on {
							v += 0.8
						}
						img[(y*w+x)*c+ch] = float32(min(max(v, 0), 1))
					}
				}
			}
			d.X.Data = append(d.X.Data, img...)
			d.X.Rows++
			d.Y = append(d.Y, k)
		}
	}
	return d
}

func accuracy(got, want []int) float64 {
	ok := 0
	for i := range got {
		if got[i] == want[i] {
			ok++
		}
	}
	return float64(ok) / float64(len(got))
}

func TestTrainCNNLearnsBars(t *testing.T) {
	for _, tc := range []struct {
		name    string
		h, w, c int
	}{
		{"gray 12x12", 12, 12, 1},
		{"rgb 10x14", 10, 14, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			train := bars(1, []int{150, 150}, tc.h, tc.w, tc.c, 0.15)
			test := bars(2, []int{200, 200}, tc.h, tc.w, tc.c, 0.15)
			cfg := CNNConfig{Height: tc.h, Width: tc.w, Channels: tc.c, Epochs: 6, BatchSize: 32, Seed: 1}
			m, fit, err := TrainCNN(context.Background(), train.X, train.Y, 2, cfg)
			if err != nil {
				t.Fatal(err)
			}
			pred, err := m.Predict(test.X)
			if err != nil {
				t.Fatal(err)
			}
			acc := accuracy(pred, test.Y)
			if acc < 0.95 {
				t.Errorf("got test accuracy %.3f, want at least 0.95 (fit %+v)", acc, fit)
			}
			t.Logf("test accuracy %.3f, training loss %.4f", acc, fit.Loss)
			if want := 6 * 10; fit.Steps != want || len(fit.History) != 6 {
				t.Errorf("got %d steps and %d epochs, want %d and 6 (300 rows in batches of 32)", fit.Steps, len(fit.History), want)
			}
			if fit.Loss >= fit.History[0].Loss {
				t.Errorf("got loss %.4f after the last epoch and %.4f after the first, want a decrease", fit.Loss, fit.History[0].Loss)
			}
		})
	}
}

func TestTrainCNNDeterministic(t *testing.T) {
	train := bars(1, []int{40, 40, 40}, 8, 8, 1, 0.3)
	test := bars(2, []int{50, 50, 50}, 8, 8, 1, 0.3)
	cfg := CNNConfig{Height: 8, Width: 8, Channels: 1, Conv1: 4, Conv2: 8, Hidden: 8, Epochs: 2, BatchSize: 16, Seed: 7}
	ctx := context.Background()
	train1 := func(seed int64) (*CNN, []int) {
		c := cfg
		c.Seed = seed
		m, _, err := TrainCNN(ctx, train.X, train.Y, 3, c)
		if err != nil {
			t.Fatal(err)
		}
		pred, err := m.Predict(test.X)
		if err != nil {
			t.Fatal(err)
		}
		return m, pred
	}
	a, pa := train1(7)
	b, pb := train1(7)
	for i := range a.params() {
		if !slices.Equal(a.params()[i], b.params()[i]) {
			t.Fatalf("parameter %d differs between two runs with seed 7, want identical", i)
		}
	}
	if !slices.Equal(pa, pb) {
		t.Error("predictions differ between two runs with seed 7, want identical")
	}
	c, _ := train1(8)
	if slices.Equal(a.W1, c.W1) {
		t.Error("seeds 7 and 8 gave the same first-layer weights, want different")
	}
}

// TestCNNGradient compares the analytic gradient of the mean cross-entropy
// with central differences, in float64 on a tiny network: relative error
// |a − n| / max(|a| + |n|, 1e-3) at most 1e-6 for every parameter (with
// h = 1e-6 the truncation error is about 1e-12 and the rounding error about
// 1e-10; a difference crossing a ReLU or pooling kink would show as an
// error near 1, which random inputs make unlikely).
func TestCNNGradient(t *testing.T) {
	for _, g := range []cnnGeom{
		{h: 6, w: 6, c: 2, c1: 3, c2: 4, hidden: 5, classes: 3},
		{h: 9, w: 8, c: 1, c1: 2, c2: 3, hidden: 4, classes: 2}, // odd side: the pooling drops a row
	} {
		const n = 4
		rng := rand.New(rand.NewPCG(3, 4))
		p := make([][]float64, 8)
		grads := make([][]float64, 8)
		for i, size := range g.paramSizes() {
			p[i] = make([]float64, size)
			grads[i] = make([]float64, size)
			for j := range p[i] {
				p[i][j] = rng.NormFloat64() * 0.5
			}
		}
		w := newCNNWork[float64](g, n)
		w.allocBackward()
		for i := range w.x {
			w.x[i] = rng.NormFloat64()
		}
		y := make([]int, n)
		for i := range y {
			y[i] = rng.IntN(g.classes)
		}
		loss := func() float64 {
			w.forward(p)
			var l float64
			for i := range n {
				l += softmaxRow(w.z[i*g.classes:(i+1)*g.classes], y[i], w.prob)
			}
			return l / n
		}
		w.forward(p)
		w.lossGrad(y)
		w.backward(p, grads)
		const h = 1e-6
		worst := 0.0
		for i := range p {
			for j := range p[i] {
				v := p[i][j]
				p[i][j] = v + h
				lp := loss()
				p[i][j] = v - h
				lm := loss()
				p[i][j] = v
				num := (lp - lm) / (2 * h)
				rel := math.Abs(num-grads[i][j]) / max(math.Abs(num)+math.Abs(grads[i][j]), 1e-3)
				worst = max(worst, rel)
				if rel > 1e-6 {
					t.Errorf("geometry %+v, parameter %d[%d]: got gradient %.9g, finite difference %.9g (relative error %.2g), want within 1e-6", g, i, j, grads[i][j], num, rel)
				}
			}
		}
		t.Logf("geometry %+v: worst relative error %.2g", g, worst)
	}
}

// TestCNNForward checks the im2col forward pass against a direct
// convolution written from the definition.
func TestCNNForward(t *testing.T) {
	g := cnnGeom{h: 7, w: 6, c: 2, c1: 3, c2: 2, hidden: 4, classes: 3}
	const n = 2
	rng := rand.New(rand.NewPCG(5, 6))
	p := make([][]float64, 8)
	for i, size := range g.paramSizes() {
		p[i] = make([]float64, size)
		for j := range p[i] {
			p[i][j] = rng.NormFloat64()
		}
	}
	w := newCNNWork[float64](g, n)
	imgs := make([][]float64, n)
	for b := range imgs {
		imgs[b] = make([]float64, g.in())
		for i := range imgs[b] {
			imgs[b][i] = rng.Float64()
		}
		w.loadHWC(b, imgs[b], make([]float64, g.c), []float64{1, 1})
	}
	w.forward(p)

	// conv3 is a 3×3, zero-padded convolution with ReLU: out[y][x][o] =
	// max(0, b[o] + Σ in[y+ky−1][x+kx−1][i]·W[(ky·3+kx)·c+i][o]).
	conv3 := func(in []float64, h, wd, c, oc int, wt, b []float64) []float64 {
		out := make([]float64, h*wd*oc)
		for y := range h {
			for x := range wd {
				for o := range oc {
					s := b[o]
					for ky := range 3 {
						for kx := range 3 {
							iy, ix := y+ky-1, x+kx-1
							if iy < 0 || iy >= h || ix < 0 || ix >= wd {
								continue
							}
							for i := range c {
								s += in[(iy*wd+ix)*c+i] * wt[((ky*3+kx)*c+i)*oc+o]
							}
						}
					}
					out[(y*wd+x)*oc+o] = max(s, 0)
				}
			}
		}
		return out
	}
	pool := func(in []float64, h, wd, c int) []float64 {
		out := make([]float64, (h/2)*(wd/2)*c)
		for y := range h / 2 {
			for x := range wd / 2 {
				for ch := range c {
					out[(y*(wd/2)+x)*c+ch] = max(in[(2*y*wd+2*x)*c+ch], in[(2*y*wd+2*x+1)*c+ch], in[((2*y+1)*wd+2*x)*c+ch], in[((2*y+1)*wd+2*x+1)*c+ch])
				}
			}
		}
		return out
	}
	dense := func(in, wt, b []float64, out int, relu bool) []float64 {
		z := slices.Clone(b)
		for o := range out {
			for i, v := range in {
				z[o] += v * wt[i*out+o]
			}
			if relu {
				z[o] = max(z[o], 0)
			}
		}
		return z
	}
	// chw reorders an HWC map to (channel, y, x), the dense layer's order.
	chw := func(in []float64, px, c int) []float64 {
		out := make([]float64, len(in))
		for i := range px {
			for ch := range c {
				out[ch*px+i] = in[i*c+ch]
			}
		}
		return out
	}
	for b := range n {
		a1 := pool(conv3(imgs[b], g.h, g.w, g.c, g.c1, p[0], p[1]), g.h, g.w, g.c1)
		a2 := pool(conv3(a1, g.h/2, g.w/2, g.c1, g.c2, p[2], p[3]), g.h/2, g.w/2, g.c2)
		z := dense(dense(chw(a2, (g.h/4)*(g.w/4), g.c2), p[4], p[5], g.hidden, true), p[6], p[7], g.classes, false)
		for k := range z {
			if got := w.z[b*g.classes+k]; math.Abs(got-z[k]) > 1e-12*max(1, math.Abs(z[k])) {
				t.Errorf("image %d, logit %d: got %.15g, want %.15g from the direct convolution", b, k, got, z[k])
			}
		}
	}
}

func TestTrainCNNErrors(t *testing.T) {
	good := bars(1, []int{5, 5}, 6, 6, 1, 0.1)
	cfg := CNNConfig{Height: 6, Width: 6, Channels: 1, Epochs: 1}
	nan := good.Subset(seq(good.Len()))
	nan.X.Data[3] = float32(math.NaN())
	for _, tc := range []struct {
		name    string
		d       Dataset
		classes int
		mod     func(*CNNConfig)
		want    string
	}{
		{"one class", good, 1, nil, "1 classes, want at least 2"},
		{"label range", good, 2, nil, ""},
		{"layout", good, 2, func(c *CNNConfig) { c.Channels = 3 }, "rows have 36 values but 6x6x3 images have 108"},
		{"no layout", good, 2, func(c *CNNConfig) { c.Height, c.Width, c.Channels = 0, 0, 0 }, "want sides of at least 4"},
		{"small", good, 2, func(c *CNNConfig) { c.Height, c.Width = 3, 12 }, "want sides of at least 4"},
		{"epochs", good, 2, func(c *CNNConfig) { c.Epochs = -1 }, "epochs -1"},
		{"rate", good, 2, func(c *CNNConfig) { c.LearningRate = -1 }, "learning rate -1"},
		{"decay", good, 2, func(c *CNNConfig) { c.WeightDecay = math.NaN() }, "weight decay NaN"},
		{"nan", nan, 2, nil, "is NaN; only finite values"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := cfg
			if tc.mod != nil {
				tc.mod(&c)
			}
			d := tc.d
			if tc.name == "label range" {
				d = good.Subset(seq(good.Len()))
				d.Y[2] = 5
				tc.want = "label 5 of row 2, want a class in [0, 2)"
			}
			_, _, err := TrainCNN(context.Background(), d.X, d.Y, tc.classes, c)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got error %v, want one containing %q", err, tc.want)
			}
		})
	}

	m, _, err := TrainCNN(context.Background(), good.X, good.Y, 2, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Predict(newMatrix(2, 35)); err == nil || !strings.Contains(err.Error(), "rows have 35 values, want 36") {
		t.Errorf("predict on 35 columns: got error %v, want one naming 36", err)
	}
	m.W3 = m.W3[1:]
	if _, err := m.Predict(good.X); err == nil || !strings.Contains(err.Error(), "parameter 4") {
		t.Errorf("predict with a truncated W3: got error %v, want one naming parameter 4", err)
	}
}

func TestTrainCNNCancel(t *testing.T) {
	d := bars(1, []int{50, 50}, 8, 8, 1, 0.1)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, _, err := TrainCNN(ctx, d.X, d.Y, 2, CNNConfig{Height: 8, Width: 8, Channels: 1})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("got error %v, want context.Canceled", err)
	}
}

// BenchmarkTrainCNNEpoch times one epoch of the default network on 5,000
// rows of 28×28 images.
func BenchmarkTrainCNNEpoch(b *testing.B) {
	for _, c := range []int{1, 3} {
		d := bars(1, []int{2500, 2500}, 28, 28, c, 0.2)
		b.Run(map[int]string{1: "gray", 3: "rgb"}[c], func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := TrainCNN(context.Background(), d.X, d.Y, 2, CNNConfig{Height: 28, Width: 28, Channels: c, Epochs: 1}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func TestEvaluateUtilityCNNJudge(t *testing.T) {
	train := bars(1, []int{100, 100, 6}, 10, 10, 1, 0.3)
	test := bars(2, []int{60, 60, 60}, 10, 10, 1, 0.3)
	oracle := bars(3, []int{0, 0, 94}, 10, 10, 1, 0.3)
	variants := []Variant{RandomOversampling(map[int]int{2: 94}), Fixed("oracle", oracle)}
	seeds := []int64{1, 2}
	cfg := UtilityConfig{NumClasses: 3, Minority: []int{2}, Seeds: seeds, Judge: JudgeCNN,
		CNN: CNNConfig{Height: 10, Width: 10, Channels: 1, Epochs: 4, Seed: 99}}
	ctx := context.Background()
	res, err := EvaluateUtility(ctx, train, test, variants, cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range res.Variants {
		if len(v.Runs) != len(seeds) || v.MinorityF1.N != len(seeds) {
			t.Errorf("%s: got %d runs (minority F1 over %d), want %d: the CNN judge trains every variant once per seed", v.Name, len(v.Runs), v.MinorityF1.N, len(seeds))
		}
		for i, r := range v.Runs {
			if r.Seed != seeds[i] || r.CNNFit == nil || r.CNNFit.Steps == 0 || r.Fit != (LogRegFit{}) {
				t.Errorf("%s run %d: got seed %d, CNN fit %v and logistic fit %+v, want seed %d, a CNN fit and no logistic fit", v.Name, i, r.Seed, r.CNNFit, r.Fit, seeds[i])
			}
		}
	}
	real, _ := res.variant(VariantReal)
	if real.Runs[0].CNNFit.Loss == real.Runs[1].CNNFit.Loss {
		t.Error("real: two seeds gave the same training loss, want the seed to drive the CNN")
	}
	orc, _ := res.variant("oracle")
	if orc.MinorityF1.Mean <= real.MinorityF1.Mean {
		t.Errorf("got minority F1 %.3f with 94 fresh rare rows and %.3f without, want an increase", orc.MinorityF1.Mean, real.MinorityF1.Mean)
	}
	if l, _ := res.Lift("oracle", VariantReal); l.MinorityF1.N != len(seeds) {
		t.Errorf("got the oracle lift over %d pairs, want %d (paired by seed)", l.MinorityF1.N, len(seeds))
	}
	if !strings.HasPrefix(res.Classifier, "CNN on 10x10x1 images") || res.Config.Judge != JudgeCNN || res.Config.CNN.Epochs != 4 || res.Config.CNN.Conv1 != 16 {
		t.Errorf("got classifier %q and config %+v, want the CNN described and its defaults filled in", res.Classifier, res.Config)
	}
	js, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]bool{`"judge":"cnn"`: true, `"cnn":{"height":10`: true, `"cnn_fit":`: true, `"fit":`: false} {
		if got := bytes.Contains(js, []byte(key)); got != want {
			t.Errorf("JSON contains %s: got %v, want %v", key, got, want)
		}
	}
	again, err := EvaluateUtility(ctx, train, test, variants, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if js2, _ := json.Marshal(again); !bytes.Equal(js, js2) {
		t.Error("two evaluations with the same seeds: got different results, want identical")
	}

	// The logistic judge keeps its JSON: a "fit" per run, no CNN fields.
	cfg.Judge, cfg.CNN = "", CNNConfig{}
	lr, err := EvaluateUtility(ctx, train, test, nil, cfg)
	if err != nil {
		t.Fatal(err)
	}
	js, _ = json.Marshal(lr)
	if lr.Config.Judge != JudgeLogReg || len(lr.Variants[0].Runs) != 1 || !bytes.Contains(js, []byte(`"fit":{"iterations"`)) || bytes.Contains(js, []byte(`cnn`)) {
		t.Errorf("logistic judge: got judge %q, %d real runs and JSON %.300s…, want logreg, 1 run, a fit and no cnn keys", lr.Config.Judge, len(lr.Variants[0].Runs), js)
	}
}

func TestEvaluateUtilityJudgeErrors(t *testing.T) {
	train := bars(1, []int{10, 10}, 6, 6, 1, 0.1)
	good := UtilityConfig{NumClasses: 2, Minority: []int{1}, Seeds: []int64{1}, Judge: JudgeCNN, CNN: CNNConfig{Height: 6, Width: 6, Channels: 1}}
	for _, tc := range []struct {
		name string
		mod  func(*UtilityConfig)
		want string
	}{
		{"unknown", func(c *UtilityConfig) { c.Judge = "svm" }, `judge "svm", want "logreg" (logistic regression, the default) or "cnn"`},
		{"layout", func(c *UtilityConfig) { c.CNN.Channels = 3 }, `judge "cnn": cnn: rows have 36 values but 6x6x3 images have 108`},
		{"no layout", func(c *UtilityConfig) { c.CNN = CNNConfig{} }, "want sides of at least 4"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := good
			tc.mod(&cfg)
			_, err := EvaluateUtility(context.Background(), train, train, nil, cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// Probabilities are a distribution per row whose argmax is Predict's class.
func TestProbabilitiesMatchPredict(t *testing.T) {
	d := bars(3, []int{30, 30}, 12, 12, 1, 0.3)
	x, y := d.X, d.Y
	cnn, _, err := TrainCNN(context.Background(), x, y, 2, CNNConfig{Height: 12, Width: 12, Channels: 1, Epochs: 2, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	lr, _, err := TrainLogReg(context.Background(), x, y, 2, LogRegConfig{})
	if err != nil {
		t.Fatal(err)
	}
	for name, m := range map[string]interface {
		Predict(blas32.General) ([]int, error)
		Probabilities(blas32.General) ([][]float64, error)
	}{"cnn": cnn, "logreg": lr} {
		pred, err := m.Predict(x)
		if err != nil {
			t.Fatal(err)
		}
		probs, err := m.Probabilities(x)
		if err != nil {
			t.Fatal(err)
		}
		for i, p := range probs {
			sum := 0.0
			for _, v := range p {
				sum += v
			}
			if math.Abs(sum-1) > 1e-9 || argmax(p) != pred[i] {
				t.Fatalf("%s row %d: probabilities %v (sum %v), predicted %d", name, i, p, sum, pred[i])
			}
		}
	}
}
