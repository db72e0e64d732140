package service_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tailsynth/tailsynth/configs"
	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/storage"
	"github.com/tailsynth/tailsynth/storage/local"
	"github.com/tailsynth/tailsynth/storage/storagetest"
)

// The fault suite (issue 13): the checks the issue ran by hand, against
// whole tailsynth service processes and a real S3 server on loopback, each
// ending in exact counts. TestFaultSuite prints its figures as one line
// (t.Log, and the file named by $TAILSYNTH_FAULT_REPORT, which
// scripts/test prints after its main pass):
//
//   - hostile inputs: malformed and hostile requests (bad JSON, wrong
//     types, a body over the limit, paths outside the allowed roots or
//     through symlinks into the dataset or another job's folder, bad
//     strategies, schedules, cursors, generator parameters, auth headers)
//     must each get their 4xx (never a 5xx) with a JSON error message,
//     while /readyz stays 200 and the dataset's files stay as they were;
//   - faults injected: kill -9 of a server in the middle of a job, the S3
//     server down for longer than the old retry window, bad files in the
//     dataset of a job of every generator family, an output symlink moved
//     into the dataset after the job was accepted, a client that trickles
//     its body;
//   - samples: every job that ran is checked exactly (every planned sample
//     present once, metadata.jsonl rows unique and naming exactly the
//     files, _SUCCESS present): lost and duplicated must both be 0.

// faultEnvReport names the file the suite writes its figures to.
const faultEnvReport = "TAILSYNTH_FAULT_REPORT"

// oldRetryWindow is how long a storage outage the old code survived: its
// jobs.max_attempts (3) attempts with River's backoff were spent in about
// 30s. The suite keeps S3 down for longer.
const oldRetryWindow = 30 * time.Second

// held is a generator under another name that holds its jobs at a known
// sample: while the file gate exists, sample at and every later sample of
// a class wait (until the file goes or the job is stopped). A test stops a
// job in the middle of generation with it, deterministically: the samples
// before at are written, no later one.
type held struct {
	generators.Generator
	name, gate string
	at         int
}

func (h held) Info() generators.Info {
	i := h.Generator.Info()
	i.Name = h.name
	return i
}

func (h held) Start(ctx context.Context, env *generators.Env) (generators.Run, error) {
	r, err := h.Generator.Start(ctx, env)
	if err != nil {
		return nil, err
	}
	return heldRun{Run: r, h: h}, nil
}

type heldRun struct {
	generators.Run
	h held
}

func (r heldRun) Generate(ctx context.Context, class string, i int) (*generators.Sample, error) {
	for r.h.gate != "" && i >= r.h.at {
		if _, err := os.Stat(r.h.gate); errors.Is(err, fs.ErrNotExist) {
			break
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	return r.Run.Generate(ctx, class, i)
}

// faultFigures are the suite's counts.
type faultFigures struct {
	mu                      sync.Mutex
	hostile, hostileOK      int // requests tried, answered as expected
	hostile5xx, readyChecks int
	faults                  []faultCount
	skipped                 []string
	jobs                    int
	expected, found         int
	lost, duplicated        int
	datasets, changed       int // dataset trees hashed before and after, and how many changed
}

type faultCount struct {
	rank int // its place in the summary, whichever part ends first
	what string
	n    int
}

// The faults, in the summary's order.
const (
	faultKill = iota
	faultOutage
	faultBadFiles
	faultLinkOut
	faultLinkMoved
	faultSlowBody
)

func (f *faultFigures) fault(rank int, what string, n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults = append(f.faults, faultCount{rank, what, n})
	slices.SortStableFunc(f.faults, func(a, b faultCount) int { return a.rank - b.rank })
}

func (f *faultFigures) job(c outputCount) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.jobs++
	f.expected += c.expected
	f.found += c.found
	f.lost += c.lost
	f.duplicated += c.duplicated
}

func (f *faultFigures) dataset(changed bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.datasets++
	if changed {
		f.changed++
	}
}

func (f *faultFigures) line(failed bool, wall time.Duration) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	result := "PASS"
	if failed {
		result = "FAIL"
	}
	total := 0
	var parts []string
	for _, c := range f.faults {
		total += c.n
		parts = append(parts, fmt.Sprintf("%s %d", c.what, c.n))
	}
	for _, s := range f.skipped {
		parts = append(parts, "SKIPPED "+s)
	}
	return fmt.Sprintf("fault suite %s: hostile inputs %d (%d answered as expected, %d with 5xx, /readyz 200 after each: %d checks); "+
		"faults injected %d (%s); jobs checked %d: samples expected %d, found %d, lost %d, duplicated %d; "+
		"dataset trees changed %d of %d; wall %s",
		result, f.hostile, f.hostileOK, f.hostile5xx, f.readyChecks, total, strings.Join(parts, ", "),
		f.jobs, f.expected, f.found, f.lost, f.duplicated, f.changed, f.datasets, wall.Round(time.Second))
}

