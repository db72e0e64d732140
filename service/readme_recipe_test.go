package service_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tailsynth/tailsynth/configs"
)

// The README's PyTorch recipe, between these markers, is run by
// TestReadmePyTorchRecipe.
const (
	recipeBegin = "<!-- recipe: pytorch (service/readme_recipe_test.go runs it) -->"
	recipeEnd   = "<!-- /recipe -->"
)

// readmeRecipe returns the python block between the markers of README.md.
func readmeRecipe(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(b), recipeBegin)
	if !ok {
		t.Fatalf("README.md has no %q marker", recipeBegin)
	}
	block, _, ok := strings.Cut(rest, recipeEnd)
	if !ok {
		t.Fatalf("README.md has no %q after %q", recipeEnd, recipeBegin)
	}
	_, code, ok := strings.Cut(block, "```python\n")
	if !ok {
		t.Fatal("the README's recipe is not a ```python block")
	}
	code, _, ok = strings.Cut(code, "```")
	if !ok {
		t.Fatal("the README's recipe block is not closed")
	}
	return code
}

// torchvisionPython returns a python3 that imports torchvision (Debian's
// python3-torchvision, which scripts/test installs): $TAILSYNTH_PYTHON,
// python3 on $PATH or /usr/bin/python3 (Debian's, where another python3
// comes first on $PATH). Without one the test skips, or fails when CI is
// set.
func torchvisionPython(t *testing.T) string {
	t.Helper()
	var candidates []string
	if p := os.Getenv("TAILSYNTH_PYTHON"); p != "" {
		candidates = append(candidates, p)
	}
	if p, err := exec.LookPath("python3"); err == nil {
		candidates = append(candidates, p)
	}
	candidates = append(candidates, "/usr/bin/python3")
	var tried []string
	for _, p := range candidates {
		out, err := exec.Command(p, "-c", "import torchvision").CombinedOutput()
		if err == nil {
			return p
		}
		tried = append(tried, fmt.Sprintf("%s: %v %s", p, err, bytes.TrimSpace(lastLine(out))))
	}
	msg := "no python3 with torchvision (install Debian's python3-torchvision, or set TAILSYNTH_PYTHON); tried:\n  " + strings.Join(tried, "\n  ")
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

func lastLine(b []byte) []byte {
	b = bytes.TrimSpace(b)
	if i := bytes.LastIndexByte(b, '\n'); i >= 0 {
		return b[i+1:]
	}
	return b
}

// TestReadmePyTorchRecipe checks issue 13, item 14: a job's data/ holds
// only the classes that got samples, so torchvision's ImageFolder numbers
// them unlike the real dataset. The README's recipe must give every
// sample, real and synthetic, the index ImageFolder gives its class on the
// real dataset. It runs the recipe as the README has it (only the job's
// folder is filled in) on a real job's output, with the classes that get
// samples not the first ones, and reads each item's true class from its
// pixels.
func TestReadmePyTorchRecipe(t *testing.T) {
	recipe := readmeRecipe(t)
	jobLine := regexp.MustCompile(`(?m)^job = "[^"\n]*"`)
	if n := len(jobLine.FindAllString(recipe, -1)); n != 1 {
		t.Fatalf("the README's recipe must set the job's folder once, on a line `job = \"data/outputs/job_...\"`; found %d such lines:\n%s", n, recipe)
	}

	// The README's layout, under a temporary working directory: the data
	// directory ./data, the dataset ./data/datasets/toy. The first class
	// by name is the majority, so the classes that get samples are not
	// numbered from 0 on the real dataset.
	dir := t.TempDir()
	cfg := configs.Default()
	cfg.DataDir = filepath.Join(dir, "data")
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	ds := filepath.Join(cfg.DataDir, "datasets", "toy")
	counts := map[string]int{"alpha": 6, "beta": 2, "gamma": 3}
	classes := slices.Sorted(func(yield func(string) bool) {
		for c := range counts {
			if !yield(c) {
				return
			}
		}
	})
	marks := map[string]string{} // pixel (0, 0) -> class
	for k, class := range classes {
		mark := 10 + 40*k
		marks[fmt.Sprint(mark)] = class
		if err := os.MkdirAll(filepath.Join(ds, class), 0o755); err != nil {
			t.Fatal(err)
		}
		for i := range counts[class] {
			img := image.NewGray(image.Rect(0, 0, 4, 4))
			img.Pix[0], img.Pix[1] = uint8(mark), uint8(i)
			var buf bytes.Buffer
			if err := png.Encode(&buf, img); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(ds, class, fmt.Sprintf("%02d.png", i)), buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}

	sub := runJob(t, cfg, `{"dataset": "`+ds+`", "generator": "oversample", "strategy": "auto", "seed": 1, "quality": "off"}`, 60*time.Second)
	jobDir := strings.TrimPrefix(sub.Output, "file://")
	rel, err := filepath.Rel(dir, jobDir)
	if err != nil || strings.HasPrefix(rel, "..") {
		t.Fatalf("the job's output %s is not under %s", jobDir, dir)
	}

	// The output names every class of the dataset in ImageFolder's order.
	var cj struct {
		Classes []string `json:"classes"`
	}
	if b, err := os.ReadFile(filepath.Join(jobDir, "classes.json")); err != nil || json.Unmarshal(b, &cj) != nil || !slices.Equal(cj.Classes, classes) {
		t.Errorf("classes.json: %+v (%v), want classes %q", cj, err, classes)
	}
	var report struct {
		Classes []string `json:"classes"`
	}
	if b, err := os.ReadFile(filepath.Join(jobDir, "report.json")); err != nil || json.Unmarshal(b, &report) != nil || !slices.Equal(report.Classes, classes) {
		t.Errorf("report.json classes: %q (%v), want %q", report.Classes, err, classes)
	}

	py := torchvisionPython(t)
	marksJSON, _ := json.Marshal(marks)
	script := jobLine.ReplaceAllLiteralString(recipe, fmt.Sprintf("job = %q", filepath.ToSlash(rel))) + fmt.Sprintf(`

# --- appended by service/readme_recipe_test.go: every item of train must
# carry the index ImageFolder gives its class on the real dataset.
import json as _json, os as _os
_marks = _json.loads(%q)
_order = sorted(d for d in _os.listdir("data/datasets/toy") if _os.path.isdir(_os.path.join("data/datasets/toy", d)))
for _i in range(len(train)):
    _img, _target = train[_i]
    _p = _img.getpixel((0, 0))
    _class = _marks[str(_p[0] if isinstance(_p, tuple) else _p)]
    assert _target == _order.index(_class), f"item {_i}: a {_class} sample labelled {_target} ({_order[_target]}), want {_order.index(_class)}"
print("RECIPE_ITEMS", len(train))
`, marksJSON)
	scriptPath := filepath.Join(t.TempDir(), "recipe.py")
	if err := os.WriteFile(scriptPath, []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	pctx, pcancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer pcancel()
	cmd := exec.CommandContext(pctx, py, scriptPath)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the README's recipe failed on job %s: %v\n%s\nscript:\n%s", sub.ID, err, out, script)
	}
	real := 0
	for _, n := range counts {
		real += n
	}
	if want := fmt.Sprintf("RECIPE_ITEMS %d", real+sub.Planned); !strings.Contains(string(out), want) {
		t.Errorf("the recipe's train set: %s, want %s (%d real + %d synthetic)", bytes.TrimSpace(out), want, real, sub.Planned)
	}
}
