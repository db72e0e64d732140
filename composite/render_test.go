package composite_test

import (
	"context"
	"errors"
	"image"
	"image/color"
	"sync"
	"testing"

	"github.com/disintegration/imaging"
	"github.com/tailsynth/tailsynth/composite"
	"github.com/tailsynth/tailsynth/media"
)

var (
	red   = color.NRGBA{R: 0xff, A: 0xff}
	green = color.NRGBA{G: 0xff, A: 0xff}
	blue  = color.NRGBA{B: 0xff, A: 0xff}
	gray  = color.NRGBA{R: 0x80, G: 0x80, B: 0x80, A: 0xff}
)

func plan3(srcs ...string) composite.Plan { return composite.Plan{Class: "c", Sources: srcs} }

func nrgbaAt(img image.Image, x, y int) color.NRGBA {
	return color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
}

// TestStretchTilesExact: solid sources of any size, stretched, fill their
// tile rectangles exactly (every filter's weights sum to 1), with the
// TileRect split 9/9/10 for a height of 28.
func TestStretchTilesExact(t *testing.T) {
	ld := newMemLoader(map[string]image.Image{"r": solid(50, 7, red), "g": solid(3, 90, green), "b": solid(28, 28, blue)})
	for _, filter := range []string{"nearest", "linear", "lanczos", "catmullrom"} {
		o := opts(t, "3x1", "28", composite.FitStretch)
		o.Filter = filter
		img, err := composite.Compose(context.Background(), plan3("r", "g", "b"), ld.load, o)
		if err != nil {
			t.Fatal(err)
		}
		want := []struct {
			y0, y1 int
			c      color.NRGBA
		}{{0, 9, red}, {9, 18, green}, {18, 28, blue}}
		for _, w := range want {
			for y := w.y0; y < w.y1; y++ {
				for x := 0; x < 28; x++ {
					if got := nrgbaAt(img, x, y); got != w.c {
						t.Fatalf("%s: pixel (%d,%d) = %v, want %v", filter, x, y, got, w.c)
					}
				}
			}
		}
	}
}

// TestFitLetterbox: a 40x20 source in a 30x30 tile is scaled to 30x15 and
// centred at y = 7; the rest is Background.
func TestFitLetterbox(t *testing.T) {
	ld := newMemLoader(map[string]image.Image{"r": solid(40, 20, red)})
	o := opts(t, "1x1", "30", composite.FitContain)
	o.Background = gray
	img, err := composite.Compose(context.Background(), plan3("r"), ld.load, o)
	if err != nil {
		t.Fatal(err)
	}
	for y := 0; y < 30; y++ {
		want := gray
		if y >= 7 && y < 22 {
			want = red
		}
		for x := 0; x < 30; x++ {
			if got := nrgbaAt(img, x, y); got != want {
				t.Fatalf("pixel (%d,%d) = %v, want %v", x, y, got, want)
			}
		}
	}
}

// TestFillCropsCentre: the source is blue | red | green in quarters, half,
// quarter; a square tile must show exactly the centre (all red), which also
// checks that resizing reads only inside the crop.
func TestFillCropsCentre(t *testing.T) {
	src := solid(40, 20, red)
	for y := 0; y < 20; y++ {
		for x := 0; x < 10; x++ {
			src.SetNRGBA(x, y, blue)
			src.SetNRGBA(39-x, y, green)
		}
	}
	for _, name := range []string{"nrgba", "ycbcr"} {
		var img image.Image = src
		if name == "ycbcr" { // JPEG's type goes through imaging's scanner
			ycc := image.NewYCbCr(src.Bounds(), image.YCbCrSubsampleRatio444)
			for y := 0; y < 20; y++ {
				for x := 0; x < 40; x++ {
					c := src.NRGBAAt(x, y)
					yy, cb, cr := color.RGBToYCbCr(c.R, c.G, c.B)
					ycc.Y[ycc.YOffset(x, y)], ycc.Cb[ycc.COffset(x, y)], ycc.Cr[ycc.COffset(x, y)] = yy, cb, cr
				}
			}
			img = ycc
		}
		ld := newMemLoader(map[string]image.Image{"s": img})
		out, err := composite.Compose(context.Background(), plan3("s"), ld.load, opts(t, "1x1", "16", composite.FitFill))
		if err != nil {
			t.Fatal(err)
		}
		want := nrgbaAt(img, 20, 10)
		for y := 0; y < 16; y++ {
			for x := 0; x < 16; x++ {
				if got := nrgbaAt(out, x, y); got != want {
					t.Fatalf("%s: pixel (%d,%d) = %v, want %v", name, x, y, got, want)
				}
			}
		}
	}
}

func grayImg(w, h int, v uint8) *image.Gray {
	m := image.NewGray(image.Rect(0, 0, w, h))
	for i := range m.Pix {
		m.Pix[i] = v
	}
	return m
}

