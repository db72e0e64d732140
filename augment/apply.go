package augment

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
)

// Apply applies the transforms ts, in order, to src with the options o and
// returns a new image (src is not modified). It is a pure function: the
// same inputs give the same values, so a sample is reproduced from its
// source and its []Applied. Consecutive geometric transforms
// (HorizontalFlip, VerticalFlip, Affine, RandomResizedCrop) are composed
// into one affine map and resampled once (bilinear); the others run on the
// image as it is at their turn.
//
// Errors name the transform and the value out of range; values come from
// Draw or from a provenance row, so they are checked rather than trusted.
func Apply(src *Image, ts []Applied, o Options) (*Image, error) {
	if err := src.check(); err != nil {
		return nil, err
	}
	if src.Pix == nil || len(src.Pix) != src.W*src.H*src.Channels {
		return nil, fmt.Errorf("augment: image has %d values: want %d", len(src.Pix), src.W*src.H*src.Channels)
	}
	if err := o.Validate(); err != nil {
		return nil, err
	}
	ts = slices.Clone(ts) // check canonicalises names
	for i := range ts {
		if err := ts[i].check(); err != nil {
			return nil, fmt.Errorf("augment: transform %d: %w", i, err)
		}
	}
	border, _ := ParseBorder(string(o.Border))
	fill := float32(o.Fill) * src.Max()
	img, owned := src, false
	// replace makes next the current image; an intermediate image of ours
	// goes back to the buffer pool.
	replace := func(next *Image) {
		if owned {
			putBuf(img.Pix)
		}
		img, owned = next, true
	}
	if w, h := o.OutputSize(src.W, src.H); w != src.W || h != src.H {
		replace(resize(src, w, h))
	}
	own := func() {
		if !owned {
			c := *img
			c.Pix = append(getBuf(len(img.Pix))[:0], img.Pix...)
			replace(&c)
		}
	}
	acc, pending := identity, false
	flush := func() {
		if pending {
			if m := acc.snap(); m != identity {
				replace(warpAffine(img, m, border, fill))
			}
		}
		acc, pending = identity, false
	}
	for _, t := range ts {
		if m, ok := t.inverse(img.W, img.H); ok {
			acc, pending = acc.then(m), true
			continue
		}
		flush()
		switch t.Name {
		case ElasticTransform:
			replace(elastic(img, t, border, fill))
		case GaussianBlur:
			replace(blur(img, t.Kernel, t.Sigma, border, fill))
		case RandomBrightnessContrast:
			own()
			brightnessContrast(img, t.Brightness, t.Contrast)
		case RandomGamma:
			own()
			gamma(img, t.Gamma)
		case GaussNoise:
			own()
			noise(img, t.Std, t.Seed)
		case CoarseDropout:
			own()
			dropout(img, t.Holes, t.Fill)
		}
	}
	flush()
	own()
	return img, nil
}

// bufs recycles the float32 buffers of intermediate images within and
// across Apply calls.
var bufs sync.Pool // *[]float32

// getBuf returns n zeroed values.
func getBuf(n int) []float32 {
	if b, ok := bufs.Get().(*[]float32); ok && cap(*b) >= n {
		s := (*b)[:n]
		clear(s)
		return s
	}
	return make([]float32, n)
}

func putBuf(b []float32) { bufs.Put(&b) }

