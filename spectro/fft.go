package spectro

import (
	"math"
	"math/bits"

	"gonum.org/v1/gonum/dsp/fourier"
)

// realFFT is the real-input FFT used by STFT. Implementations are not safe
// for concurrent use; each workspace owns one.
type realFFT interface {
	// forward writes the N/2+1 one-sided coefficients of src (length N)
	// into dst: X[k] = Σ_n src[n]·exp(−2πikn/N), unnormalised.
	forward(dst []complex128, src []float64)
	// inverse writes N·x into dst (length N), where x is the real sequence
	// whose one-sided spectrum is src (length N/2+1). The imaginary parts
	// of src[0] and, for even N, src[N/2] are ignored, as numpy.fft.irfft
	// does.
	inverse(dst []float64, src []complex128)
}

// newRealFFT returns the fast power-of-two transform when n is a power of
// two >= 8, and gonum's FFTPACK port otherwise.
func newRealFFT(n int) realFFT {
	if n >= 8 && n&(n-1) == 0 {
		return newPow2FFT(n)
	}
	return gonumFFT{fourier.NewFFT(n)}
}

// gonumFFT adapts gonum's dsp/fourier.FFT (any length).
type gonumFFT struct{ t *fourier.FFT }

func (g gonumFFT) forward(dst []complex128, src []float64) { g.t.Coefficients(dst, src) }
func (g gonumFFT) inverse(dst []float64, src []complex128) { g.t.Sequence(dst, src) }

// pow2FFT computes a real FFT of length n = 2m (m a power of two) through
// one complex FFT of length m, the standard "two for one" packing: with
// z[j] = x[2j] + i·x[2j+1] and Z = FFT_m(z),
//
//	E[k] = (Z[k] + conj(Z[m−k]))/2,  O[k] = (Z[k] − conj(Z[m−k]))/(2i),
//	X[k] = E[k] + exp(−2πik/n)·O[k],  k = 0..m  (Z[m] = Z[0]).
//
// The inverse runs the same steps backwards:
// 2Z[k] = (X[k] + conj(X[m−k])) + i·exp(2πik/n)·(X[k] − conj(X[m−k])),
// and an unnormalised inverse FFT_m of 2Z gives n·z.
//
// The complex FFT is an iterative radix-4 decimation in time (plus one
// radix-2 stage when log2(m) is odd) on bit-reversed input, with per-stage
// twiddle tables computed directly with math.Sincos (no recurrences), so
// its error grows as O(log m·ε). The STFT's forward path (forwardWindowed)
// fuses windowing and the permutation into the first pass and the last
// radix-2 stage into the unpacking above. It was written because gonum's
// FFTPACK port (any length) ran about 3× slower than SciPy's pocketfft on
// the STFT benchmark; gonum remains the path for other lengths.
type pow2FFT struct {
	n, m  int
	perm  []int32      // bit-reversal permutation of 0..m−1
	tw4   []complex128 // radix-4 twiddles: per span h = 4, 16, …, exp(−2πi·rj/(4h)) for r = 1, 2, 3, j < h
	tw2   []complex128 // exp(−2πij/m), j < m/2, for a last radix-2 stage (log2 m odd)
	post  []complex128 // exp(−2πik/n), k = 0..m
	hpost []complex128 // post[k]/2, k = 0..m/2
	perm4 []int32      // perm[4q], q = 0..m/4−1: the first radix-4 pass's sources
	z     []complex128 // m scratch values
	ones  []float64    // all-ones window for forward, made on first use
}

func newPow2FFT(n int) *pow2FFT {
	m := n / 2
	f := &pow2FFT{n: n, m: m, perm: make([]int32, m), post: make([]complex128, m+1), z: make([]complex128, m)}
	shift := uint(bits.UintSize - bits.TrailingZeros(uint(m)))
	for i := range f.perm {
		f.perm[i] = int32(bits.Reverse(uint(i)) >> shift)
	}
	h := 4
	for ; 4*h <= m; h <<= 2 {
		for r := 1; r <= 3; r++ {
			for j := 0; j < h; j++ {
				f.tw4 = append(f.tw4, cis(-2*math.Pi*float64(r*j)/float64(4*h)))
			}
		}
	}
	if 2*h == m {
		f.tw2 = make([]complex128, h)
		for j := range f.tw2 {
			f.tw2[j] = cis(-2 * math.Pi * float64(j) / float64(m))
		}
	}
	for k := range f.post {
		f.post[k] = cis(-2 * math.Pi * float64(k) / float64(n))
	}
	f.hpost = make([]complex128, m/2+1)
	for k := range f.hpost {
		f.hpost[k] = f.post[k] / 2
	}
	f.perm4 = make([]int32, m/4)
	for q := range f.perm4 {
		f.perm4[q] = f.perm[4*q]
	}
	return f
}

