package tables

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tailsynth/tailsynth/errkind"
)

// ErrMalformed is wrapped by every error about the content of a table: a
// ragged or mistyped row, a bad header, parts whose schemas differ, an
// override that does not fit. errkind.Of gives errkind.Malformed, so the API
// answers 400 and a job does not retry.
var ErrMalformed = errkind.New(errkind.Malformed, "malformed table")

// Type is the type of a column.
type Type int

// The column types. Numeric, Integer and Datetime columns are numbers to a
// model; Categorical and Boolean columns are codes; Text columns are never
// modelled.
const (
	// Numeric is a floating-point column (float64; Parquet FLOAT or DOUBLE).
	Numeric Type = iota + 1
	// Integer is a whole-number column (int64; Parquet INT32 or INT64).
	Integer
	// Categorical is a column of strings drawn from a known, sorted list of
	// levels (Column.Levels).
	Categorical
	// Boolean is a true/false column, coded false = 0, true = 1.
	Boolean
	// Datetime is a column of instants (time.Time; Parquet TIMESTAMP or
	// DATE).
	Datetime
	// Text is a string column with too many distinct values to be
	// categorical (free text, IDs). It is always excluded from the model.
	Text
)

var typeNames = [...]string{Numeric: "numeric", Integer: "integer", Categorical: "categorical", Boolean: "boolean", Datetime: "datetime", Text: "text"}

// String returns the type's name as ParseType accepts it.
func (t Type) String() string {
	if t > 0 && int(t) < len(typeNames) {
		return typeNames[t]
	}
	return fmt.Sprintf("Type(%d)", int(t))
}

// ParseType parses a type name: numeric, integer, categorical, boolean,
// datetime or text.
func ParseType(s string) (Type, error) {
	for t, name := range typeNames {
		if name != "" && name == s {
			return Type(t), nil
		}
	}
	return 0, fmt.Errorf("column type %q: want one of numeric, integer, categorical, boolean, datetime, text: %w", s, ErrMalformed)
}

// MarshalText writes the type's name.
func (t Type) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// UnmarshalText reads a name that ParseType accepts.
func (t *Type) UnmarshalText(b []byte) error {
	v, err := ParseType(string(b))
	if err != nil {
		return err
	}
	*t = v
	return nil
}

// Role says what a column is to a model.
type Role int

const (
	// Feature columns are modelled.
	Feature Role = iota
	// Label is the class column named by Options.Label.
	Label
	// Split is the train/test split column named by Options.Split.
	Split
	// Excluded columns are kept out of the model but carried through
	// reading and writing. Generated rows leave them empty (missing): the
	// writer writes whatever the caller puts there, and Encoding.Decode puts
	// nothing.
	Excluded
)

var roleNames = [...]string{Feature: "feature", Label: "label", Split: "split", Excluded: "excluded"}

// String returns the role's name.
func (r Role) String() string {
	if r >= 0 && int(r) < len(roleNames) {
		return roleNames[r]
	}
	return fmt.Sprintf("Role(%d)", int(r))
}

// MarshalText writes the role's name.
func (r Role) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// Column describes one column of a table.
type Column struct {
	Name string `json:"name"`
	Type Type   `json:"type"`
	Role Role   `json:"role"`
	// Why says why the column has its type or role when inference, not the
	// caller, chose an unusual one ("all values missing", "id-like: more
	// than 64 distinct strings").
	Why string `json:"why,omitempty"`
	// Levels are the values of a Categorical column, sorted as
	// imbalanced-learn's OrdinalEncoder (np.unique) sorts them: numerically
	// when every level is a number, else by code point. A Boolean column's
	// levels are always ["false", "true"]. Codes index Levels.
	Levels []string `json:"levels,omitempty"`
	// Missing is the number of missing values inference counted.
	Missing int64 `json:"missing"`
	// Layout is a Datetime column's Go time layout as read from CSV
	// (writers use it, with fractional seconds when there are any); empty
	// for Parquet, which stores instants.
	Layout string `json:"layout,omitempty"`
	// Unit is a Parquet Datetime column's resolution: "ms", "us", "ns" or
	// "date". Writers use "ns" where it is empty.
	Unit string `json:"unit,omitempty"`
	// Zoned says whether a Datetime column holds instants with a zone
	// (Parquet isAdjustedToUTC, or a CSV layout with an offset) rather
	// than wall-clock times.
	Zoned bool `json:"zoned,omitempty"`
	// Bits is the width a Parquet column had: 32 or 64 for Integer and
	// Numeric columns. Zero means 64. Writers keep it.
	Bits int `json:"bits,omitempty"`
}

// Code returns the code of a level, or -1.
func (c *Column) Code(level string) int {
	if c.Type == Boolean {
		if b, ok := parseBool(level); ok {
			if b {
				return 1
			}
			return 0
		}
		return -1
	}
	for i, l := range c.Levels {
		if l == level {
			return i
		}
	}
	return -1
}

// Schema is the list of a table's columns, in the file's order.
type Schema struct {
	Columns []Column `json:"columns"`
}

// Index returns the index of the named column, or -1.
func (s *Schema) Index(name string) int {
	for i := range s.Columns {
		if s.Columns[i].Name == name {
			return i
		}
	}
	return -1
}

// Names returns the column names in order.
func (s *Schema) Names() []string {
	out := make([]string, len(s.Columns))
	for i, c := range s.Columns {
		out[i] = c.Name
	}
	return out
}

