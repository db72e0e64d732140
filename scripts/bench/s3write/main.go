// Command s3write-bench measures a generation job writing small PNGs to S3
// against raw minio-go PutObject calls of the same objects at the same
// concurrency, in one run, on a versitygw it starts on loopback (issue 17
// §5: the job should reach at least 0.8x the raw throughput).
//
// The dataset (one rare class of -sources small PNGs, one common class) is
// on local disk, so that the job's reads do not share the S3 server with
// its writes. Each round runs (a) a job, pipeline.Pipeline with the
// oversample generator adding -n samples to the rare class into an s3://
// output, and (b) -concurrency goroutines putting the same -n sample files
// (the bytes the job wrote, read back once after the warm-up) with
// minio-go's PutObject, alternately, after one untimed warm-up of each.
// The job's time is all of Pipeline.Run: the scan of the local dataset,
// the samples, then metadata.jsonl, classes.json, report.json, report.html
// and _SUCCESS (five more small objects). It prints the machine, the load
// average, every round, the medians and the ratio of the throughputs.
//
// Run it through run.sh, which builds it and finds versitygw.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/generators/pipeline"
	"github.com/tailsynth/tailsynth/storage"
	"github.com/tailsynth/tailsynth/storage/local"
	"github.com/tailsynth/tailsynth/storage/s3store"
)

const (
	bucket    = "bench"
	accessKey = "tailsynth-bench"
	secretKey = "tailsynth-bench-secret"
)

func main() {
	n := flag.Int("n", 2000, "samples per job (PNG files written)")
	sources := flag.Int("sources", 50, "source PNGs of the rare class")
	side := flag.Int("side", 48, "side of the source PNGs in pixels (48: about 7 KB each)")
	rounds := flag.Int("rounds", 5, "timed rounds of each (after one untimed warm-up of each)")
	conc := flag.Int("concurrency", 8, "objects in flight: the raw PutObject goroutines and the job's writes (see pipeline.go)")
	gw := flag.String("versitygw", "", "versitygw binary (default: $TAILSYNTH_VERSITYGW, .cache/bin/versitygw, $PATH)")
	flag.Parse()
	if *n < 1 || *sources < 1 || *rounds < 1 || *conc < 1 || *side < 1 {
		fmt.Fprintln(os.Stderr, "-n, -sources, -side, -rounds and -concurrency must be positive")
		os.Exit(2)
	}
	if err := run(*n, *sources, *side, *rounds, *conc, *gw); err != nil {
		fmt.Fprintln(os.Stderr, "s3write-bench:", err)
		os.Exit(1)
	}
}

func run(n, sources, side, rounds, conc int, gwBin string) error {
	ctx := context.Background()
	tmp, err := os.MkdirTemp("", "s3write-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	srv, err := startVersityGW(gwBin, filepath.Join(tmp, "s3"))
	if err != nil {
		return err
	}
	defer srv.stop()
	cfg := s3store.Config{Endpoint: "http://" + srv.addr, AccessKey: accessKey, SecretKey: secretKey,
		Region: "us-east-1", BucketLookup: "path", CreateBucket: true}
	s3, err := s3store.New(ctx, cfg, bucket)
	if err != nil {
		return err
	}
	client, err := s3store.NewClient(cfg)
	if err != nil {
		return err
	}

	dsDir := filepath.Join(tmp, "ds")
	var srcBytes int
	for class, count := range map[string]int{"rare": sources, "common": sources + 1} {
		for i := range count {
			b := makePNG(side, uint64(i)<<8|uint64(len(class)))
			srcBytes += len(b)
			p := filepath.Join(dsDir, class, fmt.Sprintf("%04d.png", i))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				return err
			}
			if err := os.WriteFile(p, b, 0o644); err != nil {
				return err
			}
		}
	}

	reg := generators.NewRegistry()
	if err := reg.Register(generators.Oversample{}); err != nil {
		return err
	}
	pl := &pipeline.Pipeline{Registry: reg, Open: func(ctx context.Context, uri string) (storage.Store, error) {
		loc, err := storage.ParseLocation(uri)
		if err != nil {
			return nil, err
		}
		switch {
		case loc.Scheme == "s3" && loc.Bucket == bucket:
			if loc.Path == "" {
				return s3, nil
			}
			return storage.Sub(s3, loc.Path), nil
		case loc.Scheme == "file":
			return local.New(loc.Path)
		}
		return nil, fmt.Errorf("bench opener: %s is neither s3://%s/... nor a local path", uri, bucket)
	}}
	jobWrites := setWrites(pl, conc)

	job := func(id string) (time.Duration, error) {
		spec := generators.Spec{ID: id, Dataset: "file://" + dsDir, Generator: "oversample",
			Strategy: generators.Strategy{Mode: generators.ModeAdd, Add: map[string]int{"rare": n}},
			Seed:     1, Output: "s3://" + bucket + "/jobs", Quality: generators.QualityOff}
		t0 := time.Now()
		res, err := pl.Run(ctx, spec, func(generators.Progress) {})
		d := time.Since(t0)
		if err != nil {
			return d, err
		}
		if res.Files != n {
			return d, fmt.Errorf("job %s wrote %d samples, want %d", id, res.Files, n)
		}
		return d, nil
	}

	fmt.Printf("machine: %d cores, %s, GOMAXPROCS=%d, load average %s\n", runtime.NumCPU(), cpuModel(), runtime.GOMAXPROCS(0), loadAvg())
	fmt.Printf("S3: versitygw on %s (posix backend in %s)\n", srv.addr, tmp)

	// Warm-up job, whose samples are the raw puts' objects.
	if _, err := job("warmup"); err != nil {
		return fmt.Errorf("warm-up job: %w", err)
	}
	objs, err := readSamples(ctx, s3, "jobs/warmup/data/")
	if err != nil {
		return err
	}
	if len(objs) != n {
		return fmt.Errorf("warm-up job left %d samples, want %d", len(objs), n)
	}
	var total int
	for _, o := range objs {
		total += len(o.data)
	}
	fmt.Printf("work: %d PNG samples, %.1f KB mean (oversampled from %d sources of %dx%d), %d in flight: raw PutObject goroutines %d, job %s\n",
		n, float64(total)/float64(n)/1024, sources, side, side, conc, conc, jobWrites)
	raw := func(prefix string) (time.Duration, error) {
		t0 := time.Now()
		err := putAll(ctx, client, prefix, objs, conc)
		return time.Since(t0), err
	}
	if _, err := raw("raw/warmup/"); err != nil {
		return fmt.Errorf("warm-up raw puts: %w", err)
	}

	var jobT, rawT []time.Duration
	fmt.Printf("%-6s %10s %10s %12s %12s\n", "round", "job s", "raw s", "job files/s", "raw files/s")
	for r := range rounds {
		// Alternate which goes first, so that neither always follows the other.
		first, second := "job", "raw"
		if r%2 == 1 {
			first, second = second, first
		}
		var jd, rd time.Duration
		for _, which := range []string{first, second} {
			var err error
			if which == "job" {
				jd, err = job(fmt.Sprintf("r%d", r))
			} else {
				rd, err = raw(fmt.Sprintf("raw/r%d/", r))
			}
			if err != nil {
				return fmt.Errorf("round %d %s: %w", r, which, err)
			}
		}
		jobT, rawT = append(jobT, jd), append(rawT, rd)
		fmt.Printf("%-6d %10.3f %10.3f %12.0f %12.0f\n", r, jd.Seconds(), rd.Seconds(), float64(n)/jd.Seconds(), float64(n)/rd.Seconds())
	}
	jm, rm := median(jobT), median(rawT)
	fmt.Printf("median %10.3f %10.3f %12.0f %12.0f\n", jm.Seconds(), rm.Seconds(), float64(n)/jm.Seconds(), float64(n)/rm.Seconds())
	fmt.Printf("job/raw throughput: %.2fx (target >= 0.80x; raw/job %.2fx); load average after %s\n",
		rm.Seconds()/jm.Seconds(), jm.Seconds()/rm.Seconds(), loadAvg())
	return nil
}

