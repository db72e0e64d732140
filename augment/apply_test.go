package augment_test

import (
	"encoding/json"
	"image"
	"image/color"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/tailsynth/tailsynth/augment"
)

// gray returns a 1-channel 8-bit image with the given rows.
func gray(rows ...[]float32) *augment.Image {
	m := &augment.Image{W: len(rows[0]), H: len(rows), Channels: 1, Depth: 8}
	for _, r := range rows {
		m.Pix = append(m.Pix, r...)
	}
	return m
}

// ramp is a w x h image of distinct levels in every channel.
func ramp(w, h, ch, depth int) *augment.Image {
	m, err := augment.NewImage(w, h, ch, depth)
	if err != nil {
		panic(err)
	}
	for i := range m.Pix {
		m.Pix[i] = float32((i*37 + i/7) % int(m.Max()+1))
	}
	return m
}

func apply(t *testing.T, src *augment.Image, o augment.Options, ts ...augment.Applied) *augment.Image {
	t.Helper()
	out, err := augment.Apply(src, ts, o)
	if err != nil {
		t.Fatalf("Apply(%+v): %v", ts, err)
	}
	return out
}

// maxDiff is the largest absolute difference of two value lists.
func maxDiff(a, b []float32) float64 {
	if len(a) != len(b) {
		return math.Inf(1)
	}
	d := 0.0
	for i := range a {
		d = max(d, math.Abs(float64(a[i]-b[i])))
	}
	return d
}

func TestIdentity(t *testing.T) {
	src := ramp(7, 5, 3, 8)
	cases := []struct {
		name string
		ts   []augment.Applied
	}{
		{"nothing", nil},
		{"affine zero", []augment.Applied{{Name: augment.Affine, Scale: 1}}},
		{"affine scale 0 means 1", []augment.Applied{{Name: augment.Affine}}},
		{"hflip twice", []augment.Applied{{Name: augment.HorizontalFlip}, {Name: augment.HorizontalFlip}}},
		{"vflip twice", []augment.Applied{{Name: augment.VerticalFlip}, {Name: augment.VerticalFlip}}},
		{"rotate 360", []augment.Applied{{Name: augment.Affine, Rotate: 360}}},
		{"rotate 90 four times", slices.Repeat([]augment.Applied{{Name: augment.Affine, Rotate: 90}}, 4)},
		{"whole crop", []augment.Applied{{Name: augment.RandomResizedCrop, CropW: 7, CropH: 5}}},
		{"elastic alpha 0", []augment.Applied{{Name: augment.ElasticTransform, Sigma: 2, Seed: 9}}},
		{"brightness contrast 0", []augment.Applied{{Name: augment.RandomBrightnessContrast}}},
		{"gamma 1", []augment.Applied{{Name: augment.RandomGamma, Gamma: 1}}},
		{"noise 0", []augment.Applied{{Name: augment.GaussNoise, Seed: 3}}},
		{"blur kernel 1", []augment.Applied{{Name: augment.GaussianBlur, Kernel: 1, Sigma: 1}}},
		{"no holes", []augment.Applied{{Name: augment.CoarseDropout}}},
	}
	for _, border := range []augment.Border{augment.BorderReflect, augment.BorderConstant} {
		for _, c := range cases {
			t.Run(string(border)+"/"+c.name, func(t *testing.T) {
				out := apply(t, src, augment.Options{Border: border, Fill: 0.5}, c.ts...)
				if !slices.Equal(out.Pix, src.Pix) {
					t.Errorf("got %v, want the source %v", out.Pix, src.Pix)
				}
			})
		}
	}
	// "rotate 90 four times" passes on a 7x5 image because the four maps
	// compose to the identity before any resampling.
}

