package composite

import (
	"hash/fnv"
	"math/bits"
	"math/rand/v2"
)

// rng draws from a math/rand/v2 PCG source. Only PCG.Uint64 is used (its
// output is specified by the PCG-DXSM algorithm); bounded integers, floats
// and shuffles are computed here, so plans do not depend on how a Go release
// implements rand.Rand's helpers.
type rng struct{ src *rand.PCG }

// newRNG seeds PCG with (seed, fnv1a64(stream) ^ salt): every class (stream)
// and every purpose (salt) gets its own sequence, so adding a class or
// turning augmentation on does not change another class's tuples.
func newRNG(seed uint64, stream string, salt uint64) *rng {
	h := fnv.New64a()
	h.Write([]byte(stream))
	return &rng{src: rand.NewPCG(seed, h.Sum64()^salt)}
}

// intn returns a uniform integer in [0, n) by Lemire's multiply-and-reject
// method (unbiased). n must be > 0.
func (r *rng) intn(n int) int {
	un := uint64(n)
	hi, lo := bits.Mul64(r.src.Uint64(), un)
	if lo < un {
		thresh := -un % un
		for lo < thresh {
			hi, lo = bits.Mul64(r.src.Uint64(), un)
		}
	}
	return int(hi)
}

// float64 returns a uniform float in [0, 1) with 53 random bits.
func (r *rng) float64() float64 { return float64(r.src.Uint64()>>11) * 0x1p-53 }

// uniform returns a uniform float in [-a, a).
func (r *rng) uniform(a float64) float64 { return (2*r.float64() - 1) * a }

// shuffle is a Fisher-Yates shuffle of s.
func shuffle[T any](r *rng, s []T) {
	for i := len(s) - 1; i > 0; i-- {
		j := r.intn(i + 1)
		s[i], s[j] = s[j], s[i]
	}
}
