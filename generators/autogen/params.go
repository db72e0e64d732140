package autogen

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/quality"
)

// Candidate is one method auto may choose: a registered generator with
// its parameters.
type Candidate struct {
	// Name names the candidate in the report (default: the generator's).
	Name      string          `json:"name,omitempty"`
	Generator string          `json:"generator"`
	Params    json.RawMessage `json:"params,omitempty"`
}

// Params are the generator's parameters (snake_case JSON, unknown fields
// refused).
type Params struct {
	// Candidates are the methods compared, cheapest first: a tie within
	// Tie goes to the earlier one. Default: DefaultCandidates, keeping
	// those whose generator the registry holds.
	Candidates []Candidate `json:"candidates"`
	// Judges are the classifiers that score the candidates: "logreg",
	// "cnn" or both [both, for images; audio is judged by logreg only].
	// A candidate's score for a class is its F1 averaged over the judges
	// and the folds.
	Judges []string `json:"judges"`
	// Folds is the number of stratified folds of the training files the
	// comparison is cross-validated over [3, 2..10].
	Folds int `json:"folds"`
	// Repeats is the number of times the cross-validation is run, each
	// time with other folds (repeat r uses the folds, samples and judge
	// seeds of a job of seed+r), their held-back predictions pooled into
	// one score per candidate [3, 1..5]. With a few tens of rare images
	// the split into folds alone moves the candidates' scores by as much
	// as they differ (see the package documentation, "Why repeats");
	// every repeat costs as much as the first.
	Repeats int `json:"repeats"`
	// MaxPerClass bounds the real training images per class that the
	// comparison reads (seeded subsample; the rare classes are far below)
	// [400].
	MaxPerClass int `json:"max_per_class"`
	// Tie is the F1 difference below which two candidates count as equal
	// and the cheaper (earlier) one wins [0.01].
	Tie float64 `json:"tie"`
}

// DefaultCandidates are the default methods, cheapest first: copies,
// SMOTE, and the light augmentation preset applied to half the samples
// (the others exact copies) or to all, with and without horizontal flips
// (a flip invents views a dataset may never hold: Fashion-MNIST's shoes
// all face left, and there the flip-free pipelines gave the Sandal class
// 0.07-0.11 more F1; on Shirt the flip helped). Composites
// are left out (they help classifiers that consume composites; mixed into
// a single-image training set they can hurt), and so is GAN training
// (heavy).
func DefaultCandidates() []Candidate {
	return []Candidate{
		{Name: "oversample", Generator: "oversample"},
		{Name: "smote", Generator: "smote"},
		{Name: "augment-half", Generator: "augment", Params: json.RawMessage(`{"preset":"light","p":0.5}`)},
		{Name: "augment-half-noflip", Generator: "augment", Params: json.RawMessage(`{"preset":"light","p":0.5,"disable":["HorizontalFlip"]}`)},
		{Name: "augment-light", Generator: "augment", Params: json.RawMessage(`{"preset":"light"}`)},
		{Name: "augment-light-noflip", Generator: "augment", Params: json.RawMessage(`{"preset":"light","disable":["HorizontalFlip"]}`)},
	}
}

// Limits and defaults of the parameters.
const (
	defaultRepeats = 3

	maxCandidates = 8
	maxFolds      = 10
	maxRepeats    = 5
)

var candidateName = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)

// parseParams decodes and checks raw against the registry; every error is
// a *generators.ParamError naming the parameter, the value and what is
// accepted.
func parseParams(raw json.RawMessage, reg *generators.Registry) (Params, error) {
	p := Params{Folds: 3, Repeats: defaultRepeats, MaxPerClass: 400, Tie: 0.01}
	if err := generators.DecodeParams(Name, raw, &p); err != nil {
		return p, err
	}
	bad := func(format string, args ...any) error {
		return &generators.ParamError{Msg: Name + " params: " + fmt.Sprintf(format, args...)}
	}
	if p.Candidates == nil {
		for _, c := range DefaultCandidates() {
			if _, err := reg.Get(c.Generator); err == nil {
				p.Candidates = append(p.Candidates, c)
			}
		}
	}
	if len(p.Candidates) == 0 || len(p.Candidates) > maxCandidates {
		return p, bad("candidates: %d given, want 1 to %d methods, e.g. [{\"generator\": \"oversample\"}, {\"generator\": \"augment\", \"params\": {\"preset\": \"light\"}}]",
			len(p.Candidates), maxCandidates)
	}
	seen := map[string]bool{}
	for i := range p.Candidates {
		c := &p.Candidates[i]
		if c.Name == "" {
			c.Name = c.Generator
		}
		if !candidateName.MatchString(c.Name) {
			return p, bad("candidates[%d]: name %q: use 1 to 64 lower-case letters, digits, '.', '_' or '-'", i, c.Name)
		}
		if c.Name == realName {
			return p, bad("candidates[%d]: name %q is the report's nothing-added row; name the candidate otherwise", i, c.Name)
		}
		if seen[c.Name] {
			return p, bad("candidates[%d]: name %q is used twice; give each candidate its own name", i, c.Name)
		}
		seen[c.Name] = true
		if c.Generator == Name {
			return p, bad("candidates[%d]: %q cannot be a candidate of itself", i, Name)
		}
		g, err := reg.Get(c.Generator)
		if err != nil {
			return p, bad("candidates[%d]: %v", i, err)
		}
		if g.Info().Heavy {
			return p, bad("candidates[%d]: %q is a heavy generator (GAN training); auto compares light methods only — compare it with POST /v1/evaluations instead", i, c.Generator)
		}
		if !slices.Contains(g.Info().Kinds, "image") && !slices.Contains(g.Info().Kinds, "audio") {
			return p, bad("candidates[%d]: %q reads neither images nor audio", i, c.Generator)
		}
		if err := g.Validate(c.Params); err != nil {
			return p, bad("candidates[%d] (%s): %v", i, c.Name, err)
		}
	}
	if p.Judges == nil {
		p.Judges = []string{quality.JudgeLogReg, quality.JudgeCNN}
	}
	judges := []string{quality.JudgeLogReg, quality.JudgeCNN}
	if len(p.Judges) == 0 {
		return p, bad("judges is empty; accepted: %s (one or both)", strings.Join(judges, ", "))
	}
	for i, j := range p.Judges {
		if !slices.Contains(judges, j) || slices.Index(p.Judges, j) != i {
			return p, bad("judges[%d]: %q is unknown or repeated; accepted: %s (one or both)", i, j, strings.Join(judges, ", "))
		}
	}
	if p.Folds < 2 || p.Folds > maxFolds {
		return p, bad("folds %d: want 2 to %d", p.Folds, maxFolds)
	}
	if p.Repeats < 1 || p.Repeats > maxRepeats {
		return p, bad("repeats %d: want 1 to %d cross-validations", p.Repeats, maxRepeats)
	}
	if p.MaxPerClass < 10 || p.MaxPerClass > 100000 {
		return p, bad("max_per_class %d: want 10 to 100000", p.MaxPerClass)
	}
	if p.Tie < 0 || p.Tie > 0.5 {
		return p, bad("tie %g: want an F1 difference in [0, 0.5]", p.Tie)
	}
	return p, nil
}
