package composite

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"math"

	"github.com/disintegration/imaging"
	"github.com/tailsynth/tailsynth/media"
)

// Renderer renders plans with fixed Options. It is safe for concurrent use
// when its LoadFunc is; render composites in parallel by calling Compose from
// several goroutines and share one Cache between them.
type Renderer struct {
	opts   Options
	filter imaging.ResampleFilter
	load   LoadFunc
	cache  *Cache
}

// NewRenderer validates opts. cache may be nil (no reuse across composites;
// a source used twice in one composite is still loaded once).
func NewRenderer(opts Options, load LoadFunc, cache *Cache) (*Renderer, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	if load == nil {
		return nil, errors.New("composite: NewRenderer: load is nil: want a LoadFunc such as FSLoader(os.DirFS(root), DecodeOptions{})")
	}
	f, _ := ParseFilter(opts.Filter)
	return &Renderer{opts: opts, filter: f, load: load, cache: cache}, nil
}

// Compose renders one plan with a throwaway Renderer and no cache; see
// Renderer.Compose.
func Compose(ctx context.Context, plan Plan, load LoadFunc, opts Options) (image.Image, error) {
	r, err := NewRenderer(opts, load, nil)
	if err != nil {
		return nil, err
	}
	return r.Compose(ctx, plan)
}

// Compose renders plan: it loads each distinct source once (or takes its
// fitted tile from the cache), fits it into its tile (Options.Fit), applies
// the tile's augmentation, and draws the tiles row-major into a canvas of
// Options.Size.
//
// The result is an *image.Gray (gray), *image.Gray16 (gray with Keep16 and
// only 16-bit gray sources) or *image.NRGBA (rgb: opaque; rgba). A source
// that fails to load gives a *SourceError naming its key and tile; Compose
// never panics on bad input and stops early when ctx is done.
func (r *Renderer) Compose(ctx context.Context, plan Plan) (image.Image, error) {
	o := r.opts
	n := o.Layout.Tiles()
	if len(plan.Sources) != n {
		return nil, fmt.Errorf("composite: plan %q #%d has %d sources: want %d for layout %s", plan.Class, plan.Index, len(plan.Sources), n, o.Layout)
	}
	if plan.Augment != nil && len(plan.Augment) != n {
		return nil, fmt.Errorf("composite: plan %q #%d has %d augmentations: want 0 or %d", plan.Class, plan.Index, len(plan.Augment), n)
	}

	loaded := map[string]image.Image{}
	local := map[tileKey]fitted{}
	tiles := make([]fitted, n)
	for i, key := range plan.Sources {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		rect := o.Layout.TileRect(o.Size, i)
		k := tileKey{src: key, w: rect.Dx(), h: rect.Dy(), fit: o.Fit, filter: o.Filter, keep16: o.Keep16}
		compute := func() (fitted, error) {
			src, ok := loaded[key]
			if !ok {
				var err error
				src, err = r.load(ctx, key)
				if err == nil && (src == nil || src.Bounds().Empty()) {
					err = fmt.Errorf("%w: loader returned an empty image", media.ErrCorrupt)
				}
				if err != nil {
					return fitted{}, &SourceError{Key: key, Tile: i, Err: err}
				}
				loaded[key] = src
			}
			return r.fit(src, k.w, k.h), nil
		}
		if t, ok := local[k]; ok { // same source, same tile size
			tiles[i] = t
			continue
		}
		var (
			t   fitted
			err error
		)
		if r.cache != nil {
			t, err = r.cache.get(ctx, k, compute)
		} else {
			t, err = compute()
		}
		if err != nil {
			return nil, err
		}
		local[k], tiles[i] = t, t
	}

	mode, all16 := o.Mode, true
	if mode == ModeAuto {
		mode = ModeGray
	}
	for _, t := range tiles {
		if !t.gray && o.Mode == ModeAuto {
			mode = ModeRGB
		}
		if _, ok := t.img.(*image.Gray16); !ok {
			all16 = false
		}
	}
	if mode == ModeGray && o.Keep16 && all16 {
		return r.draw16(plan, tiles), nil
	}
	return r.draw8(plan, tiles, mode), nil
}

