package tables

import (
	"fmt"
	"maps"
	"slices"
)

// cellStats follows one column through inference from text cells: which
// types every non-missing value so far fits, and its distinct values up to
// a cap.
type cellStats struct {
	name     string
	override Type // 0 when none
	role     Role
	missing  int64
	n        int64 // non-missing values
	isInt    bool
	isFloat  bool
	isBool   bool
	layouts  uint32 // bit i: every value so far parses with dateLayouts[i]
	distinct map[string]struct{}
	cap      int  // distinct values kept; beyond it overflow is set
	strict   bool // overflow is an error (categorical by override or role)
	overflow bool
}

func newCellStats(name string, opts *Options) *cellStats {
	s := &cellStats{
		name: name, isInt: true, isFloat: true, isBool: true,
		layouts:  1<<len(dateLayouts) - 1,
		distinct: make(map[string]struct{}),
		cap:      opts.maxLevels(),
	}
	s.override = opts.Types[name]
	switch {
	case name == opts.Label:
		s.role = Label
	case name == opts.Split:
		s.role = Split
	case slices.Contains(opts.Exclude, name):
		s.role = Excluded
	}
	if s.override == Categorical || (s.override == 0 && (s.role == Label || s.role == Split)) {
		s.cap, s.strict = MaxLevels, true
	}
	return s
}

// add takes one non-missing cell. It returns an error when the value breaks
// an override; where names the cell ("part "a.csv" line 7 (data row 6)").
func (s *cellStats) add(v string, where func() string) error {
	s.n++
	if s.isInt {
		if _, ok := parseInt(v); !ok {
			s.isInt = false
		}
	}
	if s.isFloat {
		if _, ok := parseFloat(v); !ok {
			s.isFloat = false
		}
	}
	if s.isBool {
		if _, ok := parseBool(v); !ok {
			s.isBool = false
		}
	}
	if s.layouts != 0 {
		for i, l := range dateLayouts {
			if s.layouts&(1<<i) != 0 {
				if _, ok := parseTime(l, v); !ok {
					s.layouts &^= 1 << i
				}
			}
		}
	}
	if err := s.addDistinct(v, where); err != nil {
		return err
	}
	var want string
	switch s.override {
	case Integer:
		if !s.isInt {
			want = "an integer"
		}
	case Numeric:
		if !s.isFloat {
			want = "a number"
		}
	case Boolean:
		if !s.isBool {
			want = "a boolean (true/false, True/False, TRUE/FALSE)"
		}
	case Datetime:
		if s.layouts == 0 {
			want = "a datetime in one layout shared by the whole column (RFC 3339, \"2006-01-02 15:04:05\", \"2006-01-02\"...)"
		}
	}
	if want != "" {
		return fmt.Errorf("%s, column %q: %q is not %s, which the override %s=%s requires; fix the value, or override the column as categorical or text: %w",
			where(), s.name, v, want, s.name, s.override, ErrMalformed)
	}
	return nil
}

// column returns the column that inference chose.
func (s *cellStats) column() Column {
	c := Column{Name: s.name, Role: s.role, Missing: s.missing}
	t := s.override
	switch {
	case t != 0:
	case s.role == Label || s.role == Split:
		t = Categorical
	case s.n == 0:
		t = Numeric
		c.Why = "all values missing"
		if c.Role == Feature {
			c.Role = Excluded
		}
	case s.isInt:
		t = Integer
	case s.isFloat:
		t = Numeric
	case s.isBool:
		t = Boolean
	case s.layouts != 0:
		t = Datetime
	case !s.overflow:
		t = Categorical
	default:
		t = Text
	}
	c.Type = t
	switch t {
	case Categorical:
		c.Levels = slices.Collect(maps.Keys(s.distinct))
		sortLevels(c.Levels)
	case Boolean:
		c.Levels = []string{"false", "true"}
	case Datetime:
		for i, l := range dateLayouts {
			if s.layouts&(1<<i) != 0 {
				c.Layout = l
				break
			}
		}
		c.Zoned = hasZone(c.Layout)
	case Text:
		if s.overflow && s.override == 0 {
			c.Why = fmt.Sprintf("id-like: more than %d distinct strings", s.cap)
		}
		if c.Role == Feature {
			c.Role = Excluded
		}
	}
	return c
}

// addDistinct records v among the distinct values, up to the cap.
func (s *cellStats) addDistinct(v string, where func() string) error {
	if s.overflow {
		return nil
	}
	if _, ok := s.distinct[v]; ok {
		return nil
	}
	if len(s.distinct) >= s.cap {
		s.overflow = true
		clear(s.distinct)
		if s.strict {
			return fmt.Errorf("%s, column %q: more than %d distinct values, too many for a categorical column; exclude it, or give it another type: %w", where(), s.name, s.cap, ErrMalformed)
		}
		return nil
	}
	s.distinct[v] = struct{}{}
	return nil
}
