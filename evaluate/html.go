package evaluate

import (
	"bytes"
	"fmt"
	"html/template"
	"strconv"
	"strings"

	"github.com/tailsynth/tailsynth/datasets"
	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/quality"
)

// htmlStyle is shared by the evaluation page; job fragments inherit the
// job report's style.
const htmlStyle = `body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:1150px;color:#222;padding:0 1rem}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #ddd;padding-bottom:.2rem}h3{font-size:1rem;margin-top:1.4rem}
table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #ddd;padding:.25rem .6rem;text-align:left}
th{background:#f4f4f4}td{font-variant-numeric:tabular-nums}
figure{margin:1rem 0}figure img{max-width:100%;image-rendering:pixelated;border:1px solid #ddd}
figcaption{color:#555;font-size:.9rem}pre{background:#f7f7f7;padding:.8rem;overflow:auto;font-size:12px}
.note{color:#555}.alert{color:#b00;font-weight:600}.err{color:#b00}
.alerts{margin:1rem 0}.alerts p{margin:.3rem 0;padding:.5rem .8rem;border-radius:4px;font-weight:600}
.alert-red{background:#fde8e8;border:1px solid #c00;color:#900}.alert-amber{background:#fff4e0;border:1px solid #d80;color:#850}`

var tmpl = template.Must(template.New("tables").Parse(`
{{define "table"}}{{if .}}<table><tr>{{range index . 0}}<th>{{.}}</th>{{end}}</tr>
{{range slice . 1}}<tr>{{range .}}<td>{{.}}</td>{{end}}</tr>
{{end}}</table>{{end}}{{end}}

{{define "alerts"}}{{if .}}<div class="alerts">{{range .}}<p class="{{.Banner}}">WARNING ({{.Kind}}): {{.Message}}</p>{{end}}</div>{{end}}{{end}}

{{define "pictures"}}{{range .}}<figure>{{if .URI}}<img src="{{.URI}}" alt="class {{.Class}}: real and synthetic samples">{{end}}
<figcaption>class <b>{{.Class}}</b>{{if .URI}}: top row {{.NReal}} real ({{.Real}}) images, bottom row {{.NFake}} synthetic samples, at the evaluation size{{end}}{{if .Note}} — {{.Note}}{{end}}</figcaption></figure>
{{end}}{{end}}

{{define "judge"}}<h3>Utility, {{.Name}} judge{{if .Headline}} (headline){{end}}</h3>
<p class="note">{{.Note}}. {{.Classifier}}.</p>
{{template "table" .Utility}}
<h3>Lifts (paired differences), {{.Name}} judge</h3>
{{template "table" .Lifts}}
<h3>F1 per class, {{.Name}} judge</h3>
{{template "table" .PerClass}}{{end}}

{{define "job"}}<h2>Quality</h2>
<table><tr><th>status</th><td>{{.Q.Status}}</td></tr>
<tr><th>held-out data</th><td>{{.Q.HeldOut.Description}}</td></tr>
{{if .Q.Features}}<tr><th>features</th><td>{{.Q.Features.Describe}}</td></tr>{{end}}
{{if .Q.Space}}<tr><th>fidelity feature space</th><td>{{.Q.Space.Description}}</td></tr>{{end}}
{{if .Q.UtilitySpace}}<tr><th>utility feature space</th><td>{{.Q.UtilitySpace.Description}}</td></tr>{{end}}
<tr><th>unreadable files</th><td>{{.Q.NUnreadable}}</td></tr></table>
{{if .Q.Note}}<p class="note">{{.Q.Note}}</p>{{end}}
{{range .Q.Errors}}<p class="err">{{.}}</p>{{end}}
{{if .Fidelity}}<h3>Fidelity and memorization per generated class</h3>
{{template "table" .Fidelity}}
<p class="note">Fréchet distance (d², as FID) and k-NN precision (fidelity) / recall (coverage) (Kynkäänniemi et al. 2019) in the fidelity feature space, against the class's real {{if eq .Q.HeldOut.Source "none"}}training{{else}}held-out{{end}} samples. Near-copies: samples whose nearest training image of the class (pixels) is closer than {{.Q.Config.Memorization.Threshold}} × the median nearest-neighbour gap inside the class; flagged above {{.AlertPercent}}. {{.ReliabilityRule}} {{.Q.FrechetBiasNote}}</p>{{end}}
{{if .Judges}}<h3>Utility: does a classifier do better on the generated classes?</h3>
{{template "alerts" .Q.Alerts}}
<p class="note">{{.HeadlineNote}} "minority F1" is the mean F1 over the generated classes. Harm rule: {{.HarmRule}}.</p>
{{range .Judges}}{{template "judge" .}}{{end}}{{end}}
{{if .Pictures}}<h3>Samples: real (top) beside synthetic (bottom)</h3>
{{template "pictures" .Pictures}}{{end}}
{{end}}
`))

