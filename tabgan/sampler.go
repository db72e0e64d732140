package tabgan

import (
	"math"
	"math/rand/v2"
)

// condSampler is CTGAN's training-by-sampling (Xu et al. 2019, section 4.3;
// sdv-dev/CTGAN data_sampler.py) with the class label as one more,
// always-present condition. For a training row it draws
//
//   - a class c with probability ∝ log(1 + rows of c);
//   - a categorical column j uniformly, and a level v of j with probability
//     ∝ log(1 + rows of class c with level v) (CTGAN's log_frequency);
//   - a real row uniformly among the rows of class c with level v in j.
//
// Without categorical columns it draws a class and one of its rows.
type condSampler struct {
	levels  []int
	classP  []float64 // log-frequency class probabilities
	byClass [][]int   // rows of each class
	// rows[c][j][v] are the rows of class c with level v in column j;
	// logP[c][j] and freqP[c][j] the log-frequency and plain frequency
	// probabilities of the levels of j within class c.
	rows  [][][][]int
	logP  [][][]float64
	freqP [][][]float64
}

func newCondSampler(cat [][]int, levels []int, y []int, classes int) *condSampler {
	s := &condSampler{levels: levels, classP: make([]float64, classes), byClass: make([][]int, classes)}
	for i, c := range y {
		s.byClass[c] = append(s.byClass[c], i)
	}
	for c := range classes {
		s.classP[c] = math.Log1p(float64(len(s.byClass[c])))
	}
	normalize(s.classP)
	s.rows = make([][][][]int, classes)
	s.logP = make([][][]float64, classes)
	s.freqP = make([][][]float64, classes)
	for c := range classes {
		s.rows[c] = make([][][]int, len(levels))
		s.logP[c] = make([][]float64, len(levels))
		s.freqP[c] = make([][]float64, len(levels))
		for j, l := range levels {
			s.rows[c][j] = make([][]int, l)
			for _, i := range s.byClass[c] {
				v := cat[j][i]
				s.rows[c][j][v] = append(s.rows[c][j][v], i)
			}
			s.logP[c][j] = make([]float64, l)
			s.freqP[c][j] = make([]float64, l)
			for v := range l {
				s.logP[c][j][v] = math.Log1p(float64(len(s.rows[c][j][v])))
				s.freqP[c][j][v] = float64(len(s.rows[c][j][v]))
			}
			normalize(s.logP[c][j])
			normalize(s.freqP[c][j])
		}
	}
	return s
}

func normalize(p []float64) {
	s := 0.0
	for _, v := range p {
		s += v
	}
	if s == 0 {
		return
	}
	for i := range p {
		p[i] /= s
	}
}

// cond is one row's condition: its class and, with categorical columns, the
// column and level that the conditional vector sets (col = -1: none).
type cond struct{ class, col, level int }

// drawCond draws a training condition.
func (s *condSampler) drawCond(rng *rand.Rand) cond {
	c := draw(s.classP, rng)
	if len(s.levels) == 0 {
		return cond{class: c, col: -1}
	}
	j := rng.IntN(len(s.levels))
	return cond{class: c, col: j, level: draw(s.logP[c][j], rng)}
}

// realRow draws a row that satisfies k.
func (s *condSampler) realRow(k cond, rng *rand.Rand) int {
	if k.col < 0 {
		return s.byClass[k.class][rng.IntN(len(s.byClass[k.class]))]
	}
	rows := s.rows[k.class][k.col][k.level]
	return rows[rng.IntN(len(rows))]
}

// drawSample draws the condition of a sampled row of class c: a column
// uniformly and a level with its frequency within c. (CTGAN's
// sample_original_condvec uses the log-frequency probabilities here; the
// plain frequencies keep the class's categorical marginals.)
func drawSample(freqP [][]float64, c int, rng *rand.Rand) cond {
	if len(freqP) == 0 {
		return cond{class: c, col: -1}
	}
	j := rng.IntN(len(freqP))
	return cond{class: c, col: j, level: draw(freqP[j], rng)}
}
