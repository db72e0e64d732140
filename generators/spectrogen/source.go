package spectrogen

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
	"sync/atomic"

	"github.com/tailsynth/tailsynth/datasets"
	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/media"
	"github.com/tailsynth/tailsynth/spectro"
	"github.com/tailsynth/tailsynth/storage"
)

// source is one analysed training file: what the cache holds. It is
// read-only once loaded.
type source struct {
	Key        string
	SampleRate int
	Channels   int
	// Samples is the number of samples analysed (after max_seconds).
	Samples   int
	Truncated bool
	// Linear is |X|² or the mel power, Bins×Frames.
	Linear *spectro.Spectrogram[float32]
}

func (s *source) bytes() int64 { return int64(len(s.Linear.Data))*4 + 256 }

// chunkFrames is how many sample frames a read decodes at once.
const chunkFrames = 4096

// loader reads and analyses training files.
type loader struct {
	store storage.Store
	an    *analyzer
}

// load decodes key (a WAV file) and analyses at most max_seconds of it,
// mixing channels down as it reads, so memory grows with the mono signal
// kept, never with the channel count or the file's length beyond the cut.
// The mono signal is kept as float32, exact for PCM up to 24 bits and
// float32 files. A problem of the file itself (not a usable WAV, NaN or
// infinite samples, too short for the STFT, a sample rate below the mel
// range) is a *badFileError; anything else (storage) another error.
func (l *loader) load(ctx context.Context, key string) (*source, error) {
	rc, _, err := l.store.Get(ctx, key)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, &badFileError{key: key, reason: "not found: removed after the dataset was scanned"}
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", key, err)
	}
	defer rc.Close()
	wr, err := media.NewWAVReader(bufio.NewReaderSize(rc, 64<<10))
	if err != nil {
		return nil, badWAV(key, err)
	}
	info := wr.Info()
	limit := int(l.an.p.MaxSeconds * float64(info.SampleRate))
	if limit < 1 {
		limit = 1
	}
	capHint := limit
	if info.Frames >= 0 && info.Frames < int64(limit) {
		capHint = int(info.Frames)
	}
	mono := make([]float32, 0, capHint)
	buf := make([]float64, chunkFrames*info.Channels)
	first := l.an.p.Channels == "first"
	inv := 1 / float64(info.Channels)
	truncated := false
	nonFinite := 0
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		want := min(chunkFrames, limit-len(mono))
		if want == 0 {
			// Anything left means the file was cut.
			n, err := wr.ReadFrames(buf[:info.Channels])
			if err != nil && !errors.Is(err, io.EOF) {
				return nil, badWAV(key, err)
			}
			truncated = n > 0
			break
		}
		n, err := wr.ReadFrames(buf[:want*info.Channels])
		for f := 0; f < n; f++ {
			frame := buf[f*info.Channels : (f+1)*info.Channels]
			var s float64
			for _, v := range frame {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					nonFinite++
				}
				s += v
			}
			if first {
				s = frame[0]
			} else {
				s *= inv
			}
			mono = append(mono, float32(s))
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, badWAV(key, err)
		}
	}
	if len(mono) == 0 {
		return nil, &badFileError{key: key, reason: "not a usable WAV file: no audio samples"}
	}
	if nonFinite > 0 {
		return nil, &badFileError{key: key, reason: datasets.NonFiniteReason(nonFinite, len(mono)*info.Channels)}
	}
	lin, err := l.an.linear(mono, info.SampleRate, key)
	if err != nil {
		return nil, err
	}
	return &source{Key: key, SampleRate: info.SampleRate, Channels: info.Channels, Samples: len(mono), Truncated: truncated, Linear: lin}, nil
}

// badFileError is a problem of a training file itself: Start leaves the
// file out and lists it in the report's bad_files.
type badFileError struct{ key, reason string }

func (e *badFileError) Error() string { return e.key + ": " + e.reason }

// badWAV classifies a WAV decoding error: a problem of the file, or, for
// anything else (storage), the error itself.
func badWAV(key string, err error) error {
	if reason, ok := datasets.WAVProblem(err); ok {
		return &badFileError{key: key, reason: reason}
	}
	return fmt.Errorf("read %s: %w", key, err)
}

// sourceSet is what Start found of the training files: the usable WAV
// files of each class that gets samples, in key order, the bad ones, and
// the alerts of the job's floor.
type sourceSet struct {
	files  map[string][]string
	bad    []generators.BadFile // sorted by key
	alerts []generators.Alert
}

