package generators

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/tailsynth/tailsynth/datasets"
	"github.com/tailsynth/tailsynth/storage"
)

// AlertFewSources: a class got samples from fewer readable training files
// than the job's min_sources, which allow_few_sources permitted.
const AlertFewSources = "few_sources"

// MaxMinSources bounds the min_sources parameter.
const MaxMinSources = 1_000_000

// SourceFloor is the per-job floor on the readable training files of a
// class that gets samples: every generator embeds it in its parameters
// (min_sources, allow_few_sources) and calls Check once it knows which
// files it can read. A class below the floor fails the job, naming the
// class, unless the job allows it; then the job goes on with a
// few_sources alert, which the pipeline puts into the job result,
// report.json, report.html and so the CLI's WARNING lines.
type SourceFloor struct {
	// MinSources is the fewest readable training files a class that gets
	// samples may have. Each generator has its own default (see its
	// documentation).
	MinSources int `json:"min_sources"`
	// AllowFewSources lets a class below MinSources (but with at least one
	// readable file) get its samples, with an alert.
	AllowFewSources bool `json:"allow_few_sources"`
}

// Validate checks MinSources against lo..MaxMinSources; gen names the
// generator. The error is a *ParamError.
func (f SourceFloor) Validate(gen string, lo int) error {
	if f.MinSources < lo || f.MinSources > MaxMinSources {
		return &ParamError{Msg: fmt.Sprintf("%s params: min_sources %d: want %d..%d readable training files per class that gets samples "+
			"(a class with fewer fails the job, or gets its samples with a warning when allow_few_sources is true)", gen, f.MinSources, lo, MaxMinSources)}
	}
	return nil
}

// SourceFloorParams documents min_sources, whose default is def, and
// allow_few_sources for a generator's Info; why says what samples made
// from fewer files would be.
func SourceFloorParams(def int, why string) []ParamInfo {
	return []ParamInfo{
		{Name: "min_sources", Type: "integer", Default: def, Description: fmt.Sprintf(
			"fewest readable training files a class that gets samples may have (%s); a class with fewer fails the job, naming it, unless allow_few_sources", why)},
		{Name: "allow_few_sources", Type: "boolean", Default: false, Description: "let a class with fewer than min_sources readable files (at least one) get its samples; " +
			"the job then carries a few_sources warning in its result, report.json, report.html and the CLI"},
	}
}

// Check applies the floor to the classes that get samples (plan[c] > 0),
// usable[c] being the number of readable training files of class c. A
// class below the floor is a *DatasetError naming it, or, with
// AllowFewSources, an Alert of kind AlertFewSources; a class with no
// readable file is an error either way. gen names the generator in the
// alerts (the pipeline names it in a job's error).
func (f SourceFloor) Check(gen string, plan, usable map[string]int) ([]Alert, error) {
	classes := make([]string, 0, len(plan))
	for c, n := range plan {
		if n > 0 {
			classes = append(classes, c)
		}
	}
	sort.Strings(classes)
	var (
		none, short []string
		alerts      []Alert
	)
	for _, c := range classes {
		n := usable[c]
		switch {
		case n == 0:
			none = append(none, fmt.Sprintf("class %q has no readable training file to make its %d samples from", c, plan[c]))
		case n >= f.MinSources:
		case f.AllowFewSources:
			them := "them"
			if n == 1 {
				them = "it"
			}
			alerts = append(alerts, Alert{Kind: AlertFewSources, Severity: SeverityAmber, Method: gen, Message: fmt.Sprintf(
				"%s: class %q has %s, fewer than min_sources %d: its %d samples are all made from %s (allowed by allow_few_sources)",
				gen, c, readableFiles(n), f.MinSources, plan[c], them)})
		default:
			short = append(short, fmt.Sprintf("class %q has %s, fewer than min_sources %d, for %d samples", c, readableFiles(n), f.MinSources, plan[c]))
		}
	}
	if len(none) > 0 {
		return nil, &datasets.DatasetError{Msg: strings.Join(none, "; ")}
	}
	if len(short) > 0 {
		return nil, &datasets.DatasetError{Msg: fmt.Sprintf("%s: samples made from so few files are copies or near-copies of them. "+
			"Add files to the class, lower min_sources, or set allow_few_sources: true to go on with a warning", strings.Join(short, "; "))}
	}
	return alerts, nil
}

func readableFiles(n int) string {
	if n == 1 {
		return "1 readable training file"
	}
	return fmt.Sprintf("%d readable training files", n)
}

// BadFile is a training file a generator left out of a job, and why:
// report.json's generator_report lists them as "bad_files".
type BadFile struct {
	Key    string `json:"key"`
	Class  string `json:"class"`
	Reason string `json:"reason"`
}

// BadSummary lists up to three of class's bad files for an error message.
func BadSummary(bad []BadFile, class string) string {
	var parts []string
	n := 0
	for _, b := range bad {
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

// ReadableCheckMax is the most training files of a class Readable checks.
const ReadableCheckMax = 256

// Readable checks the training files of the classes that get samples
// (add[c] > 0) and have at most max files, in parallel, as CheckFile does
// with DefaultFileLimits: it returns the number of readable files of each
// such class and the files that are not readable (sorted by key). A
// larger class is left out: its count would not be exact, and it is far
// above any generator's min_sources. Storage errors are returned.
func Readable(ctx context.Context, st storage.Store, train map[string][]datasets.File, add map[string]int, max int) (map[string]int, []datasets.Problem, error) {
	var files []datasets.File
	counts := map[string]int{}
	for c, n := range add {
		if n > 0 && len(train[c]) <= max {
			files = append(files, train[c]...)
			counts[c] = 0
		}
	}
	reasons := make([]string, len(files))
	err := ForEach(ctx, len(files), func(ctx context.Context, i int) error {
		var err error
		reasons[i], err = datasets.CheckFile(ctx, st, files[i], datasets.DefaultFileLimits)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	bad := []datasets.Problem{}
	for i, f := range files {
		if reasons[i] != "" {
			bad = append(bad, datasets.Problem{Key: f.Key, Reason: reasons[i]})
			continue
		}
		counts[f.Class]++
	}
	sort.Slice(bad, func(i, j int) bool { return bad[i].Key < bad[j].Key })
	return counts, bad, nil
}
