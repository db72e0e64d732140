package generators

import (
	"encoding/json"
	"fmt"
)

// Spec is what a job asks for.
type Spec struct {
	ID        string          `json:"id"`
	Dataset   string          `json:"dataset"`            // location URI
	Manifest  string          `json:"manifest,omitempty"` // key of a manifest inside the dataset
	Generator string          `json:"generator"`
	Params    json.RawMessage `json:"params,omitempty"`
	Strategy  Strategy        `json:"strategy"`
	Seed      int64           `json:"seed"`
	Output    string          `json:"output"` // location URI; the job writes <output>/<id>/
	// Quality is QualityAuto (the default when empty) or QualityOff; see
	// pipeline.Pipeline.Quality.
	Quality string `json:"quality,omitempty"`
	// TableOptions make the dataset a table (label_column...).
	TableOptions
}

// Progress is a job's progress.
type Progress struct {
	Stage   string                   `json:"stage"`
	Classes map[string]ClassProgress `json:"classes,omitempty"`
	Details map[string]any           `json:"details,omitempty"`
}

// ClassProgress counts one class's samples.
type ClassProgress struct {
	Done  int `json:"done"`
	Total int `json:"total"`
}

// Quality settings of a job request.
const (
	QualityAuto = "auto" // measure when the pipeline has a quality hook (the default)
	QualityOff  = "off"  // skip the measurement
)

// ValidateQuality checks a Spec.Quality value ("" means QualityAuto).
func ValidateQuality(q string) error {
	switch q {
	case "", QualityAuto, QualityOff:
		return nil
	}
	return &ParamError{Msg: fmt.Sprintf("quality %q: accepted: %q (the default) or %q", q, QualityAuto, QualityOff)}
}

// Validate checks what the spec says without reading any storage, in this
// order: its quality setting, its generator (one reg holds), that
// generator's parameters, and that its output is not inside its dataset
// (CheckOutput). It returns the generator. Errors are *ParamError, or a
// *datasets.DatasetError for the output, or what parsing a location
// returns.
//
// The job engine calls it before a job is queued (and before an
// unchecked job runs) and the pipeline before it runs one; the dataset and
// the strategy are checked against the data by pipeline.Prepare.
func (s Spec) Validate(reg *Registry) (Generator, error) {
	if err := ValidateQuality(s.Quality); err != nil {
		return nil, err
	}
	gen, err := reg.Get(s.Generator)
	if err != nil {
		return nil, err
	}
	if err := s.TableOptions.validate(s.Manifest, gen, reg); err != nil {
		return nil, err
	}
	if tg, ok := gen.(TableGenerator); ok && s.IsTable() {
		err = tg.ValidateTable(s.Params)
	} else {
		err = gen.Validate(s.Params)
	}
	if err != nil {
		return nil, err
	}
	if err := CheckOutput(s.Dataset, s.Output); err != nil {
		return nil, err
	}
	return gen, nil
}
