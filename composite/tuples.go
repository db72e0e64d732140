package composite

import (
	"encoding/binary"
	"fmt"
	"math/big"
	"slices"
	"strings"
)

// Order says whether two tuples with the same images in a different tile
// order count as different.
type Order string

const (
	// Unordered (the default) treats a tuple as a set of images: the point of
	// CB-ImgComp is new combinations, so {a,b,c} is used once and its tile
	// order is drawn at random. There are C(n,k) distinct tuples.
	Unordered Order = "unordered"
	// Ordered treats a tuple as an arrangement: (a,b,c) and (c,b,a) are
	// different composites. There are n!/(n-k)! distinct tuples.
	Ordered Order = "ordered"
)

// ParseOrder accepts "unordered" (alias "set", "") and "ordered" (alias
// "sequence", "arrangement").
func ParseOrder(s string) (Order, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "unordered", "set":
		return Unordered, nil
	case "ordered", "sequence", "arrangement":
		return Ordered, nil
	}
	return "", fmt.Errorf("composite: tuple order %q: want unordered or ordered", s)
}

// space describes the tuples of k tiles drawn from n images.
//
// When n >= k a tuple uses k distinct images. When 0 < n < k every image
// must repeat; to keep composites as varied as possible each image appears
// q = k/n times and r = k%n of them once more, so a tuple is fixed by which
// r images get the extra copy.
type space struct {
	n, k  int
	order Order
	m     int // size of the subset that identifies a tuple: k, or r when n < k
}

func newSpace(n, k int, order Order) space {
	m := k
	if n < k && n > 0 {
		m = k % n
	}
	return space{n: n, k: k, order: order, m: m}
}

func (s space) repeated() bool { return s.n < s.k }

// DistinctTuples returns how many distinct tuples of k tiles exist for a
// class of n images.
//
//	n >= k, unordered: C(n, k)
//	n >= k, ordered:   n! / (n-k)!
//	0 < n < k (images repeat, q = k/n, r = k%n):
//	        unordered: C(n, r)
//	        ordered:   C(n, r) * k! / ((q+1)!^r * q!^(n-r))   (distinct arrangements)
//	n <= 0 or k <= 0:  0
//
// For example DistinctTuples(6000, 9, Unordered) is about 2.8e28; nothing
// here enumerates that space.
func DistinctTuples(n, k int, order Order) *big.Int {
	if n <= 0 || k <= 0 {
		return new(big.Int)
	}
	s := newSpace(n, k, order)
	count := new(big.Int).Binomial(int64(n), int64(s.m))
	if order != Ordered {
		return count
	}
	if !s.repeated() {
		return count.Mul(count, factorial(k))
	}
	q, r := k/n, k%n
	den := new(big.Int).Exp(factorial(q+1), big.NewInt(int64(r)), nil)
	den.Mul(den, new(big.Int).Exp(factorial(q), big.NewInt(int64(n-r)), nil))
	arr := new(big.Int).Quo(factorial(k), den)
	return count.Mul(count, arr)
}

func factorial(n int) *big.Int { return new(big.Int).MulRange(1, int64(max(n, 1))) }

// expand turns the identifying subset c (sorted) into the sorted multiset of
// k image indices of the tuple.
func (s space) expand(c []int32) []int32 {
	if !s.repeated() {
		return slices.Clone(c)
	}
	q := s.k / s.n
	out := make([]int32, 0, s.k)
	j := 0
	for i := int32(0); int(i) < s.n; i++ {
		reps := q
		if j < len(c) && c[j] == i {
			reps++
			j++
		}
		for range reps {
			out = append(out, i)
		}
	}
	return out
}

// enumerate appends every distinct tuple (expanded, k indices each) to a
// flat slice: subsets in lexicographic order, and for Ordered every distinct
// permutation of each.
func (s space) enumerate() []int32 {
	var out []int32
	c := make([]int32, s.m)
	for i := range c {
		c[i] = int32(i)
	}
	for {
		t := s.expand(c)
		if s.order == Ordered {
			for {
				out = append(out, t...)
				if !nextPermutation(t) {
					break
				}
			}
		} else {
			out = append(out, t...)
		}
		// Next m-subset of 0..n-1 in lexicographic order.
		i := s.m - 1
		for i >= 0 && int(c[i]) == s.n-s.m+i {
			i--
		}
		if i < 0 {
			return out
		}
		c[i]++
		for j := i + 1; j < s.m; j++ {
			c[j] = c[j-1] + 1
		}
	}
}

