// Command bench times CB-ImgComp composites with the composite package, for
// comparison with Pillow (bench.py); bench.sh runs both.
//
//	bench -gen DIR                      write the source PNGs
//	bench -dir DIR -size 224 -n 300 -workers 2 -level 6 [-enc fast|stdlib] [-out one.png]
//
// One composite = read 3 source files, decode them, resize each to its tile
// (3x1 layout, stretch, Lanczos-3), paste into a canvas of the source size,
// encode the result as PNG into memory (-enc fast: media.NewEncoder;
// -enc stdlib: media.NewPNGEncoder, image/png with pooled buffers).
// Composite i uses sources 3i, 3i+1, 3i+2 (mod the number of files). No cache: every composite decodes its
// sources, as Pillow does. Timing excludes one warm-up pass over
// max(n/10, workers) composites, as bench.py's does.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"log"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/tailsynth/tailsynth/composite"
	"github.com/tailsynth/tailsynth/media"
)

// Sets of sources: side, colour, count.
var sets = []struct {
	side  int
	gray  bool
	count int
}{{28, true, 60}, {224, false, 30}, {512, false, 15}}

func main() {
	gen := flag.String("gen", "", "write source PNGs under this directory and exit")
	dir := flag.String("dir", "", "directory written by -gen")
	side := flag.Int("size", 224, "source and composite side: 28 (gray), 224 or 512 (RGB)")
	n := flag.Int("n", 100, "composites to time")
	workers := flag.Int("workers", 1, "goroutines rendering composites")
	level := flag.Int("level", 6, "PNG compression: 6 = png.DefaultCompression (zlib 6), 1 = png.BestSpeed")
	filter := flag.String("filter", "lanczos", "resampling filter")
	out := flag.String("out", "", "also write composite 0 here (for comparing outputs)")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the timed pass here")
	encName := flag.String("enc", "fast", "PNG encoder: fast (media.NewEncoder) or stdlib (media.NewPNGEncoder, image/png)")
	flag.Parse()
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			log.Fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			log.Fatal(err)
		}
		defer pprof.StopCPUProfile()
	}
	if *gen != "" {
		if err := generate(*gen); err != nil {
			log.Fatal(err)
		}
		return
	}
	if err := run(*dir, *side, *n, *workers, *level, *filter, *encName, *out); err != nil {
		log.Print(err)
		pprof.StopCPUProfile()
		os.Exit(1)
	}
}

// generate writes smooth gradients plus seeded noise (so the PNGs compress
// like photographs, not like flat colour).
func generate(root string) error {
	r := rand.New(rand.NewPCG(1, 2))
	for _, s := range sets {
		d := filepath.Join(root, fmt.Sprint(s.side))
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
		for i := range s.count {
			var img image.Image
			fx, fy := r.Float64()*4+1, r.Float64()*4+1
			val := func(x, y, c int) uint8 {
				v := 128 + 60*math.Sin(2*math.Pi*fx*float64(x)/float64(s.side)+float64(c)) + 40*math.Sin(2*math.Pi*fy*float64(y)/float64(s.side)) + float64(r.IntN(40)) - 20
				return uint8(max(0, min(255, v)))
			}
			if s.gray {
				g := image.NewGray(image.Rect(0, 0, s.side, s.side))
				for y := range s.side {
					for x := range s.side {
						g.SetGray(x, y, color.Gray{Y: val(x, y, 0)})
					}
				}
				img = g
			} else {
				m := image.NewNRGBA(image.Rect(0, 0, s.side, s.side))
				for y := range s.side {
					for x := range s.side {
						m.SetNRGBA(x, y, color.NRGBA{R: val(x, y, 0), G: val(x, y, 1), B: val(x, y, 2), A: 255})
					}
				}
				img = m
			}
			f, err := os.Create(filepath.Join(d, fmt.Sprintf("%03d.png", i)))
			if err != nil {
				return err
			}
			if err := png.Encode(f, img); err != nil {
				return err
			}
			if err := f.Close(); err != nil {
				return err
			}
		}
	}
	return nil
}

func run(dir string, side, n, workers, level int, filter, encName, out string) error {
	d := filepath.Join(dir, fmt.Sprint(side))
	entries, err := os.ReadDir(d)
	if err != nil {
		return err
	}
	var keys []string
	for _, e := range entries {
		keys = append(keys, e.Name())
	}
	opts := composite.DefaultOptions()
	opts.Size = media.Size{W: side, H: side}
	opts.Filter = filter
	r, err := composite.NewRenderer(opts, composite.FSLoader(os.DirFS(d), media.DecodeOptions{}), nil)
	if err != nil {
		return err
	}
	pl := png.DefaultCompression
	if level == 1 {
		pl = png.BestSpeed
	}
	var enc interface {
		Encode(io.Writer, image.Image) error
	}
	switch encName {
	case "fast":
		enc = media.NewEncoder(pl)
	case "stdlib":
		enc = media.NewPNGEncoder(pl)
	default:
		return fmt.Errorf("-enc %q: want fast or stdlib", encName)
	}
	var outBytes atomic.Int64 // encoded bytes in the timed pass
	one := func(i int) ([]byte, error) {
		p := composite.Plan{Sources: []string{keys[(3*i)%len(keys)], keys[(3*i+1)%len(keys)], keys[(3*i+2)%len(keys)]}}
		img, err := r.Compose(context.Background(), p)
		if err != nil {
			return nil, err
		}
		var buf bytes.Buffer
		err = enc.Encode(&buf, img)
		outBytes.Add(int64(buf.Len()))
		return buf.Bytes(), err
	}
	if out != "" {
		b, err := one(0)
		if err != nil {
			return err
		}
		if err := os.WriteFile(out, b, 0o644); err != nil {
			return err
		}
	}
	pass := func(count int) error {
		var next atomic.Int64 // workers take composite indices from a shared counter
		errs := make(chan error, workers)
		var wg sync.WaitGroup
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					i := int(next.Add(1) - 1)
					if i >= count {
						return
					}
					if _, err := one(i); err != nil {
						errs <- err
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		return <-errs
	}
	if err := pass(max(n/10, workers)); err != nil {
		return err
	}
	outBytes.Store(0)
	cpu0 := cpuSeconds()
	start := time.Now()
	if err := pass(n); err != nil {
		return err
	}
	el := time.Since(start).Seconds()
	cpu := cpuSeconds() - cpu0
	return json.NewEncoder(os.Stdout).Encode(map[string]any{
		"impl": "go", "size": side, "workers": workers, "gomaxprocs": runtime.GOMAXPROCS(0), "level": level,
		"n": n, "seconds": el, "images_per_s": float64(n) / el, "cpu_ms_per_image": 1000 * cpu / float64(n),
		"bytes_per_image": outBytes.Load() / int64(n), "encoder": encName,
	})
}

// cpuSeconds is the user+system CPU time of this process (all threads).
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}