// check bounds an Applied's values, so that Apply neither panics nor
// allocates without bound on a hand-edited provenance row.
func (a *Applied) check() error {
	if _, ok := lookup(a.Name); !ok {
		_, err := CanonicalName(a.Name)
		return err
	}
	d, _ := lookup(a.Name)
	a.Name = d.name
	bad := func(what string, v any, want string) error {
		return fmt.Errorf("%s %s %v: want %s", a.Name, what, v, want)
	}
	if !finite(a.TranslateX, a.TranslateY, a.Rotate, a.Scale, a.ShearX, a.ShearY, a.Alpha, a.Sigma, a.Brightness, a.Contrast, a.Gamma, a.Std, a.Fill) {
		return fmt.Errorf("%s: a parameter is not a finite number", a.Name)
	}
	switch a.Name {
	case Affine:
		switch {
		case math.Abs(a.TranslateX) > 10 || math.Abs(a.TranslateY) > 10:
			return bad("translate", [2]float64{a.TranslateX, a.TranslateY}, "-10..10 (fractions of the side)")
		case a.Scale != 0 && (a.Scale < 1e-3 || a.Scale > 100):
			return bad("scale", a.Scale, "0.001..100, or 0 meaning 1")
		case math.Abs(a.ShearX) > 80 || math.Abs(a.ShearY) > 80:
			return bad("shear", [2]float64{a.ShearX, a.ShearY}, "-80..80 degrees")
		}
	case RandomResizedCrop:
		if a.CropW < 1 || a.CropH < 1 || a.CropW > MaxSide || a.CropH > MaxSide || abs(a.CropX) > MaxSide || abs(a.CropY) > MaxSide {
			return bad("crop", [4]int{a.CropX, a.CropY, a.CropW, a.CropH}, fmt.Sprintf("crop_w, crop_h in 1..%d and |crop_x|, |crop_y| <= %d", MaxSide, MaxSide))
		}
	case ElasticTransform:
		if a.Sigma < 0.5 || a.Sigma > 50 || math.Abs(a.Alpha) > 1000 {
			return bad("alpha, sigma", [2]float64{a.Alpha, a.Sigma}, "|alpha| <= 1000 and sigma in 0.5..50 pixels")
		}
	case GaussianBlur:
		if a.Kernel < 1 || a.Kernel > maxKernel || a.Kernel%2 == 0 || a.Sigma <= 0 || a.Sigma > 20 {
			return bad("kernel, sigma", [2]float64{float64(a.Kernel), a.Sigma}, fmt.Sprintf("an odd kernel in 1..%d and sigma in (0, 20] pixels", maxKernel))
		}
	case RandomBrightnessContrast:
		if math.Abs(a.Brightness) > 1 || math.Abs(a.Contrast) > 1 {
			return bad("brightness, contrast", [2]float64{a.Brightness, a.Contrast}, "-1..1 each")
		}
	case RandomGamma:
		if a.Gamma < 0 || a.Gamma > 10 {
			return bad("gamma", a.Gamma, "0..10 (0 means 1)")
		}
	case GaussNoise:
		if a.Std < 0 || a.Std > 1 {
			return bad("std", a.Std, "0..1 (a fraction of the maximum level)")
		}
	case CoarseDropout:
		if len(a.Holes) > maxHoles || a.Fill < 0 || a.Fill > 1 {
			return bad("holes, fill", fmt.Sprintf("%d, %v", len(a.Holes), a.Fill), fmt.Sprintf("at most %d holes and fill in 0..1", maxHoles))
		}
	}
	return nil
}

func abs(x int) int { return max(x, -x) }

// affine is an inverse map from output to source pixel coordinates (pixel
// centres at integers): sx = m[0]*x + m[1]*y + m[2], sy = m[3]*x + m[4]*y + m[5].
type affine [6]float64

var identity = affine{1, 0, 0, 0, 1, 0}

// then returns the map that applies n to output coordinates first, then m:
// the inverse of "m's transform, then n's".
func (m affine) then(n affine) affine {
	return affine{
		m[0]*n[0] + m[1]*n[3], m[0]*n[1] + m[1]*n[4], m[0]*n[2] + m[1]*n[5] + m[2],
		m[3]*n[0] + m[4]*n[3], m[3]*n[1] + m[4]*n[4], m[3]*n[2] + m[4]*n[5] + m[5],
	}
}

// snap rounds entries within 1e-9 of an integer, so that flips and
// rotations by multiples of 90 degrees hit pixel centres exactly.
func (m affine) snap() affine {
	for i, v := range m {
		if r := math.Round(v); math.Abs(v-r) < 1e-9 {
			m[i] = r + 0 // +0: no negative zero
		}
	}
	return m
}

