package service_test

// The fault suite's tools (faultsuite_test.go): a client of a service
// process, the exact check of a job's output, dataset trees' hashes, and
// the datasets' files.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"io/fs"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/media"
	"github.com/tailsynth/tailsynth/storage"
)

// client talks to a service process.
type client struct {
	base string
	key  string // sent as a bearer token when set
}

type reply struct {
	code int
	body map[string]any
	raw  []byte
}

// message is the error message of an error reply.
func (r reply) message() string {
	e, _ := r.body["error"].(map[string]any)
	m, _ := e["message"].(string)
	return m
}

// do sends a request; headers are name, value pairs, and an Authorization
// given there replaces the client's.
func (c client) do(t *testing.T, method, path, body string, headers ...string) reply {
	t.Helper()
	req, err := http.NewRequest(method, c.base+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.key != "" {
		req.Header.Set("Authorization", "Bearer "+c.key)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] == "" {
			req.Header.Del(headers[i])
		} else {
			req.Header.Set(headers[i], headers[i+1])
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the answer: %v", method, path, err)
	}
	r := reply{code: resp.StatusCode, raw: raw}
	_ = json.Unmarshal(raw, &r.body)
	return r
}

// ready checks /readyz.
func (c client) ready(t *testing.T) bool {
	t.Helper()
	r := c.do(t, "GET", "/readyz", "")
	if r.code != http.StatusOK {
		t.Errorf("/readyz: %d %s, want 200", r.code, r.raw)
	}
	return r.code == http.StatusOK
}

// submit submits a job and returns its id and the plan's samples per
// class.
func (c client) submit(t *testing.T, body string, headers ...string) (string, map[string]int) {
	t.Helper()
	r := c.do(t, "POST", "/v1/jobs", body, headers...)
	var s struct {
		Job  struct{ ID string }
		Plan struct{ Add map[string]int }
	}
	if err := json.Unmarshal(r.raw, &s); err != nil || r.code != http.StatusAccepted || s.Job.ID == "" {
		t.Fatalf("submit %s: %d %s", body, r.code, r.raw)
	}
	return s.Job.ID, s.Plan.Add
}

type jobView struct {
	ID       string `json:"id"`
	State    string `json:"state"`
	Error    string `json:"error"`
	Attempts int    `json:"attempts"`
	Output   string `json:"output"`
	Progress *struct {
		Stage   string `json:"stage"`
		Classes map[string]struct {
			Done  int `json:"done"`
			Total int `json:"total"`
		} `json:"classes"`
	} `json:"progress"`
	StorageWait *struct {
		Since   time.Time `json:"since"`
		Retries int       `json:"retries"`
	} `json:"storage_wait"`
}

// done is how many samples of class the job has written.
func (j jobView) done(class string) int {
	if j.Progress == nil {
		return 0
	}
	return j.Progress.Classes[class].Done
}

func (c client) job(t *testing.T, id string) jobView {
	t.Helper()
	r := c.do(t, "GET", "/v1/jobs/"+id, "")
	var j jobView
	if err := json.Unmarshal(r.raw, &j); err != nil || r.code != http.StatusOK {
		t.Fatalf("job %s: %d %s", id, r.code, r.raw)
	}
	return j
}

// waitJob polls job id until until says so; a job that ends otherwise, or
// a wait past limit, fails the test.
func (c client) waitJob(t *testing.T, id, what string, limit time.Duration, until func(jobView) bool) jobView {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		j := c.job(t, id)
		if until(j) {
			return j
		}
		if j.State == "succeeded" || j.State == "failed" || j.State == "cancelled" || time.Now().After(deadline) {
			t.Fatalf("waiting %s for %s: job %s is %s after %d attempts (%s), progress %+v", limit, what, id, j.State, j.Attempts, j.Error, j.Progress)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func succeeded(j jobView) bool { return j.State == "succeeded" }

// outputCount is what checkOutput found in a job's folder.
type outputCount struct {
	expected, found, lost, duplicated int
}

// checkOutput checks a succeeded job's folder exactly against the samples
// its plan added per class: _SUCCESS present, naming that many samples, and
// no _INCOMPLETE;
// one metadata.jsonl row per planned (class, index), naming a file in the
// class's folder; no file under data/ that no row names. found counts the
// planned samples present (a row and its file), lost those missing,
// duplicated the rows and files beyond them (a second row of a sample, a
// row of a sample not planned, a file no row names).
func checkOutput(t *testing.T, out storage.Store, job string, add map[string]int) outputCount {
	t.Helper()
	ctx := context.Background()
	var c outputCount
	for _, n := range add {
		c.expected += n
	}
	if marker, err := readObject(ctx, out, generators.SuccessKey); err != nil {
		t.Errorf("job %s: no %s: %v", job, generators.SuccessKey, err)
	} else {
		var m struct{ Samples int }
		if err := json.Unmarshal(marker, &m); err != nil || m.Samples != c.expected {
			t.Errorf("job %s: %s says %d samples (%v), want %d", job, generators.SuccessKey, m.Samples, err, c.expected)
		}
	}
	if _, err := out.Stat(ctx, generators.IncompleteKey); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("job %s succeeded, but its output has %s (%v)", job, generators.IncompleteKey, err)
	}
	files := map[string]bool{}
	for info, err := range out.List(ctx, generators.DataDir+"/", storage.ListOptions{}) {
		if err != nil {
			t.Fatalf("job %s: listing %s/: %v", job, generators.DataDir, err)
		}
		files[info.Key] = true
	}
	meta, err := readObject(ctx, out, generators.MetadataKey)
	if err != nil {
		t.Errorf("job %s: %v", job, err)
	}
	type slot struct {
		class string
		i     int
	}
	slots := map[slot]bool{}
	named := map[string]bool{}
	for n, line := range strings.Split(strings.TrimSuffix(string(meta), "\n"), "\n") {
		if line == "" {
			continue
		}
		var r struct {
			FileName string `json:"file_name"`
			Label    string `json:"label"`
			Index    *int   `json:"index"`
		}
		if err := json.Unmarshal([]byte(line), &r); err != nil || r.Index == nil {
			t.Errorf("job %s: metadata row %d is not a sample's row (%v): %s", job, n+1, err, line)
			c.duplicated++
			continue
		}
		s := slot{r.Label, *r.Index}
		switch {
		case s.i < 0 || s.i >= add[s.class]:
			t.Errorf("job %s: metadata row %d is sample %d of %q, which the plan (%v) did not ask for", job, n+1, s.i, s.class, add)
			c.duplicated++
		case slots[s]:
			t.Errorf("job %s: metadata row %d is sample %d of %q again", job, n+1, s.i, s.class)
			c.duplicated++
		case named[r.FileName]:
			t.Errorf("job %s: metadata row %d names %s again", job, n+1, r.FileName)
			c.duplicated++
		case !strings.HasPrefix(r.FileName, generators.DataDir+"/"+s.class+"/"):
			t.Errorf("job %s: metadata row %d: %s is not in the folder of its class %q", job, n+1, r.FileName, s.class)
		case !files[r.FileName]:
			t.Errorf("job %s: metadata row %d names %s, which is not in the output", job, n+1, r.FileName)
		default:
			c.found++
		}
		slots[s] = true
		named[r.FileName] = true
	}
	for k := range files {
		if named[k] {
			continue
		}
		// A planned sample whose row is missing is lost (counted above);
		// any other file is one too many.
		if m := sampleName.FindStringSubmatch(k); m != nil {
			i, _ := strconv.Atoi(m[2])
			if s := (slot{m[1], i}); i < add[s.class] && !slots[s] {
				t.Errorf("job %s: %s is in the output but no metadata row names it", job, k)
				continue
			}
		}
		t.Errorf("job %s: %s is in the output but is none of the planned samples of its metadata rows", job, k)
		c.duplicated++
	}
	c.lost = c.expected - c.found
	if c.lost != 0 || c.duplicated != 0 {
		t.Errorf("job %s: %d samples planned (%v), %d found, %d lost, %d duplicated", job, c.expected, add, c.found, c.lost, c.duplicated)
	}
	return c
}

// sampleName is generators.SampleKey's form: class and index.
var sampleName = regexp.MustCompile(`^` + generators.DataDir + `/([^/]+)/syn_[^/]+_([0-9]{6})\.[a-z0-9]+$`)

func readObject(ctx context.Context, st storage.Store, key string) ([]byte, error) {
	r, _, err := st.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(r)
}

// hashTree hashes every name, type, symlink target and file content below
// dir.
func hashTree(t *testing.T, dir string) string {
	t.Helper()
	h := sha256.New()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		fmt.Fprintf(h, "%s\x00%v\x00", rel, d.Type())
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			fmt.Fprintf(h, "%s\x00", target)
		case d.Type().IsRegular():
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			sum := sha256.Sum256(b)
			h.Write(sum[:])
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// checkTree compares dir's hash with before and counts it in fig.
func checkTree(t *testing.T, fig *faultFigures, dir, before string) {
	t.Helper()
	changed := hashTree(t, dir) != before
	if changed {
		t.Errorf("the dataset %s changed", dir)
	}
	fig.dataset(changed)
}

// samplePNG is a 16x16 gray image of class k's pattern, varied by i.
func samplePNG(t *testing.T, k, i int) []byte {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, 16, 16))
	for y := range 16 {
		for x := range 16 {
			v := 128 + 100*math.Sin(float64(k+1)*float64(x+i)/3)*math.Cos(float64(y+i%3)/4)
			img.SetGray(x, y, color.Gray{Y: uint8(v)})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// sampleWAV is a 0.25s tone at 8 kHz, class k's pitch varied by i; with
// nan, every sample is NaN (a float WAV that decodes but is no signal).
func sampleWAV(t *testing.T, k, i int, nan bool) []byte {
	t.Helper()
	x := make([]float64, 2000)
	f := 200*float64(k+1) + 25*float64(i)
	for n := range x {
		x[n] = 0.5 * math.Sin(2*math.Pi*f*float64(n)/8000)
		if nan {
			x[n] = math.NaN()
		}
	}
	format := media.WAVFormat{Encoding: media.EncodingPCM, BitDepth: 16}
	if nan {
		format = media.WAVFormat{Encoding: media.EncodingFloat, BitDepth: 32}
	}
	var buf bytes.Buffer
	if err := media.WriteWAV(&buf, &media.Audio{SampleRate: 8000, Channels: [][]float64{x}}, format); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func writeFile(t *testing.T, p string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// writeImages writes counts[class] PNGs per class below dir.
func writeImages(t *testing.T, dir string, counts map[string]int) {
	t.Helper()
	classes := slices.Sorted(func(yield func(string) bool) {
		for c := range counts {
			if !yield(c) {
				return
			}
		}
	})
	for k, class := range classes {
		for i := range counts[class] {
			writeFile(t, filepath.Join(dir, class, fmt.Sprintf("%03d.png", i)), samplePNG(t, k, i))
		}
	}
}
