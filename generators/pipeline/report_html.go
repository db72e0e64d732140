package pipeline

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/tailsynth/tailsynth/generators"
)

// htmlReport is what report.html shows. Pictures are embedded as data
// URIs, so the file renders from the output prefix alone (or a copy of it),
// with no server and no other file.
type htmlReport struct {
	Title    string
	Job      string
	Summary  [][2]string
	Classes  []classRow
	Pictures []picture
	Sections []section
	// Extra holds self-contained HTML fragments (the quality section).
	Extra []template.HTML
	// Alerts are shown as a banner under the title: red when a method is
	// worse than adding nothing, amber otherwise.
	Alerts []generators.Alert
	Raw    string
}

type classRow struct {
	Class                string
	Before, Added, After int
	Share                float64 // share of the final dataset, percent
}

type picture struct {
	Name string
	URI  template.URL
}

type section struct {
	Title string
	Rows  [][2]string
}

var reportTmpl = template.Must(template.New("report").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>{{.Title}}</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:1100px;color:#222;padding:0 1rem}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #ddd;padding-bottom:.2rem}
table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #ddd;padding:.25rem .6rem;text-align:left}
th{background:#f4f4f4}td.n{text-align:right;font-variant-numeric:tabular-nums}
.bar{background:#4c78a8;height:.7rem;display:inline-block;vertical-align:middle}
figure{margin:1rem 0}figure img{max-width:100%;image-rendering:pixelated;border:1px solid #ddd}
figcaption{color:#555;font-size:.9rem}pre{background:#f7f7f7;padding:.8rem;overflow:auto;font-size:12px}
.alerts{margin:1rem 0}.alerts p{margin:.3rem 0;padding:.5rem .8rem;border-radius:4px;font-weight:600}
.alert-red{background:#fde8e8;border:1px solid #c00;color:#900}.alert-amber{background:#fff4e0;border:1px solid #d80;color:#850}
</style></head><body>
<h1>{{.Title}}</h1>
{{if .Alerts}}<div class="alerts" id="alerts">{{range .Alerts}}<p class="{{.Banner}}">WARNING ({{.Kind}}): {{.Message}}</p>{{end}}</div>{{end}}
<table>{{range .Summary}}<tr><th>{{index . 0}}</th><td>{{index . 1}}</td></tr>{{end}}</table>
<h2>Classes</h2>
<table><tr><th>class</th><th>before</th><th>added</th><th>after</th><th>share after</th></tr>
{{range .Classes}}<tr><td>{{.Class}}</td><td class="n">{{.Before}}</td><td class="n">{{.Added}}</td><td class="n">{{.After}}</td>
<td><span class="bar" style="width:{{printf "%.0f" .Share}}px"></span> {{printf "%.1f" .Share}}%</td></tr>{{end}}</table>
{{range .Sections}}<h2>{{.Title}}</h2><table>{{range .Rows}}<tr><th>{{index . 0}}</th><td>{{index . 1}}</td></tr>{{end}}</table>{{end}}
{{range .Extra}}{{.}}{{end}}
{{range .Pictures}}<h2>{{.Name}}</h2><figure><img src="{{.URI}}" alt="{{.Name}}"><figcaption>{{.Name}}</figcaption></figure>{{end}}
<h2>report.json</h2><pre>{{.Raw}}</pre>
</body></html>
`))

// RenderReportHTML renders report.html from the report, the PNG extras
// (key -> bytes) and optional self-contained HTML fragments (such as a
// QualityOutput's), placed after the tables. The report's alerts become a
// banner under the title. A quality report that is a map[string]any is
// shown as a table of its fields.
func RenderReportHTML(report *Report, pngs map[string][]byte, extra ...template.HTML) ([]byte, error) {
	r := htmlReport{Title: fmt.Sprintf("tailsynth job %v", report.Job), Job: report.Job, Extra: extra, Alerts: report.Alerts}
	for _, kv := range []struct {
		k string
		v any
	}{
		{"dataset", report.Dataset}, {"dataset_layout", report.DatasetLayout}, {"dataset_view", report.DatasetView},
		{"generator", report.Generator}, {"seed", report.Seed}, {"strategy", report.Strategy}, {"params", report.Params},
		{"dataset_fingerprint", report.DatasetFingerprint}, {"leakage_guard_note", report.LeakageGuardNote},
	} {
		if kv.v == "" && (kv.k == "dataset_view" || kv.k == "leakage_guard_note") {
			continue // left out of report.json when empty
		}
		r.Summary = append(r.Summary, [2]string{kv.k, compactJSON(kv.v)})
	}
	before, added, after := report.CountsBefore, report.Added, report.CountsAfter
	total := 0
	for _, n := range after {
		total += n
	}
	var classes []string
	for c := range before {
		classes = append(classes, c)
	}
	sort.Strings(classes)
	for _, c := range classes {
		share := 0.0
		if total > 0 {
			share = 100 * float64(after[c]) / float64(total)
		}
		r.Classes = append(r.Classes, classRow{Class: c, Before: before[c], Added: added[c], After: after[c], Share: share})
	}
	if gr := report.GeneratorReport; gr != nil {
		r.Sections = append(r.Sections, autoSections(gr)...)
		r.Sections = append(r.Sections, section{Title: "Generator", Rows: flatRows(gr)})
	}
	if q, ok := report.Quality.(map[string]any); ok {
		r.Sections = append(r.Sections, section{Title: "Quality", Rows: flatRows(q)})
	}
	var names []string
	for k := range pngs {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		r.Pictures = append(r.Pictures, picture{Name: k,
			URI: template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(pngs[k]))})
	}
	raw, _ := json.MarshalIndent(report, "", "  ")
	r.Raw = string(raw)
	var buf bytes.Buffer
	if err := reportTmpl.Execute(&buf, r); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// autoSections renders the auto generator's choice (generator_report.auto,
// autogen.Selection) as one section per class: the winner, why, and every
// candidate's F1 overall and per judge.
func autoSections(gr map[string]any) []section {
	sel, ok := gr["auto"]
	if !ok {
		return nil
	}
	var s struct {
		Protocol string `json:"protocol"`
		Classes  []struct {
			Class  string `json:"class"`
			Winner string `json:"winner"`
			Why    string `json:"why"`
			Harm   bool   `json:"harm"`
			Real   autoScore
			Scores []autoScore `json:"candidates"`
		} `json:"classes"`
		Failed map[string]string `json:"failed"`
	}
	b, _ := json.Marshal(sel)
	if json.Unmarshal(b, &s) != nil {
		return nil
	}
	var out []section
	for _, c := range s.Classes {
		title := "Auto-selection for class " + c.Class
		if c.Harm {
			title += " (WARNING: no candidate helped)"
		}
		sec := section{Title: title, Rows: [][2]string{{"winner", c.Winner}, {"why", c.Why}}}
		for _, sc := range append([]autoScore{c.Real}, c.Scores...) {
			name := sc.Name
			if name == c.Winner {
				name += " (chosen)"
			}
			sec.Rows = append(sec.Rows, [2]string{name, sc.String()})
		}
		sec.Rows = append(sec.Rows, [2]string{"protocol", s.Protocol})
		out = append(out, sec)
	}
	if len(s.Failed) > 0 {
		sec := section{Title: "Auto-selection: failed candidates"}
		for _, k := range slices.Sorted(maps.Keys(s.Failed)) {
			sec.Rows = append(sec.Rows, [2]string{k, s.Failed[k]})
		}
		out = append(out, sec)
	}
	return out
}

type autoScore struct {
	Name    string             `json:"name"`
	F1      float64            `json:"f1"`
	Lift    float64            `json:"lift_over_real"`
	Pooled  map[string]float64 `json:"pooled_f1_by_judge"`
	Soft    map[string]float64 `json:"soft_f1_by_judge"`
	ByJudge map[string]struct {
		Mean float64 `json:"mean"`
		Std  float64 `json:"std"`
	} `json:"by_judge"`
}

func (a autoScore) String() string {
	out := fmt.Sprintf("score %.3f", a.F1)
	var parts []string
	for _, j := range slices.Sorted(maps.Keys(a.ByJudge)) {
		parts = append(parts, fmt.Sprintf("%s soft F1 %.3f, F1 %.3f (folds %.3f ± %.3f)", j, a.Soft[j], a.Pooled[j], a.ByJudge[j].Mean, a.ByJudge[j].Std))
	}
	if len(parts) > 0 {
		out += ": " + strings.Join(parts, ", ")
	}
	if a.Name != "real" {
		out += fmt.Sprintf(", lift over real %+.3f", a.Lift)
	}
	return out
}

func compactJSON(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.RawMessage:
		return string(x)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

func flatRows(m map[string]any) [][2]string {
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	rows := make([][2]string, 0, len(keys))
	for _, k := range keys {
		v := compactJSON(m[k])
		if len(v) > 600 {
			v = v[:600] + "…"
		}
		rows = append(rows, [2]string{k, strings.TrimSpace(v)})
	}
	return rows
}
