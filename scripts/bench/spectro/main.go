// Command spectro-bench measures STFT throughput of package spectro for the
// cases that bench_scipy.py measures with SciPy, and prints one JSON line
// per case and worker count. Run it through bench.sh, which also runs SciPy
// and prints the ratios.
//
// Each worker (a goroutine) takes the next signal from a shared counter and
// computes scipy.signal.stft's equivalent (spectro.ScipyConfig: Hann,
// boundary zeros, padded, spectrum scaling). Two forms: "reuse" writes
// into a spectrogram each worker keeps (how spectro is used in a loop);
// "alloc" makes a new one per signal, as SciPy and torch do, so that the
// comparison with them is like for like.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tailsynth/tailsynth/spectro"
)

type benchCase struct {
	Name    string `json:"case"`
	Rate    int    `json:"rate"`
	Samples int    `json:"samples"`
	Signals int    `json:"signals"` // signals per round
	NFFT    int    `json:"nfft"`
	Hop     int    `json:"hop"`
}

var cases = []benchCase{
	{Name: "1s@16kHz", Rate: 16000, Samples: 16000, Signals: 64, NFFT: 512, Hop: 128},
	{Name: "10s@100kHz", Rate: 100000, Samples: 1000000, Signals: 4, NFFT: 1024, Hop: 256},
	{Name: "1000x0.25s@16kHz", Rate: 16000, Samples: 4000, Signals: 1000, NFFT: 512, Hop: 128},
}

type result struct {
	Impl       string  `json:"impl"`
	Form       string  `json:"form"`
	Case       string  `json:"case"`
	Workers    int     `json:"workers"`
	Rounds     int     `json:"rounds"`
	Seconds    float64 `json:"seconds"`
	MSamplesPS float64 `json:"msamples_per_s"`
	SignalsPS  float64 `json:"signals_per_s"`
}

func main() {
	minTime := flag.Duration("min", 2*time.Second, "minimum measured time per case and worker count")
	workersFlag := flag.String("workers", "1,2", "comma-separated worker counts")
	flag.Parse()
	var workers []int
	for _, f := range strings.Split(*workersFlag, ",") {
		w, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || w < 1 {
			fmt.Fprintf(os.Stderr, "bad -workers entry %q: want positive integers\n", f)
			os.Exit(2)
		}
		workers = append(workers, w)
	}
	enc := json.NewEncoder(os.Stdout)
	for _, c := range cases {
		st, err := spectro.NewSTFT(spectro.ScipyConfig(c.NFFT, c.NFFT-c.Hop))
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		rng := rand.New(rand.NewPCG(1, 2))
		x := make([]float64, c.Samples)
		for i := range x {
			x[i] = rng.NormFloat64()
		}
		for _, w := range workers {
			for _, reuse := range []bool{true, false} {
				r := run(st, x, c, w, reuse, *minTime)
				if err := enc.Encode(r); err != nil {
					fmt.Fprintln(os.Stderr, err)
					os.Exit(1)
				}
			}
		}
	}
}

// run processes rounds of c.Signals signals with w workers until minTime
// has passed (after one untimed warm-up round); reuse keeps each worker's
// spectrogram from one signal to the next.
func run(st *spectro.STFT, x []float64, c benchCase, w int, reuse bool, minTime time.Duration) result {
	dsts := make([]*spectro.Spectrogram[complex128], w)
	round := func() {
		var next atomic.Int64
		var wg sync.WaitGroup
		for g := range w {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for next.Add(1) <= int64(c.Signals) {
					if !reuse {
						dsts[g] = nil
					}
					var err error
					if dsts[g], err = st.Forward(dsts[g], x); err != nil {
						panic(err)
					}
				}
			}()
		}
		wg.Wait()
	}
	round()
	start := time.Now()
	rounds := 0
	for time.Since(start) < minTime {
		round()
		rounds++
	}
	sec := time.Since(start).Seconds()
	sigs := float64(rounds * c.Signals)
	form := "reuse"
	if !reuse {
		form = "alloc"
	}
	return result{Impl: "go", Form: form, Case: c.Name, Workers: w, Rounds: rounds, Seconds: sec,
		MSamplesPS: sigs * float64(c.Samples) / sec / 1e6, SignalsPS: sigs / sec}
}
