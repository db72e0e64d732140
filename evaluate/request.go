package evaluate

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/tailsynth/tailsynth/datasets"
	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/generators/pipeline"
	"github.com/tailsynth/tailsynth/quality"
)

// Request is a method comparison: the body of POST /v1/evaluations.
type Request struct {
	// Dataset is a location URI (resolved by the API); Manifest optional.
	Dataset  string `json:"dataset"`
	Manifest string `json:"manifest,omitempty"`
	// Methods are the generators to compare; the baselines "real",
	// "random_oversampling" and "smote" are always added.
	Methods []Method `json:"methods"`
	// Strategy is how many samples every method adds per class [auto].
	Strategy *generators.Strategy `json:"strategy,omitempty"`
	// Seeds drive the seeded utility variants and the held-out split
	// [1, 2, 3]; the first is every method's generation seed.
	Seeds []int64 `json:"seeds,omitempty"`
	// TestFraction is the share of each class held out when the dataset
	// has no test or validation split [0.2].
	TestFraction float64 `json:"test_fraction,omitempty"`
	// Features is the utility classifier's feature space: "pca" [default]
	// or "mlp" (see Config.UtilitySpace); fidelity is always measured on
	// the MLP embedding.
	Features string `json:"features,omitempty"`
	// RepeatGeneration runs every method once per seed (outputs under
	// methods/<name>/seed-<s>/), so that its utility spread includes the
	// generator's randomness; by default each runs once with the first
	// seed.
	RepeatGeneration bool `json:"repeat_generation,omitempty"`
	// Judges are the utility classifiers, the first the headline judge
	// whose figures fill the rows' top-level fields and order the
	// leaderboard: JudgeCNN ("cnn", a small CNN on the pixel rows) and
	// JudgeLogReg ("logreg", logistic regression in the Features space).
	// Default (filled by Check) ["cnn", "logreg"] for an image dataset and
	// ["logreg"] for an audio one, where "cnn" is refused.
	Judges []string `json:"judges,omitempty"`
	// Output is where <output>/<evaluation id>/ is written.
	Output string `json:"output,omitempty"`
	// TableOptions make the dataset a table (a CSV or Parquet file, or a
	// folder of part files), as for a table job: label_column names the
	// class column, column_types and exclude_columns shape the columns,
	// output_format the methods' data files. Every method must then be a
	// table generator; the judge is logistic regression on the columns
	// (TableJudges) and test_fraction defaults to TableTestFraction.
	generators.TableOptions
}

// Method is one generator configuration to compare.
type Method struct {
	// Name names the method in the leaderboard and its output folder
	// (default: the generator's name, with "-generator" appended when that
	// is a built-in row's name, as for the smote generator).
	Name      string          `json:"name,omitempty"`
	Generator string          `json:"generator"`
	Params    json.RawMessage `json:"params,omitempty"`
	// Protocol is how the method is measured: ProtocolMixed [default]
	// adds its samples to the real training images and tests on the real
	// held-out images; ProtocolWholeDataset (the composite generator only)
	// trains on composites of every class and tests on composites of the
	// held-out images (see the package documentation).
	Protocol string `json:"protocol,omitempty"`
}

var methodName = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)

// reserved names are the built-in rows of the leaderboard.
var reserved = []string{quality.VariantReal, quality.VariantRandomOversampling, quality.VariantSMOTE}

// MaxMethods bounds the methods of one evaluation.
const MaxMethods = 12

