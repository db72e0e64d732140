package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
)

// strategyFormsHelp lists what --strategy accepts.
const strategyFormsHelp = `auto, "not majority", minority, "not minority", all, a ratio in (0, 1] such as 0.5, counts:CLASS=N,... (final counts), add:CLASS=N,... (samples to add), or the JSON form`

var strategyModes = []string{"auto", "not majority", "minority", "not minority", "all"}

// parseStrategy turns a --strategy value into the JSON the API takes:
//
//	auto, minority, not-majority ...   -> "auto", "minority", "not majority"
//	0.5                                -> 0.5
//	counts:rare=500,other=20           -> {"counts": {"rare": 500, "other": 20}}
//	add:rare=100                       -> {"add": {"rare": 100}}
//	{"add": {"rare": 100}}, "minority" -> as given (JSON)
//
// The server checks the strategy against the dataset; this only checks the
// form, so that a typo fails before a request is sent.
func parseStrategy(s string) (json.RawMessage, error) {
	s = strings.TrimSpace(s)
	bad := func(why string) (json.RawMessage, error) {
		return nil, fmt.Errorf("strategy %q: %s; accepted: %s", s, why, strategyFormsHelp)
	}
	if s == "" {
		return bad("empty")
	}
	if s[0] == '{' || s[0] == '"' || s[0] == '[' {
		if !json.Valid([]byte(s)) {
			return bad("not valid JSON")
		}
		return json.RawMessage(s), nil
	}
	if r, err := strconv.ParseFloat(s, 64); err == nil {
		if math.IsNaN(r) || math.IsInf(r, 0) || r <= 0 || r > 1 {
			return bad("a ratio must be in (0, 1]")
		}
		return json.RawMessage(strconv.FormatFloat(r, 'g', -1, 64)), nil
	}
	if kind, list, ok := strings.Cut(s, ":"); ok && (kind == "counts" || kind == "add") {
		m := map[string]int{}
		for item := range strings.SplitSeq(list, ",") {
			class, n, ok := strings.Cut(item, "=")
			class = strings.TrimSpace(class)
			if !ok || class == "" {
				return bad(fmt.Sprintf("%q is not CLASS=N", item))
			}
			v, err := strconv.Atoi(strings.TrimSpace(n))
			if err != nil || v < 0 {
				return bad(fmt.Sprintf("%q: N must be a whole number, 0 or more", item))
			}
			if _, dup := m[class]; dup {
				return bad(fmt.Sprintf("class %q is given twice", class))
			}
			m[class] = v
		}
		b, _ := json.Marshal(map[string]map[string]int{kind: m})
		return b, nil
	}
	mode := strings.ToLower(strings.NewReplacer("-", " ", "_", " ").Replace(s))
	for _, m := range strategyModes {
		if mode == m {
			b, _ := json.Marshal(m)
			return b, nil
		}
	}
	return bad("unknown form")
}

// optInt64 is an int64 flag that knows whether it was given.
type optInt64 struct {
	v   int64
	set bool
}

func (o *optInt64) String() string {
	if o == nil || !o.set {
		return ""
	}
	return strconv.FormatInt(o.v, 10)
}

func (o *optInt64) Set(s string) error {
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return fmt.Errorf("want a whole number")
	}
	o.v, o.set = v, true
	return nil
}

func (o *optInt64) ptr() *int64 {
	if !o.set {
		return nil
	}
	return &o.v
}

// jobRequest is the body of POST /v1/jobs and a schedule's job template.
type jobRequest struct {
	Dataset   string          `json:"dataset"`
	Manifest  string          `json:"manifest,omitempty"`
	Generator string          `json:"generator"`
	Params    json.RawMessage `json:"params,omitempty"`
	Strategy  json.RawMessage `json:"strategy,omitempty"`
	Seed      *int64          `json:"seed,omitempty"`
	Output    string          `json:"output,omitempty"`
	tableRequest
}

// tableRequest are the request fields of table datasets.
type tableRequest struct {
	LabelColumn    string            `json:"label_column,omitempty"`
	ColumnTypes    map[string]string `json:"column_types,omitempty"`
	ExcludeColumns []string          `json:"exclude_columns,omitempty"`
	OutputFormat   string            `json:"output_format,omitempty"`
}