func TestRotate90(t *testing.T) {
	src := gray(
		[]float32{1, 2, 3},
		[]float32{4, 5, 6},
		[]float32{7, 8, 9},
	)
	// numpy.rot90(a) (counter-clockwise): [[3 6 9] [2 5 8] [1 4 7]].
	want := []float32{3, 6, 9, 2, 5, 8, 1, 4, 7}
	out := apply(t, src, augment.Options{}, augment.Applied{Name: augment.Affine, Rotate: 90})
	if !slices.Equal(out.Pix, want) {
		t.Errorf("rotate 90: got %v, want %v", out.Pix, want)
	}
	// Clockwise: numpy.rot90(a, -1) = [[7 4 1] [8 5 2] [9 6 3]].
	out = apply(t, src, augment.Options{}, augment.Applied{Name: augment.Affine, Rotate: -90})
	if want := []float32{7, 4, 1, 8, 5, 2, 9, 6, 3}; !slices.Equal(out.Pix, want) {
		t.Errorf("rotate -90: got %v, want %v", out.Pix, want)
	}
}

func TestFlips(t *testing.T) {
	src := gray([]float32{1, 2, 3}, []float32{4, 5, 6})
	for _, c := range []struct {
		name string
		want []float32
	}{
		{augment.HorizontalFlip, []float32{3, 2, 1, 6, 5, 4}},
		{augment.VerticalFlip, []float32{4, 5, 6, 1, 2, 3}},
	} {
		out := apply(t, src, augment.Options{}, augment.Applied{Name: c.name})
		if !slices.Equal(out.Pix, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, out.Pix, c.want)
		}
	}
	// A flip composed with an affine map is one resampling: hflip then a
	// 180-degree rotation is a vertical flip, exactly.
	out := apply(t, src, augment.Options{}, augment.Applied{Name: augment.HorizontalFlip}, augment.Applied{Name: augment.Affine, Rotate: 180})
	if want := []float32{4, 5, 6, 1, 2, 3}; !slices.Equal(out.Pix, want) {
		t.Errorf("hflip + rotate 180: got %v, want %v", out.Pix, want)
	}
}

func TestBorders(t *testing.T) {
	src := gray([]float32{10, 20, 30, 40})
	right := augment.Applied{Name: augment.Affine, TranslateX: 0.25} // one pixel right
	left := augment.Applied{Name: augment.Affine, TranslateX: -0.5}  // two pixels left
	cases := []struct {
		name string
		o    augment.Options
		t    augment.Applied
		want []float32
	}{
		// reflect-101: in[-1] = in[1], in[4] = in[2], in[5] = in[1].
		{"reflect right", augment.Options{}, right, []float32{20, 10, 20, 30}},
		{"reflect left", augment.Options{Border: augment.BorderReflect}, left, []float32{30, 40, 30, 20}},
		{"constant right", augment.Options{Border: augment.BorderConstant}, right, []float32{0, 10, 20, 30}},
		{"constant left fill 1", augment.Options{Border: augment.BorderConstant, Fill: 1}, left, []float32{30, 40, 255, 255}},
		// Half a pixel: bilinear blends the edge with the border.
		{"constant half", augment.Options{Border: augment.BorderConstant, Fill: 1}, augment.Applied{Name: augment.Affine, TranslateX: 0.125},
			[]float32{132.5, 15, 25, 35}},
		{"reflect half", augment.Options{}, augment.Applied{Name: augment.Affine, TranslateX: 0.125}, []float32{15, 15, 25, 35}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out := apply(t, src, c.o, c.t)
			if maxDiff(out.Pix, c.want) > 1e-4 {
				t.Errorf("got %v, want %v", out.Pix, c.want)
			}
		})
	}
	// A blur reads the border too: the constant border pulls the edges
	// towards the fill.
	flat, _ := augment.NewImage(5, 5, 1, 8)
	for i := range flat.Pix {
		flat.Pix[i] = 100
	}
	blur := augment.Applied{Name: augment.GaussianBlur, Kernel: 3, Sigma: 1}
	if out := apply(t, flat, augment.Options{}, blur); maxDiff(out.Pix, flat.Pix) > 1e-4 {
		t.Errorf("reflect blur of a constant image: got %v, want it unchanged", out.Pix)
	}
	out := apply(t, flat, augment.Options{Border: augment.BorderConstant}, blur)
	// Kernel exp(-x²/2) at -1, 0, 1 normalised: outer weight 0.274069. The
	// middle of the left edge loses one outer weight, a corner two.
	at := func(x, y int) float64 { return float64(out.Pix[y*5+x]) }
	if e, c, m := 100*(1-0.274069), 100*(1-0.274069)*(1-0.274069), at(2, 2); math.Abs(at(0, 2)-e) > 1e-3 || math.Abs(at(0, 0)-c) > 1e-3 || math.Abs(m-100) > 1e-4 {
		t.Errorf("constant blur: edge %v corner %v centre %v, want %.4f %.4f 100", at(0, 2), at(0, 0), m, e, c)
	}
}

