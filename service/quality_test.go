package service_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tailsynth/tailsynth/configs"
	"github.com/tailsynth/tailsynth/service"
)

// quality.judges in the configuration sets the judges of every job's
// quality report (the default, cnn then logreg, is tested in evaluate).
func TestQualityJudgesConfigured(t *testing.T) {
	cfg := configs.Default()
	cfg.DataDir = t.TempDir()
	cfg.Quality.Judges = []string{"logreg"}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	ds := filepath.Join(cfg.DataDir, "ds")
	for split, counts := range map[string]map[string]int{"train": {"a": 12, "b": 4}, "test": {"a": 4, "b": 4}} {
		for class, n := range counts {
			dir := filepath.Join(ds, split, class)
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			for i := range n {
				img := image.NewGray(image.Rect(0, 0, 6, 6))
				for p := range img.Pix {
					img.Pix[p] = uint8(40*i + 7*p)
					if class == "b" && p%6 < 3 {
						img.Pix[p] = 250
					}
				}
				var buf bytes.Buffer
				png.Encode(&buf, img)
				if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%d.png", i)), buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	svc, err := service.New(ctx, cfg, quiet(), "test")
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Engine().Close()
	if err := svc.Engine().Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer svc.Engine().Stop(context.Background())
	w := httptest.NewRecorder()
	svc.Handler().ServeHTTP(w, httptest.NewRequest("POST", "/v1/jobs", strings.NewReader(
		`{"dataset": "`+ds+`", "generator": "oversample", "strategy": "auto", "seed": 1}`)))
	var sub struct {
		Job struct{ ID, Output string }
	}
	if err := json.Unmarshal(w.Body.Bytes(), &sub); err != nil || w.Code != 202 {
		t.Fatalf("submit: %d %s", w.Code, w.Body)
	}
	// A hang guard, not a speed check: the CNN judge under -race on a
	// loaded 2-core machine took over a minute.
	deadline := time.Now().Add(5 * time.Minute)
	for {
		j, err := svc.Engine().Get(ctx, sub.Job.ID)
		if err != nil {
			t.Fatal(err)
		}
		if j.State == "succeeded" {
			break
		}
		if j.State == "failed" || time.Now().After(deadline) {
			t.Fatalf("job %s: %s", j.State, j.Error)
		}
		time.Sleep(50 * time.Millisecond)
	}
	raw, err := os.ReadFile(filepath.Join(strings.TrimPrefix(sub.Job.Output, "file://"), "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	var report struct {
		Quality struct {
			Judges   []string       `json:"judges"`
			ByJudge  map[string]any `json:"utility_by_judge"`
			Headline string         `json:"headline_judge"`
		} `json:"quality"`
	}
	if err := json.Unmarshal(raw, &report); err != nil {
		t.Fatal(err)
	}
	q := report.Quality
	if !slices.Equal(q.Judges, []string{"logreg"}) || q.Headline != "logreg" || len(q.ByJudge) != 1 {
		t.Errorf("quality judges %v, headline %q, %d results; want logreg alone as configured", q.Judges, q.Headline, len(q.ByJudge))
	}
}
