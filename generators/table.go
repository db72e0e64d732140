package generators

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"

	"github.com/tailsynth/tailsynth/smote"
	"github.com/tailsynth/tailsynth/storage"
	"github.com/tailsynth/tailsynth/tables"
)

// TableOptions make a job's dataset a table: a CSV or Parquet file, or a
// folder of part files of one schema, with one row per sample and its
// class in LabelColumn. The job writes the new rows as one data.csv or
// data.parquet (see pipeline).
type TableOptions struct {
	// LabelColumn names the column that holds each row's class; a spec
	// with a label column is a table job.
	LabelColumn string `json:"label_column,omitempty"`
	// ColumnTypes overrides inferred column types: numeric, integer,
	// categorical, boolean, datetime or text (text is kept out of the
	// model, like ExcludeColumns).
	ColumnTypes map[string]string `json:"column_types,omitempty"`
	// ExcludeColumns are kept out of the model (ID-like columns); new
	// rows leave them empty.
	ExcludeColumns []string `json:"exclude_columns,omitempty"`
	// OutputFormat is csv or parquet; "" writes the input's format.
	OutputFormat string `json:"output_format,omitempty"`
}

// IsTable reports whether the spec is a table job.
func (o TableOptions) IsTable() bool { return o.LabelColumn != "" }

// Output formats of table jobs.
const (
	FormatCSV     = "csv"
	FormatParquet = "parquet"
)

// TableDataKey is the new rows' file in a table job's output (or an
// evaluation method's folder), by format: data.csv or data.parquet.
func TableDataKey(format string) string { return "data." + format }

// NewTableWriter writes rows of schema s to w in format (FormatParquet or
// FormatCSV).
func NewTableWriter(w io.Writer, s *tables.Schema, format string) (tables.Writer, error) {
	if format == FormatParquet {
		return tables.NewParquetWriter(w, s)
	}
	return tables.NewCSVWriter(w, s)
}

// TablesOptions are the options package tables reads the table with.
func (o TableOptions) TablesOptions() (tables.Options, error) {
	opts := tables.Options{Label: o.LabelColumn, Exclude: o.ExcludeColumns, Types: map[string]tables.Type{}}
	for name, t := range o.ColumnTypes {
		tt, err := tables.ParseType(t)
		if err != nil {
			return opts, &ParamError{Msg: fmt.Sprintf("column_types[%q] %q: accepted: numeric, integer, categorical, boolean, datetime, text", name, t)}
		}
		opts.Types[name] = tt
	}
	return opts, nil
}

// validate checks the table options without reading the table.
func (o TableOptions) validate(manifest string, gen Generator, reg *Registry) error {
	if !o.IsTable() {
		if len(o.ColumnTypes) > 0 || len(o.ExcludeColumns) > 0 || o.OutputFormat != "" {
			return &ParamError{Msg: "column_types, exclude_columns and output_format apply to tables: name the class column with label_column"}
		}
		if k := gen.Info().Kinds; len(k) == 1 && k[0] == "table" {
			return &ParamError{Msg: fmt.Sprintf("generator %q works on tables only: name the class column with label_column (a CSV or Parquet dataset)", gen.Info().Name)}
		}
		return nil
	}
	if manifest != "" {
		return &ParamError{Msg: "a table job reads its classes from label_column; leave manifest out"}
	}
	switch o.OutputFormat {
	case "", FormatCSV, FormatParquet:
	default:
		return &ParamError{Msg: fmt.Sprintf("output_format %q: accepted: %q, %q, or none for the input's format", o.OutputFormat, FormatCSV, FormatParquet)}
	}
	if slices.Contains(o.ExcludeColumns, o.LabelColumn) {
		return &ParamError{Msg: fmt.Sprintf("label_column %q is also in exclude_columns; the label cannot be excluded", o.LabelColumn)}
	}
	if _, err := o.TablesOptions(); err != nil {
		return err
	}
	if _, ok := gen.(TableGenerator); !ok {
		return &ParamError{Msg: fmt.Sprintf("generator %q makes no table rows; on tables use one of: %s", gen.Info().Name, strings.Join(reg.TableGenerators(), ", "))}
	}
	return nil
}

// TableGenerator is a generator that also grows the classes of a table.
type TableGenerator interface {
	Generator
	// ValidateTable checks the generator's parameters for a table job
	// (some image parameters mean nothing for rows).
	ValidateTable(params json.RawMessage) error
	// GenerateTable makes env.Add[c] new rows of each class code c from
	// env.Data's rows, deterministically from env.Seed.
	GenerateTable(ctx context.Context, env *TableEnv) (*TableRows, error)
}

// TableEnv is what a table generator gets.
type TableEnv struct {
	Params json.RawMessage
	Seed   int64
	// Data holds every row of the table that has a class, in the
	// smote.Table shape of Encoding (the class code of row i is
	// Data.Y[i], an index into Encoding.Classes).
	Data     *tables.Loaded
	Encoding *tables.Encoding
	// Add is the number of rows to make per class code.
	Add map[int]int
	// Work is the job's scratch space (<output>/<job>/_work/, kept while
	// the job may run again), for checkpoints; nil when there is none.
	Work storage.Store
	Log  *slog.Logger
}

// TableRows are a table generator's new rows.
type TableRows struct {
	// Data and Y are the rows and their class codes, grouped by class in
	// increasing code order.
	Data smote.Table
	Y    []int
	// Provenance[i] says how row i was made (its metadata.jsonl row holds
	// it), for example the source rows it came from.
	Provenance []map[string]any
	// Report goes to report.json's generator_report.
	Report map[string]any
}

// SourceRows maps row indices of env.Data to the rows of the source table
// (0-based, in file order), for provenance.
func (env *TableEnv) SourceRows(rows ...int) []int64 {
	out := make([]int64, len(rows))
	for i, r := range rows {
		out[i] = env.Data.Rows[r]
	}
	return out
}

// Classes returns the classes of env.Add in increasing code order.
func (env *TableEnv) Classes() []int {
	cs := make([]int, 0, len(env.Add))
	for c := range env.Add {
		cs = append(cs, c)
	}
	slices.Sort(cs)
	return cs
}

// MarshalProvenance is row i's provenance as JSON.
func (r *TableRows) MarshalProvenance(i int) json.RawMessage {
	if i >= len(r.Provenance) || r.Provenance[i] == nil {
		return json.RawMessage("{}")
	}
	b, _ := json.Marshal(r.Provenance[i])
	return b
}

// TableGenerators lists the registered generators that grow tables, sorted.
func (r *Registry) TableGenerators() []string {
	var out []string
	for _, n := range r.Names() {
		if g, err := r.Get(n); err == nil {
			if _, ok := g.(TableGenerator); ok {
				out = append(out, n)
			}
		}
	}
	return out
}
