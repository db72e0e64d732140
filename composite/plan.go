package composite

import (
	"fmt"
	"math/big"
	"slices"
	"sort"
)

// Plan is one composite to render: which sources go in which tile, and the
// augmentation drawn for each tile. It is plain data, safe to store as
// provenance (JSON) and to render later with Compose.
type Plan struct {
	// Class is the label of every source and of the composite.
	Class string `json:"class"`
	// Index is the composite's ordinal within its class, from 0.
	Index int `json:"index"`
	// Sources are the source keys in tile order (row-major: tile i is at row
	// i/Cols, column i%Cols).
	Sources []string `json:"sources"`
	// Augment has one entry per tile, or is nil when augmentation is off.
	Augment []TileAug `json:"augment,omitempty"`
	// Repeated is true when an image appears in more than one tile, which
	// happens only when the class has fewer images than tiles.
	Repeated bool `json:"repeated,omitempty"`
	// Cycle is 0 while distinct tuples remain; c > 0 means every distinct
	// tuple of the class had already been used c times, so this tuple (as a
	// set, or as a sequence for Ordered) repeats an earlier composite.
	Cycle int `json:"cycle,omitempty"`
}

// ClassReport summarises the selection for one class.
type ClassReport struct {
	Class     string   `json:"class"`
	Images    int      `json:"images"`    // source images available
	Requested int      `json:"requested"` // composites planned
	Distinct  *big.Int `json:"distinct"`  // DistinctTuples(Images, tiles, order)
	// Exhausted is true when Requested > Distinct: some tuples were reused
	// (see Plan.Cycle).
	Exhausted bool `json:"exhausted,omitempty"`
	// Repeated is true when Images < tiles, so every composite repeats images.
	Repeated bool `json:"repeated,omitempty"`
	// Enumerated tells whether the tuple space was enumerated and shuffled
	// (true) or sampled with rejection of repeats (false).
	Enumerated bool `json:"enumerated"`
}

// Result is a deterministic list of plans, grouped by class in sorted class
// order, plus a report per class.
type Result struct {
	Plans   []Plan        `json:"plans"`
	Classes []ClassReport `json:"classes"`
}

// Planner chooses source tuples. Its zero value is not usable: set Layout
// (or use NewPlanner).
//
// Determinism: the plans are a pure function of the Planner fields, the
// sorted file list of each class and the counts. Each class draws from its
// own PCG stream seeded by (Seed, class name), so the plans of one class do
// not change when other classes are added or removed, and asking for N+M
// composites gives the same first N as asking for N. Tuple selection and
// augmentation use separate streams, so turning augmentation on leaves the
// tuples unchanged.
type Planner struct {
	Layout Layout `json:"layout"`
	// Order: Unordered (default when empty) or Ordered.
	Order Order  `json:"order"`
	Seed  uint64 `json:"seed"`
	// EnumerateLimit is the largest tuple space enumerated exactly; 0 means
	// DefaultEnumerateLimit.
	EnumerateLimit int `json:"enumerate_limit,omitempty"`
	// Augment is off by default (zero value).
	Augment Augment `json:"augment,omitzero"`
}

// NewPlanner returns a Planner with the given layout and seed, unordered
// tuples and no augmentation.
func NewPlanner(layout Layout, seed uint64) Planner {
	return Planner{Layout: layout, Order: Unordered, Seed: seed}
}

const (
	saltTuples  = 0x7475706c65730000 // "tuples"
	saltAugment = 0x6175676d656e7400 // "augment"
)

// Minority plans counts[class] composites for each class named in counts,
// from the files of that class (the minority-only mode: generate only what
// the rare classes lack). Classes absent from counts get nothing. A class in
// counts with no files, a negative count or a duplicated file is an error.
func (p Planner) Minority(files map[string][]string, counts map[string]int) (*Result, error) {
	if err := p.validate(); err != nil {
		return nil, err
	}
	classes := make([]string, 0, len(counts))
	for c, n := range counts {
		if n < 0 {
			return nil, fmt.Errorf("composite: class %q: count %d: want >= 0", c, n)
		}
		if len(files[c]) == 0 {
			return nil, fmt.Errorf("composite: class %q: %d composites requested but the class has no images", c, n)
		}
		classes = append(classes, c)
	}
	sort.Strings(classes)
	res := &Result{}
	for _, c := range classes {
		if err := p.planClass(res, c, files[c], counts[c]); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// Balanced plans the same number of composites, perClass, for every class in
// files: the whole-dataset mode of Hlali et al.'s Co-OCTDL, where the
// training set is made only of composites and is perfectly balanced.
// perClass <= 0 means the size of the largest class. Classes with no files
// are an error.
func (p Planner) Balanced(files map[string][]string, perClass int) (*Result, error) {
	if perClass <= 0 {
		for _, f := range files {
			perClass = max(perClass, len(f))
		}
	}
	counts := make(map[string]int, len(files))
	for c := range files {
		counts[c] = perClass
	}
	return p.Minority(files, counts)
}

func (p Planner) validate() error {
	if err := p.Layout.Validate(); err != nil {
		return err
	}
	if _, err := ParseOrder(string(p.Order)); err != nil {
		return err
	}
	if p.EnumerateLimit < 0 {
		return fmt.Errorf("composite: enumerate limit %d: want >= 0 (0 = default %d)", p.EnumerateLimit, DefaultEnumerateLimit)
	}
	return p.Augment.Validate()
}

func (p Planner) planClass(res *Result, class string, keys []string, count int) error {
	keys = slices.Clone(keys)
	slices.Sort(keys)
	for i := 1; i < len(keys); i++ {
		if keys[i] == keys[i-1] {
			return fmt.Errorf("composite: class %q: file %q listed twice: want each file once", class, keys[i])
		}
	}
	order := p.Order
	if order == "" {
		order = Unordered
	}
	limit := p.EnumerateLimit
	if limit == 0 {
		limit = DefaultEnumerateLimit
	}
	k := p.Layout.Tiles()
	sp := newSpace(len(keys), k, order)
	s := newSampler(sp, newRNG(p.Seed, class, saltTuples), limit)
	augRNG := newRNG(p.Seed, class, saltAugment)
	for i := 0; i < count; i++ {
		t, cycle := s.next()
		pl := Plan{Class: class, Index: i, Sources: make([]string, k), Repeated: sp.repeated(), Cycle: cycle}
		for j, idx := range t {
			pl.Sources[j] = keys[idx]
		}
		if p.Augment.Enabled() {
			pl.Augment = make([]TileAug, k)
			for j := range pl.Augment {
				pl.Augment[j] = p.Augment.draw(augRNG)
			}
		}
		res.Plans = append(res.Plans, pl)
	}
	res.Classes = append(res.Classes, ClassReport{
		Class:      class,
		Images:     len(keys),
		Requested:  count,
		Distinct:   s.total,
		Exhausted:  big.NewInt(int64(count)).Cmp(s.total) > 0,
		Repeated:   sp.repeated(),
		Enumerated: s.enumerated(),
	})
	return nil
}
