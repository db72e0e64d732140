package evaluate

import (
	"context"
	"fmt"
	"html/template"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/generators/pipeline"
	"github.com/tailsynth/tailsynth/quality"
	"github.com/tailsynth/tailsynth/smote"
	"github.com/tailsynth/tailsynth/tables"
)

var _ pipeline.TableQualityHook = (*Hook)(nil)

// TableTestFraction is the share of each class's labelled rows a table
// job's measurement holds out as its test split.
const TableTestFraction = 0.3

// TableQuality is report.json's "quality" of a table job: did the job's
// method help its rare classes on held-out rows of the table, and did it
// beat random oversampling and SMOTE?
type TableQuality struct {
	// Status is "measured", "skipped" (too few rows to hold any out) or
	// "failed".
	Status   string `json:"status"`
	Protocol string `json:"protocol"`
	// Method is the job's variant in Utility.
	Method string `json:"method"`
	// SMOTE is the baseline's variant: smote, smote-nc or smote-n.
	SMOTE   string                 `json:"smote,omitempty"`
	Utility *quality.UtilityResult `json:"utility,omitempty"`
	// Alerts are HarmAlerts of the job's method, and SmallTestCaveat
	// when the held-out rows are few.
	Alerts   []Alert  `json:"alerts"`
	HarmRule string   `json:"harm_rule"`
	Notes    []string `json:"notes,omitempty"`
	Errors   []string `json:"errors,omitempty"`
}

// AssessTable implements pipeline.TableQualityHook. It holds out
// TableTestFraction of every class's rows (seeded by the job's seed; at
// least one row, and at least two kept for training in a class that gets
// rows), runs the job's generator on the rest for as many rows per class
// in proportion, and trains the logistic-regression judge on the training
// rows alone ("real"), plus random oversampling, plus SMOTE (SMOTE-NC,
// SMOTE-N by the columns), plus the method's rows, each adding as many
// rows per class, and tests on the held-out rows (quality.TabularUtility,
// seeds 1 to 3). The method is flagged when it lowers the rare classes' F1
// or balanced accuracy below real or random oversampling (HarmAlerts).
// Missing numbers are filled with the training rows' column median for the
// judge only.
func (h *Hook) AssessTable(ctx context.Context, in *pipeline.TableQualityInput) pipeline.QualityOutput {
	q := assessTable(ctx, in)
	return pipeline.QualityOutput{Report: q, HTML: renderTableQuality(q), Alerts: q.Alerts}
}

