package pipeline

import (
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"log/slog"
	"time"

	"github.com/tailsynth/tailsynth/datasets"
	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/storage"
)

// QualityHook measures a finished job's samples against the real data.
type QualityHook interface {
	// Assess runs after the samples, metadata.jsonl and the extras are
	// written and before report.json. It must not fail the job: problems
	// go into the returned report. It stops when ctx is cancelled (the
	// job then ends cancelled, not with a partial report).
	Assess(ctx context.Context, in *QualityInput) QualityOutput
}

// QualityInput is what a QualityHook gets.
type QualityInput struct {
	Spec generators.Spec
	// Source is the dataset's store; Dataset the files as the job saw them
	// (all splits, or the caller's view) and Train those generation used.
	Source  storage.Store
	Dataset *datasets.Dataset
	Train   []datasets.File
	// Output is the job's output (keys relative to <output>/<job>/);
	// Samples lists the written sample keys by class, in index order.
	Output  storage.Store
	Samples map[string][]string
	// Added is the number of samples planned per class.
	Added    map[string]int
	Progress func(stage string)
	Log      *slog.Logger
}

// QualityOutput is a QualityHook's result: Report goes into report.json as
// "quality" (it must marshal to JSON) and HTML, a self-contained fragment
// (pictures as data URIs), into report.html.
type QualityOutput struct {
	Report any
	HTML   template.HTML
	// Alerts go into report.json's "alerts", the banner of report.html
	// and the job's Result.
	Alerts []generators.Alert
}

// measureQuality fills rep.Quality: a note when the job turned the
// measurement off, else the hook's report and alerts, if the pipeline has
// a hook. It returns the hook's HTML fragment, if any, for report.html.
// Only the cancellation of ctx is an error.
func (p *Pipeline) measureQuality(ctx context.Context, j *job, rep *Report) ([]template.HTML, error) {
	if j.spec.Quality == generators.QualityOff {
		rep.Quality = map[string]any{"status": generators.QualityOff, "note": "quality measurement was turned off in the job request"}
		return nil, nil
	}
	if p.Quality == nil {
		return nil, nil
	}
	j.prog.stage("measuring quality", nil)
	t0 := time.Now()
	q := p.assessQuality(ctx, &QualityInput{
		Spec: j.spec, Source: j.src, Dataset: j.plan.Dataset, Train: j.plan.Dataset.TrainFiles(), Output: j.out,
		Samples: sampleKeys(j.classes, j.rows), Added: j.plan.Add, Log: j.log,
		Progress: func(stage string) { j.prog.stage("measuring quality: "+stage, nil) },
	})
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	rep.Quality = q.Report
	if q.Report == nil {
		rep.Quality = json.RawMessage("null")
	}
	rep.Alerts = append(rep.Alerts, q.Alerts...)
	j.mark("quality_s", t0)
	if q.HTML == "" {
		return nil, nil
	}
	return []template.HTML{q.HTML}, nil
}

// assessQuality calls the hook and turns a panic into a reported error, so
// that a bug in a measurement cannot fail a job whose samples are written.
func (p *Pipeline) assessQuality(ctx context.Context, in *QualityInput) (out QualityOutput) {
	defer func() {
		if r := recover(); r != nil {
			in.Log.Error("quality measurement panicked", "job", in.Spec.ID, "panic", r)
			out = QualityOutput{Report: map[string]any{"status": "failed", "errors": []string{fmt.Sprintf("internal error: %v", r)}}}
		}
	}()
	return p.Quality.Assess(ctx, in)
}

// sampleKeys returns the sample keys of the metadata rows by class.
func sampleKeys(classes []string, rows map[string][]json.RawMessage) map[string][]string {
	out := make(map[string][]string, len(classes))
	for _, c := range classes {
		for _, r := range rows[c] {
			var row struct {
				FileName string `json:"file_name"`
			}
			if json.Unmarshal(r, &row) == nil && row.FileName != "" {
				out[c] = append(out[c], row.FileName)
			}
		}
	}
	return out
}