func TestColourFormulas(t *testing.T) {
	src := gray([]float32{0, 64, 100, 200, 255})
	cases := []struct {
		t    augment.Applied
		want []float32
	}{
		// out = (1+c)*in + b*255, clamped.
		{augment.Applied{Name: augment.RandomBrightnessContrast, Brightness: 0.1, Contrast: 0.2},
			[]float32{25.5, 102.3, 145.5, 255, 255}},
		{augment.Applied{Name: augment.RandomBrightnessContrast, Brightness: -0.2},
			[]float32{0, 13, 49, 149, 204}},
		// out = 255*(in/255)^g: 255*(64/255)^2 = 16.0627, (100/255)^2*255 = 39.2157.
		{augment.Applied{Name: augment.RandomGamma, Gamma: 2},
			[]float32{0, 16.062745, 39.215687, 156.86275, 255}},
		// 255*(64/255)^0.5 = 127.7497.
		{augment.Applied{Name: augment.RandomGamma, Gamma: 0.5},
			[]float32{0, 127.74976, 159.68719, 225.83180, 255}},
	}
	for _, c := range cases {
		out := apply(t, src, augment.Options{}, c.t)
		if maxDiff(out.Pix, c.want) > 1e-3 {
			t.Errorf("%+v: got %v, want %v", c.t, out.Pix, c.want)
		}
	}
}

func TestBlurImpulse(t *testing.T) {
	const n = 15
	src, _ := augment.NewImage(n, n, 1, 8)
	src.Pix[n*n/2] = 1
	for _, k := range []int{3, 5, 9, 13} {
		out := apply(t, src, augment.Options{Border: augment.BorderConstant}, augment.Applied{Name: augment.GaussianBlur, Kernel: k, Sigma: 1.5})
		var sum float64
		for _, v := range out.Pix {
			sum += float64(v)
		}
		if math.Abs(sum-1) > 1e-5 {
			t.Errorf("kernel %d: the blurred impulse sums to %v, want 1 (±1e-5)", k, sum)
		}
		c := n / 2
		at := func(x, y int) float32 { return out.Pix[y*n+x] }
		if at(c-1, c) != at(c+1, c) || at(c, c-1) != at(c, c+1) || at(c-1, c) != at(c, c-1) || at(c, c) <= at(c+1, c) {
			t.Errorf("kernel %d: not symmetric with its peak at the centre: %v %v %v", k, at(c-1, c), at(c, c), at(c+1, c))
		}
		// Outside the kernel's reach nothing moves.
		if r := k / 2; at(c+r+1, c) != 0 {
			t.Errorf("kernel %d: value %v at distance %d, want 0", k, at(c+r+1, c), r+1)
		}
	}
}

func TestCoarseDropout(t *testing.T) {
	src := ramp(8, 6, 4, 8)
	holes := []augment.Hole{{X: 1, Y: 1, W: 2, H: 3}, {X: 6, Y: 4, W: 5, H: 5}} // the second is clipped
	out := apply(t, src, augment.Options{}, augment.Applied{Name: augment.CoarseDropout, Holes: holes, Fill: 0.2})
	inHole := func(x, y int) bool {
		for _, h := range holes {
			if x >= h.X && x < h.X+h.W && y >= h.Y && y < h.Y+h.H {
				return true
			}
		}
		return false
	}
	for c := range 4 {
		for y := range 6 {
			for x := range 8 {
				i := c*48 + y*8 + x
				want := src.Pix[i]
				if c < 3 && inHole(x, y) {
					want = 51 // 0.2 * 255
				}
				if out.Pix[i] != want {
					t.Errorf("channel %d (%d,%d): got %v, want %v", c, x, y, out.Pix[i], want)
				}
			}
		}
	}
}

