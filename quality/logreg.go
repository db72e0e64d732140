package quality

import (
	"context"
	"errors"
	"fmt"
	"math"

	"runtime"
	"sync"
	"sync/atomic"

	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/optimize"

	"github.com/tailsynth/tailsynth/quality/neighbors"
)

// LogRegConfig sets [TrainLogReg]. Zero values mean the defaults in brackets.
type LogRegConfig struct {
	// L2 is λ in the objective (λ/2)||W||² added to the mean cross-entropy
	// [1e-4]; biases are not penalised.
	L2 float64 `json:"l2"`
	// MaxIterations bounds the L-BFGS iterations [300].
	MaxIterations int `json:"max_iterations"`
	// GradientTolerance stops L-BFGS when the gradient's largest absolute
	// entry falls below it [1e-5].
	GradientTolerance float64 `json:"gradient_tolerance"`
}

func (c LogRegConfig) withDefaults() LogRegConfig {
	if c.L2 == 0 {
		c.L2 = 1e-4
	}
	if c.MaxIterations == 0 {
		c.MaxIterations = 300
	}
	if c.GradientTolerance == 0 {
		c.GradientTolerance = 1e-5
	}
	return c
}

// LogReg is a multinomial (softmax) logistic regression on standardised
// inputs: p(c | x) = softmax(z W + b)_c with z = Scaler(x).
type LogReg struct {
	Scaler  Standardizer `json:"scaler"`
	Dim     int          `json:"dim"`
	Classes int          `json:"classes"`
	W       []float64    `json:"w"` // Classes×Dim, row-major: one weight vector per class
	B       []float64    `json:"b"`
}

// LogRegFit describes how the optimisation ended.
type LogRegFit struct {
	Iterations  int     `json:"iterations"`
	Evaluations int     `json:"evaluations"`
	Loss        float64 `json:"loss"`
	// GradientMax is the largest absolute gradient entry at the solution.
	GradientMax float64 `json:"gradient_max"`
	// Status is gonum's optimize status (GradientThreshold means converged).
	Status string `json:"status"`
	// Warning holds a non-fatal optimiser error (such as a line search that
	// could not improve further); the best point found is used.
	Warning string `json:"warning,omitempty"`
}

