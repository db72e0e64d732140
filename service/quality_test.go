package service_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tailsynth/tailsynth/configs"
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
	// A hang guard, not a speed check: the CNN judge under -race on a
	// loaded 2-core machine took over a minute.
	sub := runJob(t, cfg, `{"dataset": "`+ds+`", "generator": "oversample", "strategy": "auto", "seed": 1}`, 5*time.Minute)
	raw, err := os.ReadFile(filepath.Join(strings.TrimPrefix(sub.Output, "file://"), "report.json"))
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