// nextPermutation advances p to the next lexicographic permutation, skipping
// duplicates of repeated values; it returns false after the last one.
func nextPermutation(p []int32) bool {
	i := len(p) - 2
	for i >= 0 && p[i] >= p[i+1] {
		i--
	}
	if i < 0 {
		return false
	}
	j := len(p) - 1
	for p[j] <= p[i] {
		j--
	}
	p[i], p[j] = p[j], p[i]
	slices.Reverse(p[i+1:])
	return true
}

// random draws a uniform subset with Floyd's algorithm (O(m) time and
// memory, whatever n is) and expands it. For Ordered the expanded multiset
// is shuffled, which is uniform over distinct arrangements.
func (s space) random(r *rng) []int32 {
	c := make([]int32, 0, s.m)
	for j := s.n - s.m; j < s.n; j++ {
		t := int32(r.intn(j + 1))
		if slices.Contains(c, t) {
			t = int32(j)
		}
		c = append(c, t)
	}
	slices.Sort(c)
	t := s.expand(c)
	if s.order == Ordered {
		shuffle(r, t)
	}
	return t
}

// key is the canonical identity of a tuple: the sorted multiset for
// Unordered, the sequence for Ordered.
func (s space) key(t []int32) string {
	if s.order != Ordered {
		t = slices.Clone(t)
		slices.Sort(t)
	}
	b := make([]byte, 0, 4*len(t))
	for _, v := range t {
		b = binary.LittleEndian.AppendUint32(b, uint32(v))
	}
	return string(b)
}

// DefaultEnumerateLimit is the largest tuple space that is enumerated and
// shuffled (exact exhaustion, memory about 4*k bytes per tuple); larger
// spaces are sampled with rejection of repeats.
const DefaultEnumerateLimit = 1 << 18

// sampler yields tuples of one class without repeating a tuple before every
// distinct tuple has been used.
//
// Small spaces (DistinctTuples <= limit) are enumerated and shuffled; each
// pass over the shuffled list is one cycle and the list is reshuffled for the
// next. Large spaces draw uniform random tuples and reject those already
// seen (a set of canonical keys); when every tuple has been seen the set is
// cleared and a new cycle starts. Either way, whether a space is enumerated
// does not depend on how many tuples are asked for, so the first N tuples
// of a longer run equal a run of N.
type sampler struct {
	sp    space
	rng   *rng
	total *big.Int

	enum  bool    // enumerate (small space) rather than reject repeats
	pool  []int32 // enumerated tuples, k each; built on first use
	order []int   // shuffled tuple indices into pool
	pos   int

	seen  map[string]struct{}
	cycle int
}

func newSampler(sp space, r *rng, limit int) *sampler {
	s := &sampler{sp: sp, rng: r, total: DistinctTuples(sp.n, sp.k, sp.order)}
	s.enum = s.total.IsInt64() && s.total.Int64() <= int64(limit)
	if !s.enum {
		s.seen = make(map[string]struct{})
	}
	return s
}

func (s *sampler) enumerated() bool { return s.enum }

// next returns the next tuple in tile order and its cycle (0 on the first
// pass through the distinct tuples).
func (s *sampler) next() ([]int32, int) {
	var t []int32
	if s.enum {
		if s.pool == nil {
			s.pool = s.sp.enumerate()
			s.order = make([]int, len(s.pool)/s.sp.k)
			for i := range s.order {
				s.order[i] = i
			}
			shuffle(s.rng, s.order)
		}
		if s.pos == len(s.order) {
			s.pos = 0
			s.cycle++
			shuffle(s.rng, s.order)
		}
		i := s.order[s.pos]
		s.pos++
		t = slices.Clone(s.pool[i*s.sp.k : (i+1)*s.sp.k])
	} else {
		if s.total.IsInt64() && int64(len(s.seen)) == s.total.Int64() {
			clear(s.seen)
			s.cycle++
		}
		for {
			t = s.sp.random(s.rng)
			k := s.sp.key(t)
			if _, dup := s.seen[k]; !dup {
				s.seen[k] = struct{}{}
				break
			}
		}
	}
	if s.sp.order != Ordered {
		shuffle(s.rng, t) // random tile order for a set
	}
	return t, s.cycle
}
