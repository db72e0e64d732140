package media

import (
	"encoding/binary"
	"math/bits"
)

// PNG row filters (PNG spec, section 9). For a byte x of the current row, a
// is the byte bpp to the left, b the byte above and c the byte above-left
// (0 outside the image); the filtered byte is x - predictor, mod 256:
//
//	None: 0   Sub: a   Up: b   Average: floor((a+b)/2)   Paeth: paeth(a, b, c)
const (
	ftNone    = 0
	ftSub     = 1
	ftUp      = 2
	ftAverage = 3
	ftPaeth   = 4
)

// SWAR (SIMD within a register) constants: eight bytes in a uint64.
const (
	lo8 = 0x0101010101010101
	hi8 = 0x8080808080808080
	lo7 = 0xfefefefefefefefe
	m16 = 0x00ff00ff00ff00ff
)

func load64(b []byte, i int) uint64 { return binary.LittleEndian.Uint64(b[i : i+8]) }

// sub8 is x - y in each byte, mod 256 (no borrow between bytes).
func sub8(x, y uint64) uint64 { return ((x | hi8) - (y &^ hi8)) ^ ((x ^ ^y) & hi8) }

// avg8 is floor((x+y)/2) in each byte.
func avg8(x, y uint64) uint64 { return (x & y) + ((x ^ y) & lo7 >> 1) }

// abs8x8 is |int8(v)| in each byte (0..128, so nothing carries).
func abs8x8(v uint64) uint64 {
	m := (v & hi8 >> 7) * 0xff // 0xff in the bytes that are negative as int8
	return (v ^ m) + (m & lo8)
}

// pairs16 adds the bytes of v pairwise into four 16-bit lanes.
func pairs16(v uint64) uint64 { return v&m16 + v>>8&m16 }

// lanes16 is the sum of the four 16-bit lanes of v (up to 4 * 0xffff, so
// they are first added pairwise into two 32-bit lanes).
func lanes16(v uint64) int {
	t := v&0x0000ffff0000ffff + v>>16&0x0000ffff0000ffff
	return int(t&0xffffffff + t>>32)
}

// abs8 is |int8(v)|: the heuristic's cost of one filtered byte.
func abs8(v uint8) int {
	t := int(int8(v))
	m := t >> (bits.UintSize - 1)
	return (t ^ m) - m
}

// paeth is the PNG Paeth predictor: of a, b and c, the one closest to
// a + b - c, ties going to a, then b.
func paeth(a, b, c uint8) uint8 {
	pc := int(c)
	pa := int(b) - pc
	pb := int(a) - pc
	pc = pa + pb
	pa = absInt(pa)
	pb = absInt(pb)
	pc = absInt(pc)
	if pa <= pb && pa <= pc {
		return a
	}
	if pb <= pc {
		return b
	}
	return c
}

func absInt(x int) int {
	m := x >> (bits.UintSize - 1)
	return (x ^ m) - m
}

// chooseFilter picks the filter for the row cur (n = len(cur) bytes, bpp
// bytes per pixel) above which lies prev (all zeros for the first row):
// the one that minimises the sum over the row of |int8(filtered byte)|, the
// heuristic of libpng, of Pillow's encoder and of Go's image/png. Ties go
// to the first in Go's order Up, Paeth, None, Sub, Average, so the choice
// (and the filtered stream) is exactly image/png's.
//
// None, Sub, Up and Average are summed eight bytes at a time (SWAR); Paeth,
// whose predictor needs comparisons, runs per byte and stops as soon as it
// cannot win.
func chooseFilter(cur, prev []byte, bpp int) int {
	n := len(cur)
	prev = prev[:n]
	var sNone, sSub, sUp, sAvg int
	// The first bpp bytes have a = c = 0.
	for i := 0; i < bpp && i < n; i++ {
		x, b := cur[i], prev[i]
		sNone += abs8(x)
		sSub += abs8(x)
		sUp += abs8(x - b)
		sAvg += abs8(x - b>>1)
	}
	i := bpp
	for i+8 <= n {
		// Four 16-bit lane accumulators per filter; each step adds at most
		// 2*128 to a lane, so flushing every 255 steps never overflows.
		var aNone, aSub, aUp, aAvg uint64
		for k := 0; k < 255 && i+8 <= n; k, i = k+1, i+8 {
			x, a, b := load64(cur, i), load64(cur, i-bpp), load64(prev, i)
			aNone += pairs16(abs8x8(x))
			aSub += pairs16(abs8x8(sub8(x, a)))
			aUp += pairs16(abs8x8(sub8(x, b)))
			aAvg += pairs16(abs8x8(sub8(x, avg8(a, b))))
		}
		sNone += lanes16(aNone)
		sSub += lanes16(aSub)
		sUp += lanes16(aUp)
		sAvg += lanes16(aAvg)
	}
	for ; i < n; i++ {
		x, a, b := cur[i], cur[i-bpp], prev[i]
		sNone += abs8(x)
		sSub += abs8(x - a)
		sUp += abs8(x - b)
		sAvg += abs8(x - uint8((int(a)+int(b))/2))
	}

	// Paeth wins only with a sum below Up's and not above the others'.
	limit := min(sUp-1, sNone, sSub, sAvg) // Paeth must stay <= limit
	sPaeth := 0
	for i := 0; i < bpp && i < n; i++ {
		sPaeth += abs8(cur[i] - prev[i]) // paeth(0, b, 0) = b
	}
	for i := bpp; i < n && sPaeth <= limit; i++ {
		sPaeth += abs8(cur[i] - paeth(cur[i-bpp], prev[i], prev[i-bpp]))
	}
	if sPaeth <= limit {
		return ftPaeth
	}
	best, ft := sUp, ftUp
	if sNone < best {
		best, ft = sNone, ftNone
	}
	if sSub < best {
		best, ft = sSub, ftSub
	}
	if sAvg < best {
		ft = ftAverage
	}
	return ft
}