func TestRandomResizedCrop(t *testing.T) {
	src := gray(
		[]float32{0, 0, 0, 0},
		[]float32{0, 10, 20, 0},
		[]float32{0, 30, 40, 0},
		[]float32{0, 0, 0, 0},
	)
	// The centre 2x2 stretched to 4x4: output pixel (x, y) samples the
	// source at (0.75 + 0.5x, 0.75 + 0.5y), bilinear; every tap is inside.
	out := apply(t, src, augment.Options{}, augment.Applied{Name: augment.RandomResizedCrop, CropX: 1, CropY: 1, CropW: 2, CropH: 2})
	at := func(x, y int) float64 { return float64(src.Pix[y*4+x]) }
	for y := range 4 {
		for x := range 4 {
			sx, sy := 0.75+0.5*float64(x), 0.75+0.5*float64(y)
			x0, y0 := int(sx), int(sy)
			fx, fy := sx-float64(x0), sy-float64(y0)
			want := at(x0, y0)*(1-fx)*(1-fy) + at(x0+1, y0)*fx*(1-fy) + at(x0, y0+1)*(1-fx)*fy + at(x0+1, y0+1)*fx*fy
			if got := float64(out.Pix[y*4+x]); math.Abs(got-want) > 1e-4 {
				t.Errorf("crop (%d,%d) = %v, want %v", x, y, got, want)
			}
		}
	}
	// (1,1) samples (1.25, 1.25): 10*0.5625 + 20*0.1875 + 30*0.1875 + 40*0.0625 = 17.5.
	if got := out.Pix[5]; got != 17.5 {
		t.Errorf("crop (1,1) = %v, want 17.5", got)
	}
}

func TestOutputSize(t *testing.T) {
	src := ramp(8, 8, 1, 8)
	out := apply(t, src, augment.Options{W: 4, H: 2})
	if out.W != 4 || out.H != 2 || len(out.Pix) != 8 {
		t.Fatalf("output %dx%d with %d values, want 4x2", out.W, out.H, len(out.Pix))
	}
	// A constant image stays constant through the resize.
	flat, _ := augment.NewImage(9, 7, 3, 8)
	for i := range flat.Pix {
		flat.Pix[i] = 77
	}
	out = apply(t, flat, augment.Options{W: 20, H: 3}, augment.Applied{Name: augment.Affine, Rotate: 10})
	for i, v := range out.Pix {
		if math.Abs(float64(v)-77) > 1e-3 {
			t.Fatalf("value %d = %v, want 77", i, v)
		}
	}
}

func TestDepthAndAlphaKept(t *testing.T) {
	g16 := image.NewGray16(image.Rect(0, 0, 5, 4))
	for i := range 20 {
		g16.SetGray16(i%5, i/5, color.Gray16{Y: uint16(1000 + 3001*i)})
	}
	src := augment.FromImage(g16)
	if src.Depth != 16 || src.Channels != 1 {
		t.Fatalf("FromImage(Gray16): depth %d, %d channels", src.Depth, src.Channels)
	}
	out := apply(t, src, augment.Options{}, augment.Applied{Name: augment.HorizontalFlip})
	g, ok := out.Image().(*image.Gray16)
	if !ok {
		t.Fatalf("output %T, want *image.Gray16", out.Image())
	}
	for i := range 20 {
		x, y := i%5, i/5
		if got, want := g.Gray16At(4-x, y).Y, uint16(1000+3001*i); got != want {
			t.Errorf("(%d,%d): got %d, want %d", 4-x, y, got, want)
		}
	}

	rgba := image.NewNRGBA(image.Rect(0, 0, 4, 3))
	for i := range 12 {
		rgba.SetNRGBA(i%4, i/4, color.NRGBA{R: uint8(20 * i), G: 7, B: 200, A: uint8(10 + 20*i)})
	}
	m := augment.FromImage(rgba)
	if m.Channels != 4 {
		t.Fatalf("FromImage(translucent NRGBA): %d channels, want 4", m.Channels)
	}
	out = apply(t, m, augment.Options{},
		augment.Applied{Name: augment.HorizontalFlip},
		augment.Applied{Name: augment.RandomBrightnessContrast, Brightness: 0.5},
		augment.Applied{Name: augment.RandomGamma, Gamma: 2},
		augment.Applied{Name: augment.GaussNoise, Std: 0.5, Seed: 1},
		augment.Applied{Name: augment.CoarseDropout, Holes: []augment.Hole{{0, 0, 4, 3}}})
	n, ok := out.Image().(*image.NRGBA)
	if !ok {
		t.Fatalf("output %T, want *image.NRGBA", out.Image())
	}
	for i := range 12 {
		x, y := i%4, i/4
		if got, want := n.NRGBAAt(3-x, y).A, uint8(10+20*i); got != want {
			t.Errorf("alpha at (%d,%d): got %d, want %d (colour transforms keep alpha, flips move it)", 3-x, y, got, want)
		}
	}
	// Opaque colour stays RGB.
	if c := augment.FromImage(image.NewRGBA(image.Rect(0, 0, 2, 2))).Channels; c != 4 {
		t.Errorf("transparent RGBA: %d channels, want 4", c)
	}
	opaque := image.NewNRGBA(image.Rect(0, 0, 2, 2))
	for i := 3; i < len(opaque.Pix); i += 4 {
		opaque.Pix[i] = 0xff
	}
	if c := augment.FromImage(opaque).Channels; c != 3 {
		t.Errorf("opaque NRGBA: %d channels, want 3", c)
	}
}