func gray16Img(w, h int, v uint16) *image.Gray16 {
	m := image.NewGray16(image.Rect(0, 0, w, h))
	for i := 0; i < len(m.Pix); i += 2 {
		m.Pix[i], m.Pix[i+1] = uint8(v>>8), uint8(v)
	}
	return m
}

func TestColourModes(t *testing.T) {
	halfRed := color.NRGBA{R: 0xff, A: 0x80}
	ld := newMemLoader(map[string]image.Image{
		"g8": grayImg(10, 10, 100), "g16": gray16Img(10, 10, 1000), "g16b": gray16Img(12, 8, 40000),
		"rgb": solid(10, 10, red), "alpha": solid(10, 10, halfRed),
	})
	tests := []struct {
		name    string
		mode    composite.Mode
		keep16  bool
		srcs    []string
		wantTyp string
		// expected colour at the centre of each tile
		want []color.NRGBA
	}{
		{"auto all gray", composite.ModeAuto, false, []string{"g8", "g8", "g16"}, "*image.Gray",
			[]color.NRGBA{{100, 100, 100, 255}, {100, 100, 100, 255}, {3, 3, 3, 255}}},
		{"auto one colour", composite.ModeAuto, false, []string{"g8", "rgb", "g8"}, "*image.NRGBA",
			[]color.NRGBA{{100, 100, 100, 255}, red, {100, 100, 100, 255}}},
		{"forced gray from colour", composite.ModeGray, false, []string{"rgb", "rgb", "g8"}, "*image.Gray",
			// luma(255,0,0) = 0.299*255 = 76.2
			[]color.NRGBA{{76, 76, 76, 255}, {76, 76, 76, 255}, {100, 100, 100, 255}}},
		{"rgb flattens alpha over black", composite.ModeRGB, false, []string{"alpha", "g8", "g8"}, "*image.NRGBA",
			[]color.NRGBA{{128, 0, 0, 255}, {100, 100, 100, 255}, {100, 100, 100, 255}}},
		{"rgba keeps alpha", composite.ModeRGBA, false, []string{"alpha", "rgb", "g8"}, "*image.NRGBA",
			[]color.NRGBA{halfRed, red, {100, 100, 100, 255}}},
		{"keep16 all 16-bit", composite.ModeAuto, true, []string{"g16", "g16b", "g16"}, "*image.Gray16", nil},
		{"keep16 mixed falls back to 8-bit", composite.ModeAuto, true, []string{"g16", "g8", "g16b"}, "*image.Gray",
			[]color.NRGBA{{3, 3, 3, 255}, {100, 100, 100, 255}, {156, 156, 156, 255}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := opts(t, "1x3", "30x10", composite.FitStretch)
			o.Mode, o.Keep16 = tc.mode, tc.keep16
			img, err := composite.Compose(context.Background(), plan3(tc.srcs...), ld.load, o)
			if err != nil {
				t.Fatal(err)
			}
			if got := typeName(img); got != tc.wantTyp {
				t.Fatalf("type %s, want %s", got, tc.wantTyp)
			}
			for i, w := range tc.want {
				if got := nrgbaAt(img, 5+10*i, 5); got != w {
					t.Errorf("tile %d = %v, want %v", i, got, w)
				}
			}
			if g16, ok := img.(*image.Gray16); ok {
				for i, w := range []uint16{1000, 40000, 1000} {
					if got := g16.Gray16At(5+10*i, 5).Y; got != w {
						t.Errorf("tile %d = %d, want %d (16 bits kept)", i, got, w)
					}
				}
			}
		})
	}
}

func typeName(img image.Image) string {
	switch img.(type) {
	case *image.Gray:
		return "*image.Gray"
	case *image.Gray16:
		return "*image.Gray16"
	case *image.NRGBA:
		return "*image.NRGBA"
	case *image.RGBA:
		return "*image.RGBA"
	}
	return "other"
}

// TestKeep16MatchesImaging: the 16-bit resampler reproduces imaging's
// 8-bit Resize on data scaled by 257, to within one 8-bit level.
func TestKeep16MatchesImaging(t *testing.T) {
	g8 := image.NewGray(image.Rect(0, 0, 37, 23))
	g16 := image.NewGray16(g8.Rect)
	for i := range g8.Pix {
		v := uint8((i*37 + i*i/7) % 256)
		g8.Pix[i] = v
		g16.Pix[2*i], g16.Pix[2*i+1] = v, v // v*257
	}
	for _, filter := range []string{"nearest", "linear", "lanczos", "catmullrom", "box"} {
		for _, sz := range []string{"11x7", "80x50"} {
			o := opts(t, "1x1", sz, composite.FitStretch)
			o.Filter, o.Keep16 = filter, true
			got, err := composite.Compose(context.Background(), plan3("s"), newMemLoader(map[string]image.Image{"s": g16}).load, o)
			if err != nil {
				t.Fatal(err)
			}
			f, _ := composite.ParseFilter(filter)
			want := imaging.Resize(g8, o.Size.W, o.Size.H, f)
			if d, err := maxDiff(got, want); err != nil || d > 1 {
				t.Errorf("%s %s: max difference %d (%v), want <= 1", filter, sz, d, err)
			}
		}
	}
}