// Normalize fills the defaults and checks the request against the
// registry without I/O: method names unique and usable as folder names,
// generators known, parameters valid (errors are *generators.ParamError),
// seeds, test_fraction and features in range.
func (r *Request) Normalize(reg *generators.Registry) error {
	bad := func(format string, args ...any) error {
		return &generators.ParamError{Msg: fmt.Sprintf(format, args...)}
	}
	if r.Dataset == "" {
		return bad("dataset is required")
	}
	if len(r.Methods) == 0 {
		return bad("methods is empty: name at least one generator to compare, e.g. {\"generator\": \"oversample\"}; available: %s", strings.Join(reg.Names(), ", "))
	}
	if len(r.Methods) > MaxMethods {
		return bad("%d methods, at most %d are accepted per evaluation", len(r.Methods), MaxMethods)
	}
	if err := r.checkKind(reg); err != nil {
		return err
	}
	seen := map[string]bool{}
	for i := range r.Methods {
		m := &r.Methods[i]
		if m.Generator == "" {
			return bad("methods[%d]: generator is required; available: %s", i, strings.Join(reg.Names(), ", "))
		}
		if m.Name == "" {
			m.Name = m.Generator
			if slices.Contains(reserved, m.Name) {
				// The smote generator (SMOTE on images) is not the
				// built-in smote row (SMOTE in the feature space).
				m.Name += "-generator"
			}
		}
		if !methodName.MatchString(m.Name) {
			return bad("methods[%d]: name %q: use 1 to 64 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit", i, m.Name)
		}
		for _, n := range reserved {
			if m.Name == n {
				return bad("methods[%d]: name %q is a built-in baseline row (%s); name the method otherwise, e.g. %q", i, m.Name, strings.Join(reserved, ", "), m.Name+"-gen")
			}
		}
		if seen[m.Name] {
			return bad("methods[%d]: name %q is used twice; give each method its own name", i, m.Name)
		}
		seen[m.Name] = true
		g, err := reg.Get(m.Generator)
		if err != nil {
			return fmt.Errorf("methods[%d]: %w", i, err)
		}
		validate := g.Validate
		if tg, ok := g.(generators.TableGenerator); ok && r.IsTable() {
			validate = tg.ValidateTable
		}
		if err := validate(m.Params); err != nil {
			return fmt.Errorf("methods[%d] (%s): %w", i, m.Name, err)
		}
		if err := m.checkProtocol(); err != nil {
			return bad("methods[%d] (%s): %v", i, m.Name, err)
		}
	}
	if r.Strategy == nil {
		r.Strategy = &generators.Strategy{Mode: generators.ModeAuto}
	}
	if len(r.Seeds) == 0 {
		r.Seeds = []int64{1, 2, 3}
	}
	if len(r.Seeds) > 10 {
		return bad("%d seeds, at most 10 are accepted", len(r.Seeds))
	}
	seeds := map[int64]bool{}
	for _, s := range r.Seeds {
		if s == 0 || seeds[s] {
			return bad("seeds %v: want distinct non-zero seeds", r.Seeds)
		}
		seeds[s] = true
	}
	if r.TestFraction == 0 {
		r.TestFraction = 0.2
		if r.IsTable() {
			r.TestFraction = TableTestFraction
		}
	}
	if !(r.TestFraction > 0 && r.TestFraction <= 0.5) {
		return bad("test_fraction %v: want a share in (0, 0.5], e.g. 0.2", r.TestFraction)
	}
	if r.Features == "" && !r.IsTable() {
		r.Features = SpacePCA
	}
	if r.IsTable() {
		if r.Features != "" {
			return bad("features %q: a table's judge reads its columns (numeric standardised, categorical one-hot); leave features out for a table", r.Features)
		}
		if r.Judges == nil {
			r.Judges = slices.Clone(TableJudges)
		}
		if !slices.Equal(r.Judges, TableJudges) {
			return bad("judges %q: on a table the judge is logistic regression on its columns; accepted for tables: %q", r.Judges, TableJudges)
		}
		return nil
	}
	if r.Features != SpaceMLP && r.Features != SpacePCA {
		return bad("features %q: accepted: %q (default) or %q", r.Features, SpacePCA, SpaceMLP)
	}
	if r.Judges != nil {
		if err := checkJudges("judges", r.Judges); err != nil {
			return bad("%v", err)
		}
	}
	return nil
}

// checkKind checks that the request's methods and options fit its kind
// of dataset: on a table (label_column set), table generators, the
// mixed protocol and no manifest; on images or audio, no table options,
// no table-only generator and no table file as the dataset.
func (r *Request) checkKind(reg *generators.Registry) error {
	bad := func(format string, args ...any) error {
		return &generators.ParamError{Msg: fmt.Sprintf(format, args...)}
	}
	var tableGens []string
	for _, n := range reg.Names() {
		if g, err := reg.Get(n); err == nil {
			if _, ok := g.(generators.TableGenerator); ok {
				tableGens = append(tableGens, n)
			}
		}
	}
	if !r.IsTable() {
		if _, file := datasets.SplitTableLocation(r.Dataset); file != "" {
			return bad("dataset %s is a table (%s): name its class column with label_column; on tables the methods are: %s", r.Dataset, datasets.TableFormatOf(file), strings.Join(tableGens, ", "))
		}
		if len(r.ColumnTypes) > 0 || len(r.ExcludeColumns) > 0 || r.OutputFormat != "" {
			return bad("column_types, exclude_columns and output_format apply to tables: name the class column with label_column")
		}
		for i, m := range r.Methods {
			g, err := reg.Get(m.Generator)
			if err != nil {
				continue // Normalize names it
			}
			if k := g.Info().Kinds; len(k) == 1 && k[0] == "table" {
				return bad("methods[%d]: generator %q works on tables only, and this dataset is not a table (no label_column); on images use one of the other generators, or name a table's class column with label_column", i, m.Generator)
			}
		}
		return nil
	}
	if r.Manifest != "" {
		return bad("an evaluation on a table reads its classes from label_column; leave manifest out")
	}
	switch r.OutputFormat {
	case "", generators.FormatCSV, generators.FormatParquet:
	default:
		return bad("output_format %q: accepted: %q, %q, or none for the input's format", r.OutputFormat, generators.FormatCSV, generators.FormatParquet)
	}
	if slices.Contains(r.ExcludeColumns, r.LabelColumn) {
		return bad("label_column %q is also in exclude_columns; the label cannot be excluded", r.LabelColumn)
	}
	if _, err := r.TablesOptions(); err != nil {
		return err
	}
	for i, m := range r.Methods {
		g, err := reg.Get(m.Generator)
		if err != nil {
			continue // Normalize names it
		}
		if _, ok := g.(generators.TableGenerator); !ok {
			return bad("methods[%d]: generator %q makes no table rows; on tables use one of: %s (the leaderboard ranks them, so an evaluation naming them is how to choose one on a table)", i, m.Generator, strings.Join(tableGens, ", "))
		}
		if m.Protocol != "" && m.Protocol != ProtocolMixed {
			return bad("methods[%d]: protocol %q: on a table every method is measured by the protocol %q (its rows added to the real training rows)", i, m.Protocol, ProtocolMixed)
		}
	}
	return nil
}