// fft transforms z in place; z must already be in bit-reversed order.
// Pairs of radix-2 stages (spans h and 2h) run as one radix-4 pass, which
// needs three complex multiplications per four points instead of four and
// halves the passes over memory; a last odd stage runs radix-2.
func (f *pow2FFT) fft(z []complex128) {
	m := len(z)
	// Stages h=1 and h=2 fused: twiddles are 1 and −i.
	for i := 0; i+3 < m; i += 4 {
		a0, a1, a2, a3 := z[i], z[i+1], z[i+2], z[i+3]
		b0, b1 := a0+a1, a0-a1
		b2, b3 := a2+a3, a2-a3
		t := complex(imag(b3), -real(b3)) // b3·(−i)
		z[i], z[i+2] = b0+b2, b0-b2
		z[i+1], z[i+3] = b1+t, b1-t
	}
	f.stagesFrom4(z)
	if f.tw2 != nil {
		f.radix2Last(z)
	}
}

// stagesFrom4 runs the radix-4 stages with spans h = 4, 16, … while
// 4h <= m on z, whose first two stages are done; when log2(m) is odd a
// radix-2 stage of span m/2 remains (see radix2Last).
//
// A radix-4 pass combines, in each block of 4h, the four length-h DFTs
// that bit-reversed order leaves at offsets 0, h, 2h, 3h — those of the
// block's elements ≡ 0, 2, 1, 3 (mod 4) — so with W = exp(−2πi/(4h)),
// A0 = q0[j], A1 = W^j·q2[j], A2 = W^2j·q1[j], A3 = W^3j·q3[j]:
//
//	q0[j] = (A0+A2) + (A1+A3),  q2[j] = (A0+A2) − (A1+A3),
//	q1[j] = (A0−A2) − i(A1−A3), q3[j] = (A0−A2) + i(A1−A3),
//
// three complex multiplications per four points.
func (f *pow2FFT) stagesFrom4(z []complex128) {
	m := len(z)
	h := 4
	tw := f.tw4
	for ; 4*h <= m; h <<= 2 {
		w1, w2, w3 := tw[:h], tw[h:2*h], tw[2*h:3*h]
		tw = tw[3*h:]
		for i := 0; i < m; i += 4 * h {
			q0 := z[i : i+h]
			q1 := z[i+h : i+2*h]
			q2 := z[i+2*h : i+3*h]
			q3 := z[i+3*h : i+4*h]
			q1, q2, q3 = q1[:len(q0)], q2[:len(q0)], q3[:len(q0)]
			w1, w2, w3 := w1[:len(q0)], w2[:len(q0)], w3[:len(q0)]
			for j := range q0 {
				a0 := q0[j]
				a1 := q2[j] * w1[j]
				a2 := q1[j] * w2[j]
				a3 := q3[j] * w3[j]
				s0, s1 := a0+a2, a0-a2
				s2, s3 := a1+a3, a1-a3
				t := complex(imag(s3), -real(s3)) // −i·s3
				q0[j], q2[j] = s0+s2, s0-s2
				q1[j], q3[j] = s1+t, s1-t
			}
		}
	}
}

// radix2Last runs the last stage, span m/2, when log2(m) is odd.
func (f *pow2FFT) radix2Last(z []complex128) {
	h := len(f.tw2)
	lo, hi := z[:h], z[h:2*h]
	hi, w := hi[:len(lo)], f.tw2[:len(lo)]
	for j := range lo {
		t := hi[j] * w[j]
		a := lo[j]
		lo[j], hi[j] = a+t, a-t
	}
}

func (f *pow2FFT) forward(dst []complex128, src []float64) {
	if f.ones == nil {
		f.ones = make([]float64, f.n)
		for i := range f.ones {
			f.ones[i] = 1
		}
	}
	forwardWindowed(f, dst, src, f.ones)
}

func (f *pow2FFT) inverse(dst []float64, src []complex128) {
	m, z := f.m, f.z
	src = src[:m+1]
	post := f.post[:m+1]
	// Z'[k] = (X[k] + conj(X[m−k])) + i·conj(post[k])·(X[k] − conj(X[m−k])),
	// stored conjugated and bit-reversed, so that a forward FFT followed by
	// conjugation gives the unnormalised inverse.
	x0, xm := real(src[0]), real(src[m])
	for k := 0; k < m; k++ {
		a, b := src[k], src[m-k]
		if k == 0 {
			a, b = complex(x0, 0), complex(xm, 0)
		}
		bc := complex(real(b), -imag(b))
		p := post[k]
		d := complex(real(p), -imag(p)) * (a - bc)
		v := (a + bc) + complex(-imag(d), real(d))
		z[f.perm[k]] = complex(real(v), -imag(v))
	}
	f.fft(z)
	dst = dst[:2*m]
	for j, v := range z {
		dst[2*j] = real(v)
		dst[2*j+1] = -imag(v)
	}
}

// cis returns exp(iθ), computed directly (no recurrence), so every twiddle
// is accurate to about one ulp.
func cis(theta float64) complex128 {
	s, c := math.Sincos(theta)
	return complex(c, s)
}