// TestImageRoundTrip: FromImage then Image gives the same pixels for every
// supported kind.
func TestImageRoundTrip(t *testing.T) {
	g := image.NewGray(image.Rect(2, 3, 7, 6)) // a non-zero origin
	for i := range g.Pix {
		g.Pix[i] = uint8(i * 13)
	}
	back := augment.FromImage(g).Image().(*image.Gray)
	if !slices.Equal(back.Pix, g.Pix) {
		t.Errorf("gray round trip: got %v, want %v", back.Pix, g.Pix)
	}
	n := image.NewNRGBA(image.Rect(0, 0, 3, 2))
	for i := range n.Pix {
		n.Pix[i] = uint8(i*29 + 1)
	}
	if back := augment.FromImage(n).Image().(*image.NRGBA); !slices.Equal(back.Pix, n.Pix) {
		t.Errorf("NRGBA round trip: got %v, want %v", back.Pix, n.Pix)
	}
}

func TestElastic(t *testing.T) {
	src := ramp(16, 12, 3, 8)
	e := augment.Applied{Name: augment.ElasticTransform, Alpha: 20, Sigma: 3, Seed: 42}
	a := apply(t, src, augment.Options{}, e)
	b := apply(t, src, augment.Options{}, e)
	if !slices.Equal(a.Pix, b.Pix) {
		t.Error("the same elastic parameters gave different pixels")
	}
	if slices.Equal(a.Pix, src.Pix) {
		t.Error("elastic alpha 20 changed nothing")
	}
	e.Seed = 43
	if c := apply(t, src, augment.Options{}, e); slices.Equal(a.Pix, c.Pix) {
		t.Error("another seed gave the same field")
	}
	// Resampling stays inside the source's range.
	for _, v := range a.Pix {
		if v < 0 || v > 255 {
			t.Fatalf("value %v outside 0..255", v)
		}
	}
}

func TestNoise(t *testing.T) {
	src, _ := augment.NewImage(64, 64, 1, 8)
	for i := range src.Pix {
		src.Pix[i] = 128
	}
	out := apply(t, src, augment.Options{}, augment.Applied{Name: augment.GaussNoise, Std: 0.1, Seed: 5})
	var sum, sq float64
	for _, v := range out.Pix {
		d := float64(v) - 128
		sum += d
		sq += d * d
	}
	n := float64(len(out.Pix))
	mean, std := sum/n, math.Sqrt(sq/n-(sum/n)*(sum/n))
	// 4096 draws: the mean is within 4 standard errors (25.5/64*4 = 1.6)
	// and the std within 5% of 25.5.
	if math.Abs(mean) > 1.6 || math.Abs(std-25.5) > 0.05*25.5 {
		t.Errorf("noise mean %.3f std %.3f, want about 0 and 25.5", mean, std)
	}
}