func TestComposeErrors(t *testing.T) {
	ld := newMemLoader(map[string]image.Image{"a": solid(4, 4, red), "empty": image.NewNRGBA(image.Rect(0, 0, 0, 0))})
	o := opts(t, "3x1", "12", composite.FitStretch)
	ctx := context.Background()

	_, err := composite.Compose(ctx, plan3("a", "missing", "a"), ld.load, o)
	var se *composite.SourceError
	if !errors.As(err, &se) || se.Key != "missing" || se.Tile != 1 {
		t.Errorf("missing source: got %v, want *SourceError for key \"missing\" tile 1", err)
	}
	_, err = composite.Compose(ctx, plan3("a", "a", "empty"), ld.load, o)
	if !errors.As(err, &se) || !errors.Is(err, media.ErrCorrupt) {
		t.Errorf("empty image: got %v, want *SourceError wrapping ErrCorrupt", err)
	}
	if _, err = composite.Compose(ctx, plan3("a", "a"), ld.load, o); err == nil {
		t.Error("2 sources for 3 tiles: got nil error")
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err = composite.Compose(cctx, plan3("a", "a", "a"), ld.load, o); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: got %v, want context.Canceled", err)
	}
	bad := o
	bad.Fit = "zoom"
	if _, err = composite.Compose(ctx, plan3("a", "a", "a"), ld.load, bad); err == nil {
		t.Error("fit \"zoom\": got nil error")
	}
}

// TestLoadOncePerComposite: a class with one image repeats it in every tile;
// it is loaded once, and with a shared cache once across composites.
func TestLoadOnce(t *testing.T) {
	ld := newMemLoader(map[string]image.Image{"only": pattern(30, 30, red), "other": pattern(20, 20, blue)})
	o := opts(t, "3x1", "28", composite.FitStretch) // tiles 9, 9, 10 high: two tile sizes
	if _, err := composite.Compose(context.Background(), plan3("only", "only", "only"), ld.load, o); err != nil {
		t.Fatal(err)
	}
	if n := ld.count("only"); n != 1 {
		t.Errorf("loads without cache = %d, want 1", n)
	}

	cache := composite.NewCache(1 << 20)
	r, err := composite.NewRenderer(o, ld.load, cache)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := r.Compose(context.Background(), plan3("other", "other", "other")); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	// Two tile sizes (9 and 10 rows) are two cache entries; a goroutine
	// that finds one in flight waits for it, so each size is computed (and
	// the source loaded) at most once per size.
	if n := ld.count("other"); n < 1 || n > 2 {
		t.Errorf("loads with shared cache over 8 concurrent composites = %d, want 1 or 2", n)
	}
	if s := cache.Stats(); s.Entries != 2 || s.Misses != 2 {
		t.Errorf("cache stats %+v, want 2 entries and 2 misses", s)
	}
}

func TestAugmentChangesOnlyAugmentedTiles(t *testing.T) {
	ld := newMemLoader(map[string]image.Image{"p": pattern(30, 30, red)})
	o := opts(t, "1x3", "90x30", composite.FitStretch)
	base, err := composite.Compose(context.Background(), plan3("p", "p", "p"), ld.load, o)
	if err != nil {
		t.Fatal(err)
	}
	p := plan3("p", "p", "p")
	p.Augment = []composite.TileAug{{}, {FlipH: true}, {Brightness: 20}}
	aug, err := composite.Compose(context.Background(), p, ld.load, o)
	if err != nil {
		t.Fatal(err)
	}
	for x := 0; x < 30; x++ {
		for y := 0; y < 30; y++ {
			if a, b := nrgbaAt(base, x, y), nrgbaAt(aug, x, y); a != b {
				t.Fatalf("identity tile changed at (%d,%d): %v -> %v", x, y, a, b)
			}
			if a, b := nrgbaAt(base, 30+x, y), nrgbaAt(aug, 59-x, y); a != b {
				t.Fatalf("flipped tile: (%d,%d) = %v, want mirror %v", 59-x, y, b, a)
			}
			a, b := nrgbaAt(base, 60+x, y), nrgbaAt(aug, 60+x, y)
			if want := min(int(a.R)+51, 255); int(b.R) != want { // +20% of 255 = 51
				t.Fatalf("brightness tile at (%d,%d): R = %d, want %d", 60+x, y, b.R, want)
			}
		}
	}
}
