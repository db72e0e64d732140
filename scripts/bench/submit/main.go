// Command submit-bench measures the submit path, POST /v1/jobs, of a real
// service on the embedded default (SQLite in the data directory, local
// storage), as a client sees it: open-loop requests at a fixed rate (issue
// 17 §5: p99 under 20 ms at 500 requests/s).
//
// Open loop: request i is due at start + i/rate and its latency counts from
// that moment, not from when a client got round to sending it, so a server
// that falls behind is charged for the queue it causes (no coordinated
// omission). Every request is a distinct job (its own seed, no
// Idempotency-Key): an oversample job adding -add samples to the rare class
// of a local dataset of -common + -rare small PNGs. The service's workers
// run those jobs meanwhile, as they would in use.
//
// In the same run, at the same rate, it sends GET /healthz to the same
// service: the floor of the HTTP stack on this machine under the same
// load, so the submit path's own share shows. Rounds alternate the two.
// -cpuprofile writes a CPU profile of the submit rounds.
//
// Usage: go run ./scripts/bench/submit [-rate 500] [-duration 10s] [-rounds 3]
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"image"
	"image/png"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/tailsynth/tailsynth/configs"
	"github.com/tailsynth/tailsynth/service"
)

func main() {
	rate := flag.Float64("rate", 500, "requests per second")
	duration := flag.Duration("duration", 10*time.Second, "length of one round")
	rounds := flag.Int("rounds", 3, "rounds of each (submit, then the /healthz floor)")
	common := flag.Int("common", 500, "images of the common class")
	rare := flag.Int("rare", 30, "images of the rare class")
	add := flag.Int("add", 5, "samples each job adds to the rare class")
	workers := flag.Int("workers", 2, "jobs.workers of the service")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the submit rounds here")
	flag.Parse()

	tmp, err := os.MkdirTemp("", "submit-bench-")
	check(err)
	defer os.RemoveAll(tmp)
	writeDataset(filepath.Join(tmp, "data", "ds"), map[string]int{"common": *common, "rare": *rare})

	cfg := configs.Default()
	cfg.DataDir = filepath.Join(tmp, "data")
	cfg.Jobs.Workers = *workers
	cfg.Log.Level = "error"
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	svc, err := service.New(ctx, cfg, log, "bench")
	check(err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	check(err)
	served := make(chan error, 1)
	go func() { served <- svc.Serve(ctx, ln) }()
	base := "http://" + ln.Addr().String()

	client := &http.Client{Transport: &http.Transport{MaxIdleConns: 4096, MaxIdleConnsPerHost: 4096, IdleConnTimeout: time.Minute}, Timeout: 30 * time.Second}
	dataset := "file://" + filepath.Join(tmp, "data", "ds")
	seed := 0
	var mu sync.Mutex
	submit := func() (*http.Request, error) {
		mu.Lock()
		seed++
		s := seed
		mu.Unlock()
		body := fmt.Sprintf(`{"dataset": %q, "generator": "oversample", "params": {}, "strategy": {"add": {"rare": %d}}, "seed": %d}`, dataset, *add, s)
		req, err := http.NewRequest("POST", base+"/v1/jobs", strings.NewReader(body))
		if err == nil {
			req.Header.Set("Content-Type", "application/json")
		}
		return req, err
	}
	health := func() (*http.Request, error) { return http.NewRequest("GET", base+"/healthz", nil) }

	fmt.Printf("machine: %s, %d CPUs (GOMAXPROCS %d), %s\n", cpuModel(), runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.Version())
	fmt.Printf("load average at start: %s\n", loadavg())
	fmt.Printf("open loop at %.0f requests/s for %s a round; dataset %d common + %d rare PNGs; each job adds %d; jobs.workers %d\n",
		*rate, *duration, *common, *rare, *add, *workers)
	// Warm-up: connections, SQLite pages, the dataset's first scan.
	run(client, submit, *rate, time.Second)
	run(client, health, *rate, time.Second)

	var prof *os.File
	if *cpuprofile != "" {
		prof, err = os.Create(*cpuprofile)
		check(err)
	}
	var subP99, healthP99 []time.Duration
	for r := range *rounds {
		if prof != nil {
			check(pprof.StartCPUProfile(prof))
		}
		s := run(client, submit, *rate, *duration)
		if prof != nil {
			pprof.StopCPUProfile()
			prof.Close()
			prof = nil
		}
		h := run(client, health, *rate, *duration)
		fmt.Printf("round %d  POST /v1/jobs %s\n", r+1, s)
		fmt.Printf("round %d  GET /healthz  %s\n", r+1, h)
		subP99 = append(subP99, s.p99)
		healthP99 = append(healthP99, h.p99)
	}
	fmt.Printf("load average at end: %s\n", loadavg())
	sm, hm := median(subP99), median(healthP99)
	fmt.Printf("median p99: POST /v1/jobs %s, GET /healthz %s (floor), ratio %.1fx; target p99 < 20ms\n",
		ms(sm), ms(hm), float64(sm)/float64(max(hm, time.Microsecond)))
	fmt.Printf("summary submit_p99_ms=%.2f healthz_p99_ms=%.2f rate=%.0f\n", float64(sm)/1e6, float64(hm)/1e6, *rate)
	cancel()
	<-served
}

type stats struct {
	sent, ok                 int
	codes                    map[int]int
	errs                     int
	achieved                 float64
	p50, p90, p99, p999, max time.Duration
}

func (s stats) String() string {
	var codes []string
	for c, n := range s.codes {
		codes = append(codes, fmt.Sprintf("%d:%d", c, n))
	}
	slices.Sort(codes)
	return fmt.Sprintf("%d sent, %.0f/s done, p50 %s p90 %s p99 %s p99.9 %s max %s, statuses %s, transport errors %d",
		s.sent, s.achieved, ms(s.p50), ms(s.p90), ms(s.p99), ms(s.p999), ms(s.max), strings.Join(codes, " "), s.errs)
}

// run sends requests made by mk at rate for d, open loop, and waits for
// every answer.
func run(client *http.Client, mk func() (*http.Request, error), rate float64, d time.Duration) stats {
	n := int(rate * d.Seconds())
	lat := make([]time.Duration, n)
	codes := make([]int, n)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range n {
		due := start.Add(time.Duration(float64(i) / rate * float64(time.Second)))
		time.Sleep(time.Until(due))
		wg.Go(func() {
			req, err := mk()
			if err != nil {
				codes[i] = -1
				return
			}
			resp, err := client.Do(req)
			if err != nil {
				codes[i] = -1
				lat[i] = time.Since(due)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			lat[i] = time.Since(due)
			codes[i] = resp.StatusCode
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	s := stats{sent: n, codes: map[int]int{}, achieved: float64(n) / elapsed.Seconds()}
	for _, c := range codes {
		if c < 0 {
			s.errs++
		} else {
			s.codes[c]++
		}
	}
	slices.Sort(lat)
	q := func(p float64) time.Duration { return lat[min(n-1, int(p*float64(n)))] }
	s.p50, s.p90, s.p99, s.p999, s.max = q(0.5), q(0.9), q(0.99), q(0.999), lat[n-1]
	return s
}

func writeDataset(dir string, counts map[string]int) {
	for class, n := range counts {
		check(os.MkdirAll(filepath.Join(dir, class), 0o755))
		for i := range n {
			img := image.NewGray(image.Rect(0, 0, 28, 28))
			for j := range img.Pix {
				img.Pix[j] = uint8(i*7 + j*len(class))
			}
			var b bytes.Buffer
			check(png.Encode(&b, img))
			check(os.WriteFile(filepath.Join(dir, class, fmt.Sprintf("%04d.png", i)), b.Bytes(), 0o644))
		}
	}
}

func median(xs []time.Duration) time.Duration {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1fms", float64(d)/1e6) }

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				return strings.TrimSpace(v)
			}
		}
	}
	out, _ := exec.Command("uname", "-m").Output()
	return strings.TrimSpace(string(out))
}

func loadavg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "submit-bench:", err)
		os.Exit(1)
	}
}
