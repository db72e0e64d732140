package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
)

// jobView is what the progress display reads of a job.
type jobView struct {
	ID              string `json:"id"`
	State           string `json:"state"`
	Error           string `json:"error"`
	Attempts        int    `json:"attempts"`
	CancelRequested bool   `json:"cancel_requested"`
	Progress        *struct {
		Stage   string `json:"stage"`
		Classes map[string]struct {
			Done  int `json:"done"`
			Total int `json:"total"`
		} `json:"classes"`
		Details map[string]any `json:"details"`
	} `json:"progress"`
}

func terminal(state string) bool {
	return state == "succeeded" || state == "failed" || state == "cancelled"
}

// progressView shows a job's progress on stderr. On a terminal it redraws
// a header and one bar per class in place; otherwise it writes one line
// per change, which reads well in CI logs.
type progressView struct {
	w   io.Writer
	tty bool
	// drawn is how many lines the last redraw wrote (tty).
	drawn int
	last  string
}

// Display limits.
const (
	barWidth     = 30
	maxClassRows = 20 // more classes are summed up in one line
	maxNameWidth = 24
)

func (p *progressView) update(j jobView) {
	if !p.tty {
		if line := summaryLine(j); line != p.last {
			fmt.Fprintln(p.w, line)
			p.last = line
		}
		return
	}
	lines := barLines(j)
	var b strings.Builder
	if p.drawn > 0 {
		fmt.Fprintf(&b, "\x1b[%dF", p.drawn) // to the start of the first line drawn
	}
	b.WriteString("\x1b[J") // clear from there down
	for _, l := range lines {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	_, _ = io.WriteString(p.w, b.String())
	p.drawn = len(lines)
}

// note prints a message below the display; the next update draws below it.
func (p *progressView) note(format string, args ...any) {
	fmt.Fprintf(p.w, format+"\n", args...)
	p.drawn, p.last = 0, ""
}

func header(j jobView) string {
	h := j.ID + "  " + j.State
	if j.Progress != nil && j.Progress.Stage != "" {
		h += "  " + j.Progress.Stage
		if d := details(j.Progress.Details); d != "" {
			h += " (" + d + ")"
		}
	}
	if j.Attempts > 1 {
		h += fmt.Sprintf("  attempt %d", j.Attempts)
	}
	if j.CancelRequested {
		h += "  cancelling"
	}
	return h
}

// details formats a stage's figures: "step=120 d_loss=-1.2", sorted by
// name, at most 6.
func details(d map[string]any) string {
	keys := make([]string, 0, len(d))
	for k := range d {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if len(keys) > 6 {
		keys = keys[:6]
	}
	parts := make([]string, len(keys))
	for i, k := range keys {
		v := d[k]
		if f, ok := v.(float64); ok && f != float64(int64(f)) {
			v = fmt.Sprintf("%.4g", f)
		}
		parts[i] = fmt.Sprintf("%s=%v", k, v)
	}
	return strings.Join(parts, " ")
}

func classNames(j jobView) []string {
	if j.Progress == nil {
		return nil
	}
	var names []string
	for c, cp := range j.Progress.Classes {
		if cp.Total > 0 {
			names = append(names, c)
		}
	}
	slices.Sort(names)
	return names
}

// summaryLine is the one-line form:
// "job_1  running  generating  rare 40/100  other 3/10".
func summaryLine(j jobView) string {
	line := header(j)
	for i, c := range classNames(j) {
		if i == maxClassRows {
			line += " ..."
			break
		}
		cp := j.Progress.Classes[c]
		line += fmt.Sprintf("  %s %d/%d", c, cp.Done, cp.Total)
	}
	return line
}

// barLines is the terminal form: a header, then a bar per class.
func barLines(j jobView) []string {
	lines := []string{header(j)}
	names := classNames(j)
	width := 0
	for _, c := range names {
		width = max(width, min(len(c), maxNameWidth))
	}
	var restDone, restTotal int
	for i, c := range names {
		cp := j.Progress.Classes[c]
		if i >= maxClassRows {
			restDone += cp.Done
			restTotal += cp.Total
			continue
		}
		if len(c) > maxNameWidth {
			c = c[:maxNameWidth-1] + "~"
		}
		lines = append(lines, fmt.Sprintf("  %-*s %s", width, c, bar(cp.Done, cp.Total)))
	}
	if n := len(names) - maxClassRows; n > 0 {
		lines = append(lines, fmt.Sprintf("  and %d more classes: %d/%d", n, restDone, restTotal))
	}
	return lines
}

// bar draws "[#########---------]   45/100  45%".
func bar(done, total int) string {
	if total <= 0 {
		return ""
	}
	done = min(max(done, 0), total)
	fill := done * barWidth / total
	return fmt.Sprintf("[%s%s] %*d/%d %3d%%", strings.Repeat("#", fill), strings.Repeat("-", barWidth-fill),
		len(fmt.Sprint(total)), done, total, done*100/total)
}
