package generators

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"path"
	"strings"
)

// Oversample is random oversampling (imbalanced-learn's RandomOverSampler):
// each new sample is a copy of a training file of its class drawn uniformly
// with replacement. Copies are byte-exact; the provenance names the source.
type Oversample struct{}

// OversampleParams are Oversample's parameters.
type OversampleParams struct {
	// MaxBytes refuses source files larger than this (default 256 MiB).
	MaxBytes int64 `json:"max_bytes"`
}

var _ Generator = Oversample{}

// Info implements Generator.
func (Oversample) Info() Info {
	return Info{
		Name:        "oversample",
		Description: "random oversampling: byte-exact copies of training files of the class, drawn uniformly with replacement (imbalanced-learn RandomOverSampler)",
		Kinds:       []string{"image", "audio", "array"},
		Params: []ParamInfo{{Name: "max_bytes", Type: "integer", Default: 256 << 20,
			Description: "largest source file copied, in bytes"}},
	}
}

func (o Oversample) params(raw json.RawMessage) (OversampleParams, error) {
	p := OversampleParams{MaxBytes: 256 << 20}
	if err := DecodeParams("oversample", raw, &p); err != nil {
		return p, err
	}
	if p.MaxBytes <= 0 {
		return p, &ParamError{Msg: fmt.Sprintf("oversample params: max_bytes %d must be positive", p.MaxBytes)}
	}
	return p, nil
}

// Validate implements Generator.
func (o Oversample) Validate(raw json.RawMessage) error {
	_, err := o.params(raw)
	return err
}

// Start implements Generator.
func (o Oversample) Start(_ context.Context, env *Env) (Run, error) {
	p, err := o.params(env.Params)
	if err != nil {
		return nil, err
	}
	for c, n := range env.Plan {
		if n > 0 && len(env.Train[c]) == 0 {
			return nil, &DatasetError{Msg: fmt.Sprintf("class %q has no training files to copy", c)}
		}
	}
	return &oversampleRun{env: env, p: p}, nil
}

type oversampleRun struct {
	env *Env
	p   OversampleParams
}

func (r *oversampleRun) Generate(ctx context.Context, class string, i int) (*Sample, error) {
	files := r.env.Train[class]
	rng := SampleRand(r.env.Seed, class, i)
	src := files[rng.IntN(len(files))]
	if src.Size > r.p.MaxBytes {
		return nil, fmt.Errorf("source %s is %d bytes, more than max_bytes %d", src.Key, src.Size, r.p.MaxBytes)
	}
	rc, _, err := r.env.Source.Get(ctx, src.Key)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, r.p.MaxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", src.Key, err)
	}
	ext := strings.ToLower(path.Ext(src.Key))
	return &Sample{
		Data: data, Ext: ext, ContentType: mime.TypeByExtension(ext),
		Provenance: map[string]any{"sources": []string{src.Key}},
	}, nil
}

func (r *oversampleRun) Finish(context.Context) (*Extras, error) { return nil, nil }