func assessTable(ctx context.Context, in *pipeline.TableQualityInput) *TableQuality {
	q := &TableQuality{Status: "measured", Alerts: []Alert{}, HarmRule: HarmRule, Method: "job:" + in.Spec.Generator,
		Protocol: fmt.Sprintf("%.0f%% of every class's labelled rows held out (seeded by the job's seed); the job's generator run again on the other rows "+
			"for as many rows per class in proportion; a logistic regression trained on those real rows alone, plus random oversampling, plus SMOTE "+
			"(SMOTE-NC, SMOTE-N by the columns) and plus the method's rows, each adding as many rows per class, tested on the held-out rows, seeds 1-3", 100*TableTestFraction)}
	fail := func(format string, args ...any) *TableQuality {
		q.Status, q.Utility = "failed", nil
		q.Errors = append(q.Errors, fmt.Sprintf(format, args...))
		return q
	}
	byClass := map[int][]int{}
	for i, y := range in.Data.Y {
		byClass[y] = append(byClass[y], i)
	}
	rng := rand.New(rand.NewPCG(uint64(in.Spec.Seed), 0x7ab1e))
	var trainRows, testRows []int
	addTrain := map[int]int{}
	var minority []int
	for _, c := range slices.Sorted(maps.Keys(byClass)) {
		rows := slices.Clone(byClass[c])
		rng.Shuffle(len(rows), func(i, j int) { rows[i], rows[j] = rows[j], rows[i] })
		nTest := max(1, int(math.Round(TableTestFraction*float64(len(rows)))))
		keep := 1
		if in.Add[c] > 0 {
			keep = 2
		}
		if len(rows)-nTest < keep {
			q.Status = "skipped"
			q.Notes = append(q.Notes, fmt.Sprintf("class %q has %d labelled rows: too few to hold one out and keep %d for training; not measured", in.Encoding.Classes[c], len(rows), keep))
			return q
		}
		testRows = append(testRows, rows[:nTest]...)
		train := rows[nTest:]
		trainRows = append(trainRows, train...)
		if n := in.Add[c]; n > 0 {
			addTrain[c] = max(1, int(math.Round(float64(n)*float64(len(train))/float64(len(rows)))))
			minority = append(minority, c)
		}
	}
	slices.Sort(trainRows)
	slices.Sort(testRows)
	train, test := subsetLoaded(in.Data, trainRows), subsetLoaded(in.Data, testRows)
	if in.Progress != nil {
		in.Progress("the method on the training rows")
	}
	made, err := in.Generator.GenerateTable(ctx, &generators.TableEnv{Params: in.Spec.Params, Seed: in.Spec.Seed, Data: train, Encoding: in.Encoding, Add: addTrain, Log: in.Log})
	if err != nil {
		return fail("the method on the training rows: %v", err)
	}
	med := columnMedians(train.Table)
	cfg := quality.TabularConfig{Counts: addTrain, Utility: quality.UtilityConfig{NumClasses: len(in.Encoding.Classes), ClassNames: in.Encoding.Classes,
		Minority: minority, Seeds: []int64{1, 2, 3}}}
	if in.Progress != nil {
		in.Progress("utility")
	}
	res, err := quality.TabularUtility(ctx,
		quality.LabeledTable{Table: fillNaN(train.Table, med), Y: train.Y},
		quality.LabeledTable{Table: fillNaN(test.Table, med), Y: test.Y},
		[]quality.NamedTable{{Name: q.Method, Rows: quality.LabeledTable{Table: fillNaN(made.Data, med), Y: made.Y}}}, cfg)
	if err != nil {
		if ctx.Err() != nil {
			return fail("cancelled")
		}
		return fail("utility: %v", err)
	}
	q.Utility, q.SMOTE = res.Utility, res.SMOTE
	q.Alerts = append(q.Alerts, utilityAlerts(q.Method, res.Utility)...)
	return q
}

// subsetLoaded returns the rows of l at the given indices.
func subsetLoaded(l *tables.Loaded, rows []int) *tables.Loaded {
	out := &tables.Loaded{Table: l.Table.Select(rows), Y: make([]int, len(rows)), Rows: make([]int64, len(rows))}
	for i, r := range rows {
		out.Y[i], out.Rows[i] = l.Y[r], l.Rows[r]
	}
	return out
}

// columnMedians are the medians of t's numeric columns over their present
// values (0 for a column with none).
func columnMedians(t smote.Table) []float64 {
	med := make([]float64, len(t.Numeric))
	for j, col := range t.Numeric {
		med[j] = tables.Median(col)
	}
	return med
}

// fillNaN returns t with missing numbers replaced by med (t is not
// changed).
func fillNaN(t smote.Table, med []float64) smote.Table {
	out, _ := tables.FillNaN(t, func(_, col int) float64 { return med[col] })
	return out
}

// renderTableQuality is the report.html section of a table job's quality.
func renderTableQuality(q *TableQuality) template.HTML {
	var b strings.Builder
	b.WriteString("<section><h2>Does it help the rare classes?</h2>")
	fmt.Fprintf(&b, "<p>%s</p>", template.HTMLEscapeString(q.Protocol))
	for _, n := range append(slices.Clone(q.Notes), q.Errors...) {
		fmt.Fprintf(&b, "<p><b>%s</b></p>", template.HTMLEscapeString(n))
	}
	if q.Utility != nil {
		b.WriteString("<table><tr><th>variant</th><th>rare-class F1</th><th>balanced accuracy</th></tr>")
		for _, v := range q.Utility.Variants {
			fmt.Fprintf(&b, "<tr><td>%s</td><td>%.3f ± %.3f</td><td>%.3f ± %.3f</td></tr>", template.HTMLEscapeString(v.Name),
				v.MinorityF1.Mean, v.MinorityF1.Std, v.BalancedAccuracy.Mean, v.BalancedAccuracy.Std)
		}
		b.WriteString("</table>")
	}
	for _, a := range q.Alerts {
		fmt.Fprintf(&b, "<p><b>%s</b></p>", template.HTMLEscapeString(a.Message))
	}
	b.WriteString("</section>")
	return template.HTML(b.String())
}
