package augmentgen

import (
	"context"
	"fmt"
	"image"
	"sort"
	"strings"
	"sync/atomic"

	"github.com/tailsynth/tailsynth/datasets"
	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/generators/imagesrc"
)

// badFile is a training file left out of the job, and why.
type badFile struct {
	Key    string `json:"key"`
	Class  string `json:"class"`
	Reason string `json:"reason"`
}

// source is a readable training image.
type source struct {
	key  string
	w, h int
	kind string      // gray, gray16, rgb or rgba
	img  image.Image // kept when it fits in cache_mib, else nil
}

// decode reads and decodes one training image with the job's limits (see
// imagesrc.Decode).
func (r *run) decode(ctx context.Context, f datasets.File) (image.Image, string, error) {
	return imagesrc.Decode(ctx, r.env.Source, f.Key, f.Size, r.cfg.maxFile, r.cfg.dec)
}

// pixelKind names what a decoded image becomes in package augment.
func pixelKind(img image.Image) string {
	switch img.(type) {
	case *image.Gray:
		return "gray"
	case *image.Gray16:
		return "gray16"
	}
	if o, ok := img.(interface{ Opaque() bool }); ok && o.Opaque() {
		return "rgb"
	}
	return "rgba"
}

// pixelBytes is the memory a decoded image holds, roughly.
func pixelBytes(img image.Image) int64 {
	b := img.Bounds()
	per := int64(4)
	switch img.(type) {
	case *image.Gray:
		per = 1
	case *image.Gray16:
		per = 2
	case *image.YCbCr:
		per = 2
	}
	return int64(b.Dx()) * int64(b.Dy()) * per
}

// checkSources decodes every candidate once, in parallel, keeps the
// readable ones (with their decoded pixels while they fit in cache_mib)
// and lists the others in r.bad.
func (r *run) checkSources(ctx context.Context) error {
	type job struct {
		class string
		file  datasets.File
	}
	var jobs []job
	for _, c := range sortedKeys(r.classes) {
		for _, f := range r.classes[c].candidates {
			jobs = append(jobs, job{c, f})
		}
	}
	srcs := make([]source, len(jobs))
	reasons := make([]string, len(jobs))
	var cached, done atomic.Int64
	err := generators.ForEach(ctx, len(jobs), func(ctx context.Context, i int) error {
		img, reason, err := r.decode(ctx, jobs[i].file)
		if err != nil {
			return err
		}
		if reason != "" {
			reasons[i] = reason
		} else {
			b := img.Bounds()
			s := source{key: jobs[i].file.Key, w: b.Dx(), h: b.Dy(), kind: pixelKind(img)}
			if n := pixelBytes(img); cached.Add(n) <= r.cfg.cacheB {
				s.img = img
			} else {
				cached.Add(-n)
			}
			srcs[i] = s
		}
		if d := done.Add(1); d%256 == 0 || int(d) == len(jobs) {
			r.progress("checking source images", map[string]any{"checked": d, "total": len(jobs)})
		}
		return nil
	})
	if err != nil {
		return err
	}
	r.cachedBytes = cached.Load()
	for i, j := range jobs {
		if reasons[i] != "" {
			r.bad = append(r.bad, badFile{Key: j.file.Key, Class: j.class, Reason: reasons[i]})
			continue
		}
		r.classes[j.class].usable = append(r.classes[j.class].usable, srcs[i])
	}
	sort.Slice(r.bad, func(i, j int) bool { return r.bad[i].Key < r.bad[j].Key })
	if len(r.bad) > 0 && r.env.Log != nil {
		r.env.Log.Warn("augment: training files excluded (listed in report.json bad_files)", "count", len(r.bad), "first", r.bad[0].Key, "reason", r.bad[0].Reason)
	}
	return nil
}

// load returns the decoded pixels of s: from memory, or decoded again.
func (r *run) load(ctx context.Context, s source) (image.Image, error) {
	if s.img != nil {
		return s.img, nil
	}
	img, reason, err := r.decode(ctx, datasets.File{Key: s.key})
	if err != nil {
		return nil, err
	}
	if reason != "" { // readable in Start, not any more
		return nil, fmt.Errorf("source %s: %s", s.key, reason)
	}
	return img, nil
}

// badSummary lists up to three bad files of class for an error message.
func (r *run) badSummary(class string) string {
	var parts []string
	n := 0
	for _, b := range r.bad {
		if b.Class != class {
			continue
		}
		if n++; n <= 3 {
			parts = append(parts, fmt.Sprintf("%s: %s", b.Key, b.Reason))
		}
	}
	if n == 0 {
		return "none"
	}
	if n > 3 {
		parts = append(parts, fmt.Sprintf("and %d more", n-3))
	}
	return strings.Join(parts, "; ")
}