// inverse is the inverse map of a geometric transform on a w x h image.
func (a Applied) inverse(w, h int) (affine, bool) {
	W, H := float64(w), float64(h)
	switch a.Name {
	case HorizontalFlip:
		return affine{-1, 0, W - 1, 0, 1, 0}, true
	case VerticalFlip:
		return affine{1, 0, 0, 0, -1, H - 1}, true
	case RandomResizedCrop:
		sx, sy := float64(a.CropW)/W, float64(a.CropH)/H
		return affine{sx, 0, float64(a.CropX) + 0.5*sx - 0.5, 0, sy, float64(a.CropY) + 0.5*sy - 0.5}, true
	case Affine:
		// Forward: p' = c + t + R*S*Sh*(p - c).
		s := a.Scale
		if s == 0 {
			s = 1
		}
		sin, cos := math.Sincos(a.Rotate * math.Pi / 180)
		kx, ky := math.Tan(a.ShearX*math.Pi/180), math.Tan(a.ShearY*math.Pi/180)
		// R*S = s*[[cos, sin], [-sin, cos]] (y down: counter-clockwise on
		// screen); Sh = [[1, kx], [0, 1]] * [[1, 0], [ky, 1]] (shear along
		// y, then along x), whose determinant is 1 for any angles.
		k := 1 + kx*ky
		m00, m01 := s*(cos*k+sin*ky), s*(cos*kx+sin)
		m10, m11 := s*(-sin*k+cos*ky), s*(-sin*kx+cos)
		det := m00*m11 - m01*m10
		i00, i01, i10, i11 := m11/det, -m01/det, -m10/det, m00/det
		cx, cy := (W-1)/2, (H-1)/2
		ox, oy := cx+a.TranslateX*W, cy+a.TranslateY*H
		// p = c + M^-1 (p' - o)
		return affine{i00, i01, cx - i00*ox - i01*oy, i10, i11, cy - i10*ox - i11*oy}, true
	}
	return affine{}, false
}

// reflect101 maps any index into 0..n-1 by mirroring without repeating the
// edge (OpenCV's BORDER_REFLECT_101).
func reflect101(i, n int) int {
	if uint(i) < uint(n) {
		return i
	}
	if n == 1 {
		return 0
	}
	p := 2*n - 2
	i %= p
	if i < 0 {
		i += p
	}
	if i >= n {
		i = p - i
	}
	return i
}

// floorInt is math.Floor for coordinates well inside the int range.
func floorInt(v float64) int {
	i := int(v)
	if float64(i) > v {
		i--
	}
	return i
}

// clampCoord keeps a coordinate far enough inside the int range for
// floorInt; any value beyond the image by more than its size reads border.
func clampCoord(v float64) float64 { return max(min(v, 1e9), -1e9) }

// warpAffine resamples img through the inverse map m with bilinear
// interpolation. Each row is done in two passes: the source index and
// weights of every output pixel, then every channel through them, so the
// inner loops are short and branch-free. Maps that hit pixel centres
// exactly (flips, multiples of 90 degrees, whole-pixel shifts) copy.
func warpAffine(img *Image, m affine, border Border, fill float32) *Image {
	w, h, ch := img.W, img.H, img.Channels
	n := w * h
	out := &Image{W: w, H: h, Channels: ch, Depth: img.Depth, Pix: getBuf(len(img.Pix))}
	src, dst := img.Pix, out.Pix
	idx := make([]int32, w) // -1: a border pixel, done by sampleBorder
	ax, ay := make([]float32, w), make([]float32, w)
	exact := true
	for _, v := range m {
		exact = exact && v == math.Trunc(v)
	}
	var edge []int
	for y := range h {
		fy := float64(y)
		bx, by := m[1]*fy+m[2], m[4]*fy+m[5]
		edge = edge[:0]
		for x := range w {
			fx := float64(x)
			sx, sy := clampCoord(m[0]*fx+bx), clampCoord(m[3]*fx+by)
			x0, y0 := floorInt(sx), floorInt(sy)
			a, b := float32(sx-float64(x0)), float32(sy-float64(y0))
			if exact && x0 >= 0 && y0 >= 0 && x0 < w && y0 < h {
				idx[x] = int32(y0*w + x0)
				continue
			}
			if x0 >= 0 && y0 >= 0 && x0 < w-1 && y0 < h-1 {
				idx[x], ax[x], ay[x] = int32(y0*w+x0), a, b
				continue
			}
			idx[x] = -1
			edge = append(edge, x)
			ax[x], ay[x] = a, b
		}
		o := y * w
		for c := range ch {
			p := src[c*n : (c+1)*n]
			d := dst[c*n+o : c*n+o+w]
			if exact {
				for x, i := range idx {
					if i >= 0 {
						d[x] = p[i]
					}
				}
				continue
			}
			for x, i := range idx {
				if i < 0 {
					continue
				}
				a, b := ax[x], ay[x]
				q := p[i : int(i)+w+2]
				top := q[0] + a*(q[1]-q[0])
				bot := q[w] + a*(q[w+1]-q[w])
				d[x] = top + b*(bot-top)
			}
		}
		for _, x := range edge {
			fx := float64(x)
			sx, sy := clampCoord(m[0]*fx+bx), clampCoord(m[3]*fx+by)
			sampleBorder(src, dst, n, w, h, ch, o+x, floorInt(sx), floorInt(sy), ax[x], ay[x], border, fill)
		}
	}
	return out
}

