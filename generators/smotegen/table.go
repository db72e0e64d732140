package smotegen

import (
	"context"
	"encoding/json"

	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/smote"
	"github.com/tailsynth/tailsynth/tables"
)

var _ generators.TableGenerator = Generator{}

// ValidateTable implements generators.TableGenerator. The parameters are
// those of images; k and the source floor apply to rows, the image ones
// (size, mode, file limits, the contact sheet) are ignored.
func (g Generator) ValidateTable(raw json.RawMessage) error { return g.Validate(raw) }

// GenerateTable implements generators.TableGenerator with imbalanced-learn's
// variant for the table's columns: SMOTE on numeric columns alone (SMOTE-NC
// without categorical columns is SMOTE), SMOTE-NC on mixed numeric and
// categorical columns, SMOTE-N on categorical columns alone. A missing
// numeric value is imputed with its class's median (of that column) before
// the neighbour search and interpolation, so new rows have no missing
// numeric values; the report counts the imputed cells. A missing category
// is a level of its own.
func (g Generator) GenerateTable(ctx context.Context, env *generators.TableEnv) (*generators.TableRows, error) {
	c, err := parseParams(env.Params)
	if err != nil {
		return nil, err
	}
	t := env.Data.Table
	counts, plan := map[string]int{}, map[string]int{}
	for _, y := range env.Data.Y {
		counts[env.Encoding.Classes[y]]++
	}
	for code, n := range env.Add {
		plan[env.Encoding.Classes[code]] = n
	}
	alerts, err := c.p.SourceFloor.Check(Name, plan, counts)
	if err != nil {
		return nil, err
	}
	t, imputed := tables.ImputeClassMedians(t, env.Data.Y)
	var (
		res    smote.TableResampled
		method string
	)
	if len(t.Numeric) == 0 {
		method = "SMOTE-N"
		res, err = smote.ResampleN(ctx, t, env.Data.Y, env.Add, c.p.K, env.Seed)
	} else {
		method = "SMOTE-NC"
		if len(t.Categorical) == 0 {
			method = "SMOTE"
		}
		res, err = smote.ResampleNC(ctx, t, env.Data.Y, env.Add, c.p.K, env.Seed)
	}
	if err != nil {
		return nil, &generators.ParamError{Msg: err.Error()}
	}
	out := &generators.TableRows{Data: res.Table, Y: res.Y}
	for _, pv := range res.Provenance {
		row := map[string]any{"gap": pv.Gap}
		if pv.Base >= 0 {
			row["base_row"] = env.SourceRows(pv.Base)[0]
		}
		if pv.Neighbor >= 0 {
			row["neighbor_row"] = env.SourceRows(pv.Neighbor)[0]
		}
		if len(pv.Voters) > 0 {
			row["category_voters"] = env.SourceRows(pv.Voters...)
		}
		out.Provenance = append(out.Provenance, row)
	}
	k := map[string]int{}
	for code, n := range res.K {
		k[env.Encoding.Classes[code]] = n
	}
	out.Report = map[string]any{"method": method, "k": c.p.K, "k_used": k, "imputed_numeric_cells": imputed}
	if method == "SMOTE-NC" {
		out.Report["median_std"] = res.MedianStd
	}
	if len(alerts) > 0 {
		out.Report["alerts"] = alerts
	}
	return out, nil
}