// applyFilter writes cur filtered with ft into dst (len(cur) bytes).
func applyFilter(dst, cur, prev []byte, bpp, ft int) {
	n := len(cur)
	dst, prev = dst[:n], prev[:n]
	switch ft {
	case ftNone:
		copy(dst, cur)
	case ftSub:
		copy(dst[:min(bpp, n)], cur)
		for i := bpp; i < n; i++ {
			dst[i] = cur[i] - cur[i-bpp]
		}
	case ftUp:
		for i := range n {
			dst[i] = cur[i] - prev[i]
		}
	case ftAverage:
		for i := 0; i < bpp && i < n; i++ {
			dst[i] = cur[i] - prev[i]>>1
		}
		for i := bpp; i < n; i++ {
			dst[i] = cur[i] - uint8((int(cur[i-bpp])+int(prev[i]))/2)
		}
	case ftPaeth:
		for i := 0; i < bpp && i < n; i++ {
			dst[i] = cur[i] - prev[i]
		}
		for i := bpp; i < n; i++ {
			dst[i] = cur[i] - paeth(cur[i-bpp], prev[i], prev[i-bpp])
		}
	}
}

// unfilter reverses filter ft in place on the row cur (bpp bytes per
// pixel; prev is the previous unfiltered row, zeros for the first). It
// reports false for a filter type above 4.
func unfilter(cur, prev []byte, bpp int, ft byte) bool {
	n := len(cur)
	prev = prev[:n]
	switch ft {
	case ftNone:
	case ftSub:
		for i := bpp; i < n; i++ {
			cur[i] += cur[i-bpp]
		}
	case ftUp:
		i := 0
		for ; i+8 <= n; i += 8 { // bytewise add, eight at a time
			x, p := load64(cur, i), load64(prev, i)
			binary.LittleEndian.PutUint64(cur[i:], ((x&^hi8)+(p&^hi8))^((x^p)&hi8))
		}
		for ; i < n; i++ {
			cur[i] += prev[i]
		}
	case ftAverage:
		for i := 0; i < bpp && i < n; i++ {
			cur[i] += prev[i] >> 1
		}
		for i := bpp; i < n; i++ {
			cur[i] += uint8((int(cur[i-bpp]) + int(prev[i])) >> 1)
		}
	case ftPaeth:
		unpaeth(cur, prev, bpp)
	default:
		return false
	}
	return true
}

// unpaeth reverses the Paeth filter, carrying a and c (the left and
// above-left bytes) per channel in registers.
func unpaeth(cur, prev []byte, bpp int) {
	n := len(cur)
	for i := 0; i < bpp && i < n; i++ {
		cur[i] += prev[i]
	}
	for ch := 0; ch < bpp; ch++ {
		if ch >= n {
			break
		}
		a, c := int(cur[ch]), int(prev[ch])
		for i := ch + bpp; i < n; i += bpp {
			b := int(prev[i])
			pa := b - c
			pb := a - c
			pc := absInt(pa + pb)
			pa = absInt(pa)
			pb = absInt(pb)
			p := c
			if pa <= pb && pa <= pc {
				p = a
			} else if pb <= pc {
				p = b
			}
			a = (int(cur[i]) + p) & 0xff
			cur[i] = uint8(a)
			c = b
		}
	}
}