// TestFaultSuite runs the fault suite; see the comment at the top of the
// file. Its three parts run side by side, each on its own service process.
func TestFaultSuite(t *testing.T) {
	start := time.Now()
	fig := &faultFigures{}
	t.Run("parts", func(t *testing.T) {
		t.Run("StorageOutage", func(t *testing.T) {
			t.Parallel()
			faultStorageOutage(t, fig)
		})
		t.Run("Kill9", func(t *testing.T) {
			t.Parallel()
			faultKill9(t, fig)
		})
		t.Run("HostileInputsAndBadFiles", func(t *testing.T) {
			t.Parallel()
			faultHostile(t, fig)
		})
	})
	line := fig.line(t.Failed(), time.Since(start))
	t.Log(line)
	if p := os.Getenv(faultEnvReport); p != "" {
		if err := os.WriteFile(p, []byte(line+"\n"), 0o644); err != nil {
			t.Errorf("$%s: %v", faultEnvReport, err)
		}
	}
	if fig.lost != 0 || fig.duplicated != 0 || fig.changed != 0 || fig.hostile5xx != 0 {
		t.Errorf("lost %d, duplicated %d, dataset trees changed %d, 5xx answers %d: all must be 0", fig.lost, fig.duplicated, fig.changed, fig.hostile5xx)
	}
}