// TestDeterminism: the same seed gives the same draws and pixels; another
// seed does not; applying the JSON of the draws reproduces the pixels.
func TestDeterminism(t *testing.T) {
	for _, preset := range augment.PresetNames() {
		t.Run(preset, func(t *testing.T) {
			specs, err := augment.Preset(preset)
			if err != nil {
				t.Fatal(err)
			}
			p, err := augment.New(specs, augment.Options{})
			if err != nil {
				t.Fatal(err)
			}
			src := ramp(24, 20, 3, 8)
			run := func(seed uint64) (*augment.Image, []augment.Applied) {
				out, applied, err := p.Augment(src, rand.New(rand.NewPCG(seed, 1)))
				if err != nil {
					t.Fatal(err)
				}
				return out, applied
			}
			differs := 0
			for seed := range uint64(20) {
				a, aa := run(seed)
				b, ba := run(seed)
				if !slices.Equal(a.Pix, b.Pix) {
					t.Fatalf("seed %d: two runs differ", seed)
				}
				ja, _ := json.Marshal(aa)
				jb, _ := json.Marshal(ba)
				if string(ja) != string(jb) {
					t.Fatalf("seed %d: draws differ: %s vs %s", seed, ja, jb)
				}
				var back []augment.Applied
				if err := json.Unmarshal(ja, &back); err != nil {
					t.Fatal(err)
				}
				c := apply(t, src, p.Options(), back...)
				if !slices.Equal(a.Pix, c.Pix) {
					t.Fatalf("seed %d: applying the JSON %s does not reproduce the sample", seed, ja)
				}
				if o, _ := run(seed + 1000); !slices.Equal(a.Pix, o.Pix) {
					differs++
				}
			}
			if differs < 10 {
				t.Errorf("only %d of 20 seeds gave a different image from seed+1000", differs)
			}
		})
	}
}

// TestDrawIndependent: changing one transform's range leaves the others'
// draws as they were.
func TestDrawIndependent(t *testing.T) {
	base, _ := augment.Preset(augment.PresetMedium)
	changed := slices.Clone(base)
	for i, s := range changed {
		if s.Name == augment.RandomResizedCrop {
			changed[i], _ = s.With("scale", augment.Range{0.5, 0.6})
		}
	}
	p1, _ := augment.New(base, augment.Options{})
	p2, _ := augment.New(changed, augment.Options{})
	for seed := range uint64(50) {
		a := p1.Draw(rand.New(rand.NewPCG(seed, 0)), 32, 32)
		b := p2.Draw(rand.New(rand.NewPCG(seed, 0)), 32, 32)
		strip := func(as []augment.Applied) string {
			as = slices.DeleteFunc(slices.Clone(as), func(a augment.Applied) bool { return a.Name == augment.RandomResizedCrop })
			j, _ := json.Marshal(as)
			return string(j)
		}
		if strip(a) != strip(b) {
			t.Fatalf("seed %d: other transforms' draws changed:\n%s\n%s", seed, strip(a), strip(b))
		}
	}
}

// TestDrawRanges: drawn values stay in their configured ranges, and p
// decides how often a transform fires.
func TestDrawRanges(t *testing.T) {
	aff, _ := augment.NewSpec(augment.Affine)
	aff, _ = aff.With("p", augment.Range{1})
	aff, _ = aff.With("rotate", augment.Range{-5, 20})
	aff, _ = aff.With("scale", augment.Range{0.5, 0.7})
	flip, _ := augment.NewSpec(augment.HorizontalFlip)
	flip, _ = flip.With("p", augment.Range{0.25})
	drop, _ := augment.NewSpec(augment.CoarseDropout)
	drop, _ = drop.With("p", augment.Range{1})
	drop, _ = drop.With("num_holes_range", augment.Range{2, 3})
	off, _ := augment.NewSpec(augment.VerticalFlip)
	off, _ = off.With("p", augment.Range{0})
	p, err := augment.New([]augment.Spec{flip, aff, drop, off}, augment.Options{})
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	flips := 0
	const n = 4000
	for range n {
		for _, a := range p.Draw(r, 30, 20) {
			switch a.Name {
			case augment.HorizontalFlip:
				flips++
			case augment.VerticalFlip:
				t.Fatal("a transform with p 0 fired")
			case augment.Affine:
				if a.Rotate < -5 || a.Rotate > 20 || a.Scale < 0.5 || a.Scale > 0.7 ||
					math.Abs(a.TranslateX) > 0.0625 || math.Abs(a.TranslateY) > 0.0625 || a.ShearX != 0 {
					t.Fatalf("affine %+v outside its ranges", a)
				}
			case augment.CoarseDropout:
				if len(a.Holes) < 2 || len(a.Holes) > 3 {
					t.Fatalf("%d holes, want 2..3", len(a.Holes))
				}
				for _, h := range a.Holes {
					if h.X < 0 || h.Y < 0 || h.X+h.W > 30 || h.Y+h.H > 20 || h.W < 3 || h.W > 6 || h.H < 2 || h.H > 4 {
						t.Fatalf("hole %+v outside the 30x20 image or the size ranges", h)
					}
				}
			}
		}
	}
	// p 0.25 over 4000 draws: std sqrt(4000*0.25*0.75) = 27.4; 5 sigma.
	if math.Abs(float64(flips)-n*0.25) > 137 {
		t.Errorf("flip fired %d times in %d, want about %d", flips, n, n/4)
	}
}

