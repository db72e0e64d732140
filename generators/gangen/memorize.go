package gangen

import (
	"math"
	"slices"
	"sort"
	"sync"
)

// Memorization check sizes: generated samples are compared with up to
// memReference training samples of their class (an evenly spaced subset,
// so every sample of a small minority class); the training set's own
// nearest-neighbour distances are measured for up to memQueries of them.
const (
	memReference = 1000
	memQueries   = 200
	// nearCopy is the ratio below which a generated sample counts as a
	// near-copy of a training sample.
	nearCopy = 0.1
)

// memCheck measures how close generated samples come to the training data
// (a brute-force nearest-neighbour check in sample space, values in
// [-1, 1]). For a generated sample g of class c,
//
//	ratio(g) = min_r ‖g − r‖₂ / median_{q} min_{r ≠ q} ‖q − r‖₂
//
// with r over the reference training samples of c and q over up to
// memQueries of them: the distance to the nearest training sample in units
// of the typical distance between a training sample and its own nearest
// neighbour. A ratio near 0 means a near-copy of a training sample; ratios
// around 1 mean a sample is as far from the training set as training
// samples are from each other. The denominator is measured on the same
// reference subset, so the ratio is not biased by its size.
type memCheck struct {
	data  *trainSet
	limit int // generated samples checked per class

	mu    sync.Mutex
	ref   map[int][]int // class id -> reference sample indices
	dist  map[string]map[int]float64
	near  map[string]map[int]int // class -> generated index -> nearest training sample
	class map[string]int
}

func newMemCheck(data *trainSet, limit int) *memCheck {
	id := map[string]int{}
	for i, c := range data.classes {
		id[c] = i
	}
	return &memCheck{data: data, limit: limit, ref: map[int][]int{}, dist: map[string]map[int]float64{},
		near: map[string]map[int]int{}, class: id}
}

// observe records sample i of class if it is among the first limit.
func (m *memCheck) observe(class string, i int, x []float32) {
	if m == nil || i >= m.limit {
		return
	}
	c, ok := m.class[class]
	if !ok {
		return
	}
	m.mu.Lock()
	ref, ok := m.ref[c]
	if !ok {
		ref = evenSubset(m.data.byClass[c], memReference)
		m.ref[c] = ref
	}
	m.mu.Unlock()
	best, bestJ := math.Inf(1), -1
	for _, j := range ref {
		if d := sqDist(x, m.data.sample(j), best); d < best {
			best, bestJ = d, j
		}
	}
	m.mu.Lock()
	if m.dist[class] == nil {
		m.dist[class], m.near[class] = map[int]float64{}, map[int]int{}
	}
	m.dist[class][i], m.near[class][i] = math.Sqrt(best), bestJ
	m.mu.Unlock()
}

// sqDist is ‖a − b‖², stopping early once it exceeds bound.
func sqDist(a, b []float32, bound float64) float64 {
	var s float64
	for i, v := range a {
		d := float64(v - b[i])
		s += d * d
		if i&63 == 63 && s > bound {
			return s
		}
	}
	return s
}

// trainMedianNN is the median over up to memQueries reference samples of
// the distance to their nearest other reference sample (NaN with fewer
// than 2 samples).
func (m *memCheck) trainMedianNN(ref []int) float64 {
	if len(ref) < 2 {
		return math.NaN()
	}
	var nn []float64
	for _, q := range evenSubset(ref, memQueries) {
		best := math.Inf(1)
		for _, r := range ref {
			if r != q {
				best = min(best, sqDist(m.data.sample(q), m.data.sample(r), best))
			}
		}
		nn = append(nn, math.Sqrt(best))
	}
	return median(nn)
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	s := slices.Clone(v)
	sort.Float64s(s)
	if n := len(s); n%2 == 1 {
		return s[n/2]
	} else {
		return (s[n/2-1] + s[n/2]) / 2
	}
}

// MemorizationClass is the memorization check of one class.
type MemorizationClass struct {
	Checked       int      `json:"checked"`         // generated samples compared
	Reference     int      `json:"reference"`       // training samples compared with
	TrainMedianNN *float64 `json:"train_median_nn"` // median NN distance inside the reference set
	MinDistance   float64  `json:"min_distance"`
	MinRatio      *float64 `json:"min_ratio"`
	MedianRatio   *float64 `json:"median_ratio"`
	NearCopies    int      `json:"near_copies"` // ratio < 0.1
	// Closest names the generated sample closest to a training sample.
	Closest struct {
		Index    int    `json:"index"`
		Training string `json:"training_key"`
	} `json:"closest"`
}

// report summarises the check per class and overall; nil when nothing
// was checked.
func (m *memCheck) report() map[string]any {
	if m == nil {
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.dist) == 0 {
		return nil
	}
	classes := map[string]MemorizationClass{}
	var all []float64
	near := 0
	for _, class := range sortedKeys(m.dist) {
		c := m.class[class]
		ref := m.ref[c]
		med := m.trainMedianNN(ref)
		mc := MemorizationClass{Checked: len(m.dist[class]), Reference: len(ref), MinDistance: math.Inf(1)}
		var ratios []float64
		for _, i := range sortedKeys(m.dist[class]) {
			d := m.dist[class][i]
			if d < mc.MinDistance {
				mc.MinDistance = d
				mc.Closest.Index = i
				mc.Closest.Training = m.data.keys[m.near[class][i]]
			}
			if med > 0 {
				r := d / med
				ratios = append(ratios, r)
				if r < nearCopy {
					mc.NearCopies++
				}
			}
		}
		if !math.IsNaN(med) {
			mc.TrainMedianNN = ptr(med)
		}
		if len(ratios) > 0 {
			mc.MinRatio, mc.MedianRatio = ptr(slices.Min(ratios)), ptr(median(ratios))
		}
		all = append(all, ratios...)
		near += mc.NearCopies
		classes[class] = mc
	}
	out := map[string]any{
		"method": "L2 distance of each generated sample to its nearest training sample of the class, in sample space " +
			"(values in [-1, 1]), divided by the median nearest-neighbour distance among the class's training samples",
		"near_copy_threshold": nearCopy, "classes": classes, "near_copies": near,
		"note": "a class with one training sample (or only duplicates) has no ratio",
	}
	if len(all) > 0 {
		out["min_ratio"], out["median_ratio"] = slices.Min(all), median(all)
	}
	return out
}

func ptr[T any](v T) *T { return &v }