// judgesOf fills the default judges of the dataset's kind, or refuses the
// CNN judge on audio.
func (r *Request) judgesOf(ds *datasets.Dataset) error {
	kind := KindAudio // unless a file is an image, as the Featurizer decides
	for _, f := range ds.Files {
		if datasets.KindOf(f.Key) == KindImage {
			kind = KindImage
			break
		}
	}
	if len(r.Judges) == 0 {
		r.Judges = slices.Clone(DefaultImageJudges)
		if kind == KindAudio {
			r.Judges = slices.Clone(AudioJudges)
		}
		return nil
	}
	if kind == KindAudio && slices.Contains(r.Judges, JudgeCNN) {
		return &generators.ParamError{Msg: fmt.Sprintf("judges %q: the %q judge reads images and this dataset holds audio (WAV) files; accepted for audio: [%q]", r.Judges, JudgeCNN, JudgeLogReg)}
	}
	return nil
}

// Plan is what an evaluation will do, from Check.
type Plan struct {
	Split Split `json:"split"`
	// Add is the number of samples every method generates per class.
	Add   map[string]int `json:"add"`
	Total int            `json:"total"`

	table *pipeline.TablePlan // a table's format, parts and columns
}

// Check scans the dataset and plans the evaluation without generating:
// the held-out split, and the strategy applied to the training part. It
// fills the request's default judges for the dataset's kind. A strategy
// that adds nothing, a dataset of fewer than 2 classes, or the CNN judge
// on audio is an error. Call Normalize first.
func Check(ctx context.Context, p *pipeline.Pipeline, r *Request) (*Plan, *datasets.Dataset, error) {
	if r.IsTable() {
		return checkTable(ctx, p, r)
	}
	src, err := p.Open(ctx, r.Dataset)
	if err != nil {
		return nil, nil, err
	}
	ds, err := datasets.Scan(ctx, src, datasets.ScanOptions{Manifest: r.Manifest})
	if err != nil {
		return nil, nil, err
	}
	if err := r.judgesOf(ds); err != nil {
		return nil, nil, err
	}
	split, err := heldOut(ds, r)
	if err != nil {
		return nil, nil, err
	}
	if len(split.TrainCounts) < 2 {
		return nil, nil, &datasets.DatasetError{Msg: fmt.Sprintf("the training part has %d class; an evaluation needs at least 2", len(split.TrainCounts))}
	}
	for c, n := range split.TrainCounts {
		if split.HeldOutCounts[c] == 0 {
			return nil, nil, &datasets.DatasetError{Msg: fmt.Sprintf("class %q (%d training files) has no held-out files, so its F1 cannot be measured; add test files for it or use a dataset without splits (a stratified split is then made)", c, n)}
		}
	}
	pr, err := pipeline.PlanDataset(split.View(ds), *r.Strategy)
	if err != nil {
		return nil, nil, err
	}
	if pr.Total == 0 {
		return nil, nil, &generators.StrategyError{Msg: "the strategy asks for no samples on the training part: every class it names is already at its target"}
	}
	return &Plan{Split: split, Add: pr.Add, Total: pr.Total}, ds, nil
}

// heldOut returns the dataset's test (or validation) split, or a seeded
// stratified split of its training files.
func heldOut(ds *datasets.Dataset, r *Request) (Split, error) {
	s := DatasetSplit(ds)
	if s.Source != HeldOutNone {
		return s, nil
	}
	return StratifiedSplit(ds.TrainFiles(), r.TestFraction, r.Seeds[0])
}