// TrainLogReg fits a [LogReg] to the rows of x with labels y in
// [0, numClasses). The inputs are standardised with a [Standardizer] fitted
// on x (so fit on the training split only), then
//
//	minimise (1/n) Σᵢ −log p(yᵢ | xᵢ) + (λ/2)||W||²
//
// by full-batch L-BFGS (gonum optimize) from W = 0, b = 0, in float64. With
// λ > 0 the objective is strictly convex in W, and the bias gradient sums to
// zero over the classes, so b stays in the sum-zero subspace where the
// optimum is unique: the fit has no randomness and needs no seed. Class
// weights are not used, so a rare class gets no help beyond what the
// training rows give it. It holds a standardised float64 copy of x
// (8·rows·columns bytes); on 60,000×784 pixels one fit takes 40-70 s on the
// 2-core machine, on 64 PCA features a few seconds.
func TrainLogReg(ctx context.Context, x blas32.General, y []int, numClasses int, cfg LogRegConfig) (*LogReg, LogRegFit, error) {
	cfg = cfg.withDefaults()
	if numClasses < 2 {
		return nil, LogRegFit{}, fmt.Errorf("logreg: %d classes, want at least 2", numClasses)
	}
	if cfg.L2 < 0 || cfg.MaxIterations < 0 || cfg.GradientTolerance < 0 {
		return nil, LogRegFit{}, fmt.Errorf("logreg: config %+v, want non-negative values", cfg)
	}
	if err := (Dataset{X: x, Y: y}).Validate(numClasses); err != nil {
		return nil, LogRegFit{}, fmt.Errorf("logreg: %w", err)
	}
	scaler, err := FitStandardizer(x)
	if err != nil {
		return nil, LogRegFit{}, fmt.Errorf("logreg: %w", err)
	}
	xs, err := scaler.TransformFloat64(x)
	if err != nil {
		return nil, LogRegFit{}, fmt.Errorf("logreg: %w", err)
	}
	obj := newSoftmaxObjective(blas64.General{Rows: x.Rows, Cols: x.Cols, Stride: x.Cols, Data: xs}, y, numClasses, cfg.L2)
	problem := optimize.Problem{
		Func: obj.value,
		Grad: obj.gradient,
		Status: func() (optimize.Status, error) {
			if err := ctx.Err(); err != nil {
				return optimize.Failure, err
			}
			return optimize.NotTerminated, nil
		},
	}
	settings := &optimize.Settings{
		GradientThreshold: cfg.GradientTolerance,
		MajorIterations:   cfg.MaxIterations,
		Converger:         &optimize.FunctionConverge{Absolute: 1e-12, Relative: 1e-12, Iterations: 20},
	}
	res, err := optimize.Minimize(problem, make([]float64, obj.size()), settings, &optimize.LBFGS{})
	if ctxErr := ctx.Err(); ctxErr != nil {
		return nil, LogRegFit{}, ctxErr
	}
	if res == nil {
		return nil, LogRegFit{}, fmt.Errorf("logreg: L-BFGS: %w", err)
	}
	fit := LogRegFit{
		Iterations:  res.Stats.MajorIterations,
		Evaluations: res.Stats.FuncEvaluations,
		Status:      res.Status.String(),
	}
	if err != nil {
		fit.Warning = err.Error()
	}
	grad := make([]float64, obj.size())
	fit.Loss = obj.value(res.X)
	obj.gradient(grad, res.X)
	for _, g := range grad {
		fit.GradientMax = max(fit.GradientMax, math.Abs(g))
	}
	if math.IsNaN(fit.Loss) || math.IsInf(fit.Loss, 0) {
		return nil, fit, errors.New("logreg: the loss is not finite at the solution")
	}
	d, c := x.Cols, numClasses
	return &LogReg{
		Scaler:  scaler,
		Dim:     d,
		Classes: c,
		W:       append([]float64(nil), res.X[:c*d]...),
		B:       append([]float64(nil), res.X[c*d:]...),
	}, fit, nil
}

// Predict returns the most probable class of every row.
func (m *LogReg) Predict(x blas32.General) ([]int, error) {
	out := make([]int, x.Rows)
	err := m.logits(x, func(i int, z []float64) { out[i] = argmax(z) })
	return out, err
}

// Probabilities returns, for every row of x, the softmax of the model's
// class scores: one probability per class.
func (m *LogReg) Probabilities(x blas32.General) ([][]float64, error) {
	out := make([][]float64, x.Rows)
	err := m.logits(x, func(i int, z []float64) {
		out[i] = make([]float64, len(z))
		softmaxRow(z, 0, out[i])
	})
	return out, err
}

// logits computes every row's class scores (in parallel chunks) and calls
// f with them (valid during the call only; f may run concurrently for
// different rows).
func (m *LogReg) logits(x blas32.General, f func(i int, z []float64)) error {
	if x.Cols != m.Dim {
		return fmt.Errorf("logreg: rows have %d columns, want %d", x.Cols, m.Dim)
	}
	if err := neighbors.CheckMatrix("logreg input", x); err != nil {
		return err
	}
	forEachChunk((x.Rows+objectiveChunk-1)/objectiveChunk, func(k int) {
		i0, i1 := k*objectiveChunk, min(x.Rows, (k+1)*objectiveChunk)
		view := blas32.General{Rows: i1 - i0, Cols: x.Cols, Stride: x.Stride, Data: x.Data[i0*x.Stride : (i1-1)*x.Stride+x.Cols]}
		xs, _ := m.Scaler.TransformFloat64(view) // columns checked above
		z := make([]float64, m.Classes)
		for i := range i1 - i0 {
			xi := xs[i*m.Dim : (i+1)*m.Dim]
			for j := range z {
				z[j] = floats.Dot(xi, m.W[j*m.Dim:(j+1)*m.Dim]) + m.B[j]
			}
			f(i0+i, z)
		}
	})
	return nil
}

