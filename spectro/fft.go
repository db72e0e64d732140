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
// The complex FFT is an iterative radix-2 decimation in time with
// bit-reversed input and per-stage twiddle tables computed directly with
// math.Sincos (no recurrences), so its error grows as O(log m·ε). It was
// written because gonum's FFTPACK port (any length) ran about 3× slower than
// SciPy's pocketfft on the STFT benchmark; gonum remains the path for other
// lengths.
type pow2FFT struct {
	n, m int
	perm []int32      // bit-reversal permutation of 0..m−1
	tw   []complex128 // stage twiddles: tw[h−1+j] = exp(−2πij/(2h)), h = 1, 2, 4, …, m/2
	post []complex128 // exp(−2πik/n), k = 0..m
	z    []complex128 // m scratch values
}

func newPow2FFT(n int) *pow2FFT {
	m := n / 2
	f := &pow2FFT{n: n, m: m, perm: make([]int32, m), tw: make([]complex128, m), post: make([]complex128, m+1), z: make([]complex128, m)}
	shift := uint(bits.UintSize - bits.TrailingZeros(uint(m)))
	for i := range f.perm {
		f.perm[i] = int32(bits.Reverse(uint(i)) >> shift)
	}
	for h := 1; h < m; h <<= 1 {
		for j := 0; j < h; j++ {
			s, c := math.Sincos(-math.Pi * float64(j) / float64(h))
			f.tw[h-1+j] = complex(c, s)
		}
	}
	for k := range f.post {
		s, c := math.Sincos(-2 * math.Pi * float64(k) / float64(n))
		f.post[k] = complex(c, s)
	}
	return f
}

// fft transforms z in place; z must already be in bit-reversed order.
// Pairs of radix-2 stages (spans h and 2h) are fused into one radix-4 pass,
// which needs three complex multiplications per four points instead of
// four and halves the passes over memory; a last odd stage runs radix-2.
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
	h := 4
	for ; 4*h <= m; h <<= 2 {
		w1 := f.tw[h-1 : 2*h-1]
		w2 := f.tw[2*h-1 : 4*h-1]
		for i := 0; i < m; i += 4 * h {
			q0 := z[i : i+h]
			q1 := z[i+h : i+2*h]
			q2 := z[i+2*h : i+3*h]
			q3 := z[i+3*h : i+4*h]
			q1, q2, q3 = q1[:len(q0)], q2[:len(q0)], q3[:len(q0)]
			w1, w2 := w1[:len(q0)], w2[:len(q0)]
			for j := range q0 {
				a0, a1, a2, a3 := q0[j], q1[j], q2[j], q3[j]
				t := a1 * w1[j]
				b0, b1 := a0+t, a0-t
				t = a3 * w1[j]
				b2, b3 := a2+t, a2-t
				t = b2 * w2[j]
				q0[j], q2[j] = b0+t, b0-t
				t = b3 * w2[j]
				t = complex(imag(t), -real(t)) // ·(−i): W_{4h}^{j+h} = −i·W_{4h}^j
				q1[j], q3[j] = b1+t, b1-t
			}
		}
	}
	if 2*h == m { // one radix-2 stage left
		w := f.tw[h-1 : 2*h-1]
		lo, hi := z[:h], z[h:2*h]
		hi, w = hi[:len(lo)], w[:len(lo)]
		for j := range lo {
			t := hi[j] * w[j]
			a := lo[j]
			lo[j], hi[j] = a+t, a-t
		}
	}
}

func (f *pow2FFT) forward(dst []complex128, src []float64) {
	m, z := f.m, f.z
	src = src[:2*m]
	for j, p := range f.perm {
		z[p] = complex(src[2*j], src[2*j+1])
	}
	f.fft(z)
	dst = dst[:m+1]
	post := f.post[:m+1]
	z0 := z[0]
	dst[0] = complex(real(z0)+imag(z0), 0)
	dst[m] = complex(real(z0)-imag(z0), 0)
	for k := 1; k < m; k++ {
		a, b := z[k], z[m-k]
		// 2E = a + conj(b); 2i·O = a − conj(b); X = E + post·O.
		er, ei := real(a)+real(b), imag(a)-imag(b)
		dr, di := real(a)-real(b), imag(a)+imag(b) // 2i·O
		or, oi := di, -dr                          // 2O
		pr, pi := real(post[k]), imag(post[k])
		dst[k] = complex(0.5*(er+pr*or-pi*oi), 0.5*(ei+pr*oi+pi*or))
	}
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
