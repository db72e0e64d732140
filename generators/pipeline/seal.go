package pipeline

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"path"
	"strings"
	"time"

	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/storage"
)

const metadataType = "application/x-ndjson"

// seal writes what follows the samples: the generator's extras,
// metadata.jsonl, classes.json, the quality report, report.json,
// report.html and, last, the _SUCCESS marker; then it removes the job's
// scratch space.
func (p *Pipeline) seal(ctx context.Context, j *job) (*Result, error) {
	t0 := time.Now()
	j.prog.stage("writing metadata and report", nil)
	extras, err := j.run.Finish(ctx)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", j.spec.Generator, err)
	}
	if extras == nil {
		extras = &generators.Extras{}
	}
	if err := writeExtras(ctx, j, extras.Files); err != nil {
		return nil, err
	}
	metaSum, err := writeMetadata(ctx, j)
	if err != nil {
		return nil, err
	}
	if err := writeClasses(ctx, j.out, j.classes); err != nil {
		return nil, err
	}
	rep := newReport(j)
	if extras.Report != nil {
		rep.GeneratorReport = extras.Report
		if a, ok := extras.Report["alerts"].([]generators.Alert); ok {
			rep.Alerts = append(rep.Alerts, a...)
		}
	}
	j.mark("finish_s", t0)
	qualityHTML, err := p.measureQuality(ctx, j, rep)
	if err != nil {
		return nil, err
	}
	if err := writeReport(ctx, j.out, rep, extras.Files, qualityHTML); err != nil {
		return nil, err
	}
	if err := writeMarker(ctx, j, metaSum); err != nil {
		return nil, err
	}
	cleanWork(ctx, j.out, j.log)
	j.prog.stage("done", nil)
	res := &Result{Output: j.outURI, Files: j.plan.Total, Added: j.plan.Add}
	if len(rep.Alerts) > 0 {
		res.Alerts = rep.Alerts
	}
	return res, nil
}

// writeExtras writes the run's extra files, which must lie under
// generators.ReportDir.
func writeExtras(ctx context.Context, j *job, files []generators.ExtraFile) error {
	for _, f := range files {
		if !strings.HasPrefix(f.Key, generators.ReportDir+"/") || path.Clean(f.Key) != f.Key {
			return fmt.Errorf("%s: extra file %q is not under %s/: loaders would read it as a sample", j.spec.Generator, f.Key, generators.ReportDir)
		}
		if _, err := j.out.Put(ctx, f.Key, bytes.NewReader(f.Data), int64(len(f.Data)), storage.PutOptions{ContentType: f.ContentType}); err != nil {
			return err
		}
	}
	return nil
}

// writeMetadata writes metadata.jsonl, the rows by class and index, and
// returns its SHA-256.
func writeMetadata(ctx context.Context, j *job) ([sha256.Size]byte, error) {
	var meta bytes.Buffer
	for _, c := range j.classes {
		for _, r := range j.rows[c] {
			meta.Write(r)
			meta.WriteByte('\n')
		}
	}
	sum := sha256.Sum256(meta.Bytes())
	_, err := j.out.Put(ctx, generators.MetadataKey, bytes.NewReader(meta.Bytes()), int64(meta.Len()), storage.PutOptions{ContentType: metadataType})
	return sum, err
}

// writeReport writes report.json and report.html, which shows the PNG
// extras and the quality hook's HTML.
func writeReport(ctx context.Context, out storage.Store, rep *Report, extras []generators.ExtraFile, qualityHTML []template.HTML) error {
	rb, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	if _, err := out.Put(ctx, generators.ReportKey, bytes.NewReader(rb), int64(len(rb)), storage.PutOptions{ContentType: "application/json"}); err != nil {
		return err
	}
	pngs := map[string][]byte{}
	for _, f := range extras {
		if strings.HasSuffix(f.Key, ".png") {
			pngs[f.Key] = f.Data
		}
	}
	page, err := RenderReportHTML(rep, pngs, qualityHTML...)
	if err != nil {
		return fmt.Errorf("report.html: %w", err)
	}
	_, err = out.Put(ctx, generators.ReportHTMLKey, bytes.NewReader(page), int64(len(page)), storage.PutOptions{ContentType: "text/html; charset=utf-8"})
	return err
}

// writeMarker writes _SUCCESS, once: a job whose marker exists is complete.
func writeMarker(ctx context.Context, j *job, metaSum [sha256.Size]byte) error {
	marker, _ := json.Marshal(map[string]any{
		"job": j.spec.ID, "samples": j.plan.Total, "metadata_sha256": hex.EncodeToString(metaSum[:]),
		"completed_at": time.Now().UTC().Format(time.RFC3339),
	})
	if _, err := j.out.Put(ctx, generators.SuccessKey, bytes.NewReader(marker), int64(len(marker)),
		storage.PutOptions{ContentType: "application/json", IfNotExists: true}); err != nil && !errors.Is(err, storage.ErrExists) {
		return err
	}
	return nil
}

// cleanWork removes the job's scratch space; failures are logged only.
func cleanWork(ctx context.Context, out storage.Store, log *slog.Logger) {
	var keys []string
	for info, err := range out.List(ctx, generators.WorkDir+"/", storage.ListOptions{}) {
		if err != nil {
			log.Warn("listing the job's scratch space", "err", err)
			return
		}
		keys = append(keys, info.Key)
	}
	for _, k := range keys {
		if err := out.Delete(ctx, k); err != nil {
			log.Warn("removing scratch file", "key", k, "err", err)
		}
	}
}