// fit resizes src into a w x h tile as Options.Fit says.
func (r *Renderer) fit(src image.Image, w, h int) fitted {
	b := src.Bounds()
	sw, sh := b.Dx(), b.Dy()
	_, isG8 := src.(*image.Gray)
	g16, isG16 := src.(*image.Gray16)
	out := fitted{gray: isG8 || isG16}

	rw, rh := w, h // size of the resized image
	crop := b
	switch r.opts.Fit {
	case FitContain:
		s := math.Min(float64(w)/float64(sw), float64(h)/float64(sh))
		rw = min(max(int(math.Round(float64(sw)*s)), 1), w)
		rh = min(max(int(math.Round(float64(sh)*s)), 1), h)
		out.off = image.Pt((w-rw)/2, (h-rh)/2)
	case FitFill:
		// Crop the source to the tile's aspect ratio around its centre.
		cw, ch := sw, sh
		if sw*h > w*sh { // source is wider than the tile
			cw = min(max(int(math.Round(float64(sh)*float64(w)/float64(h))), 1), sw)
		} else {
			ch = min(max(int(math.Round(float64(sw)*float64(h)/float64(w))), 1), sh)
		}
		x0, y0 := b.Min.X+(sw-cw)/2, b.Min.Y+(sh-ch)/2
		crop = image.Rect(x0, y0, x0+cw, y0+ch)
	}
	if isG16 && r.opts.Keep16 {
		out.img = resize16(g16.SubImage(crop).(*image.Gray16), rw, rh, r.filter)
		return out
	}
	if crop != b {
		if s, ok := src.(interface {
			SubImage(image.Rectangle) image.Image
		}); ok {
			src = s.SubImage(crop)
		} else {
			src = imaging.Crop(src, crop)
		}
	}
	out.img = resample8(src, rw, rh, r.filter)
	return out
}

// draw8 draws 8-bit tiles (*image.Gray or *image.NRGBA; 16-bit tiles are
// reduced to their high byte) into a Gray or NRGBA canvas.
func (r *Renderer) draw8(plan Plan, tiles []fitted, mode Mode) image.Image {
	o := r.opts
	bg := o.Background
	if mode != ModeRGBA {
		bg.A = 0xff
	}
	var canvas image.Image
	if mode == ModeGray {
		g := image.NewGray(image.Rect(0, 0, o.Size.W, o.Size.H))
		y := luma(bg.R, bg.G, bg.B)
		for i := range g.Pix {
			g.Pix[i] = y
		}
		canvas = g
	} else {
		m := image.NewNRGBA(image.Rect(0, 0, o.Size.W, o.Size.H))
		fillNRGBA(m, m.Bounds(), bg)
		canvas = m
	}
	for i, t := range tiles {
		rect := o.Layout.TileRect(o.Size, i)
		img := t.img
		if g16, ok := img.(*image.Gray16); ok {
			img = resample8(g16, g16.Bounds().Dx(), g16.Bounds().Dy(), imaging.NearestNeighbor) // high byte
		}
		at := rect.Min.Add(t.off)
		if i < len(plan.Augment) && !plan.Augment[i].IsIdentity() {
			tile := toNRGBA(img)
			if t.off != (image.Point{}) { // letterboxed: augment the whole tile
				full := image.NewNRGBA(image.Rect(0, 0, rect.Dx(), rect.Dy()))
				fillNRGBA(full, full.Bounds(), bg)
				blit(full, t.off, tile)
				tile, at = full, rect.Min
			}
			img = plan.Augment[i].apply(tile, bg)
		}
		drawTile(canvas, at, img, bg, mode == ModeRGBA)
	}
	return canvas
}

// toNRGBA converts a Gray or NRGBA tile to NRGBA.
func toNRGBA(img image.Image) *image.NRGBA {
	if m, ok := img.(*image.NRGBA); ok {
		return m
	}
	g := img.(*image.Gray)
	b := g.Bounds()
	out := image.NewNRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < b.Dx(); x++ {
			v := g.Pix[y*g.Stride+x]
			j := y*out.Stride + 4*x
			out.Pix[j], out.Pix[j+1], out.Pix[j+2], out.Pix[j+3] = v, v, v, 0xff
		}
	}
	return out
}

// drawTile draws a Gray or NRGBA tile (bounds from 0,0) into a Gray or
// NRGBA canvas at p, clipped. NRGBA tiles are flattened over bg unless
// keepAlpha; a gray canvas takes the luma.
func drawTile(canvas image.Image, p image.Point, tile image.Image, bg color.NRGBA, keepAlpha bool) {
	switch c := canvas.(type) {
	case *image.Gray:
		switch t := tile.(type) {
		case *image.Gray:
			r := t.Bounds().Add(p).Intersect(c.Bounds())
			for y := r.Min.Y; y < r.Max.Y; y++ {
				copy(c.Pix[c.PixOffset(r.Min.X, y):c.PixOffset(r.Max.X, y)], t.Pix[t.PixOffset(r.Min.X-p.X, y-p.Y):])
			}
		case *image.NRGBA:
			flat := image.NewNRGBA(t.Bounds())
			blitFlatten(flat, image.Point{}, t, bg)
			g := toGray(flat)
			drawTile(c, p, g, bg, false)
		}
	case *image.NRGBA:
		t := toNRGBA(tile)
		if keepAlpha {
			blit(c, p, t)
		} else {
			blitFlatten(c, p, t, bg)
		}
	}
}