// role returns the index of the column with the role, or -1.
func (s *Schema) role(r Role) int {
	for i := range s.Columns {
		if s.Columns[i].Role == r {
			return i
		}
	}
	return -1
}

// DefaultMissing lists the cell values read as missing, as pandas reads
// them: the empty cell, NA, N/A, n/a, NaN, nan, null, NULL, None and <NA>.
// Matching is exact (case-sensitive, no trimming). A missing value is kept as
// missing, never dropped, and written back as an empty cell (CSV) or a null
// (Parquet).
var DefaultMissing = []string{"", "NA", "N/A", "n/a", "NaN", "nan", "null", "NULL", "None", "<NA>"}

// DefaultMaxLevels is how many distinct values a string column may have and
// still be inferred as categorical: "few" means at most 64.
const DefaultMaxLevels = 64

// MaxLevels is the most levels a categorical column may have at all (one
// chosen by override or named as the label or split column).
const MaxLevels = 1 << 16

// Options are the optional settings of schema inference.
type Options struct {
	// Types overrides the inferred type of the named columns. Inference
	// then checks every value against the override.
	Types map[string]Type
	// Exclude names columns kept out of the model (ID-like columns). Their
	// type is still inferred, so that they are written back as they came.
	Exclude []string
	// Label names the class column. It is read as categorical (exact
	// levels) unless Types says otherwise, and is not a feature.
	Label string
	// Split names an optional train/test split column, read like Label.
	Split string
	// MaxLevels is how many distinct strings a column may have and still be
	// inferred as categorical; beyond it the column is Text and excluded.
	// Zero means DefaultMaxLevels.
	MaxLevels int
	// Missing lists the cell values read as missing; nil means
	// DefaultMissing.
	Missing []string
}

func (o *Options) maxLevels() int {
	if o.MaxLevels > 0 {
		return o.MaxLevels
	}
	return DefaultMaxLevels
}

func (o *Options) missing() []string {
	if o.Missing != nil {
		return o.Missing
	}
	return DefaultMissing
}

// check reports options naming columns that the header lacks.
func (o *Options) check(names []string) error {
	has := func(n string) bool { return slices.Contains(names, n) }
	var bad []string
	for n := range o.Types {
		if !has(n) {
			bad = append(bad, fmt.Sprintf("type override for %q names no column", n))
		}
	}
	for _, n := range o.Exclude {
		if !has(n) {
			bad = append(bad, fmt.Sprintf("excluded column %q names no column", n))
		}
	}
	if o.Label != "" && !has(o.Label) {
		bad = append(bad, fmt.Sprintf("label column %q names no column", o.Label))
	}
	if o.Split != "" && !has(o.Split) {
		bad = append(bad, fmt.Sprintf("split column %q names no column", o.Split))
	}
	for _, n := range []string{o.Label, o.Split} {
		if t, ok := o.Types[n]; ok && n != "" && t != Categorical && t != Boolean {
			bad = append(bad, fmt.Sprintf("type override %s=%s (the label and split columns must be categorical or boolean)", n, t))
		}
	}
	if len(bad) > 0 {
		slices.Sort(bad)
		return fmt.Errorf("options: %s; the table's columns are %s: %w", strings.Join(bad, ", "), quoteList(names), ErrMalformed)
	}
	return nil
}

func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(n)
	}
	if len(q) > 12 {
		q = append(q[:12], fmt.Sprintf("... (%d in all)", len(names)))
	}
	return strings.Join(q, ", ")
}

// datetime layouts tried in order; a column is Datetime when every
// non-missing value parses with one and the same layout (the first that
// does). Parsing accepts fractional seconds after the seconds field.
var dateLayouts = []string{
	time.RFC3339,
	"2006-01-02T15:04:05",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02 15:04:05",
	"2006-01-02T15:04",
	"2006-01-02 15:04",
	"2006-01-02",
}

// writeLayout returns the layout a Datetime column is written to CSV with:
// its own, with optional fractional seconds after the seconds field; for a
// column read from Parquet, RFC 3339 (zoned), "2006-01-02 15:04:05" (wall
// clock) or "2006-01-02" (DATE), with fractional seconds where there are any.
func writeLayout(c *Column) string {
	layout := c.Layout
	switch {
	case layout != "":
	case c.Unit == "date":
		return "2006-01-02"
	case c.Zoned:
		return "2006-01-02T15:04:05.999999999Z07:00"
	default:
		return "2006-01-02 15:04:05.999999999"
	}
	if i := strings.Index(layout, "05"); i >= 0 {
		return layout[:i+2] + ".999999999" + layout[i+2:]
	}
	return layout
}

func parseBool(s string) (v, ok bool) {
	switch s {
	case "true", "True", "TRUE":
		return true, true
	case "false", "False", "FALSE":
		return false, true
	}
	return false, false
}

func parseInt(s string) (int64, bool) {
	v, err := strconv.ParseInt(s, 10, 64)
	return v, err == nil
}

func parseFloat(s string) (float64, bool) {
	v, err := strconv.ParseFloat(s, 64)
	return v, err == nil && !math.IsNaN(v)
}

// sortLevels sorts levels as np.unique sorts a pandas column: numerically
// when all are numbers, else by code point (Go's byte order of UTF-8).
func sortLevels(levels []string) {
	nums := make(map[string]float64, len(levels))
	for _, l := range levels {
		v, ok := parseFloat(l)
		if !ok {
			slices.Sort(levels)
			return
		}
		nums[l] = v
	}
	slices.SortFunc(levels, func(a, b string) int {
		if c := cmpFloat(nums[a], nums[b]); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