// sampleBorder is bilinear sampling where a tap may lie outside the image.
func sampleBorder(src, dst []float32, n, w, h, ch, o, x0, y0 int, ax, ay float32, border Border, fill float32) {
	xs := [2]int{x0, x0 + 1}
	ys := [2]int{y0, y0 + 1}
	in := [4]bool{true, true, true, true}
	for k := range 2 {
		if border == BorderConstant {
			in[k] = xs[k] >= 0 && xs[k] < w
			in[2+k] = ys[k] >= 0 && ys[k] < h
		} else {
			xs[k], ys[k] = reflect101(xs[k], w), reflect101(ys[k], h)
		}
	}
	wts := [4]float32{(1 - ax) * (1 - ay), ax * (1 - ay), (1 - ax) * ay, ax * ay}
	for c := 0; c < ch; c++ {
		p := src[c*n : (c+1)*n]
		var v float32
		for k := range 4 {
			xi, yi := k&1, k>>1
			if in[xi] && in[2+yi] {
				v += p[ys[yi]*w+xs[xi]] * wts[k]
			} else {
				v += fill * wts[k]
			}
		}
		dst[c*n+o] = v
	}
}

// elastic is Albumentations' ElasticTransform: a displacement field of
// uniform noise in [-1, 1) (one value per pixel and axis, from the PCG
// stream of a.Seed), smoothed by a Gaussian of a.Sigma and scaled by
// a.Alpha pixels; out(p) = in(p + d(p)), bilinear.
func elastic(img *Image, a Applied, border Border, fill float32) *Image {
	w, h, n := img.W, img.H, img.W*img.H
	g := rand.New(rand.NewPCG(a.Seed, 0xE1A571C))
	field := &Image{W: w, H: h, Channels: 2, Depth: 16, Pix: getBuf(2 * n)}
	for i := range field.Pix {
		field.Pix[i] = float32(2*g.Float64() - 1)
	}
	smooth := blur(field, 2*int(math.Ceil(3*a.Sigma))+1, a.Sigma, BorderReflect, 0)
	putBuf(field.Pix)
	defer putBuf(smooth.Pix)
	field = smooth
	dx, dy := field.Plane(0), field.Plane(1)
	alpha := float32(a.Alpha)
	ch := img.Channels
	out := &Image{W: w, H: h, Channels: ch, Depth: img.Depth, Pix: getBuf(len(img.Pix))}
	src, dst := img.Pix, out.Pix
	for y := range h {
		for x := range w {
			o := y*w + x
			sx := float64(float32(x) + alpha*dx[o])
			sy := float64(float32(y) + alpha*dy[o])
			x0, y0 := floorInt(sx), floorInt(sy)
			ax, ay := float32(sx-float64(x0)), float32(sy-float64(y0))
			if x0 >= 0 && y0 >= 0 && x0 < w-1 && y0 < h-1 {
				i := y0*w + x0
				w00, w01 := (1-ax)*(1-ay), ax*(1-ay)
				w10, w11 := (1-ax)*ay, ax*ay
				for c := 0; c < ch; c++ {
					p := src[c*n : (c+1)*n]
					dst[c*n+o] = p[i]*w00 + p[i+1]*w01 + p[i+w]*w10 + p[i+w+1]*w11
				}
				continue
			}
			sampleBorder(src, dst, n, w, h, ch, o, x0, y0, ax, ay, border, fill)
		}
	}
	return out
}

// gaussianKernel returns the normalised weights exp(-x²/2σ²) for
// x = -k/2..k/2 (torchvision's _get_gaussian_kernel1d).
func gaussianKernel(k int, sigma float64) []float32 {
	r := k / 2
	ws := make([]float64, k)
	var sum float64
	for i := range ws {
		x := float64(i - r)
		ws[i] = math.Exp(-0.5 * x * x / (sigma * sigma))
		sum += ws[i]
	}
	out := make([]float32, k)
	for i, v := range ws {
		out[i] = float32(v / sum)
	}
	return out
}

