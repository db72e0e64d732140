// Command table prints the utility benchmark's result
// (scripts/bench/utility/run.sh) as markdown: it reads the leaderboard.json
// of every long-tailed variant and writes
//
//   - one table with a row per method (the built-in real,
//     random_oversampling and smote rows, then each requested method) and,
//     for each judge (utility classifier), the rare-class F1, the rare
//     class's recall and the balanced accuracy averaged over the variants,
//     the mean lift of the rare-class F1 over the smote row, and on how
//     many variants the leaderboard flagged the method as harmful;
//   - per judge, a table of the rare-class F1 on each variant (the best of
//     each column, as printed, in bold).
//
// Usage:
//
//	go run ./scripts/bench/utility/table [-o table.md] [-target 0.05] LEADERBOARD.json...
//
// A variant is named by its rare classes and their training images
// ("shirt-10"); variants keep the order of the arguments.
package main

import (
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
)

func main() {
	out := flag.String("o", "", "also write the tables to this file")
	target := flag.Float64("target", 0.05, "lift over SMOTE's rare-class F1 the summary checks the best method against")
	flag.Usage = func() {
		fmt.Fprintln(flag.CommandLine.Output(), "usage: table [-o table.md] [-target 0.05] LEADERBOARD.json...")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() == 0 {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(os.Stdout, *out, *target, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "table:", err)
		os.Exit(1)
	}
}

func run(stdout io.Writer, out string, target float64, paths []string) error {
	var vs []variant
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		v, err := readVariant(p, b)
		if err != nil {
			return err
		}
		vs = append(vs, v)
	}
	var sb strings.Builder
	render(&sb, vs, target)
	if _, err := io.WriteString(stdout, sb.String()); err != nil {
		return err
	}
	if out != "" {
		return os.WriteFile(out, []byte(sb.String()), 0o644)
	}
	return nil
}

