package generators

import (
	"context"
	"encoding/json"
	"math/rand/v2"
)

var _ TableGenerator = Oversample{}

// ValidateTable implements TableGenerator: oversample takes the same
// parameters on tables (max_bytes and max_megapixels do not apply to rows).
func (o Oversample) ValidateTable(raw json.RawMessage) error { return o.Validate(raw) }

// GenerateTable implements TableGenerator: random oversampling of rows,
// copies drawn uniformly with replacement from the class's rows
// (imbalanced-learn RandomOverSampler), missing values and all. Row i of a
// class is drawn from the class's own stream of the seed, so it does not
// change when other classes are added or dropped.
func (o Oversample) GenerateTable(ctx context.Context, env *TableEnv) (*TableRows, error) {
	p, err := o.params(env.Params)
	if err != nil {
		return nil, err
	}
	byClass := map[int][]int{}
	for i, y := range env.Data.Y {
		byClass[y] = append(byClass[y], i)
	}
	counts := map[string]int{}
	plan := map[string]int{}
	for c, n := range env.Add {
		counts[env.Encoding.Classes[c]] = len(byClass[c])
		plan[env.Encoding.Classes[c]] = n
	}
	alerts, err := p.SourceFloor.Check(oversampleName, plan, counts)
	if err != nil {
		return nil, err
	}
	out := &TableRows{}
	var picked []int
	for _, c := range env.Classes() {
		rows := byClass[c]
		rng := rand.New(rand.NewPCG(uint64(env.Seed), uint64(c)+1))
		for i := range env.Add[c] {
			if i%1024 == 0 && ctx.Err() != nil {
				return nil, ctx.Err()
			}
			r := rows[rng.IntN(len(rows))]
			picked = append(picked, r)
			out.Y = append(out.Y, c)
			out.Provenance = append(out.Provenance, map[string]any{"source_row": env.SourceRows(r)[0]})
		}
	}
	out.Data = env.Data.Table.Select(picked)
	out.Report = map[string]any{"method": "random oversampling of rows"}
	if len(alerts) > 0 {
		out.Report["alerts"] = alerts
	}
	return out, nil
}
