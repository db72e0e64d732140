package tabgan

import (
	"math"
	"slices"
)

// mixture is a one-dimensional Gaussian mixture.
type mixture struct {
	Weights []float64 `json:"weights"`
	Means   []float64 `json:"means"`
	Stds    []float64 `json:"stds"`
}

// Mixture fitting constants. CTGAN's ClusterBasedNormalizer (rdt) fits
// scikit-learn's BayesianGaussianMixture with a Dirichlet-process prior of
// concentration 0.001, at most 10 components, and keeps the components whose
// weight exceeds 0.005. Here an EM fit is run for every component count from
// 1 to the cap, the count with the lowest BIC is kept, and components below
// the weight threshold are dropped: the same cap and pruning, with BIC doing
// the job of the sparse prior (finding the few modes a column has).
const (
	maxModes        = 10
	weightThreshold = 0.005
	emIters         = 200
	emTol           = 1e-5 // change of the mean log-likelihood that ends EM
	regVar          = 1e-6 // added to every variance, as scikit-learn's reg_covar
	fitRows         = 5000 // at most this many rows (evenly spaced in sorted order) fit a column
)

// fitMixture fits a mixture to x (finite, non-empty).
func fitMixture(x []float64) mixture {
	xs := slices.Clone(x)
	slices.Sort(xs)
	if len(xs) > fitRows { // evenly spaced order statistics: deterministic, keeps the shape
		sub := make([]float64, fitRows)
		for i := range sub {
			sub[i] = xs[i*(len(xs)-1)/(fitRows-1)]
		}
		xs = sub
	}
	n := len(xs)
	mean, variance := meanVar(xs)
	if variance == 0 {
		return mixture{Weights: []float64{1}, Means: []float64{mean}, Stds: []float64{1}}
	}
	distinct := 1
	for i := 1; i < n; i++ {
		if xs[i] != xs[i-1] {
			distinct++
		}
	}
	best, bestBIC, bestK := mixture{}, math.Inf(1), 0
	for k := 1; k <= min(maxModes, distinct) && k <= bestK+2; k++ {
		// Stops once two more components in a row did not lower the BIC.
		m, ll := emFit(xs, k, variance)
		bic := -2*ll + float64(3*k-1)*math.Log(float64(n))
		if bic < bestBIC {
			best, bestBIC, bestK = m, bic, k
		}
	}
	return prune(best)
}

// prune drops components whose weight is at most weightThreshold (keeping
// the heaviest one when all are) and renormalises the weights.
func prune(m mixture) mixture {
	out := mixture{}
	heaviest := 0
	for k, w := range m.Weights {
		if w > m.Weights[heaviest] {
			heaviest = k
		}
	}
	for k, w := range m.Weights {
		if w > weightThreshold || k == heaviest {
			out.Weights = append(out.Weights, w)
			out.Means = append(out.Means, m.Means[k])
			out.Stds = append(out.Stds, m.Stds[k])
		}
	}
	s := 0.0
	for _, w := range out.Weights {
		s += w
	}
	for k := range out.Weights {
		out.Weights[k] /= s
	}
	return out
}

func meanVar(x []float64) (mean, variance float64) {
	for _, v := range x {
		mean += v
	}
	mean /= float64(len(x))
	for _, v := range x {
		variance += (v - mean) * (v - mean)
	}
	return mean, variance / float64(len(x))
}

// emFit runs EM for k components on sorted xs, starting from means at the
// (i+0.5)/k quantiles, equal weights and the variance of the data over k².
// It returns the mixture and its total log-likelihood.
func emFit(xs []float64, k int, variance float64) (mixture, float64) {
	n := len(xs)
	w := make([]float64, k)
	mu := make([]float64, k)
	vr := make([]float64, k)
	for j := range k {
		w[j] = 1 / float64(k)
		mu[j] = xs[min(n-1, int((float64(j)+0.5)/float64(k)*float64(n)))]
		vr[j] = variance/float64(k*k) + regVar
	}
	resp := make([]float64, n*k)
	logp := make([]float64, k)
	prev := math.Inf(-1)
	ll := 0.0
	c0 := make([]float64, k)
	c1 := make([]float64, k)
	for it := 0; it < emIters; it++ {
		ll = 0
		for j := range k {
			c0[j] = math.Log(w[j]) - 0.5*math.Log(2*math.Pi*vr[j])
			c1[j] = 1 / (2 * vr[j])
		}
		for i, x := range xs {
			mx := math.Inf(-1)
			for j := range k {
				d := x - mu[j]
				logp[j] = c0[j] - d*d*c1[j]
				mx = max(mx, logp[j])
			}
			s := 0.0
			for j := range k {
				logp[j] = math.Exp(logp[j] - mx)
				s += logp[j]
			}
			ll += mx + math.Log(s)
			for j := range k {
				resp[i*k+j] = logp[j] / s
			}
		}
		for j := range k {
			nk, sx := 0.0, 0.0
			for i, x := range xs {
				r := resp[i*k+j]
				nk += r
				sx += r * x
			}
			if nk < 1e-10 { // an empty component: keep it, weightless
				w[j] = 1e-12
				continue
			}
			mu[j] = sx / nk
			sv := 0.0
			for i, x := range xs {
				d := x - mu[j]
				sv += resp[i*k+j] * d * d
			}
			vr[j] = sv/nk + regVar
			w[j] = nk / float64(n)
		}
		if ll/float64(n)-prev/float64(n) < emTol && it > 0 {
			break
		}
		prev = ll
	}
	m := mixture{Weights: w, Means: mu, Stds: make([]float64, k)}
	for j := range k {
		m.Stds[j] = math.Sqrt(vr[j])
	}
	return m, ll
}

// posterior writes into p the probability of each component given x.
func (m mixture) posterior(x float64, p []float64) {
	mx := math.Inf(-1)
	for j := range m.Weights {
		d := (x - m.Means[j]) / m.Stds[j]
		p[j] = math.Log(m.Weights[j]) - math.Log(m.Stds[j]) - d*d/2
		mx = max(mx, p[j])
	}
	s := 0.0
	for j := range p {
		p[j] = math.Exp(p[j] - mx)
		s += p[j]
	}
	for j := range p {
		p[j] /= s
	}
}
