package gangen

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // DecodeConfig of JPEG headers
	_ "image/png"  // DecodeConfig of PNG headers
	"io"
	"slices"
	"sort"
	"sync"

	"github.com/disintegration/imaging"

	"github.com/tailsynth/tailsynth/datasets"
	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/media"
	"github.com/tailsynth/tailsynth/storage"
)

// badFile is a training file left out, and why.
type badFile struct {
	Key    string `json:"key"`
	Class  string `json:"class"`
	Reason string `json:"reason"`
}

// candidate is a training file to read.
type candidate struct {
	class string
	key   string
	size  int64
}

// candidates lists the training files of classes of the given kind, at most
// perClass per class (an evenly spaced subset of the key-sorted files), and
// the files excluded without reading (other kinds, too large).
func candidates(env *generators.Env, classes []string, kind string, perClass int, maxFile int64) ([]candidate, []badFile, error) {
	var out []candidate
	var bad []badFile
	for _, c := range classes {
		var ok []candidate
		for _, f := range env.Train[c] {
			if !datasets.TrainSplit(f.Split) { // defence in depth: Env.Train is the training split
				return nil, nil, fmt.Errorf("leakage guard: %s is in split %q; training reads the training split only", f.Key, f.Split)
			}
			switch {
			case datasets.KindOf(f.Key) != kind:
				bad = append(bad, badFile{f.Key, c, "not " + kindNoun[kind]})
			case maxFile > 0 && f.Size > maxFile:
				bad = append(bad, badFile{f.Key, c, fmt.Sprintf("%d bytes, limit %d (max_file_mib)", f.Size, maxFile)})
			default:
				ok = append(ok, candidate{c, f.Key, f.Size})
			}
		}
		sort.Slice(ok, func(i, j int) bool { return ok[i].key < ok[j].key })
		out = append(out, evenSubset(ok, perClass)...)
	}
	return out, bad, nil
}

var kindNoun = map[string]string{
	"image": "an image (accepted: .png, .jpg, .jpeg)",
	"audio": "a WAV file (.wav)",
}

// evenSubset keeps at most n elements of s: s[floor(j·len/n)], j < n.
func evenSubset[T any](s []T, n int) []T {
	if n <= 0 || len(s) <= n {
		return s
	}
	out := make([]T, n)
	for j := range out {
		out[j] = s[j*len(s)/n]
	}
	return out
}

// autoSize picks the training size from the most common size among up to
// probes image headers (an evenly spaced subset): scaled so the longer side
// is at most autoMaxSide, sides rounded down to multiples of 4 (at least 8).
// Files whose header cannot be read are skipped here and reported by the
// decoding pass.
func autoSize(ctx context.Context, st storage.Store, cands []candidate, probes int) (w, h int, err error) {
	count := map[image.Point]int{}
	for _, c := range evenSubset(cands, probes) {
		rc, _, err := st.Get(ctx, c.key)
		if errors.Is(err, storage.ErrNotFound) {
			continue
		}
		if err != nil {
			return 0, 0, err
		}
		cfg, _, err := image.DecodeConfig(bufio.NewReader(io.LimitReader(rc, 1<<20)))
		rc.Close()
		if err == nil && cfg.Width > 0 && cfg.Height > 0 {
			count[image.Pt(cfg.Width, cfg.Height)]++
		}
	}
	if len(count) == 0 {
		return 0, 0, &datasets.DatasetError{Msg: "no training image has a readable PNG or JPEG header, so image_size cannot be chosen automatically"}
	}
	var best image.Point
	for p, n := range count { // most common; ties: larger area, then wider
		b := count[best]
		if n > b || (n == b && (p.X*p.Y > best.X*best.Y || (p.X*p.Y == best.X*best.Y && p.X > best.X))) {
			best = p
		}
	}
	return clampSize(best.X, best.Y)
}

// clampSize scales w x h so the longer side is at most autoMaxSide and
// rounds each side down to a multiple of 4, at least 8.
func clampSize(w, h int) (int, int, error) {
	s := min(1, float64(autoMaxSide)/float64(max(w, h)))
	r := func(v int) int { return max(8, int(float64(v)*s)/4*4) }
	return r(w), r(h), nil
}

// pixels is a decoded training image at the training size: 8-bit gray
// (w*h values) or RGB (w*h*3, alpha ignored).
type pixels struct {
	pix  []uint8
	gray bool
}