// blur is a separable Gaussian blur of every channel (alpha included)
// with a k-tap kernel, reading outside the image through the border.
func blur(img *Image, k int, sigma float64, border Border, fill float32) *Image {
	w, h, n := img.W, img.H, img.W*img.H
	wts := gaussianKernel(k, sigma)
	r := k / 2
	tmp := getBuf(n)
	defer putBuf(tmp)
	out := &Image{W: w, H: h, Channels: img.Channels, Depth: img.Depth, Pix: getBuf(len(img.Pix))}
	pad := make([]float32, w+2*r)
	for c := range img.Channels {
		src, dst := img.Plane(c), out.Plane(c)
		// Horizontal: each row padded through the border, then convolved.
		for y := range h {
			row := src[y*w : (y+1)*w]
			copy(pad[r:], row)
			for i := range r {
				if border == BorderConstant {
					pad[i], pad[r+w+i] = fill, fill
				} else {
					pad[i], pad[r+w+i] = row[reflect101(i-r, w)], row[reflect101(w+i, w)]
				}
			}
			convolveRow(tmp[y*w:(y+1)*w], pad, wts)
		}
		// Vertical: whole rows weighted and summed, in cache order.
		rows := make([][]float32, len(wts))
		for y := range h {
			acc := dst[y*w : (y+1)*w]
			var extra float32 // constant-border rows
			for t, wt := range wts {
				yy := y + t - r
				if uint(yy) >= uint(h) && border == BorderConstant {
					extra += fill * wt
					rows[t] = nil
					continue
				}
				rows[t] = tmp[reflect101(yy, h)*w:][:w]
			}
			sumRows(acc, rows, wts, extra)
		}
	}
	return out
}

// sumRows sets acc[x] = extra + sum_t wts[t]*rows[t][x], skipping nil rows.
func sumRows(acc []float32, rows [][]float32, wts []float32, extra float32) {
	if len(wts) == 5 && rows[0] != nil && rows[4] != nil {
		r0, r1, r2, r3, r4 := rows[0][:len(acc)], rows[1][:len(acc)], rows[2][:len(acc)], rows[3][:len(acc)], rows[4][:len(acc)]
		w0, w1, w2, w3, w4 := wts[0], wts[1], wts[2], wts[3], wts[4]
		for x := range acc {
			acc[x] = r0[x]*w0 + r1[x]*w1 + r2[x]*w2 + r3[x]*w3 + r4[x]*w4
		}
		return
	}
	if len(wts) == 3 && rows[0] != nil && rows[2] != nil {
		r0, r1, r2 := rows[0][:len(acc)], rows[1][:len(acc)], rows[2][:len(acc)]
		w0, w1, w2 := wts[0], wts[1], wts[2]
		for x := range acc {
			acc[x] = r0[x]*w0 + r1[x]*w1 + r2[x]*w2
		}
		return
	}
	for x := range acc {
		acc[x] = extra
	}
	for t, row := range rows {
		if row != nil {
			axpy(acc, row, wts[t])
		}
	}
}

// convolveRow sets dst[x] = sum_t wts[t]*pad[x+t].
func convolveRow(dst, pad, wts []float32) {
	switch len(wts) {
	case 3:
		w0, w1, w2 := wts[0], wts[1], wts[2]
		for x := range dst {
			p := pad[x : x+3 : x+3]
			dst[x] = p[0]*w0 + p[1]*w1 + p[2]*w2
		}
	case 5:
		w0, w1, w2, w3, w4 := wts[0], wts[1], wts[2], wts[3], wts[4]
		for x := range dst {
			p := pad[x : x+5 : x+5]
			dst[x] = p[0]*w0 + p[1]*w1 + p[2]*w2 + p[3]*w3 + p[4]*w4
		}
	default:
		k := len(wts)
		for x := range dst {
			p := pad[x : x+k : x+k]
			var s float32
			for t, wt := range wts {
				s += p[t] * wt
			}
			dst[x] = s
		}
	}
}

// axpy adds a*x to y.
func axpy(y, x []float32, a float32) {
	x = x[:len(y)]
	for i := range y {
		y[i] += a * x[i]
	}
}

// brightnessContrast is Albumentations' brightness_contrast_adjust with
// brightness_by_max: out = (1+contrast)*in + brightness*max, clamped, on
// the colour channels.
func brightnessContrast(img *Image, brightness, contrast float64) {
	a, b, hi := float32(1+contrast), float32(brightness)*img.Max(), img.Max()
	for c := range img.colour() {
		p := img.Plane(c)
		for i, v := range p {
			p[i] = min(max(a*v+b, 0), hi)
		}
	}
}

