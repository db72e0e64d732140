package generators

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"path"
	"sort"
	"strings"
	"sync/atomic"

	"github.com/tailsynth/tailsynth/datasets"
	"github.com/tailsynth/tailsynth/media"
)

// Oversample is random oversampling (imbalanced-learn's RandomOverSampler):
// each new sample is a copy of a readable training file of its class drawn
// uniformly with replacement. Copies are byte-exact; the provenance names
// the source.
//
// Start checks every training file of the classes that get samples once,
// in parallel, as the generators that decode them would (CheckFile):
// images are decoded within max_bytes and max_megapixels, WAV files to
// their end, .npy files against their header. Files that fail are never
// copied: they are listed per file in the report's bad_files, and a class
// left with no readable file fails the job. min_sources (default 1:
// copies of one file are what random oversampling of a one-file class
// makes) is the floor of SourceFloor.
type Oversample struct{}

// OversampleParams are Oversample's parameters.
type OversampleParams struct {
	// MaxBytes refuses source files larger than this (default 256 MiB).
	MaxBytes int64 `json:"max_bytes"`
	// MaxMegapixels refuses images whose header declares more pixels
	// (units of 2^20), before any pixel is decoded (default 64).
	MaxMegapixels int `json:"max_megapixels"`
	SourceFloor
}

// Limits of Oversample's parameters.
const (
	oversampleName          = "oversample"
	oversampleMaxMegapixels = 1024
)

var _ Generator = Oversample{}

// Info implements Generator.
func (Oversample) Info() Info {
	d := defaultOversampleParams()
	return Info{
		Name:        oversampleName,
		Description: "random oversampling: byte-exact copies of readable training files of the class, drawn uniformly with replacement (imbalanced-learn RandomOverSampler); unreadable files are reported, never copied",
		Kinds:       []string{"image", "audio", "array"},
		Params: append([]ParamInfo{
			{Name: "max_bytes", Type: "integer", Default: d.MaxBytes, Description: "source files larger than this are excluded and reported, bytes"},
			{Name: "max_megapixels", Type: "integer", Default: d.MaxMegapixels, Description: "images whose header declares more pixels (units of 2^20) are excluded and reported, before decoding"},
		}, SourceFloorParams(d.MinSources, "1: copies of a single file are what random oversampling makes of a one-file class")...),
	}
}

func defaultOversampleParams() OversampleParams {
	return OversampleParams{MaxBytes: 256 << 20, MaxMegapixels: media.DefaultMaxPixels >> 20, SourceFloor: SourceFloor{MinSources: 1}}
}

func (o Oversample) params(raw json.RawMessage) (OversampleParams, error) {
	p := defaultOversampleParams()
	if err := DecodeParams(oversampleName, raw, &p); err != nil {
		return p, err
	}
	if p.MaxBytes <= 0 {
		return p, &ParamError{Msg: fmt.Sprintf("oversample params: max_bytes %d must be positive", p.MaxBytes)}
	}
	if p.MaxMegapixels < 1 || p.MaxMegapixels > oversampleMaxMegapixels {
		return p, &ParamError{Msg: fmt.Sprintf("oversample params: max_megapixels %d: want 1..%d Mpx", p.MaxMegapixels, oversampleMaxMegapixels)}
	}
	return p, p.SourceFloor.Validate(oversampleName, 1)
}

// Validate implements Generator.
func (o Oversample) Validate(raw json.RawMessage) error {
	_, err := o.params(raw)
	return err
}

