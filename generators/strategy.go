package generators

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/tailsynth/tailsynth/errkind"
)

// Strategy says how many samples of which class to generate, with
// imbalanced-learn's sampling_strategy meanings for over-samplers:
//
//   - "auto" or "not majority": every class but the majority is brought up
//     to the majority's count;
//   - "minority": only the smallest class, up to the majority's count;
//   - "not minority": every class but the smallest, up to the majority;
//   - "all": every class up to the majority (the majority gets none);
//   - a number r in (0, 1] (two classes only): the minority is brought to
//     int(r * majority) samples, which must be more than it has (a ratio
//     that adds nothing is refused, as imbalanced-learn refuses it);
//   - {"counts": {"class": n}}: the desired final count of each named class
//     (at least its current count);
//   - {"add": {"class": n}}: n samples to add to each named class.
//
// Ties for majority or minority are broken by class name (imbalanced-learn
// breaks them by first appearance in y, which a folder dataset does not have).
type Strategy struct {
	Mode   string         `json:"mode,omitempty"`
	Ratio  float64        `json:"ratio,omitempty"`
	Counts map[string]int `json:"counts,omitempty"`
	Add    map[string]int `json:"add,omitempty"`
}

// Strategy modes.
const (
	ModeAuto        = "auto"
	ModeNotMajority = "not majority"
	ModeMinority    = "minority"
	ModeNotMinority = "not minority"
	ModeAll         = "all"
	ModeRatio       = "ratio"
	ModeCounts      = "counts"
	ModeAdd         = "add"
)

var namedModes = []string{ModeAuto, ModeNotMajority, ModeMinority, ModeNotMinority, ModeAll}

// strategyHelp says what a strategy may be, for error messages.
const strategyHelp = `accepted strategies: "auto", "not majority", "minority", "not minority", "all", a ratio in (0, 1] for two classes, {"counts": {"class": final_count}} or {"add": {"class": number_to_add}}`

// StrategyError is a strategy that cannot apply; the API answers it with 400.
type StrategyError struct{ Msg string }

func (e *StrategyError) Error() string { return e.Msg }

// Kind is errkind.Invalid.
func (e *StrategyError) Kind() errkind.Kind { return errkind.Invalid }

func strategyErr(format string, args ...any) error {
	return &StrategyError{Msg: fmt.Sprintf(format, args...) + "; " + strategyHelp}
}

// UnmarshalJSON accepts a string, a number or an object.
func (s *Strategy) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || string(b) == "null":
		*s = Strategy{Mode: ModeAuto}
		return nil
	case b[0] == '"':
		var m string
		if err := json.Unmarshal(b, &m); err != nil {
			return err
		}
		m = strings.ToLower(strings.TrimSpace(strings.ReplaceAll(m, "_", " ")))
		if !slices.Contains(namedModes, m) {
			return strategyErr("unknown strategy %q", m)
		}
		*s = Strategy{Mode: m}
		return nil
	case b[0] == '{':
		var obj struct {
			Counts map[string]int `json:"counts"`
			Add    map[string]int `json:"add"`
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&obj); err != nil {
			return strategyErr("strategy object: %v", err)
		}
		switch {
		case obj.Counts != nil && obj.Add != nil:
			return strategyErr("give either counts or add, not both")
		case obj.Counts != nil:
			*s = Strategy{Mode: ModeCounts, Counts: obj.Counts}
		case obj.Add != nil:
			*s = Strategy{Mode: ModeAdd, Add: obj.Add}
		default:
			return strategyErr("strategy object is empty")
		}
		return nil
	default:
		var r float64
		if err := json.Unmarshal(b, &r); err != nil {
			return strategyErr("strategy %s is neither a string, a number nor an object", b)
		}
		*s = Strategy{Mode: ModeRatio, Ratio: r}
		return nil
	}
}

// MarshalJSON writes the form UnmarshalJSON reads.
func (s Strategy) MarshalJSON() ([]byte, error) {
	switch s.Mode {
	case ModeRatio:
		return json.Marshal(s.Ratio)
	case ModeCounts:
		return json.Marshal(map[string]any{"counts": s.Counts})
	case ModeAdd:
		return json.Marshal(map[string]any{"add": s.Add})
	case "":
		return json.Marshal(ModeAuto)
	}
	return json.Marshal(s.Mode)
}