type jobView struct {
	Q               *JobQuality
	Fidelity        [][]string
	Judges          []judgeView
	HeadlineNote    string
	Pictures        []classPicture
	AlertPercent    string
	HarmRule        string
	ReliabilityRule string
}

// renderJobQuality renders the quality section of a job's report.html.
func renderJobQuality(q *JobQuality) template.HTML {
	v := jobView{Q: q, Pictures: q.pictures, AlertPercent: pct(q.Config.NearCopyAlert), HarmRule: HarmRule, ReliabilityRule: ReliabilityRule}
	if len(q.Classes) > 0 {
		v.Fidelity = fidelityTable(q.Classes)
	}
	v.Judges = judgeViews(q.Judges, q.UtilityByJudge, q.utilityNotes, q.Alerts)
	if len(q.Judges) > 0 {
		v.HeadlineNote = headlineNote(q.Judges)
	}
	var buf bytes.Buffer
	if err := tmpl.ExecuteTemplate(&buf, "job", v); err != nil {
		return template.HTML("<p>quality section: " + template.HTMLEscapeString(err.Error()) + "</p>")
	}
	return template.HTML(buf.String()) // #nosec: produced by html/template
}

// judgeView is one judge's utility tables.
type judgeView struct {
	Name       string
	Headline   bool
	Note       string
	Classifier string
	Utility    [][]string
	Lifts      [][]string
	PerClass   [][]string
}

// judgeViews returns the tables of every judge that has a result, the
// headline (judges[0]) first; each table's alerts are its judge's.
func judgeViews(judges []string, utils map[string]*quality.UtilityResult, notes map[string]string, alerts []Alert) []judgeView {
	var out []judgeView
	for i, j := range judges {
		u := utils[j]
		if u == nil {
			continue
		}
		var mine []Alert
		for _, a := range alerts {
			if a.Kind != generators.AlertHarm || a.Judge == j {
				mine = append(mine, a)
			}
		}
		out = append(out, judgeView{Name: j, Headline: i == 0, Note: notes[j], Classifier: u.Classifier,
			Utility: markRows(u.Table(), mine), Lifts: liftTable(u.Lifts, mine), PerClass: perClassTable(u)})
	}
	return out
}

func pct(v float64) string { return strconv.FormatFloat(100*v, 'f', -1, 64) + "%" }