// checkSources decodes and analyses every training file of the classes
// that get samples once, in parallel, through the cache (so the analyses
// stay there for the samples while they fit): files that are not WAV or
// have a problem of their own are left out and listed as bad files, one
// per file, so one bad file never fails a job. A class with no WAV file at
// all, or none usable, fails the job, as does a class below the job's
// min_sources (generators.SourceFloor) unless allow_few_sources. Storage
// errors fail the job, so that a retry can succeed.
func checkSources(ctx context.Context, gen string, env *generators.Env, floor generators.SourceFloor, c *cache, ld *loader) (*sourceSet, error) {
	set := &sourceSet{files: map[string][]string{}}
	type item struct{ class, key string }
	var items []item
	classes := make([]string, 0, len(env.Plan))
	for c, n := range env.Plan {
		if n > 0 {
			classes = append(classes, c)
		}
	}
	sort.Strings(classes)
	for _, class := range classes {
		files := env.Train[class]
		if len(files) == 0 {
			return nil, &datasets.DatasetError{Msg: fmt.Sprintf("%s: class %q has no training files", gen, class)}
		}
		kinds, audio := map[string][]string{}, 0
		for _, f := range files {
			if k := datasets.KindOf(f.Key); k != "audio" {
				if k == "" {
					k = "unknown"
				}
				kinds[k] = append(kinds[k], f.Key)
				set.bad = append(set.bad, generators.BadFile{Key: f.Key, Class: class, Reason: "not a WAV file (accepted: .wav)"})
				continue
			}
			audio++
			items = append(items, item{class, f.Key})
		}
		if audio == 0 {
			var parts []string
			for _, k := range []string{"image", "array", "unknown"} {
				if keys := kinds[k]; len(keys) > 0 {
					parts = append(parts, fmt.Sprintf("%d %s files (e.g. %s)", len(keys), k, keys[0]))
				}
			}
			return nil, &datasets.DatasetError{Msg: fmt.Sprintf("%s needs WAV files; class %q has %s", gen, class, strings.Join(parts, " and "))}
		}
	}
	reasons := make([]string, len(items))
	var done atomic.Int64
	err := generators.ForEach(ctx, len(items), func(ctx context.Context, i int) error {
		_, err := c.get(ctx, items[i].key, func(ctx context.Context) (*source, error) { return ld.load(ctx, items[i].key) })
		var be *badFileError
		if errors.As(err, &be) {
			reasons[i] = be.reason
		} else if err != nil {
			return err
		}
		if d := done.Add(1); d%64 == 0 || int(d) == len(items) {
			if env.Progress != nil {
				env.Progress("checking source files", map[string]any{"checked": d, "total": len(items)})
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	counts := map[string]int{}
	for i, it := range items {
		if reasons[i] != "" {
			set.bad = append(set.bad, generators.BadFile{Key: it.key, Class: it.class, Reason: reasons[i]})
			continue
		}
		set.files[it.class] = append(set.files[it.class], it.key)
		counts[it.class]++
	}
	sort.Slice(set.bad, func(i, j int) bool { return set.bad[i].Key < set.bad[j].Key })
	if len(set.bad) > 0 && env.Log != nil {
		env.Log.Warn(gen+": training files excluded (listed in report.json bad_files)", "count", len(set.bad), "first", set.bad[0].Key, "reason", set.bad[0].Reason)
	}
	for _, class := range classes {
		if counts[class] == 0 {
			return nil, &datasets.DatasetError{Msg: fmt.Sprintf("class %q: %d samples requested but none of its %d training files is a usable WAV file (bad files: %s)",
				class, env.Plan[class], len(env.Train[class]), generators.BadSummary(set.bad, class))}
		}
	}
	if set.alerts, err = floor.Check(gen, env.Plan, counts); err != nil {
		return nil, err
	}
	return set, nil
}

// report is the sources' part of the generator report.
func (s *sourceSet) report(more map[string]any) map[string]any {
	if more == nil {
		more = map[string]any{}
	}
	bad := s.bad
	if bad == nil {
		bad = []generators.BadFile{}
	}
	more["bad_files"] = bad
	if len(s.alerts) > 0 {
		more["alerts"] = s.alerts // the pipeline lists these in report.json's top-level "alerts"
	}
	return more
}
