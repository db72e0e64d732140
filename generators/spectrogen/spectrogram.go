package spectrogen

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"sync"

	"github.com/tailsynth/tailsynth/generators"
)

// Spectrogram is the "spectrogram" generator: it converts a WAV dataset
// into a spectrogram dataset with the same classes. Sample i of class c is
// the spectrogram of training file i mod n of c (n files, sorted by key),
// so the strategy {"add": {"c": n}} converts every file of c once; the
// seed plays no part. Its provenance names the source file, the sample
// rate and the full STFT and scale configuration.
type Spectrogram struct{}

var _ generators.Generator = Spectrogram{}

// Info implements generators.Generator.
func (Spectrogram) Info() generators.Info {
	return generators.Info{
		Name: "spectrogram",
		Description: "converts WAV files into STFT spectrograms (dB, magnitude, power or mel; 16-bit PNG or float32 npy): " +
			"sample i of a class is training file i mod n of the class, in key order, so {\"add\": {class: n}} converts each file once",
		Kinds:  []string{"audio"},
		Params: featureParamInfo(DefaultFeatureParams().MinSources),
	}
}

func (Spectrogram) params(raw json.RawMessage) (FeatureParams, error) {
	p := DefaultFeatureParams()
	if err := generators.DecodeParams("spectrogram", raw, &p); err != nil {
		return p, err
	}
	return p, p.resolve("spectrogram")
}

// Validate implements generators.Generator.
func (g Spectrogram) Validate(raw json.RawMessage) error {
	_, err := g.params(raw)
	return err
}

// Start implements generators.Generator: it checks every training file
// of the classes that get samples (see checkSources).
func (g Spectrogram) Start(ctx context.Context, env *generators.Env) (generators.Run, error) {
	p, err := g.params(env.Params)
	if err != nil {
		return nil, err
	}
	an, err := newAnalyzer(p)
	if err != nil {
		return nil, &generators.ParamError{Msg: fmt.Sprintf("spectrogram params: %v", err)}
	}
	r := &spectrogramRun{
		env: env, p: p, an: an, ld: &loader{store: env.Source, an: an},
		cache: newCache(int64(p.CacheMiB) << 20), sheet: newSheet(p.Scale, false),
		stats: newRunStats(),
	}
	if r.src, err = checkSources(ctx, "spectrogram", env, p.SourceFloor, r.cache, r.ld); err != nil {
		return nil, err
	}
	return r, nil
}

type spectrogramRun struct {
	env   *generators.Env
	p     FeatureParams
	an    *analyzer
	ld    *loader
	cache *cache
	sheet *sheet
	stats *runStats
	src   *sourceSet
}

func (r *spectrogramRun) Generate(ctx context.Context, class string, i int) (*generators.Sample, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	files := r.src.files[class]
	if len(files) == 0 {
		return nil, fmt.Errorf("class %q has no usable training files", class)
	}
	key := files[i%len(files)]
	src, err := r.cache.get(ctx, key, func(ctx context.Context) (*source, error) { return r.ld.load(ctx, key) })
	if err != nil {
		return nil, err
	}
	sc, err := r.an.scale(toFloat64(src.Linear))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", key, err)
	}
	r.sheet.add(class, i, nil, sc.S)
	r.stats.add(class, src)
	return encodeSpectrogram(&r.p, sc, sourceProvenance(r.an, src, []string{key}, i/len(files)))
}

// sourceProvenance is the provenance every sample carries.
func sourceProvenance(an *analyzer, src *source, sources []string, cycle int) map[string]any {
	m := map[string]any{
		"sources": sources, "sample_rate": src.SampleRate, "source_channels": src.Channels,
		"channels": an.p.Channels, "analysed_samples": src.Samples,
		"analysed_seconds": float64(src.Samples) / float64(src.SampleRate),
		"stft":             an.describe(src.SampleRate),
	}
	if src.Truncated {
		m["truncated_at_seconds"] = an.p.MaxSeconds
	}
	if cycle > 0 {
		m["cycle"] = cycle // the file was converted before: i ≥ n
	}
	return m
}

func (r *spectrogramRun) Finish(context.Context) (*generators.Extras, error) {
	return finish(r.an, r.cache, r.sheet, r.stats, r.src.report(nil))
}

// runStats counts what a run made, for the generator report.
type runStats struct {
	mu        sync.Mutex
	samples   map[string]int
	sources   map[string]bool
	rates     map[int]int
	truncated map[string]bool
}

func newRunStats() *runStats {
	return &runStats{samples: map[string]int{}, sources: map[string]bool{}, rates: map[int]int{}, truncated: map[string]bool{}}
}

func (s *runStats) add(class string, srcs ...*source) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.samples[class]++
	for _, src := range srcs {
		if !s.sources[src.Key] {
			s.sources[src.Key] = true
			s.rates[src.SampleRate]++
			if src.Truncated {
				s.truncated[src.Key] = true
			}
		}
	}
}

// maxListed bounds the file lists in the report.
const maxListed = 100

// finish writes the sheet and the report shared by both generators; more
// adds generator-specific figures.
func finish(an *analyzer, c *cache, sh *sheet, st *runStats, more map[string]any) (*generators.Extras, error) {
	st.mu.Lock()
	rates := map[string]int{}
	for r, n := range st.rates {
		rates[fmt.Sprint(r)] = n
	}
	var trunc []string
	for k := range st.truncated {
		trunc = append(trunc, k)
	}
	sort.Strings(trunc)
	rep := map[string]any{
		"stft": an.describe(0), "format": an.p.Format, "samples": st.samples, "distinct_sources": len(st.sources),
		"source_files_by_sample_rate": rates, "truncated_files": len(trunc), "cache": c.Stats(),
	}
	st.mu.Unlock()
	if len(trunc) > 0 {
		rep["truncated_at_seconds"] = an.p.MaxSeconds
		rep["truncated_examples"] = trunc[:min(len(trunc), maxListed)]
	}
	for k, v := range more {
		rep[k] = v
	}
	ex := &generators.Extras{Report: rep}
	img, err := sh.encode()
	if err != nil {
		return nil, err
	}
	if img != nil {
		ex.Files = append(ex.Files, generators.ExtraFile{Key: SheetKey, Data: img, ContentType: "image/png"})
	}
	return ex, nil
}