// draw16 draws 16-bit gray tiles into a Gray16 canvas.
func (r *Renderer) draw16(plan Plan, tiles []fitted) image.Image {
	o := r.opts
	bg := uint16(luma(o.Background.R, o.Background.G, o.Background.B)) * 0x101
	canvas := image.NewGray16(image.Rect(0, 0, o.Size.W, o.Size.H))
	fillGray16(canvas, canvas.Bounds(), bg)
	for i, t := range tiles {
		rect := o.Layout.TileRect(o.Size, i)
		img := t.img.(*image.Gray16)
		at := rect.Min.Add(t.off)
		if i < len(plan.Augment) && !plan.Augment[i].IsIdentity() {
			if t.off != (image.Point{}) {
				full := image.NewGray16(image.Rect(0, 0, rect.Dx(), rect.Dy()))
				fillGray16(full, full.Bounds(), bg)
				blit16(full, t.off, img)
				img, at = full, rect.Min
			}
			img = plan.Augment[i].apply16(img, bg)
		}
		blit16(canvas, at, img)
	}
	return canvas
}

// luma is Go's color.GrayModel on 8-bit input: BT.601 weights in 16.16
// fixed point, Y = (19595 R + 38470 G + 7471 B + 2^15) >> 16 with R, G, B
// widened to 16 bits first.
func luma(r, g, b uint8) uint8 {
	y := (19595*uint32(r)*0x101 + 38470*uint32(g)*0x101 + 7471*uint32(b)*0x101 + 1<<15) >> 24
	return uint8(y)
}

func toGray(m *image.NRGBA) *image.Gray {
	b := m.Bounds()
	out := image.NewGray(b)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		src := m.Pix[(y-b.Min.Y)*m.Stride:]
		dst := out.Pix[(y-b.Min.Y)*out.Stride:]
		for x := 0; x < b.Dx(); x++ {
			dst[x] = luma(src[4*x], src[4*x+1], src[4*x+2])
		}
	}
	return out
}

func fillNRGBA(m *image.NRGBA, r image.Rectangle, c color.NRGBA) {
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			i := m.PixOffset(x, y)
			m.Pix[i], m.Pix[i+1], m.Pix[i+2], m.Pix[i+3] = c.R, c.G, c.B, c.A
		}
	}
}

func fillGray16(m *image.Gray16, r image.Rectangle, v uint16) {
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			i := m.PixOffset(x, y)
			m.Pix[i], m.Pix[i+1] = uint8(v>>8), uint8(v)
		}
	}
}

// blit copies src (bounds from 0,0) into dst at p, clipped to dst.
func blit(dst *image.NRGBA, p image.Point, src *image.NRGBA) {
	r := src.Bounds().Sub(src.Bounds().Min).Add(p).Intersect(dst.Bounds())
	for y := r.Min.Y; y < r.Max.Y; y++ {
		s := src.PixOffset(src.Bounds().Min.X+r.Min.X-p.X, src.Bounds().Min.Y+y-p.Y)
		copy(dst.Pix[dst.PixOffset(r.Min.X, y):dst.PixOffset(r.Max.X-1, y)+4], src.Pix[s:])
	}
}

func blit16(dst *image.Gray16, p image.Point, src *image.Gray16) {
	r := src.Bounds().Sub(src.Bounds().Min).Add(p).Intersect(dst.Bounds())
	for y := r.Min.Y; y < r.Max.Y; y++ {
		s := src.PixOffset(src.Bounds().Min.X+r.Min.X-p.X, src.Bounds().Min.Y+y-p.Y)
		copy(dst.Pix[dst.PixOffset(r.Min.X, y):dst.PixOffset(r.Max.X-1, y)+2], src.Pix[s:])
	}
}

// blitFlatten draws src at p composited over the opaque colour bg:
// out = (c*a + bg*(255-a) + 127) / 255 per channel, alpha 255.
func blitFlatten(dst *image.NRGBA, p image.Point, src *image.NRGBA, bg color.NRGBA) {
	r := src.Bounds().Sub(src.Bounds().Min).Add(p).Intersect(dst.Bounds())
	n := 4 * r.Dx()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		s := src.Pix[src.PixOffset(src.Bounds().Min.X+r.Min.X-p.X, src.Bounds().Min.Y+y-p.Y):][:n]
		d := dst.Pix[dst.PixOffset(r.Min.X, y):][:n]
		copy(d, s)
		for i := 3; i < n; i += 4 {
			a := uint32(s[i])
			if a == 0xff {
				continue
			}
			d[i-3] = uint8((uint32(s[i-3])*a + uint32(bg.R)*(255-a) + 127) / 255)
			d[i-2] = uint8((uint32(s[i-2])*a + uint32(bg.G)*(255-a) + 127) / 255)
			d[i-1] = uint8((uint32(s[i-1])*a + uint32(bg.B)*(255-a) + 127) / 255)
			d[i] = 0xff
		}
	}
}