// faultKill9 kills a service process (SIGKILL) while its job has written
// 5 of its samples and is held at the 6th, starts another on the same data
// directory, and checks that the job ends with every sample once and that
// the 5 written before the kill were kept, not written again.
func faultKill9(t *testing.T, fig *faultFigures) {
	root := t.TempDir()
	ds := filepath.Join(root, "ds")
	writeImages(t, ds, map[string]int{"common": 30, "rare": 4, "scarce": 4})
	dsHash := hashTree(t, ds)
	gate := filepath.Join(root, "hold")
	writeFile(t, gate, nil)
	const holdAt = 5
	h := helperConfig{DataDir: filepath.Join(root, "data"), Root: root, Output: "file://" + filepath.Join(root, "out"), Gate: gate, HoldAt: holdAt}
	p := startService(t, h)
	c := client{base: "http://" + p.Addr}
	id, add := c.submit(t, fmt.Sprintf(`{"dataset": %q, "generator": "held-augment", "strategy": {"add": {"rare": 12, "scarce": 10}}, "seed": 13, "quality": "off"}`, ds))
	c.waitJob(t, id, fmt.Sprintf("%d samples written and the next held", holdAt), 2*time.Minute, func(j jobView) bool { return j.done("rare") == holdAt })
	jobDir := filepath.Join(root, "out", id)
	written := map[string]os.FileInfo{}
	contents := map[string][]byte{}
	err := filepath.WalkDir(filepath.Join(jobDir, generators.DataDir), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		fi, err := os.Stat(p)
		if err != nil {
			return err
		}
		written[p] = fi
		contents[p], err = os.ReadFile(p)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(written) != holdAt {
		t.Fatalf("before the kill: %d samples on disk, want the %d written before the held one", len(written), holdAt)
	}

	p.Kill()
	if _, err := os.Stat(filepath.Join(jobDir, generators.SuccessKey)); err == nil {
		t.Fatal("the job finished before the kill; the test proves nothing")
	}
	fig.fault(faultKill, "kill -9 mid-job", 1)
	if err := os.Remove(gate); err != nil {
		t.Fatal(err)
	}
	p2 := startService(t, h)
	c2 := client{base: "http://" + p2.Addr}
	j := c2.waitJob(t, id, "the job's end after the restart", 2*time.Minute, succeeded)
	if j.Attempts != 2 {
		t.Errorf("after the restart: succeeded after %d attempts, want 2 (the killed one and one more)", j.Attempts)
	}
	st, err := local.New(filepath.Join(root, "out"))
	if err != nil {
		t.Fatal(err)
	}
	fig.job(checkOutput(t, storage.Sub(st, id), id, add))
	for path, before := range written {
		after, err := os.Stat(path)
		if err != nil {
			t.Errorf("a sample written before the kill is gone: %v", err)
			continue
		}
		b, _ := os.ReadFile(path)
		if !os.SameFile(before, after) || !bytes.Equal(b, contents[path]) {
			t.Errorf("%s, written before the kill, was written again after the restart", path)
		}
	}
	c2.ready(t)
	checkTree(t, fig, ds, dsHash)
}

// faultStorageOutage kills the S3 server under a job that has written 6
// samples into it, keeps it down for longer than the old retry window and
// until the job has met the outage more often than it has attempts, then
// starts it again on the same port: the job goes on with its attempts
// intact and ends with every sample once, those written before the
// outage not written again.
func faultStorageOutage(t *testing.T, fig *faultFigures) {
	t.Cleanup(func() {
		if t.Skipped() { // no versitygw, and CI not set
			fig.mu.Lock()
			fig.skipped = append(fig.skipped, "S3 outage (no S3 server this test can stop and start)")
			fig.mu.Unlock()
		}
	})
	srv := storagetest.NewS3Server(t)
	bucket := srv.NewBucket(t)
	root := t.TempDir()
	ds := filepath.Join(root, "ds")
	writeImages(t, ds, map[string]int{"common": 30, "rare": 4})
	dsHash := hashTree(t, ds)
	gate := filepath.Join(root, "hold")
	writeFile(t, gate, nil)
	const holdAt = 6
	h := helperConfig{DataDir: filepath.Join(root, "data"), Root: root, S3Endpoint: "http://" + srv.Endpoint, S3Access: srv.AccessKey,
		S3Secret: srv.SecretKey, Bucket: bucket, Gate: gate, HoldAt: holdAt, StorageRetryMaxBackoff: 2 * time.Second}
	p := startService(t, h)
	c := client{base: "http://" + p.Addr}
	id, add := c.submit(t, fmt.Sprintf(`{"dataset": %q, "generator": "held-oversample", "strategy": {"add": {"rare": 20}}, "seed": 17, "quality": "off"}`, ds))
	c.waitJob(t, id, fmt.Sprintf("%d samples written and the next held", holdAt), 2*time.Minute, func(j jobView) bool { return j.done("rare") == holdAt })
	ctx := context.Background()
	bst, err := storeFor(srv.Config(), bucket)
	if err != nil {
		t.Fatal(err)
	}
	out := storage.Sub(bst, "runs/"+id)
	written := map[string]storage.ObjectInfo{}
	for info, err := range out.List(ctx, generators.DataDir+"/", storage.ListOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		written[info.Key] = info
	}
	if len(written) != holdAt {
		t.Fatalf("before the outage: %d samples in the bucket, want the %d written before the held one", len(written), holdAt)
	}

	srv.Stop(t)
	down := time.Now()
	if err := os.Remove(gate); err != nil { // the job goes on, into the outage
		t.Fatal(err)
	}
	maxAttempts := configs.Default().Jobs.MaxAttempts
	j := c.waitJob(t, id, "an outage longer than the old retry window, met more often than the job has attempts", 4*time.Minute, func(j jobView) bool {
		// Seen between two tries (while one runs, it counts as running).
		return j.State == "retrying" && j.StorageWait != nil && j.StorageWait.Retries > maxAttempts && time.Since(down) > oldRetryWindow+10*time.Second
	})
	if j.Attempts != 0 || !strings.Contains(j.Error, "storage unavailable") {
		t.Errorf("waiting for storage: %d attempts spent, error %q; want none spent, the storage error", j.Attempts, j.Error)
	}
	if r := c.do(t, "GET", "/readyz", ""); r.code != http.StatusServiceUnavailable || !strings.Contains(string(r.raw), "s3_endpoint") {
		t.Errorf("/readyz while S3 is down: %d %s, want 503 naming s3_endpoint", r.code, r.raw)
	}
	srv.Start(t)
	outage := time.Since(down)
	fig.fault(faultOutage, fmt.Sprintf("S3 down %.0fs (old retry window %s, %d storage retries)", outage.Seconds(), oldRetryWindow, j.StorageWait.Retries), 1)
	j = c.waitJob(t, id, "the job's end once S3 is back", 2*time.Minute, succeeded)
	if j.Attempts != 1 || j.StorageWait != nil {
		t.Errorf("after the outage: succeeded after %d attempts, storage wait %+v; want 1 attempt, no wait", j.Attempts, j.StorageWait)
	}
	fig.job(checkOutput(t, out, id, add))
	for key, before := range written {
		after, err := out.Stat(ctx, key)
		if err != nil || after.ETag != before.ETag || !after.ModTime.Equal(before.ModTime) {
			t.Errorf("%s, written before the outage: %+v (%v) after it, was %+v; want it kept as it was", key, after, err, before)
		}
	}
	c.ready(t)
	checkTree(t, fig, ds, dsHash)
}

// Parameters small enough for a test, as the generators' conformance
// tests use them.
const (
	ganTiny  = `"steps":4,"batch_size":8,"base":4,"z_dim":8,"n_critic":2,"checkpoint_every":2,"grid_per_class":2,"memorization_samples":8`
	stftTiny = `"steps":3,"batch_size":4,"base":4,"z_dim":4,"n_critic":1,"n_fft":32,"hop_length":8,"frames":8,"grid_per_class":2,"memorization_samples":4`
)

// badFileJobs is a job of every generator family on a dataset with bad
// files.
var badFileJobs = []struct{ generator, kind, params string }{
	{"oversample", "images", `{}`},
	{"smote", "images", `{"k": 2}`},
	{"augment", "images", `{}`},
	{"composite", "images", `{"layout": "2x1", "size": 16}`},
	{"wgan-gp", "images", `{` + ganTiny + `,"image_size":8,"save_model":false}`},
	{"spectrogram", "audio", `{"n_fft": 128, "n_mels": 16}`},
	{"specaugment", "audio", `{"n_fft": 128, "n_mels": 16}`},
	{"stftsynth", "audio", `{` + stftTiny + `,"save_model":false}`},
}

// faultHostile runs one service process with API keys on and a short
// read timeout. It holds a job at its first sample, so that the next job,
// accepted with an output symlink that is then moved into the dataset,
// waits; sends the hostile requests and a slow body while jobs of every
// generator run on datasets with bad files; then checks every job.
func faultHostile(t *testing.T, fig *faultFigures) {
	root := t.TempDir()
	outside := t.TempDir() // not below root: outside the allowed roots
	images, audio := filepath.Join(root, "images"), filepath.Join(root, "audio")
	writeImages(t, images, map[string]int{"common": 12, "rare": 6})
	for k, class := range []string{"common", "rare"} {
		for i := range map[string]int{"common": 12, "rare": 6}[class] {
			writeFile(t, filepath.Join(audio, class, fmt.Sprintf("%03d.wav", i)), sampleWAV(t, k, i, false))
		}
	}
	// Bad files in the rare class, which every job reads.
	goodPNG, goodWAV := samplePNG(t, 1, 99), sampleWAV(t, 1, 99, false)
	bad := map[string]map[string][]byte{
		"images": {
			"rare/bad_text.png":      []byte("this is not a picture\n"),
			"rare/bad_truncated.png": goodPNG[:len(goodPNG)/2],
			"rare/bad_empty.png":     {},
		},
		"audio": {
			"rare/bad_text.wav":      []byte("this is not a sound\n"),
			"rare/bad_truncated.wav": goodWAV[:len(goodWAV)/2],
			"rare/bad_empty.wav":     {},
			"rare/bad_nan.wav":       sampleWAV(t, 1, 98, true),
		},
	}
	dirs := map[string]string{"images": images, "audio": audio}
	for kind, files := range bad {
		for key, b := range files {
			writeFile(t, filepath.Join(dirs[kind], filepath.FromSlash(key)), b)
		}
	}
	// A picture outside the allowed roots, linked into the rare class: no
	// job may read it.
	secret := samplePNG(t, 7, 7)
	writeFile(t, filepath.Join(outside, "secret.png"), secret)
	if err := os.Symlink(filepath.Join(outside, "secret.png"), filepath.Join(images, "rare", "link_outside.png")); err != nil {
		t.Fatal(err)
	}
	hashes := map[string]string{images: hashTree(t, images), audio: hashTree(t, audio)}
	for _, l := range [][2]string{{images, "dslink"}, {outside, "escape"}} {
		if err := os.Symlink(l[0], filepath.Join(root, l[1])); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Join(root, "safe"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(root, "safe"), filepath.Join(root, "outlink")); err != nil {
		t.Fatal(err)
	}

	const key = "fault-suite-api-key"
	gate := filepath.Join(root, "hold")
	writeFile(t, gate, nil)
	h := helperConfig{DataDir: filepath.Join(root, "data"), Root: root, Output: "file://" + filepath.Join(root, "out"),
		APIKeys: []string{key}, ReadTimeout: 2 * time.Second, Gate: gate, HoldAt: 0}
	p := startService(t, h)
	c := client{base: "http://" + p.Addr, key: key}
	outStore, err := local.New(filepath.Join(root, "out"))
	if err != nil {
		t.Fatal(err)
	}

	// The only light worker takes the held job; the next job waits behind
	// it, accepted with an output that is a symlink to a safe folder.
	heldID, heldAdd := c.submit(t, fmt.Sprintf(`{"dataset": %q, "generator": "held-oversample", "strategy": {"add": {"rare": 6}}, "seed": 5, "quality": "off"}`, images),
		"Idempotency-Key", "fault-suite-held")
	c.waitJob(t, heldID, "the held job to start", 2*time.Minute, func(j jobView) bool { return j.Progress != nil && j.Progress.Stage == "generating" })
	swapID, _ := c.submit(t, fmt.Sprintf(`{"dataset": %q, "generator": "oversample", "seed": 6, "quality": "off", "output": %q}`, images, filepath.Join(root, "outlink")))
	// Then the link is moved into the dataset.
	if err := os.Symlink(images, filepath.Join(root, "outlink.new")); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(root, "outlink.new"), filepath.Join(root, "outlink")); err != nil {
		t.Fatal(err)
	}
	fig.fault(faultLinkMoved, "output symlink moved into the dataset after submit", 1)

	type badJob struct {
		id, generator, kind string
		add                 map[string]int
	}
	var jobs []badJob
	nbad := 0
	for _, b := range badFileJobs {
		id, add := c.submit(t, fmt.Sprintf(`{"dataset": %q, "generator": %q, "params": %s, "strategy": {"add": {"rare": 8}}, "seed": 21, "quality": "off"}`,
			dirs[b.kind], b.generator, b.params))
		jobs = append(jobs, badJob{id, b.generator, b.kind, add})
		nbad += len(bad[b.kind])
	}
	fig.fault(faultBadFiles, fmt.Sprintf("bad files in the datasets of %d generator jobs", len(badFileJobs)), nbad)
	fig.fault(faultLinkOut, "symlink in a class folder to a file outside the allowed roots", 1)

	if err := os.Remove(gate); err != nil {
		t.Fatal(err)
	}
	c.waitJob(t, heldID, "the held job's end", 2*time.Minute, succeeded)

	hostileRequests(t, fig, c, hostileEnv{root: root, outside: outside, images: images, doneJob: heldID,
		doneDir: filepath.Join(root, "out", heldID)})
	slowBody(t, fig, c, p.Addr, key, images)

	j := c.waitJob(t, swapID, "the job whose output moved into the dataset to fail", 2*time.Minute, func(j jobView) bool { return j.State == "failed" })
	if !strings.Contains(j.Error, "once symlinks are resolved") || j.Attempts != 1 {
		t.Errorf("the job whose output link moved into the dataset: failed after %d attempts: %q; want failed at once, naming the link", j.Attempts, j.Error)
	}
	if entries, _ := os.ReadDir(filepath.Join(root, "safe")); len(entries) != 0 {
		t.Errorf("the job whose output link moved wrote to where the link pointed at submit: %v", entries)
	}

	fig.job(checkOutput(t, storage.Sub(outStore, heldID), heldID, heldAdd))
	ctx := context.Background()
	for _, b := range jobs {
		c.waitJob(t, b.id, b.generator+"'s job to end", 4*time.Minute, succeeded)
		out := storage.Sub(outStore, b.id)
		fig.job(checkOutput(t, out, b.id+" ("+b.generator+")", b.add))
		checkBadFiles(t, ctx, out, b.generator, bad[b.kind], secret)
	}
	for dir, h := range hashes {
		checkTree(t, fig, dir, h)
	}
	c.ready(t)
}

// checkBadFiles checks that a job's report names each bad file of its
// dataset (as a generator's bad file or a file the scan left out), and
// that no sample is made of one, or of the secret picture outside the
// allowed roots.
func checkBadFiles(t *testing.T, ctx context.Context, out storage.Store, generator string, bad map[string][]byte, secret []byte) {
	t.Helper()
	rb, err := readObject(ctx, out, generators.ReportKey)
	if err != nil {
		t.Errorf("%s: %v", generator, err)
		return
	}
	var report struct {
		Skipped   []struct{ Key string } `json:"skipped_files"`
		Generator struct {
			BadFiles []struct{ Key string } `json:"bad_files"`
		} `json:"generator_report"`
	}
	if err := json.Unmarshal(rb, &report); err != nil {
		t.Errorf("%s: report.json: %v", generator, err)
		return
	}
	reported := map[string]bool{}
	for _, f := range report.Skipped {
		reported[f.Key] = true
	}
	for _, f := range report.Generator.BadFiles {
		reported[f.Key] = true
	}
	meta, _ := readObject(ctx, out, generators.MetadataKey)
	for key := range bad {
		if !reported[key] {
			t.Errorf("%s: report.json does not name the bad file %s (bad_files %v, skipped_files %v)", generator, key, report.Generator.BadFiles, report.Skipped)
		}
		if bytes.Contains(meta, []byte(`"`+key+`"`)) {
			t.Errorf("%s: a metadata row names the bad file %s", generator, key)
		}
	}
	if bytes.Contains(meta, []byte("link_outside")) {
		t.Errorf("%s: a metadata row names the link to a file outside the allowed roots", generator)
	}
	for info, err := range out.List(ctx, generators.DataDir+"/", storage.ListOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		b, err := readObject(ctx, out, info.Key)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Equal(b, secret) {
			t.Errorf("%s: %s is the picture outside the allowed roots", generator, info.Key)
		}
		for key, content := range bad {
			if bytes.Equal(b, content) {
				t.Errorf("%s: %s is a copy of the bad file %s", generator, info.Key, key)
			}
		}
	}
}

type hostileEnv struct {
	root, outside, images string
	doneJob, doneDir      string // a job that succeeded, and its folder
}

// hostileRequests sends malformed and hostile requests: each must get its
// status (4xx, or 2xx for the accepted forms of the auth header) with a
// JSON error whose message says what was wrong; /readyz is checked after
// each.
func hostileRequests(t *testing.T, fig *faultFigures, c client, e hostileEnv) {
	ds := e.images
	job := func(fields string) string {
		return `{"dataset": "` + ds + `", "generator": "oversample", "seed": 1, "quality": "off"` + fields + `}`
	}
	huge := `{"dataset": "` + strings.Repeat("x", 2<<20) + `"}`
	cases := []struct {
		name, method, path, body string
		headers                  []string
		status                   int
		want                     string // in the error message
	}{
		// The body.
		{"not JSON", "POST", "/v1/jobs", `{"dataset": `, nil, 400, "ends in the middle"},
		{"JSON syntax error", "POST", "/v1/jobs", `{"dataset" "x"}`, nil, 400, "not valid JSON"},
		{"not an object", "POST", "/v1/jobs", `[1, 2]`, nil, 400, "must be a JSON object"},
		{"empty body", "POST", "/v1/jobs", ``, nil, 400, "body is empty"},
		{"two JSON values", "POST", "/v1/jobs", job(``) + `{}`, nil, 400, "more than one JSON value"},
		{"unknown field", "POST", "/v1/jobs", job(`, "colour": "red"`), nil, 400, `unknown field "colour"`},
		{"seed of the wrong type", "POST", "/v1/jobs", `{"dataset": "` + ds + `", "generator": "oversample", "seed": "7"}`, nil, 400, `field "seed"`},
		{"generator of the wrong type", "POST", "/v1/jobs", `{"dataset": "` + ds + `", "generator": 7}`, nil, 400, `field "generator"`},
		{"body over the limit", "POST", "/v1/jobs", huge, nil, 413, "larger than"},
		{"not application/json", "POST", "/v1/jobs", job(``), []string{"Content-Type", "text/plain"}, 415, "application/json"},
		// The generator.
		{"no generator", "POST", "/v1/jobs", `{"dataset": "` + ds + `"}`, nil, 400, "generator is required"},
		{"unknown generator", "POST", "/v1/jobs", `{"dataset": "` + ds + `", "generator": "magic"}`, nil, 400, `unknown generator "magic"`},
		{"unknown generator parameter", "POST", "/v1/jobs", job(`, "params": {"speed": 11}`), nil, 400, `unknown parameter "speed"`},
		{"generator parameter of the wrong type", "POST", "/v1/jobs", `{"dataset": "` + ds + `", "generator": "smote", "params": {"k": "two"}}`, nil, 400, `"k"`},
		{"generator parameter out of range", "POST", "/v1/jobs", `{"dataset": "` + ds + `", "generator": "augment", "params": {"preset": "extreme"}}`, nil, 400, "preset"},
		{"bad quality", "POST", "/v1/jobs", job(`, "quality": "maybe"`), nil, 400, `quality "maybe"`},
		// Locations.
		{"dataset outside the roots", "POST", "/v1/jobs", `{"dataset": "/etc", "generator": "oversample"}`, nil, 403, "outside the allowed local roots"},
		{"dataset file URI outside the roots", "POST", "/v1/jobs", `{"dataset": "file:///etc/ssl", "generator": "oversample"}`, nil, 403, "outside the allowed local roots"},
		{"dataset path traversal", "POST", "/v1/jobs", `{"dataset": "` + ds + `/../../../../etc", "generator": "oversample"}`, nil, 400, "'..'"},
		{"dataset symlink out of the roots", "POST", "/v1/jobs", `{"dataset": "` + e.root + `/escape", "generator": "oversample"}`, nil, 403, "outside the allowed local roots"},
		{"dataset of another scheme", "POST", "/v1/jobs", `{"dataset": "http://example.com/ds", "generator": "oversample"}`, nil, 400, "http"},
		{"dataset in S3, not configured", "POST", "/v1/jobs", `{"dataset": "s3://someone-else/x", "generator": "oversample"}`, nil, 403, "S3 is not configured"},
		{"unknown dataset name", "POST", "/v1/jobs", `{"dataset": "xray", "generator": "oversample"}`, nil, 404, `dataset "xray"`},
		{"missing dataset", "POST", "/v1/jobs", `{"dataset": "` + e.root + `/nothing", "generator": "oversample"}`, nil, 404, "not found"},
		{"output outside the roots", "POST", "/v1/jobs", job(`, "output": "` + e.outside + `/out"`), nil, 403, "outside the allowed local roots"},
		{"output path traversal", "POST", "/v1/jobs", job(`, "output": "` + e.root + `/out/../../x"`), nil, 400, "'..'"},
		{"output symlink out of the roots", "POST", "/v1/jobs", job(`, "output": "` + e.root + `/escape/out"`), nil, 403, "outside the allowed local roots"},
		{"output inside the dataset", "POST", "/v1/jobs", job(`, "output": "` + ds + `/out"`), nil, 422, "inside the dataset"},
		{"output symlink into the dataset", "POST", "/v1/jobs", job(`, "output": "` + e.root + `/dslink"`), nil, 422, "once symlinks are resolved"},
		{"output below a symlink into the dataset", "POST", "/v1/jobs", job(`, "output": "` + e.root + `/dslink/out"`), nil, 422, "once symlinks are resolved"},
		{"dataset through a symlink, output in the real folder", "POST", "/v1/jobs",
			`{"dataset": "` + e.root + `/dslink", "generator": "oversample", "output": "` + ds + `/out"}`, nil, 422, "once symlinks are resolved"},
		{"output inside another job's folder", "POST", "/v1/jobs", job(`, "output": "` + e.doneDir + `/data"`), nil, 422, "output folder of job " + e.doneJob},
		{"dataset inside another job's folder", "POST", "/v1/jobs",
			`{"dataset": "` + e.doneDir + `/data", "generator": "oversample", "output": "` + e.root + `/out2"}`, nil, 422, "output folder of job " + e.doneJob},
		// Strategies and limits.
		{"unknown class", "POST", "/v1/jobs", job(`, "strategy": {"counts": {"cat": 30}}`), nil, 400, `class "cat"`},
		{"count below the class's", "POST", "/v1/jobs", job(`, "strategy": {"counts": {"rare": 1}}`), nil, 400, "below"},
		{"ratio above 1", "POST", "/v1/jobs", job(`, "strategy": 1.5`), nil, 400, "outside (0, 1]"},
		{"ratio that adds nothing", "POST", "/v1/jobs", job(`, "strategy": 0.5`), nil, 400, "use a ratio of at least"},
		{"unknown strategy", "POST", "/v1/jobs", job(`, "strategy": "most"`), nil, 400, `unknown strategy "most"`},
		{"plan over the sample cap", "POST", "/v1/plan", `{"dataset": "` + ds + `", "strategy": {"add": {"rare": 100001}}}`, nil, 422, "jobs.max_samples"},
		{"job over the sample cap", "POST", "/v1/jobs", job(`, "strategy": {"add": {"rare": 100001}}`), nil, 422, "jobs.max_samples"},
		{"negative header_sample", "POST", "/v1/inspect", `{"dataset": "` + ds + `", "header_sample": -1}`, nil, 400, "header_sample"},
		// Idempotency keys.
		{"Idempotency-Key over 255 characters", "POST", "/v1/jobs", job(``), []string{"Idempotency-Key", strings.Repeat("k", 300)}, 400, "Idempotency-Key"},
		{"Idempotency-Key without a seed", "POST", "/v1/jobs", `{"dataset": "` + ds + `", "generator": "oversample"}`, []string{"Idempotency-Key", "k1"}, 400, "seed"},
		{"Idempotency-Key reused with another request", "POST", "/v1/jobs", job(``), []string{"Idempotency-Key", "fault-suite-held"}, 409, "Idempotency-Key"},
		// Listing, jobs, schedules, datasets.
		{"bad cursor", "GET", "/v1/jobs?cursor=zzz", "", nil, 400, "cursor"},
		{"cursor with a negative time", "GET", "/v1/jobs?cursor=-1.job_00112233445566778899", "", nil, 400, "cursor"},
		{"bad state filter", "GET", "/v1/jobs?state=done", "", nil, 400, `state "done"`},
		{"bad limit", "GET", "/v1/jobs?limit=100000", "", nil, 400, "1 to 500"},
		{"missing job", "GET", "/v1/jobs/job_nope", "", nil, 404, `no job "job_nope"`},
		{"job id with a path traversal", "GET", "/v1/jobs/..%2F..%2Fetc%2Fpasswd", "", nil, 404, "no route"},
		{"cancel a finished job", "POST", "/v1/jobs/" + e.doneJob + "/cancel", "", nil, 409, "succeeded"},
		{"retry a succeeded job", "POST", "/v1/jobs/" + e.doneJob + "/retry", "", nil, 409, "succeeded"},
		{"retry a missing job", "POST", "/v1/jobs/job_nope/retry", "", nil, 404, "no job"},
		{"schedule every second", "POST", "/v1/schedules", `{"cron": "@every 1s", "job": ` + job(``) + `}`, nil, 400, "floor"},
		{"bad cron", "POST", "/v1/schedules", `{"cron": "sometimes", "job": ` + job(``) + `}`, nil, 400, "5 fields"},
		{"bad dataset name", "POST", "/v1/datasets", `{"name": "../etc", "location": "` + ds + `"}`, nil, 400, "lower-case letters"},
		{"unknown route", "GET", "/v1/nothing", "", nil, 404, "no route"},
		// The API key.
		{"no API key", "GET", "/v1/jobs", "", []string{"Authorization", ""}, 401, "missing API key"},
		{"wrong API key", "GET", "/v1/jobs", "", []string{"Authorization", "Bearer not-the-key"}, 401, "not valid"},
		{"Basic instead of Bearer", "GET", "/v1/jobs", "", []string{"Authorization", "Basic ZmF1bHQ6c3VpdGU="}, 401, "missing API key"},
		{"lower-case bearer", "GET", "/v1/jobs?limit=1", "", []string{"Authorization", "bearer " + c.key}, 200, ""},
		{"upper-case bearer, two spaces", "GET", "/v1/jobs?limit=1", "", []string{"Authorization", "BEARER  " + c.key}, 200, ""},
	}
	for _, tc := range cases {
		r := c.do(t, tc.method, tc.path, tc.body, tc.headers...)
		ok := r.code == tc.status
		if tc.status >= 400 {
			ok = ok && r.message() != "" && strings.Contains(r.message(), tc.want)
		}
		if !ok {
			t.Errorf("hostile input %q: %d %.300s; want %d with a JSON error message containing %q", tc.name, r.code, r.raw, tc.status, tc.want)
		}
		ready := c.ready(t)
		fig.mu.Lock()
		fig.hostile++
		if ok {
			fig.hostileOK++
		}
		if r.code >= 500 {
			fig.hostile5xx++
		}
		if ready {
			fig.readyChecks++
		}
		fig.mu.Unlock()
	}
}

// slowBody sends a job request whose body trickles in one byte every
// 250ms: the server (server.read_timeout 2s) must cut the connection
// before the body is complete, make no job of it, and answer other
// clients meanwhile.
func slowBody(t *testing.T, fig *faultFigures, c client, addr, key, ds string) {
	const seed = 424242
	const every = 250 * time.Millisecond
	body := fmt.Sprintf(`{"dataset": %q, "generator": "oversample", "seed": %d, "quality": "off"}`, ds, seed)
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /v1/jobs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", key, len(body))
	var sent atomic.Int64
	stop := make(chan struct{})
	trickled := make(chan struct{})
	go func() {
		defer close(trickled)
		for i := range len(body) {
			if _, err := conn.Write([]byte{body[i]}); err != nil {
				return
			}
			sent.Add(1)
			select {
			case <-stop:
				return
			case <-time.After(every):
			}
		}
	}()
	c.ready(t) // the server answers others meanwhile
	// The body takes len(body) * 250ms; the server must end the exchange
	// before the last byte.
	conn.SetReadDeadline(time.Now().Add(time.Duration(len(body)-2) * every))
	answer, err := io.ReadAll(conn)
	close(stop)
	<-trickled
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("a body trickled at one byte per %s held the connection for %d of its %d bytes; want it cut at server.read_timeout", every, sent.Load(), len(body))
	}
	if n := sent.Load(); n >= int64(len(body)) {
		t.Errorf("the whole trickled body (%d bytes) was read; want the connection cut before", n)
	}
	status := "no answer"
	if len(answer) > 0 {
		resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(answer)), nil)
		if err != nil || resp.StatusCode < 400 || resp.StatusCode >= 500 {
			t.Errorf("the answer to the slow body: %q; want none or a 4xx", answer)
		} else {
			status = resp.Status
		}
	}
	t.Logf("slow body: the connection was cut after %d of its %d bytes (%s)", sent.Load(), len(body), status)
	r := c.do(t, "GET", "/v1/jobs?limit=500", "")
	var list struct {
		Jobs []struct {
			Request struct{ Seed int64 } `json:"request"`
		}
	}
	if err := json.Unmarshal(r.raw, &list); err != nil || r.code != 200 {
		t.Fatalf("list jobs: %d %s", r.code, r.raw)
	}
	for _, j := range list.Jobs {
		if j.Request.Seed == seed {
			t.Errorf("a job was made of the slow body")
		}
	}
	c.ready(t)
	fig.fault(faultSlowBody, "slow body cut off", 1)
}