func TestCropDraw(t *testing.T) {
	s, _ := augment.NewSpec(augment.RandomResizedCrop)
	s, _ = s.With("p", augment.Range{1})
	p, _ := augment.New([]augment.Spec{s}, augment.Options{})
	r := rand.New(rand.NewPCG(3, 3))
	for range 1000 {
		a := p.Draw(r, 40, 25)[0]
		if a.CropX < 0 || a.CropY < 0 || a.CropW < 1 || a.CropH < 1 || a.CropX+a.CropW > 40 || a.CropY+a.CropH > 25 {
			t.Fatalf("crop %+v outside the 40x25 image", a)
		}
	}
}

// TestGammaTable: the interpolated table stays within its stated error of
// math.Pow: 0.001 of a level at 8 bits, 0.2 at 16 bits.
func TestGammaTable(t *testing.T) {
	for _, depth := range []int{8, 16} {
		src, _ := augment.NewImage(4099, 1, 1, depth)
		hi := float64(src.Max())
		for i := range src.Pix {
			src.Pix[i] = float32(hi * float64(i) / 4098 * 1.0001) // fractional levels, the last above max
		}
		tol := 1e-3
		if depth == 16 {
			tol = 0.2
		}
		for _, g := range []float64{0.1, 0.5, 0.8, 1.2, 2, 10} {
			out := apply(t, src, augment.Options{}, augment.Applied{Name: augment.RandomGamma, Gamma: g})
			for i, v := range src.Pix {
				want := hi * math.Pow(min(float64(v), hi)/hi, g)
				if d := math.Abs(float64(out.Pix[i]) - want); d > tol {
					t.Fatalf("depth %d gamma %v: level %v gives %v, want %v (±%v)", depth, g, v, out.Pix[i], want, tol)
				}
			}
		}
	}
}

// TestShearInvertible: the largest shears on both axes still give a
// finite image.
func TestShearInvertible(t *testing.T) {
	src := ramp(9, 9, 1, 8)
	for _, sh := range [][2]float64{{45, 45}, {-45, 45}, {45, -45}} {
		out := apply(t, src, augment.Options{}, augment.Applied{Name: augment.Affine, ShearX: sh[0], ShearY: sh[1], Scale: 1})
		for _, v := range out.Pix {
			if math.IsNaN(float64(v)) || v < 0 || v > 255 {
				t.Fatalf("shear %v: value %v", sh, v)
			}
		}
	}
}

func TestOpaqueRGBA(t *testing.T) {
	m := image.NewRGBA(image.Rect(1, 1, 4, 3))
	for i := range m.Pix {
		m.Pix[i] = uint8(i * 17)
		if i%4 == 3 {
			m.Pix[i] = 0xff
		}
	}
	a := augment.FromImage(m)
	if a.Channels != 3 {
		t.Fatalf("opaque RGBA: %d channels, want 3", a.Channels)
	}
	n := a.Image().(*image.NRGBA)
	for y := range 2 {
		for x := range 3 {
			if got, want := n.NRGBAAt(x, y), color.NRGBAModel.Convert(m.At(x+1, y+1)); got != want {
				t.Errorf("(%d,%d): got %v, want %v", x, y, got, want)
			}
		}
	}
}