// Start implements Generator: it checks the training files of every class
// that gets samples and keeps the readable ones.
func (o Oversample) Start(ctx context.Context, env *Env) (Run, error) {
	p, err := o.params(env.Params)
	if err != nil {
		return nil, err
	}
	r := &oversampleRun{env: env, p: p, usable: map[string][]datasets.File{}}
	type item struct {
		class string
		file  datasets.File
	}
	var items []item
	classes := make([]string, 0, len(env.Plan))
	for c, n := range env.Plan {
		if n > 0 {
			classes = append(classes, c)
		}
	}
	sort.Strings(classes)
	for _, c := range classes {
		for _, f := range env.Train[c] {
			items = append(items, item{c, f})
		}
	}
	lim := datasets.FileLimits{MaxBytes: p.MaxBytes, Param: "max_bytes", MaxPixels: int64(p.MaxMegapixels) << 20}
	reasons := make([]string, len(items))
	var done atomic.Int64
	err = ForEach(ctx, len(items), func(ctx context.Context, i int) error {
		reason, err := datasets.CheckFile(ctx, env.Source, items[i].file, lim)
		if err != nil {
			return err
		}
		reasons[i] = reason
		if d := done.Add(1); d%256 == 0 || int(d) == len(items) {
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
			r.bad = append(r.bad, BadFile{Key: it.file.Key, Class: it.class, Reason: reasons[i]})
			continue
		}
		r.usable[it.class] = append(r.usable[it.class], it.file)
		counts[it.class]++
	}
	sort.Slice(r.bad, func(i, j int) bool { return r.bad[i].Key < r.bad[j].Key })
	if len(r.bad) > 0 && env.Log != nil {
		env.Log.Warn("oversample: training files excluded (listed in report.json bad_files)", "count", len(r.bad), "first", r.bad[0].Key, "reason", r.bad[0].Reason)
	}
	for _, c := range classes {
		if counts[c] == 0 {
			return nil, &datasets.DatasetError{Msg: fmt.Sprintf("class %q: %d copies requested but none of its %d training files is readable (bad files: %s)",
				c, env.Plan[c], len(env.Train[c]), BadSummary(r.bad, c))}
		}
	}
	if r.alerts, err = p.SourceFloor.Check(oversampleName, env.Plan, counts); err != nil {
		return nil, err
	}
	return r, nil
}

type oversampleRun struct {
	env    *Env
	p      OversampleParams
	usable map[string][]datasets.File // readable training files by class, in env.Train order
	bad    []BadFile                  // sorted by key
	alerts []Alert
}

// Generate implements Run: sample i of class is a copy of the readable
// file drawn first from SampleRand(seed, class, i).
func (r *oversampleRun) Generate(ctx context.Context, class string, i int) (*Sample, error) {
	files := r.usable[class]
	if len(files) == 0 {
		return nil, fmt.Errorf("oversample: class %q has no readable training file", class)
	}
	rng := SampleRand(r.env.Seed, class, i)
	src := files[rng.IntN(len(files))]
	rc, _, err := r.env.Source.Get(ctx, src.Key)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, r.p.MaxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", src.Key, err)
	}
	if int64(len(data)) > r.p.MaxBytes {
		return nil, fmt.Errorf("source %s grew past max_bytes %d after it was checked", src.Key, r.p.MaxBytes)
	}
	ext := strings.ToLower(path.Ext(src.Key))
	return &Sample{
		Data: data, Ext: ext, ContentType: mime.TypeByExtension(ext),
		Provenance: map[string]any{"sources": []string{src.Key}},
	}, nil
}

// OversampleClass is one class's entry in the report's "classes".
type OversampleClass struct {
	Requested     int `json:"requested"`
	FilesUsed     int `json:"files_used"`     // readable training files drawn from
	FilesExcluded int `json:"files_excluded"` // left out as bad files
}

// Finish implements Run: the report lists the classes' figures, the bad
// files and the alerts.
func (r *oversampleRun) Finish(context.Context) (*Extras, error) {
	classes := map[string]OversampleClass{}
	for c, n := range r.env.Plan {
		if n > 0 {
			classes[c] = OversampleClass{Requested: n, FilesUsed: len(r.usable[c]), FilesExcluded: len(r.env.Train[c]) - len(r.usable[c])}
		}
	}
	bad := r.bad
	if bad == nil {
		bad = []BadFile{}
	}
	rep := map[string]any{"classes": classes, "bad_files": bad}
	if len(r.alerts) > 0 {
		rep["alerts"] = r.alerts // the pipeline lists these in report.json's top-level "alerts"
	}
	return &Extras{Report: rep}, nil
}