// tableFlags are the flags of table datasets.
type tableFlags struct {
	label, types, exclude, format string
}

func addTableFlags(fs *flag.FlagSet, withFormat bool) *tableFlags {
	var t tableFlags
	fs.StringVar(&t.label, "label-column", "", "tables (a .csv or .parquet file, or a folder of part files): the `column` holding each row's class")
	fs.StringVar(&t.types, "column-types", "", "tables: type overrides, `col=type,...` (numeric, integer, categorical, boolean, datetime, text)")
	fs.StringVar(&t.exclude, "exclude-columns", "", "tables: `col,...` kept out of the model (IDs); new rows leave them empty")
	if withFormat {
		fs.StringVar(&t.format, "output-format", "", "tables: csv or parquet (default: the input's)")
	}
	return &t
}

// request returns the table fields; its errors are usage errors.
func (t *tableFlags) request() (tableRequest, error) {
	r := tableRequest{LabelColumn: t.label, OutputFormat: t.format}
	if t.exclude != "" {
		r.ExcludeColumns = strings.Split(t.exclude, ",")
	}
	if t.types != "" {
		r.ColumnTypes = map[string]string{}
		for _, kv := range strings.Split(t.types, ",") {
			k, v, ok := strings.Cut(kv, "=")
			if !ok || k == "" || v == "" {
				return r, fmt.Errorf("--column-types %q: want col=type pairs separated by commas, e.g. zip=categorical,id=text", t.types)
			}
			r.ColumnTypes[k] = v
		}
	}
	return r, nil
}

// jobFlags are the flags that describe a job (submit, schedules create).
type jobFlags struct {
	dataset, manifest, generator, params, strategy, output string
	seed                                                   optInt64
	table                                                  *tableFlags
}

func addJobFlags(fs *flag.FlagSet) *jobFlags {
	var j jobFlags
	fs.StringVar(&j.dataset, "dataset", "", "dataset: a location (s3://bucket/prefix, file:///path, or a path: a relative one is made absolute here) or a registered name (required)")
	fs.StringVar(&j.manifest, "manifest", "", "manifest key inside the dataset (default: manifest.csv/.jsonl if present, else class folders)")
	fs.StringVar(&j.generator, "generator", "", "generator name, see \"tailsynth generators\" (required)")
	fs.StringVar(&j.params, "params", "", "generator parameters: a `JSON` object, or @FILE to read one")
	fs.StringVar(&j.strategy, "strategy", "", "sampling `strategy` (default auto): "+strategyFormsHelp)
	fs.Var(&j.seed, "seed", "`seed` (default: drawn by the server and recorded in the job)")
	fs.StringVar(&j.output, "output", "", "output location, as --dataset (default: the server's default output)")
	j.table = addTableFlags(fs, true)
	return &j
}

// request checks the flags and builds the request body. Its errors are
// usage errors.
func (j *jobFlags) request() (*jobRequest, error) {
	var missing []string
	if j.dataset == "" {
		missing = append(missing, "--dataset")
	}
	if j.generator == "" {
		missing = append(missing, "--generator")
	}
	switch len(missing) {
	case 1:
		return nil, fmt.Errorf("%s is required", missing[0])
	case 2:
		return nil, fmt.Errorf("%s and %s are required", missing[0], missing[1])
	}
	tr, err := j.table.request()
	if err != nil {
		return nil, err
	}
	r := &jobRequest{Dataset: datasetArg(j.dataset), Manifest: j.manifest, Generator: j.generator, Output: locationArg(j.output), Seed: j.seed.ptr(), tableRequest: tr}
	if j.params != "" {
		p := []byte(j.params)
		if name, ok := strings.CutPrefix(j.params, "@"); ok {
			var err error
			if p, err = os.ReadFile(name); err != nil {
				return nil, fmt.Errorf("--params: %w", err)
			}
		}
		var obj map[string]any
		if err := json.Unmarshal(p, &obj); err != nil || obj == nil {
			return nil, fmt.Errorf("--params %q: want a JSON object such as {\"layout\": \"3x1\"}", strings.TrimSpace(string(p)))
		}
		r.Params = p
	}
	if j.strategy != "" {
		s, err := parseStrategy(j.strategy)
		if err != nil {
			return nil, fmt.Errorf("--strategy: %w", err)
		}
		r.Strategy = s
	}
	return r, nil
}