// gamma is Albumentations' gamma_transform: out = max*(in/max)^g on the
// colour channels. Levels at or above max/64 read a 4097-entry table of
// t^g, linearly interpolated (error under 0.001 of a level for 8 bits and
// 0.1 for 16, for g in 0.1..10); lower levels, where t^g may be steep,
// call math.Pow.
func gamma(img *Image, g float64) {
	if g == 0 || g == 1 {
		return
	}
	const steps = 4096
	hi := float64(img.Max())
	var lut [steps + 1]float32
	for i := range lut {
		lut[i] = float32(hi * math.Pow(float64(i)/steps, g))
	}
	scale, cut := float32(steps/hi), float32(hi/64)
	for c := range img.colour() {
		p := img.Plane(c)
		for i, v := range p {
			switch {
			case v >= float32(hi):
				p[i] = float32(hi)
			case v >= cut:
				t := v * scale
				k := int(t)
				f := t - float32(k)
				p[i] = lut[k] + f*(lut[k+1]-lut[k])
			case v > 0:
				p[i] = float32(hi * math.Pow(float64(v)/hi, g))
			default:
				p[i] = 0
			}
		}
	}
}

// noise adds Gaussian noise of std*max (one value per pixel and colour
// channel, from the PCG stream of seed) and clamps.
func noise(img *Image, std float64, seed uint64) {
	g := rand.New(rand.NewPCG(seed, 0x6A055))
	s, hi := std*float64(img.Max()), img.Max()
	for c := range img.colour() {
		p := img.Plane(c)
		for i, v := range p {
			p[i] = min(max(v+float32(s*g.NormFloat64()), 0), hi)
		}
	}
}

// dropout sets the holes (clipped to the image) to fill*max on the colour
// channels; alpha is kept.
func dropout(img *Image, holes []Hole, fill float64) {
	f := float32(fill) * img.Max()
	for _, hl := range holes {
		x0, y0 := max(hl.X, 0), max(hl.Y, 0)
		x1, y1 := min(hl.X+hl.W, img.W), min(hl.Y+hl.H, img.H)
		for c := range img.colour() {
			p := img.Plane(c)
			for y := y0; y < y1; y++ {
				for x := x0; x < x1; x++ {
					p[y*img.W+x] = f
				}
			}
		}
	}
}

// resize resamples img to w x h with a triangle (bilinear) filter whose
// support widens by the scale factor when shrinking, as Pillow's bilinear
// resize; edges are clamped.
func resize(img *Image, w, h int) *Image {
	out := &Image{W: w, H: h, Channels: img.Channels, Depth: img.Depth, Pix: getBuf(w * h * img.Channels)}
	xt, yt := triangleTaps(img.W, w), triangleTaps(img.H, h)
	tmp := getBuf(w * img.H)
	defer putBuf(tmp)
	for c := range img.Channels {
		src, dst := img.Plane(c), out.Plane(c)
		for y := range img.H {
			row := src[y*img.W : (y+1)*img.W]
			for x, ts := range xt {
				var s float32
				for _, t := range ts {
					s += row[t.i] * t.w
				}
				tmp[y*w+x] = s
			}
		}
		for y, ts := range yt {
			acc := dst[y*w : (y+1)*w]
			for _, t := range ts {
				axpy(acc, tmp[t.i*w:(t.i+1)*w], t.w)
			}
		}
	}
	return out
}

type tap struct {
	i int
	w float32
}

// triangleTaps are the taps of each of dst output samples from src input
// samples.
func triangleTaps(src, dst int) [][]tap {
	scale := float64(src) / float64(dst)
	support := max(scale, 1)
	out := make([][]tap, dst)
	for i := range out {
		centre := (float64(i)+0.5)*scale - 0.5
		lo, hi := int(math.Ceil(centre-support)), int(math.Floor(centre+support))
		var ts []tap
		var sum float64
		ws := make([]float64, 0, hi-lo+1)
		for j := lo; j <= hi; j++ {
			wt := 1 - math.Abs(float64(j)-centre)/support
			if wt <= 0 {
				wt = 0
			}
			ws = append(ws, wt)
			sum += wt
		}
		for j := lo; j <= hi; j++ {
			if wt := ws[j-lo]; wt > 0 {
				ts = append(ts, tap{i: min(max(j, 0), src-1), w: float32(wt / sum)})
			}
		}
		out[i] = ts
	}
	return out
}
