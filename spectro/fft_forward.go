package spectro

// forwardWindowed writes the N/2+1 one-sided coefficients of src·win
// (both of length N = f.n) into dst, as [pow2FFT.forward] does for src.
//
// The windowing, the bit-reversal permutation and the first two radix-2
// stages run as one pass. In bit-reversed order the four points 4q..4q+3
// are z[r], z[r+m/2], z[r+m/4], z[r+3m/4] with r = perm[4q] (the bit
// reverse of q over log2(m)−2 bits), so the pass gathers them straight
// from the four quarters of src, weights them by the window, and writes
// the radix-4 butterfly's outputs contiguously. This replaces a copy of the
// windowed frame and a scattered permutation with one gather.
func forwardWindowed[T float](f *pow2FFT, dst []complex128, src []T, win []float64) {
	m := f.m
	z := f.z[:m]
	q := m / 2 // floats in a quarter of src
	s0, s1, s2, s3 := src[:q], src[q:2*q], src[2*q:3*q], src[3*q:4*q]
	w0, w1, w2, w3 := win[:q], win[q:2*q], win[2*q:3*q], win[3*q:4*q]
	for i, r := range f.perm4 {
		j := 2 * int(r)
		a0 := complex(float64(s0[j])*w0[j], float64(s0[j+1])*w0[j+1]) // z[r]
		a1 := complex(float64(s2[j])*w2[j], float64(s2[j+1])*w2[j+1]) // z[r+m/2]
		a2 := complex(float64(s1[j])*w1[j], float64(s1[j+1])*w1[j+1]) // z[r+m/4]
		a3 := complex(float64(s3[j])*w3[j], float64(s3[j+1])*w3[j+1]) // z[r+3m/4]
		b0, b1 := a0+a1, a0-a1
		b2, b3 := a2+a3, a2-a3
		t := complex(imag(b3), -real(b3)) // b3·(−i)
		o := z[4*i : 4*i+4 : 4*i+4]
		o[0], o[2] = b0+b2, b0-b2
		o[1], o[3] = b1+t, b1-t
	}
	f.stagesFrom4(z)
	if f.tw2 != nil {
		f.unpackRadix2(dst)
		return
	}
	f.unpack(dst)
}

// unpack turns the complex FFT Z = f.z of the packed sequence into the
// one-sided real spectrum X (see [pow2FFT]). Bins k and m−k come from the
// same pair a = Z[k], b = Z[m−k] (see unpackPair), so each pair is loaded
// once.
func (f *pow2FFT) unpack(dst []complex128) {
	m := f.m
	z := f.z[:m]
	dst = dst[:m+1]
	hp := f.hpost[:m/2+1]
	z0 := z[0]
	dst[0] = complex(real(z0)+imag(z0), 0)
	dst[m] = complex(real(z0)-imag(z0), 0)
	for k := 1; k < len(hp); k++ {
		dst[k], dst[m-k] = unpackPair(z[k], z[m-k], hp[k])
	}
}

// unpackRadix2 is radix2Last followed by unpack, without storing the last
// stage: with H = m/2, lo = z[:H], hi = z[H:] and t_j = tw2[j]·hi[j], the
// stage gives Z[j] = lo[j] + t_j and Z[j+H] = lo[j] − t_j, so the pairs
// for bins k and H−k (1 <= k <= H/2),
//
//	(Z[k], Z[m−k]) = (lo[k] + t_k, lo[H−k] − t_{H−k}),
//	(Z[H−k], Z[H+k]) = (lo[H−k] + t_{H−k}, lo[k] − t_k),
//
// need only lo and hi at k and H−k. Bin H/2 is written twice, identically.
func (f *pow2FFT) unpackRadix2(dst []complex128) {
	m := f.m
	h := m / 2
	z := f.z[:m]
	lo, hi := z[:h], z[h:]
	dst = dst[:m+1]
	hp := f.hpost[:h+1]
	w := f.tw2[:h]
	z0, zh := lo[0]+hi[0], lo[0]-hi[0]
	dst[0] = complex(real(z0)+imag(z0), 0)
	dst[m] = complex(real(z0)-imag(z0), 0)
	dst[h], _ = unpackPair(zh, zh, hp[h])
	for k := 1; k <= h/2; k++ {
		k2 := h - k
		t1 := hi[k] * w[k]
		t2 := hi[k2] * w[k2]
		l1, l2 := lo[k], lo[k2]
		dst[k], dst[m-k] = unpackPair(l1+t1, l2-t2, hp[k])
		dst[k2], dst[m-k2] = unpackPair(l2+t2, l1-t1, hp[k2])
	}
}

// unpackPair returns X[k] and X[m−k] from a = Z[k], b = Z[m−k] and
// hp = post[k]/2: with E = (a + conj(b))/2, D = a − conj(b) and
// T = hp·(−i)·D,
//
//	X[k] = E + T,  X[m−k] = conj(E − T),
//
// since post[m−k] = −conj(post[k]).
func unpackPair(a, b, hp complex128) (complex128, complex128) {
	e := complex(0.5*(real(a)+real(b)), 0.5*(imag(a)-imag(b))) // E
	t := hp * complex(imag(a)+imag(b), real(b)-real(a))        // −i·D = (di, −dr)
	return e + t, complex(real(e)-real(t), imag(t)-imag(e))
}
