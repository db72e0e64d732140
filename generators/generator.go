package generators

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"log/slog"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/tailsynth/tailsynth/datasets"
	"github.com/tailsynth/tailsynth/errkind"
	"github.com/tailsynth/tailsynth/storage"
)

// Generator makes samples for the classes of a dataset.
type Generator interface {
	// Info describes the generator and its parameters.
	Info() Info
	// Validate checks params (a JSON object, possibly empty) without any
	// I/O, so a bad request is refused before a job is queued. Errors are
	// *ParamError.
	Validate(params json.RawMessage) error
	// Start prepares a run (loading sources, training a model...). It may
	// take long; it reports progress through env.Progress and stops when
	// ctx is cancelled.
	Start(ctx context.Context, env *Env) (Run, error)
}

// Run is one prepared generation.
type Run interface {
	// Generate makes sample i (0-based) of class. The same env, class and
	// i give the same bytes. It is called concurrently. The Sample belongs
	// to the caller: the pipeline writes it later, while Generate runs
	// again, so a Run must not reuse or change its Data.
	Generate(ctx context.Context, class string, i int) (*Sample, error)
	// Finish returns extra output files (contact sheets, loss curves,
	// models) and generator figures for report.json, after all samples.
	Finish(ctx context.Context) (*Extras, error)
}

// Info describes a generator.
type Info struct {
	Name        string      `json:"name"`
	Description string      `json:"description"`
	Kinds       []string    `json:"kinds"`           // sample kinds it reads: image, audio, array
	Heavy       bool        `json:"heavy,omitempty"` // takes the whole machine (GAN training)
	Params      []ParamInfo `json:"params"`
}

// ParamInfo documents one parameter.
type ParamInfo struct {
	Name        string `json:"name"`
	Type        string `json:"type"`
	Default     any    `json:"default,omitempty"`
	Description string `json:"description"`
}

// Sample is one generated file.
type Sample struct {
	Data        []byte
	Ext         string // ".png"
	ContentType string
	// Provenance goes into the sample's metadata.jsonl row: sources,
	// model, augmentations...
	Provenance map[string]any
}

// Extras are a run's further outputs.
type Extras struct {
	Files  []ExtraFile
	Report map[string]any
}

// ExtraFile is a file written beside the data; its Key must be under
// ReportDir, e.g. ReportDir + "/contact_sheet.png".
type ExtraFile struct {
	Key         string
	Data        []byte
	ContentType string
}

// Env is what a generator gets to work with.
type Env struct {
	// Params are the job's generator parameters (validated).
	Params json.RawMessage
	// Seed is the job's seed.
	Seed int64
	// Source is the dataset's store; Train the files generation may use,
	// by class (the training split when the dataset has splits).
	Source  storage.Store
	Dataset *datasets.Dataset
	Train   map[string][]datasets.File
	// Plan is the number of samples to make per class.
	Plan map[string]int
	// Work is the job's private scratch store (<output>/<job>/_work/),
	// kept across attempts of the job (checkpoints live here); the job
	// layer removes it when the job succeeds or is cancelled, and keeps it
	// when the job failed, for a retry (see RemoveScratch).
	Work storage.Store
	// Progress reports a stage and, optionally, numbers (training step,
	// losses); it may be called often.
	Progress func(stage string, fields map[string]any)
	Log      *slog.Logger
	// JobID is the job this run belongs to ("" outside a job, and for
	// auto's internal trial runs): a stored model names it as its source.
	JobID string
}

// SampleRand returns the random source of sample i of class in a job with
// seed: independent of the order and concurrency of generation.
func SampleRand(seed int64, class string, i int) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(class))
	return rand.New(rand.NewPCG(uint64(seed)^h.Sum64(), uint64(i)*0x9E3779B97F4A7C15+1))
}

// ParamError is a bad generator parameter; the API answers it with 400.
type ParamError struct{ Msg string }

func (e *ParamError) Error() string { return e.Msg }

// Kind is errkind.Invalid: a retry cannot fix a bad parameter.
func (e *ParamError) Kind() errkind.Kind { return errkind.Invalid }

// DecodeParams decodes params strictly into v (which holds the defaults):
// unknown fields and wrong types are *ParamError naming the generator.
func DecodeParams(generator string, params json.RawMessage, v any) error {
	if len(bytes.TrimSpace(params)) == 0 || string(bytes.TrimSpace(params)) == "null" {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(params))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		msg := err.Error()
		var te *json.UnmarshalTypeError
		if ok := asType(err, &te); ok && te.Field != "" {
			field := te.Field[strings.LastIndex(te.Field, ".")+1:] // embedded structs prefix their names
			msg = fmt.Sprintf("parameter %q: got a JSON %s, want %s", field, te.Value, te.Type)
		} else if name, ok := strings.CutPrefix(msg, "json: unknown field "); ok {
			msg = "unknown parameter " + name
		}
		return &ParamError{Msg: fmt.Sprintf("%s params: %s; accepted parameters: %s", generator, msg, strings.Join(jsonFields(v), ", "))}
	}
	return nil
}

func asType(err error, target **json.UnmarshalTypeError) bool {
	te, ok := err.(*json.UnmarshalTypeError)
	if ok {
		*target = te
	}
	return ok
}

// Registry holds the generators a service offers.
type Registry struct {
	mu   sync.RWMutex
	gens map[string]Generator
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{gens: map[string]Generator{}} }

// Register adds g; a second generator of the same name is an error.
func (r *Registry) Register(g Generator) error {
	name := g.Info().Name
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.gens[name]; ok {
		return fmt.Errorf("generator %q registered twice", name)
	}
	r.gens[name] = g
	return nil
}

// Get returns the generator called name.
func (r *Registry) Get(name string) (Generator, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	g, ok := r.gens[name]
	if !ok {
		return nil, &ParamError{Msg: fmt.Sprintf("unknown generator %q; available: %s", name, strings.Join(r.namesLocked(), ", "))}
	}
	return g, nil
}

// Names lists the registered generators, sorted.
func (r *Registry) Names() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.namesLocked()
}

func (r *Registry) namesLocked() []string {
	names := make([]string, 0, len(r.gens))
	for n := range r.gens {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Infos describes every registered generator, sorted by name.
func (r *Registry) Infos() []Info {
	var out []Info
	for _, n := range r.Names() {
		g, _ := r.Get(n)
		out = append(out, g.Info())
	}
	return out
}

func jsonFields(v any) []string {
	b, _ := json.Marshal(v)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// DecodeSize decodes a size parameter given as a JSON number (an integer,
// returned in decimal: 224 -> "224") or a JSON string (returned as is, to be
// parsed by the caller). ok is false for anything else; the caller's error
// then says what is accepted.
func DecodeSize(b []byte) (s string, ok bool, err error) {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		err = json.Unmarshal(b, &s)
		return s, err == nil, err
	}
	if n, err := strconv.Atoi(string(b)); err == nil {
		return strconv.Itoa(n), true, nil
	}
	return "", false, nil
}