func fidelityTable(classes []ClassFidelity) [][]string {
	rows := [][]string{{"class", "reference", "n real", "n synthetic", "Fréchet d²", "precision", "recall", "near-copies", "alert", "problems"}}
	for _, f := range classes {
		row := []string{f.Class, f.Reference, strconv.Itoa(f.NReal), strconv.Itoa(f.NFake), "—", "—", "—", "—", "", strings.Join(f.Errors, "; ")}
		n := min(f.NReal, f.NFake)
		if f.Frechet != nil {
			row[4] = fmt.Sprintf("%.3f", f.Frechet.Distance)
			if !f.FrechetReliable {
				row[4] += unreliable(n)
			}
		}
		if f.PrecisionRecall != nil {
			row[5], row[6] = fmt.Sprintf("%.3f", f.PrecisionRecall.Precision), fmt.Sprintf("%.3f", f.PrecisionRecall.Recall)
			if !f.PrecisionRecallReliable {
				row[5], row[6] = row[5]+unreliable(n), row[6]+unreliable(n)
			}
		}
		if m := f.Memorization; m != nil {
			row[7] = fmt.Sprintf("%d of %d (%.1f%%)", m.NFlagged, m.NSynthetic, 100*m.FlaggedShare)
			if m.Alert {
				row[8] = "NEAR-COPIES"
			}
		}
		rows = append(rows, row)
	}
	return rows
}

func signed(s quality.Stat) string {
	if s.N <= 1 {
		return fmt.Sprintf("%+.3f", s.Mean)
	}
	return fmt.Sprintf("%+.3f ± %.3f", s.Mean, s.Std)
}

// liftTable lists the lifts, with the harm alerts of each (variant, over)
// pair in a last column.
func liftTable(lifts []quality.Lift, alerts []Alert) [][]string {
	rows := [][]string{{"variant", "over", "minority F1", "macro F1", "balanced accuracy", "alert"}}
	for _, l := range lifts {
		var mine []Alert
		for _, a := range alerts {
			if a.Kind == generators.AlertHarm && a.Method == l.Variant && a.Over == l.Over {
				mine = append(mine, a)
			}
		}
		rows = append(rows, []string{l.Variant, l.Over, signed(l.MinorityF1), signed(l.MacroF1), signed(l.BalancedAccuracy), alertCell(mine)})
	}
	return rows
}

// markRows adds an "alerts" column to a table whose first cell names a
// variant: the variant's alerts (alertCell).
func markRows(table [][]string, alerts []Alert) [][]string {
	if len(table) == 0 {
		return table
	}
	out := [][]string{append(table[0][:len(table[0]):len(table[0])], "alerts")}
	for _, row := range table[1:] {
		var mine []Alert
		for _, a := range alerts {
			if a.Method == row[0] {
				mine = append(mine, a)
			}
		}
		out = append(out, append(row[:len(row):len(row)], alertCell(mine)))
	}
	return out
}

func perClassTable(u *quality.UtilityResult) [][]string {
	header := []string{"variant"}
	for i, n := range u.Config.ClassNames {
		header = append(header, fmt.Sprintf("%s (test %d)", n, u.TestCount[i]))
	}
	rows := [][]string{header}
	for _, v := range u.Variants {
		row := []string{v.Name}
		for _, c := range v.PerClass {
			row = append(row, c.F1.String())
		}
		rows = append(rows, row)
	}
	return rows
}

// methodPicture is a class picture of one method's samples.
type methodPicture struct {
	Method string
	classPicture
}