type object struct {
	key  string // relative to the job's output
	data []byte
}

func readSamples(ctx context.Context, st storage.Store, prefix string) ([]object, error) {
	var objs []object
	for info, err := range st.List(ctx, prefix, storage.ListOptions{}) {
		if err != nil {
			return nil, err
		}
		rc, _, err := st.Get(ctx, info.Key)
		if err != nil {
			return nil, err
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return nil, err
		}
		objs = append(objs, object{key: "data/" + strings.TrimPrefix(info.Key, prefix), data: b})
	}
	return objs, nil
}

// putAll puts every object under prefix with conc goroutines, as a program
// would that uses minio-go directly.
func putAll(ctx context.Context, client *minio.Client, prefix string, objs []object, conc int) error {
	next := make(chan object)
	errc := make(chan error, conc)
	var wg sync.WaitGroup
	for range conc {
		wg.Go(func() {
			for o := range next {
				if _, err := client.PutObject(ctx, bucket, prefix+o.key, bytes.NewReader(o.data), int64(len(o.data)),
					minio.PutObjectOptions{ContentType: "image/png"}); err != nil {
					errc <- err
					for range next {
					}
					return
				}
			}
		})
	}
	for _, o := range objs {
		next <- o
	}
	close(next)
	wg.Wait()
	close(errc)
	return <-errc
}

// makePNG draws a small noisy gradient, so that PNG compression leaves a
// few kilobytes.
func makePNG(side int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 17))
	img := image.NewNRGBA(image.Rect(0, 0, side, side))
	for y := range side {
		for x := range side {
			img.SetNRGBA(x, y, color.NRGBA{uint8(x * 5), uint8(y * 5), uint8(r.IntN(64)), 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		panic(err)
	}
	return b.Bytes()
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func cpuModel() string {
	b, _ := os.ReadFile("/proc/cpuinfo")
	for _, l := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

type versityGW struct {
	addr string
	cmd  *exec.Cmd
}

func startVersityGW(bin, dir string) (*versityGW, error) {
	if bin == "" {
		bin = os.Getenv("TAILSYNTH_VERSITYGW")
	}
	if bin == "" {
		if _, err := os.Stat(".cache/bin/versitygw"); err == nil {
			bin = ".cache/bin/versitygw"
		} else if p, err := exec.LookPath("versitygw"); err == nil {
			bin = p
		} else {
			return nil, errors.New("versitygw not found: pass -versitygw, set $TAILSYNTH_VERSITYGW, or run ./scripts/test once (it installs .cache/bin/versitygw)")
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := l.Addr().String()
	l.Close()
	cmd := exec.Command(bin, "--access", accessKey, "--secret", secretKey,
		"--port", addr, "--health", "/health", "--quiet", "posix", dir)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	g := &versityGW{addr: addr, cmd: cmd}
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		resp, err := http.Get("http://" + addr + "/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return g, nil
			}
		}
		if time.Now().After(deadline) {
			g.stop()
			return nil, fmt.Errorf("versitygw on %s did not answer /health within 15s: %v", addr, err)
		}
	}
}

func (g *versityGW) stop() {
	_ = g.cmd.Process.Kill()
	_ = g.cmd.Wait()
}