// Plan returns, for each class, the number of samples to generate, given
// the current count of each class. Classes with nothing to add are included
// with 0. Errors are *StrategyError.
func (s Strategy) Plan(counts map[string]int) (map[string]int, error) {
	if len(counts) == 0 {
		return nil, strategyErr("the dataset has no classes")
	}
	names := make([]string, 0, len(counts))
	for c := range counts {
		names = append(names, c)
	}
	sort.Strings(names)
	major, minor := names[0], names[0]
	for _, c := range names {
		if counts[c] > counts[major] {
			major = c
		}
		if counts[c] < counts[minor] {
			minor = c
		}
	}
	out := make(map[string]int, len(counts))
	for _, c := range names {
		out[c] = 0
	}
	upTo := func(include func(c string) bool) {
		for _, c := range names {
			if include(c) {
				out[c] = counts[major] - counts[c]
			}
		}
	}
	switch s.Mode {
	case "", ModeAuto, ModeNotMajority:
		upTo(func(c string) bool { return c != major })
	case ModeMinority:
		upTo(func(c string) bool { return c == minor })
	case ModeNotMinority:
		upTo(func(c string) bool { return c != minor })
	case ModeAll:
		upTo(func(string) bool { return true })
	case ModeRatio:
		if len(counts) != 2 {
			return nil, strategyErr("a ratio applies to two classes only, the dataset has %d (%s)", len(counts), strings.Join(names, ", "))
		}
		if !(s.Ratio > 0 && s.Ratio <= 1) {
			return nil, strategyErr("ratio %v is outside (0, 1]", s.Ratio)
		}
		target := int(float64(counts[major]) * s.Ratio)
		if target <= counts[minor] {
			// imbalanced-learn refuses a ratio that adds nothing too.
			return nil, ratioRefusal(s.Ratio, target, minor, counts[minor], major, counts[major])
		}
		out[minor] = target - counts[minor]
	case ModeCounts, ModeAdd:
		m := s.Counts
		if s.Mode == ModeAdd {
			m = s.Add
		}
		if len(m) == 0 {
			return nil, strategyErr("%s names no class", s.Mode)
		}
		for c, n := range m {
			if _, ok := counts[c]; !ok {
				return nil, strategyErr("class %q is not in the dataset (classes: %s)", c, strings.Join(names, ", "))
			}
			if s.Mode == ModeAdd {
				if n < 0 {
					return nil, strategyErr("add %d to %q: the number to add must be 0 or more", n, c)
				}
				out[c] = n
				continue
			}
			if n < counts[c] {
				return nil, strategyErr("a final count of %d for %q is below the %d it has; an over-sampler only adds", n, c, counts[c])
			}
			out[c] = n - counts[c]
		}
	default:
		return nil, strategyErr("unknown strategy %q", s.Mode)
	}
	return out, nil
}

// ratioRefusal explains a ratio that adds nothing to the minority class of
// two: it names the smallest ratio (to 4 decimals) that adds a sample, or,
// for two classes of the same size, says that no ratio can and what can.
func ratioRefusal(r float64, target int, minor string, has int, major string, most int) error {
	what := fmt.Sprintf("ratio %v asks for int(%v × %d) = %d samples of %q, no more than the %d it has: it would add nothing", r, r, most, target, minor, has)
	if has >= most {
		return strategyErr(`%s, and no ratio in (0, 1] can: the two classes are the same size (%d each); name the number to add instead, e.g. {"add": {%q: %d}}`,
			what, has, minor, has)
	}
	// The smallest k/10000 with int(most × k/10000) > has, in integers
	// first, then checked in floating point as Plan computes it.
	k := ((has+1)*10000 + most - 1) / most
	for int(float64(most)*(float64(k)/10000)) <= has {
		k++
	}
	return strategyErr("%s (the majority, %q, has %d: use a ratio of at least %s, which brings it to %d)",
		what, major, most, strconv.FormatFloat(float64(k)/10000, 'f', -1, 64), int(float64(most)*(float64(k)/10000)))
}

// NothingToAdd is the refusal of a plan that adds no sample to any class
// (before holds the class counts): it names the counts and a strategy that
// does add samples. Errors are *StrategyError.
func NothingToAdd(before map[string]int) error {
	names := slices.Sorted(maps.Keys(before))
	if len(names) == 0 {
		return strategyErr("the dataset has no classes")
	}
	major, minor := names[0], names[0]
	parts := make([]string, len(names))
	for i, c := range names {
		if before[c] > before[major] {
			major = c
		}
		if before[c] < before[minor] {
			minor = c
		}
		parts[i] = fmt.Sprintf("%s %d", c, before[c])
	}
	n := before[major] - before[minor]
	if n == 0 {
		n = before[minor]
	}
	return &StrategyError{Msg: fmt.Sprintf("the strategy asks for no samples: every class it names is already at its target (counts: %s; the largest class, %q, has %d); "+
		`name what to add instead, e.g. {"add": {%q: %d}}, or final counts above the current ones with {"counts": {...}}`,
		strings.Join(parts, ", "), major, before[major], minor, max(n, 1))}
}