var evalTmpl = template.Must(template.Must(tmpl.Clone()).Parse(`{{define "evaluation"}}<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>tailsynth evaluation {{.L.Evaluation}}</title>
<style>{{.Style}}</style></head><body>
<h1>tailsynth evaluation {{.L.Evaluation}}</h1>
{{template "alerts" .L.Alerts}}
<table>
<tr><th>dataset</th><td>{{.L.Dataset}}</td></tr>
<tr><th>fingerprint</th><td>{{.L.DatasetFingerprint}}</td></tr>
<tr><th>held-out split</th><td>{{.L.Split.Description}}</td></tr>
<tr><th>generated per class</th><td>{{.Plan}}</td></tr>
{{with .L.Tabular}}<tr><th>table</th><td>{{.Format}}, {{.Rows}} rows{{if .UnlabelledRows}} ({{.UnlabelledRows}} without a label, not used){{end}}; label column {{$.L.Request.LabelColumn}}</td></tr>
<tr><th>SMOTE baseline</th><td>{{.SMOTE}}</td></tr>
<tr><th>missing numbers filled for the judge</th><td>{{.ImputedCells}} (with the training rows' column medians)</td></tr>
{{else}}<tr><th>features</th><td>{{if .L.Features}}{{.L.Features.Describe}}{{end}}</td></tr>
<tr><th>fidelity feature space</th><td>{{if .L.Space}}{{.L.Space.Description}}{{end}}</td></tr>
<tr><th>utility feature space</th><td>{{if .L.UtilitySpace}}{{.L.UtilitySpace.Description}}{{end}}</td></tr>{{end}}
<tr><th>seeds</th><td>{{.L.Request.Seeds}}</td></tr>
<tr><th>judges</th><td>{{range $i, $j := .L.Judges}}{{if $i}}, {{end}}{{$j}}{{if not $i}} (headline){{end}}{{end}}</td></tr>
{{if not .L.Tabular}}<tr><th>unreadable files</th><td>{{.L.NUnreadable}}</td></tr>{{end}}
</table>
<h2>Leaderboard</h2>
{{template "table" .Board}}
<p class="note">Alerts: {{.L.AlertRule}}.</p>
<ul class="note">{{range .L.Notes}}<li>{{.}}</li>{{end}}</ul>
{{range .L.Errors}}<p class="err">{{.}}</p>{{end}}
{{range .L.Rows}}{{if .Error}}<p class="err">{{.Name}}: {{.Error}}</p>{{end}}{{end}}
{{range .Judges}}<h2>Utility, {{.Name}} judge{{if .Headline}} (headline){{end}}</h2>
<p class="note">{{.Note}}. {{.Classifier}}.</p>
{{template "table" .Utility}}
<h3>Lifts (paired differences), {{.Name}} judge</h3>
{{template "table" .Lifts}}
<h3>F1 per class, {{.Name}} judge</h3>
{{template "table" .PerClass}}{{end}}
{{range .Whole}}<h2>Whole-dataset protocol: {{.Name}}, a composite classifier</h2>
<div class="alerts"><p class="alert-amber">CAVEAT: {{.Caveat}}</p></div>
<p class="note">{{.Description}}. {{.Note}}.</p>
{{template "table" .Figures}}
<h3>Composites per class, {{.Name}}</h3>
{{template "table" .Composition}}
{{range .PerClass}}<h3>F1 per class, {{.Name}} judge (composite test set)</h3>
{{template "table" .Table}}{{end}}
{{range .Errors}}<p class="err">{{.}}</p>{{end}}{{end}}
{{with .L.Tabular}}<h2>Columns</h2>
{{template "table" $.Columns}}{{else}}<h2>Fidelity per generated class</h2>
{{range .Fidelity}}<h3>{{.Name}}</h3>{{template "table" .Table}}{{end}}
<h2>Samples: real (top) beside synthetic (bottom)</h2>
{{range .Pictures}}<h3>{{.Method}}</h3>{{template "pictures" .List}}{{end}}{{end}}
<h2>Method outputs</h2>
<ul>{{range .L.Rows}}{{if .Output}}<li>{{.Name}}: <a href="{{.Link}}">{{.Link}}</a> ({{.Output}})</li>{{end}}{{end}}</ul>
</body></html>
{{end}}`))

type namedTable struct {
	Name  string
	Table [][]string
}

type methodPictures struct {
	Method string
	List   []classPicture
}

type evalView struct {
	L        *Leaderboard
	Style    template.CSS
	Plan     string
	Board    [][]string
	Judges   []judgeView
	Whole    []wholeView
	Fidelity []namedTable
	Pictures []methodPictures
	// Columns lists a table's columns (type, role, why).
	Columns [][]string
}

// wholeView is a whole_dataset method's section of report.html.
type wholeView struct {
	Name, Caveat, Description, Note string
	Figures, Composition            [][]string
	PerClass                        []namedTable
	Errors                          []string
}

