package compositegen

import (
	"context"
	"errors"
	"fmt"
	"image"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/tailsynth/tailsynth/composite"
	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/media"
	"github.com/tailsynth/tailsynth/storage"
)

// pixelKind is what a decoded source is, for the job's colour mode.
type pixelKind uint8

const (
	kindUnknown pixelKind = iota
	kindColor
	kindGray8
	kindGray16
)

// sources loads source images from the dataset's store with bounded reads.
type sources struct {
	store   storage.Store
	dec     media.DecodeOptions
	maxFile int64
	sizes   map[string]int64 // from the dataset scan; read-only after Start

	mu    sync.Mutex
	kinds map[string]pixelKind
}

// load is the composite.LoadFunc: it refuses a file whose scanned size is
// over max_file_mib without opening it, streams the rest through
// media.Decode (which stops reading at the byte limit and checks the
// header's pixel count before decoding pixels), and records the pixel kind.
func (s *sources) load(ctx context.Context, key string) (image.Image, error) {
	if size := s.sizes[key]; size > s.maxFile {
		return nil, fmt.Errorf("%w: %d bytes, limit %d (max_file_mib)", media.ErrFileTooLarge, size, s.maxFile)
	}
	rc, _, err := s.store.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	img, err := media.Decode(rc, s.dec)
	if err != nil {
		return nil, err
	}
	k := kindColor
	switch img.(type) {
	case *image.Gray:
		k = kindGray8
	case *image.Gray16:
		k = kindGray16
	}
	s.mu.Lock()
	s.kinds[key] = k
	s.mu.Unlock()
	return img, nil
}

func (s *sources) kind(key string) pixelKind {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.kinds[key]
}

// badFile is a training file left out of the job, and why.
type badFile struct {
	Key    string `json:"key"`
	Class  string `json:"class"`
	Reason string `json:"reason"`
}

// paramNames turns the composite package's advice into this generator's
// parameter names.
var paramNames = strings.NewReplacer("DecodeOptions.MaxPixels", "max_megapixels", "DecodeOptions.MaxBytes", "max_file_mib")

// fileProblem classifies a load error: a problem of the file itself
// (excluded and reported) or anything else (the job fails, so that a
// network error is retried rather than silently dropping images).
func fileProblem(err error) (string, bool) {
	var se *composite.SourceError
	msg := err.Error()
	if errors.As(err, &se) {
		msg = se.Err.Error()
	}
	msg = paramNames.Replace(msg)
	for _, e := range []error{media.ErrEmptyFile, media.ErrUnsupportedFormat, media.ErrTooManyPixels,
		media.ErrFileTooLarge, media.ErrCorrupt} {
		if errors.Is(err, e) {
			return msg, true
		}
	}
	if errors.Is(err, storage.ErrNotFound) {
		return "not found: removed after the dataset was scanned", true
	}
	return "", false
}

// checkSources decodes every candidate image once, in parallel, by
// rendering a probe composite whose tiles all show it. This catches every
// per-file problem (bad header, truncated pixel data, limits) before
// planning, and leaves the fitted tiles in the shared cache for the real
// composites. Files with problems are excluded and reported.
func (r *run) checkSources(ctx context.Context) error {
	probe, err := composite.NewRenderer(r.cfg.opts, r.src.load, r.cache)
	if err != nil {
		return err
	}
	type job struct{ class, key string }
	var jobs []job
	for _, c := range sortedKeys(r.classes) {
		for _, k := range r.classes[c].candidates {
			jobs = append(jobs, job{c, k})
		}
	}
	tiles := r.cfg.opts.Layout.Tiles()
	var (
		mu      sync.Mutex
		bad     = map[string]string{}
		checked int
	)
	err = generators.ForEach(ctx, len(jobs), func(ctx context.Context, i int) error {
		j := jobs[i]
		_, err := probe.Compose(ctx, composite.Plan{Class: j.class, Sources: slices.Repeat([]string{j.key}, tiles)})
		var reason string
		if err != nil {
			var ok bool
			if reason, ok = fileProblem(err); !ok {
				return fmt.Errorf("reading source %s: %w", j.key, err)
			}
		}
		mu.Lock()
		defer mu.Unlock()
		if reason != "" {
			bad[j.key] = reason
		}
		checked++
		if checked%256 == 0 || checked == len(jobs) {
			r.progress("checking source images", map[string]any{"checked": checked, "total": len(jobs), "bad": len(bad)})
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, c := range sortedKeys(r.classes) {
		st := r.classes[c]
		for _, k := range st.candidates {
			if reason, ok := bad[k]; ok {
				r.bad = append(r.bad, badFile{Key: k, Class: c, Reason: reason})
			} else {
				st.usable = append(st.usable, k)
			}
		}
	}
	sort.Slice(r.bad, func(i, j int) bool { return r.bad[i].Key < r.bad[j].Key })
	if len(r.bad) > 0 && r.env.Log != nil {
		r.env.Log.Warn("composite: training files excluded (listed in report.json bad_files)", "count", len(r.bad), "first", r.bad[0].Key, "reason", r.bad[0].Reason)
	}
	return nil
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
