// Command fashionfolders writes Fashion-MNIST (IDX .gz, as Debian's
// dataset-fashion-mnist installs it) as an image-folder dataset for the
// evaluation demo: <out>/train/<class>/<n>.png and <out>/test/<class>/<n>.png,
// with one class cut to a fraction of its training images, or to a number
// of them (-rare-count).
//
//	go run ./scripts/demo/fashionfolders -out DIR [-classes 0,1,2,3] [-train-per-class 300]
//	    [-test-per-class 200] [-rare 6] [-rare-fraction 0.01 | -rare-count 30] [-seed 1]
//
// Images are chosen by a seeded shuffle of each class, so the same flags
// give the same dataset, and the rare class's images for -rare-count 10 are
// the first 10 of those for -rare-count 30 (the other classes and the test
// split do not depend on the cut).
package main

import (
	"flag"
	"fmt"
	"image"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/tailsynth/tailsynth/internal/fashionmnist"
)

func main() {
	src := flag.String("dir", fashionmnist.DefaultDir, "directory of the IDX .gz files")
	out := flag.String("out", "", "output directory (required; must not exist or be empty)")
	classList := flag.String("classes", "0,1,2,3,4,5,6,7,8,9", "comma-separated Fashion-MNIST labels to keep")
	trainPer := flag.Int("train-per-class", 0, "training images per class before the cut (0: all, 6000)")
	testPer := flag.Int("test-per-class", 0, "test images per class (0: all, 1000)")
	rare := flag.Int("rare", 6, "label of the class cut to -rare-fraction of its training images (6: Shirt)")
	fraction := flag.Float64("rare-fraction", 0.01, "share of the rare class's training images kept")
	count := flag.Int("rare-count", 0, "training images kept of the rare class, instead of -rare-fraction (0: use -rare-fraction)")
	seed := flag.Uint64("seed", 1, "seed of the image choice")
	flag.Parse()
	flag.Visit(func(f *flag.Flag) {
		if f.Name == "rare-fraction" && *count != 0 {
			fmt.Fprintln(os.Stderr, "fashionfolders: -rare-fraction and -rare-count both set; give one of them")
			os.Exit(2)
		}
	})
	if err := run(*src, *out, *classList, *trainPer, *testPer, *rare, *fraction, *count, *seed); err != nil {
		fmt.Fprintln(os.Stderr, "fashionfolders:", err)
		os.Exit(1)
	}
}

func run(src, out, classList string, trainPer, testPer, rare int, fraction float64, count int, seed uint64) error {
	if out == "" {
		return fmt.Errorf("-out is required")
	}
	if fraction <= 0 || fraction > 1 {
		return fmt.Errorf("-rare-fraction %v, want (0, 1]", fraction)
	}
	if count < 0 {
		return fmt.Errorf("-rare-count %d, want a number of training images > 0 (or 0: use -rare-fraction)", count)
	}
	var classes []int
	for _, f := range strings.Split(classList, ",") {
		c, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || c < 0 || c > 9 {
			return fmt.Errorf("-classes %q: want labels 0-9", classList)
		}
		classes = append(classes, c)
	}
	if count > 0 && !slices.Contains(classes, rare) {
		return fmt.Errorf("-rare %d is not among -classes %q; add it or pick a rare class among them", rare, classList)
	}
	for _, s := range []struct {
		idx, dir string
		per      int
	}{{"train", "train", trainPer}, {"t10k", "test", testPer}} {
		data, err := fashionmnist.Load(src, s.idx)
		if err != nil {
			return err
		}
		byClass := map[int][]int{}
		for i, y := range data.Labels {
			byClass[y] = append(byClass[y], i)
		}
		for _, c := range classes {
			rows := byClass[c]
			rand.New(rand.NewPCG(seed, uint64(c))).Shuffle(len(rows), func(i, j int) { rows[i], rows[j] = rows[j], rows[i] })
			n := len(rows)
			if s.per > 0 {
				n = min(n, s.per)
			}
			if s.dir == "train" && c == rare {
				if count > 0 {
					if count > n {
						return fmt.Errorf("-rare-count %d: class %d has only %d training images (-train-per-class %d)", count, c, n, s.per)
					}
					n = count
				} else {
					n = max(2, int(math.Round(fraction*float64(n))))
				}
			}
			dir := filepath.Join(out, s.dir, fashionmnist.FolderName(c))
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return err
			}
			for k, r := range rows[:n] {
				img := image.NewGray(image.Rect(0, 0, 28, 28))
				for p, v := range data.Pixels[r*data.Dim : (r+1)*data.Dim] {
					img.Pix[p] = uint8(v*255 + 0.5)
				}
				f, err := os.Create(filepath.Join(dir, fmt.Sprintf("%05d.png", k)))
				if err != nil {
					return err
				}
				err = png.Encode(f, img)
				if cerr := f.Close(); err == nil {
					err = cerr
				}
				if err != nil {
					return err
				}
			}
			fmt.Fprintf(os.Stderr, "%s/%s: %d images\n", s.dir, fashionmnist.FolderName(c), n)
		}
	}
	return nil
}