// render writes the markdown tables of the variants.
func render(w *strings.Builder, vs []variant, target float64) {
	var methods []method
	var judgeNames []string
	classifier, headline := map[string]string{}, map[string]bool{}
	seeds, features := map[string]bool{}, map[string]bool{}
	for _, v := range vs {
		for _, m := range v.Methods {
			if !slices.ContainsFunc(methods, func(x method) bool { return x.Name == m.Name }) {
				methods = append(methods, m)
			}
		}
		for j, jd := range v.Judges {
			if !slices.Contains(judgeNames, j) {
				judgeNames = append(judgeNames, j)
			}
			if classifier[j] == "" {
				classifier[j] = jd.Classifier
			}
			headline[j] = headline[j] || jd.Headline
		}
		seeds[strings.Trim(strings.ReplaceAll(fmt.Sprint(v.Seeds), " ", ","), "[]")] = true
		features[v.Features] = true
	}
	// logreg first, the others by name.
	slices.SortFunc(judgeNames, func(a, b string) int {
		switch {
		case a == b:
			return 0
		case a == judgeLogReg:
			return -1
		case b == judgeLogReg:
			return 1
		}
		return strings.Compare(a, b)
	})
	names := make([]string, len(vs))
	for i, v := range vs {
		names[i] = v.Name
	}
	fmt.Fprintf(w, "Utility benchmark: %d variants (%s); seeds %s; utility features %s.\n",
		len(vs), strings.Join(names, ", "), strings.Join(slices.Sorted(maps.Keys(seeds)), " and "), strings.Join(slices.Sorted(maps.Keys(features)), " and "))
	for _, j := range judgeNames {
		h := ""
		if headline[j] {
			h = " (the leaderboards' headline judge)"
		}
		fmt.Fprintf(w, "Judge %s%s: %s.\n", j, h, classifier[j])
	}
	fmt.Fprintf(w, "Figures are means over the variants of the per-variant means over the seeds; F1 and recall are the rare class's, on untouched real test images. \"(k/n)\": the method has figures on k of the n variants only. Harm flags: on how many variants the leaderboard flagged the method as harmful for the judge (below real or random oversampling by more than the noise).\n\n")

	// Table 1: means over the variants.
	head := []string{"method", "generator and params"}
	for _, j := range judgeNames {
		head = append(head, j+" F1", j+" recall", j+" bal. acc.", j+" lift vs SMOTE", j+" harm flags")
	}
	writeRow(w, head)
	writeRow(w, slices.Repeat([]string{"---"}, len(head)))
	type best struct {
		name string
		lift float64
	}
	bests := map[string]best{}
	for _, m := range methods {
		cells := []string{m.Name, describe(m)}
		for _, j := range judgeNames {
			var f1, rec, ba, lift []float64
			harm := 0
			for _, v := range vs {
				if f, ok := v.Judges[j].Methods[m.Name]; ok {
					f1, rec, ba, lift = append(f1, f.F1), append(rec, f.Recall), append(ba, f.BalAcc), append(lift, f.LiftSMOTE)
					if f.Harm {
						harm++
					}
				}
			}
			if len(f1) == 0 {
				cells = append(cells, "—", "—", "—", "—", "—")
				continue
			}
			part := ""
			if len(f1) < len(vs) {
				part = fmt.Sprintf(" (%d/%d)", len(f1), len(vs))
			}
			if m.WholeDataset { // another test set: no lift, no harm rule
				cells = append(cells, fmt.Sprintf("%.3f%s", mean(f1), part), fmt.Sprintf("%.3f", mean(rec)), fmt.Sprintf("%.3f", mean(ba)), "n/a", "n/a")
				continue
			}
			cells = append(cells, fmt.Sprintf("%.3f%s", mean(f1), part), fmt.Sprintf("%.3f", mean(rec)), fmt.Sprintf("%.3f", mean(ba)), fmt.Sprintf("%+.3f", mean(lift)), fmt.Sprintf("%d/%d", harm, len(f1)))
			if b, ok := bests[j]; !m.Baseline && len(f1) == len(vs) && (!ok || mean(lift) > b.lift) {
				bests[j] = best{m.Name, mean(lift)}
			}
		}
		writeRow(w, cells)
	}
	fmt.Fprintln(w)
	if slices.ContainsFunc(methods, func(m method) bool { return m.WholeDataset }) {
		fmt.Fprintf(w, "Methods of protocol whole_dataset (†) were trained on composites and tested on composites of the held-out images, each made from held-out images of its own class: composing a held-out tuple needs its label, which a deployed classifier does not have, so their figures measure a composite classifier and are not comparable with the other rows (no lift over SMOTE, no harm rule, never bold or best).\n\n")
	}
	for _, j := range judgeNames {
		b, ok := bests[j]
		if !ok {
			fmt.Fprintf(w, "- %s: no method has figures on every variant.\n", j)
			continue
		}
		verdict := "met"
		if b.lift < target {
			verdict = "not met"
		}
		fmt.Fprintf(w, "- %s: best method by mean lift over SMOTE's rare-class F1: %s, %+.3f (target %+.3f: %s).\n", j, b.name, b.lift, target, verdict)
	}

	// Table 2, per judge: F1 per variant.
	for _, j := range judgeNames {
		fmt.Fprintf(w, "\nRare-class F1 per variant, %s judge (mean ± spread over the seeds; best of each column in bold):\n\n", j)
		writeRow(w, append([]string{"method"}, names...))
		writeRow(w, slices.Repeat([]string{"---"}, len(vs)+1))
		// The best of a column as printed, so that ties in print are all bold.
		top := make([]string, len(vs))
		for i, v := range vs {
			best := -1.0
			for _, f := range v.Judges[j].Methods {
				if !f.Composite {
					best = max(best, f.F1)
				}
			}
			top[i] = fmt.Sprintf("%.3f", best)
		}
		for _, m := range methods {
			cells := []string{m.Name}
			if m.WholeDataset {
				cells[0] += " †"
			}
			for i, v := range vs {
				f, ok := v.Judges[j].Methods[m.Name]
				switch {
				case !ok && v.Errors[m.Name] != "":
					cells = append(cells, "failed")
				case !ok:
					cells = append(cells, "—")
				default:
					c := fmt.Sprintf("%.3f", f.F1)
					bold := c == top[i] && !f.Composite
					if f.F1Std > 0 {
						c += fmt.Sprintf(" ± %.3f", f.F1Std)
					}
					if bold {
						c = "**" + c + "**"
					}
					cells = append(cells, c)
				}
			}
			writeRow(w, cells)
		}
	}

	var errs []string
	for _, v := range vs {
		for _, m := range methods {
			if e := v.Errors[m.Name]; e != "" {
				first, _, _ := strings.Cut(e, "\n")
				errs = append(errs, fmt.Sprintf("- %s on %s: %s", m.Name, v.Name, first))
			}
		}
	}
	if len(errs) > 0 {
		fmt.Fprintf(w, "\nFailed rows:\n%s\n", strings.Join(errs, "\n"))
	}
}

// describe is a method's generator and parameters, or what a built-in row
// is.
func describe(m method) string {
	switch {
	case m.Name == "real":
		return "built-in: real training images only"
	case m.Name == "random_oversampling":
		return "built-in: copies in the feature space"
	case m.Name == "smote":
		return "built-in: SMOTE in the feature space"
	}
	d := "`" + m.Generator + "`"
	if m.Params != "" {
		d = "`" + m.Generator + " " + m.Params + "`"
	}
	if m.WholeDataset {
		d += " whole_dataset †"
	}
	return d
}

func writeRow(w *strings.Builder, cells []string) {
	esc := make([]string, len(cells))
	for i, c := range cells {
		esc[i] = strings.ReplaceAll(c, "|", `\|`)
	}
	fmt.Fprintf(w, "| %s |\n", strings.Join(esc, " | "))
}

func mean(x []float64) float64 {
	s := 0.0
	for _, v := range x {
		s += v
	}
	return s / float64(len(x))
}
