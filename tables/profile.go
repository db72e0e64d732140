package tables

import (
	"math"
	"strconv"
	"time"
)

// DistinctCap is the most distinct values the profile counts per column:
// counts up to it are exact; a column with more reports DistinctCap with
// DistinctCapped set.
const DistinctCap = 10000

// ColumnProfile is what inspect shows of one column.
type ColumnProfile struct {
	Name    string `json:"name"`
	Type    Type   `json:"type"`
	Role    Role   `json:"role"`
	Why     string `json:"why,omitempty"`
	Missing int64  `json:"missing"`
	// Distinct counts the distinct non-missing values, exactly up to
	// DistinctCap.
	Distinct       int  `json:"distinct"`
	DistinctCapped bool `json:"distinct_capped,omitempty"`
	// Min and Max are set for Numeric and Integer columns (as float64) and
	// MinTime and MaxTime for Datetime columns, when a value is present.
	Min     *float64   `json:"min,omitempty"`
	Max     *float64   `json:"max,omitempty"`
	MinTime *time.Time `json:"min_time,omitempty"`
	MaxTime *time.Time `json:"max_time,omitempty"`
}

// TableProfile is what inspect shows of a table.
type TableProfile struct {
	Rows    int64           `json:"rows"`
	Columns []ColumnProfile `json:"columns"`
	// Classes counts rows per value of the label column (missing labels
	// under ""); nil without a label column.
	Classes map[string]int64 `json:"classes,omitempty"`
	// Splits counts rows per split and class, when a split column is set
	// (missing splits under "").
	Splits map[string]map[string]int64 `json:"splits,omitempty"`
}

// Profile reads r to its end and returns the profile of the table. It holds
// one chunk and, per column, at most DistinctCap distinct values.
func Profile(r ChunkReader) (*TableProfile, error) {
	s := r.Schema()
	p := &TableProfile{Columns: make([]ColumnProfile, len(s.Columns))}
	seen := make([]map[string]struct{}, len(s.Columns))
	for j, c := range s.Columns {
		p.Columns[j] = ColumnProfile{Name: c.Name, Type: c.Type, Role: c.Role, Why: c.Why}
		seen[j] = make(map[string]struct{})
	}
	label, split := s.role(Label), s.role(Split)
	if label >= 0 {
		p.Classes = make(map[string]int64)
	}
	if label >= 0 && split >= 0 {
		p.Splits = make(map[string]map[string]int64)
	}
	err := Each(r, func(ch *Chunk) error {
		p.Rows += int64(ch.Len)
		for j := range s.Columns {
			col, cp, cc := &s.Columns[j], &p.Columns[j], &ch.Cols[j]
			for i := 0; i < ch.Len; i++ {
				if cc.Missing[i] {
					cp.Missing++
					continue
				}
				if !cp.DistinctCapped {
					k := distinctKey(col, cc, i)
					if _, ok := seen[j][k]; !ok {
						if len(seen[j]) >= DistinctCap {
							cp.DistinctCapped = true
							seen[j] = nil
						} else {
							seen[j][k] = struct{}{}
						}
					}
				}
				switch col.Type {
				case Numeric:
					minMax(cp, cc.Float[i])
				case Integer:
					minMax(cp, float64(cc.Int[i]))
				case Datetime:
					t := cc.Time[i]
					if cp.MinTime == nil || t.Before(*cp.MinTime) {
						cp.MinTime = &t
					}
					if cp.MaxTime == nil || t.After(*cp.MaxTime) {
						cp.MaxTime = &t
					}
				}
			}
		}
		if label < 0 {
			return nil
		}
		for i := 0; i < ch.Len; i++ {
			class, _ := ch.Value(s, label, i)
			p.Classes[class]++
			if p.Splits != nil {
				sp, _ := ch.Value(s, split, i)
				if p.Splits[sp] == nil {
					p.Splits[sp] = make(map[string]int64)
				}
				p.Splits[sp][class]++
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for j := range p.Columns {
		if p.Columns[j].DistinctCapped {
			p.Columns[j].Distinct = DistinctCap
		} else {
			p.Columns[j].Distinct = len(seen[j])
		}
	}
	return p, nil
}

func distinctKey(col *Column, c *Col, i int) string {
	switch col.Type {
	case Numeric:
		return strconv.FormatUint(math.Float64bits(c.Float[i]), 36)
	case Integer:
		return strconv.FormatInt(c.Int[i], 36)
	case Categorical, Boolean:
		return strconv.Itoa(c.Code[i])
	case Datetime:
		return strconv.FormatInt(c.Time[i].UnixNano(), 36)
	}
	return c.Text[i]
}

func minMax(cp *ColumnProfile, v float64) {
	if cp.Min == nil || v < *cp.Min {
		cp.Min = &v
	}
	if cp.Max == nil || v > *cp.Max {
		cp.Max = &v
	}
}