// decodeImages reads every candidate with media.Decode's limits,
// resizes it to w x h (stretch, imaging.Linear), in parallel. Files with
// problems of their own are returned as bad; storage errors fail.
func decodeImages(ctx context.Context, env *generators.Env, cands []candidate, dec media.DecodeOptions, w, h int) ([]*pixels, []badFile, error) {
	out := make([]*pixels, len(cands))
	bad := make([]string, len(cands))
	var (
		mu   sync.Mutex
		done int
	)
	err := generators.ForEach(ctx, len(cands), func(ctx context.Context, i int) error {
		px, err := decodeOne(ctx, env.Source, cands[i].key, dec, w, h)
		if err != nil {
			reason, ok := fileProblem(err)
			if !ok {
				return fmt.Errorf("reading training image %s: %w", cands[i].key, err)
			}
			bad[i] = reason
		}
		out[i] = px
		mu.Lock()
		done++
		if done%512 == 0 || done == len(cands) {
			progress(env, "loading training images", map[string]any{"read": done, "total": len(cands)})
		}
		mu.Unlock()
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	var bads []badFile
	for i, r := range bad {
		if r != "" {
			bads = append(bads, badFile{cands[i].key, cands[i].class, r})
		}
	}
	return out, bads, nil
}

func decodeOne(ctx context.Context, st storage.Store, key string, dec media.DecodeOptions, w, h int) (*pixels, error) {
	rc, _, err := st.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	img, err := media.Decode(rc, dec)
	if err != nil {
		return nil, err
	}
	_, gray := img.(*image.Gray)
	if _, g16 := img.(*image.Gray16); g16 {
		gray = true
	}
	r := imaging.Resize(img, w, h, imaging.Linear)
	px := &pixels{gray: gray}
	if gray {
		px.pix = make([]uint8, w*h)
		for i := range px.pix {
			px.pix[i] = r.Pix[4*i]
		}
		return px, nil
	}
	px.pix = make([]uint8, w*h*3)
	for i := 0; i < w*h; i++ {
		copy(px.pix[3*i:3*i+3], r.Pix[4*i:4*i+3])
	}
	return px, nil
}

// fileProblem classifies a read error: a problem of the file itself
// (excluded and reported) or anything else (the job fails, so that a
// network error is retried rather than silently dropping data).
func fileProblem(err error) (string, bool) {
	for _, e := range []error{media.ErrEmptyFile, media.ErrUnsupportedFormat, media.ErrTooManyPixels,
		media.ErrFileTooLarge, media.ErrCorrupt} {
		if errors.Is(err, e) {
			return err.Error(), true
		}
	}
	if errors.Is(err, storage.ErrNotFound) {
		return "not found: removed after the dataset was scanned", true
	}
	return "", false
}

// assembleImages builds the training set from decoded images: classes are
// those with at least one usable image, sorted. ch 0 means auto (1 when
// every image is gray). Values are p/255·2 − 1; gray from RGB is ITU-R 601
// luma, (19595 R + 38470 G + 7471 B + 2^15) >> 16.
func assembleImages(cands []candidate, px []*pixels, w, h, ch int) (*trainSet, int) {
	if ch == 0 {
		ch = 1
		for _, p := range px {
			if p != nil && !p.gray {
				ch = 3
				break
			}
		}
	}
	seen := map[string]bool{}
	for i, c := range cands {
		if px[i] != nil {
			seen[c.class] = true
		}
	}
	classes := sortedKeys(seen)
	id := map[string]int{}
	for i, c := range classes {
		id[c] = i
	}
	d := &trainSet{classes: classes, h: h, w: w, c: ch, byClass: make([][]int, len(classes))}
	f := d.features()
	for i, p := range px {
		if p == nil {
			continue
		}
		n := len(d.labels)
		l := id[cands[i].class]
		d.labels = append(d.labels, l)
		d.keys = append(d.keys, cands[i].key)
		d.byClass[l] = append(d.byClass[l], n)
		d.x = slices.Grow(d.x, f)
		d.x = d.x[:len(d.x)+f]
		dst := d.x[n*f:]
		toFloats(dst[:f], p, ch)
	}
	return d, ch
}

func toFloats(dst []float32, p *pixels, ch int) {
	v := func(b uint8) float32 { return float32(b)/255*2 - 1 }
	switch {
	case p.gray && ch == 1:
		for i, b := range p.pix {
			dst[i] = v(b)
		}
	case p.gray: // gray to RGB
		for i, b := range p.pix {
			dst[3*i], dst[3*i+1], dst[3*i+2] = v(b), v(b), v(b)
		}
	case ch == 1: // RGB to luma
		for i := range dst {
			r, g, b := uint32(p.pix[3*i]), uint32(p.pix[3*i+1]), uint32(p.pix[3*i+2])
			dst[i] = v(uint8((19595*r + 38470*g + 7471*b + 1<<15) >> 16))
		}
	default:
		for i, b := range p.pix {
			dst[i] = v(b)
		}
	}
}