// wholeViews returns the section of every measured whole_dataset method,
// its judges in the leaderboard's order.
func wholeViews(l *Leaderboard) []wholeView {
	var out []wholeView
	for _, w := range l.WholeDataset {
		v := wholeView{Name: w.Method, Caveat: w.Caveat, Description: wholeDescription(&w), Note: w.UtilityNote, Errors: w.Errors,
			Figures: [][]string{{"judge", "minority F1", "minority recall", "balanced accuracy", "macro F1", "classifier"}}}
		for _, j := range l.Judges {
			u := w.UtilityByJudge[j]
			if u == nil || len(u.Variants) == 0 {
				continue
			}
			f := judgeFigures(u, w.Method)
			v.Figures = append(v.Figures, []string{j, stat(f.MinorityF1), stat(f.MinorityRecall), stat(f.BalancedAccuracy), stat(f.MacroF1), u.Classifier})
			v.PerClass = append(v.PerClass, namedTable{j, perClassTable(u)})
		}
		v.Composition = [][]string{{"class", "training composites", "held-out files", "readable", "held-out composites", "distinct held-out tuples", "note"}}
		if h := w.HeldOut; h != nil {
			for _, c := range h.Classes {
				note := ""
				switch {
				case c.Repeated:
					note = "fewer held-out files than tiles: images repeat inside each composite"
				case c.Exhausted:
					note = "every distinct tuple used: some composites repeat"
				}
				v.Composition = append(v.Composition, []string{c.Class, strconv.Itoa(w.TrainComposites[c.Class]), strconv.Itoa(c.Files), strconv.Itoa(c.Usable),
					strconv.Itoa(c.Composites), c.Distinct, note})
			}
		}
		out = append(out, v)
	}
	return out
}

// renderEvaluation renders an evaluation's report.html: self-contained
// (pictures as data URIs), readable from the output prefix alone.
func renderEvaluation(l *Leaderboard) ([]byte, error) {
	v := evalView{L: l, Style: template.CSS(htmlStyle), Board: l.Table()}
	var plan []string
	for _, c := range l.Minority {
		plan = append(plan, fmt.Sprintf("%s: %d", c, l.Plan[c]))
	}
	v.Plan = strings.Join(plan, ", ")
	v.Judges = judgeViews(l.Judges, l.UtilityByJudge, l.utilityNotes, l.Alerts)
	v.Whole = wholeViews(l)
	if t := l.Tabular; t != nil {
		v.Columns = [][]string{{"column", "type", "role", "missing", "levels", "why"}}
		for _, c := range t.Columns {
			levels := ""
			if c.Levels > 0 {
				levels = strconv.Itoa(c.Levels)
			}
			v.Columns = append(v.Columns, []string{c.Name, c.Type, c.Role, strconv.FormatInt(c.Missing, 10), levels, c.Why})
		}
	}
	for _, r := range l.Rows {
		if f, ok := l.Fidelity[r.Name]; ok {
			v.Fidelity = append(v.Fidelity, namedTable{r.Name, fidelityTable(f)})
		}
	}
	for _, p := range l.pictures {
		if n := len(v.Pictures); n == 0 || v.Pictures[n-1].Method != p.Method {
			v.Pictures = append(v.Pictures, methodPictures{Method: p.Method})
		}
		last := &v.Pictures[len(v.Pictures)-1]
		last.List = append(last.List, p.classPicture)
	}
	var buf bytes.Buffer
	if err := evalTmpl.ExecuteTemplate(&buf, "evaluation", v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Link is the row's output relative to the evaluation's folder.
func (r Row) Link() string {
	if r.Output == "" {
		return ""
	}
	i := strings.Index(r.Output, "/"+MethodsDir+"/")
	if i < 0 {
		return r.Output
	}
	if datasets.TableFormatOf(r.Output) != "" { // a table method's data file
		return r.Output[i+1:]
	}
	return r.Output[i+1:] + "/report.html"
}