// objectiveChunk is the number of rows per parallel work item of the
// objective; partial sums are combined in chunk order, so the result does
// not depend on the number of goroutines.
const objectiveChunk = 1024

// softmaxObjective evaluates the regularised mean cross-entropy and its
// gradient for θ = [W (c×d, row-major: one weight vector per class), b (c)],
// caching the last point because L-BFGS asks for the value and the gradient
// at the same θ. The class count is small (a handful to tens), so instead of
// a narrow, slow matrix product it takes per row c dot products for the
// logits and c axpys for the gradient (gonum floats, assembly kernels), one
// pass over the data per evaluation.
type softmaxObjective struct {
	x       blas64.General
	y       []int
	classes int
	l2      float64

	last []float64
	f    float64
	grad []float64
	// partial[k] holds chunk k's [gradW (c×d), gradB (c), loss].
	partial [][]float64
}

func newSoftmaxObjective(x blas64.General, y []int, classes int, l2 float64) *softmaxObjective {
	o := &softmaxObjective{x: x, y: y, classes: classes, l2: l2}
	o.grad = make([]float64, o.size())
	o.partial = make([][]float64, (x.Rows+objectiveChunk-1)/objectiveChunk)
	for k := range o.partial {
		o.partial[k] = make([]float64, o.size()+1)
	}
	return o
}

func (o *softmaxObjective) size() int { return (o.x.Cols + 1) * o.classes }

func (o *softmaxObjective) value(theta []float64) float64 {
	o.eval(theta)
	return o.f
}

func (o *softmaxObjective) gradient(grad, theta []float64) {
	o.eval(theta)
	copy(grad, o.grad)
}

func (o *softmaxObjective) eval(theta []float64) {
	if o.last != nil && floats.Equal(o.last, theta) {
		return
	}
	o.last = append(o.last[:0], theta...)
	d, c, n := o.x.Cols, o.classes, o.x.Rows
	w, b := theta[:c*d], theta[c*d:]
	forEachChunk(len(o.partial), func(k int) {
		part := o.partial[k]
		clear(part)
		gw, gb := part[:c*d], part[c*d:c*d+c]
		z := make([]float64, c)
		p := make([]float64, c)
		var loss float64
		for i := k * objectiveChunk; i < min(n, (k+1)*objectiveChunk); i++ {
			xi := o.x.Data[i*o.x.Stride : i*o.x.Stride+d]
			for j := range c {
				z[j] = floats.Dot(xi, w[j*d:(j+1)*d]) + b[j]
			}
			loss += softmaxRow(z, o.y[i], p)
			p[o.y[i]]--
			for j, g := range p {
				floats.AddScaled(gw[j*d:(j+1)*d], g, xi)
				gb[j] += g
			}
		}
		part[c*d+c] = loss
	})
	clear(o.grad)
	var loss float64
	for _, part := range o.partial {
		floats.Add(o.grad, part[:c*d+c])
		loss += part[c*d+c]
	}
	floats.Scale(1/float64(n), o.grad)
	floats.AddScaled(o.grad[:c*d], o.l2, w)
	o.f = loss/float64(n) + o.l2/2*floats.Dot(w, w)
}

// forEachChunk runs f(0..n-1) on GOMAXPROCS goroutines.
func forEachChunk(n int, f func(k int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), n) {
		wg.Go(func() {
			for k := int(next.Add(1) - 1); k < n; k = int(next.Add(1) - 1) {
				f(k)
			}
		})
	}
	wg.Wait()
}
