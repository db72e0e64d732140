// Command judge says how recognisable a trained model's samples are: it
// trains an MLP classifier on all 60,000 Fashion-MNIST training images (the
// judge sees every class in full, the GAN may have seen only a few images
// of one), then classifies n generated samples per class and prints, per
// class, the share the judge assigns to the class they were generated for,
// beside the judge's recall on the real test images of that class (what a
// perfect generator would score).
//
// Usage:
//
//	go run -tags openblas ./scripts/bench/gan/judge -model MODEL [-n 1000] [-seed 1] [-grid grid.png]
//
// MODEL is a gan model file: a job's stored model (DATA/models/m_.../model.ckpt
// of the service's data directory) or scripts/bench/gan/learn -save. Class
// names in the model (jobs) are matched to Fashion-MNIST's by name; a model
// without names uses the labels 0..9 as class ids (learn).
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"image/png"
	"log"
	"os"

	"gonum.org/v1/gonum/blas/blas32"

	"github.com/tailsynth/tailsynth/gan"
	"github.com/tailsynth/tailsynth/internal/fashionmnist"
	"github.com/tailsynth/tailsynth/quality"
)

type classResult struct {
	Class          string  `json:"class"`
	Label          int     `json:"label"`
	Samples        int     `json:"samples"`
	Recognised     float64 `json:"recognised"`       // share of samples the judge puts in Label
	RealRecall     float64 `json:"real_test_recall"` // the judge's recall on real test images of Label
	MostConfusedAs string  `json:"most_confused_as,omitempty"`
}

func main() {
	dir := flag.String("data", fashionmnist.DefaultDir, "Fashion-MNIST IDX directory")
	modelPath := flag.String("model", "", "gan model file")
	n := flag.Int("n", 1000, "samples per class")
	seed := flag.Int64("seed", 1, "sampling seed")
	gridPath := flag.String("grid", "", "also write a PNG grid of 10 samples per class, one row per class in Fashion-MNIST label order")
	flag.Parse()
	if *modelPath == "" {
		log.Fatal("-model is required")
	}
	ctx := context.Background()
	f, err := os.Open(*modelPath)
	if err != nil {
		log.Fatal(err)
	}
	m, meta, err := gan.LoadModel(f)
	f.Close()
	if err != nil {
		log.Fatal(err)
	}
	cfg := m.Config()
	if cfg.Height != 28 || cfg.Width != 28 || cfg.Channels != 1 {
		log.Fatalf("model makes %dx%dx%d samples, want 28x28x1", cfg.Height, cfg.Width, cfg.Channels)
	}
	labelOf := make([]int, cfg.Classes)
	for c := range labelOf {
		labelOf[c] = c
		if c < len(meta.ClassNames) {
			labelOf[c] = -1
			for l, name := range fashionmnist.ClassNames {
				if fashionmnist.FolderName(l) == meta.ClassNames[c] || name == meta.ClassNames[c] {
					labelOf[c] = l
				}
			}
			if labelOf[c] < 0 {
				log.Fatalf("model class %q is not a Fashion-MNIST class", meta.ClassNames[c])
			}
		}
	}

	if *gridPath != "" {
		rows := make([]int, 0, cfg.Classes)
		for l := range fashionmnist.ClassNames {
			for c, lc := range labelOf {
				if lc == l {
					rows = append(rows, c)
				}
			}
		}
		grid, err := gan.SampleGrid(ctx, m, rows, 10, *seed)
		if err != nil {
			log.Fatal(err)
		}
		gf, err := os.Create(*gridPath)
		if err != nil {
			log.Fatal(err)
		}
		if err := png.Encode(gf, grid); err != nil {
			log.Fatal(err)
		}
		if err := gf.Close(); err != nil {
			log.Fatal(err)
		}
	}

	train, err := fashionmnist.Load(*dir, "train")
	if err != nil {
		log.Fatal(err)
	}
	test, err := fashionmnist.Load(*dir, "t10k")
	if err != nil {
		log.Fatal(err)
	}
	const dim = 28 * 28
	log.Printf("training the judge (MLP, 256 hidden, 10 epochs) on %d images", train.Rows)
	judge, _, err := quality.TrainMLP(ctx, blas32.General{Rows: train.Rows, Cols: dim, Stride: dim, Data: train.Pixels},
		train.Labels, 10, quality.MLPConfig{Hidden: 256, Epochs: 10, Seed: 1})
	if err != nil {
		log.Fatal(err)
	}
	pred, err := judge.Predict(blas32.General{Rows: test.Rows, Cols: dim, Stride: dim, Data: test.Pixels})
	if err != nil {
		log.Fatal(err)
	}
	var hit, tot [10]int
	correct := 0
	for i, p := range pred {
		tot[test.Labels[i]]++
		if p == test.Labels[i] {
			hit[test.Labels[i]]++
			correct++
		}
	}
	log.Printf("judge test accuracy %.3f", float64(correct)/float64(len(pred)))

	var results []classResult
	for c := 0; c < cfg.Classes; c++ {
		px := make([]float32, 0, *n*dim)
		err := m.Sample(ctx, c, *n, *seed, func(_ int, x []float32) error {
			for _, v := range x {
				px = append(px, min(1, max(0, (v+1)/2)))
			}
			return nil
		})
		if err != nil {
			log.Fatal(err)
		}
		got, err := judge.Predict(blas32.General{Rows: *n, Cols: dim, Stride: dim, Data: px})
		if err != nil {
			log.Fatal(err)
		}
		l := labelOf[c]
		var counts [10]int
		for _, p := range got {
			counts[p]++
		}
		worst := -1
		for k := range counts {
			if k != l && counts[k] > 0 && (worst < 0 || counts[k] > counts[worst]) {
				worst = k
			}
		}
		r := classResult{Class: fashionmnist.ClassNames[l], Label: l, Samples: *n,
			Recognised: float64(counts[l]) / float64(*n), RealRecall: float64(hit[l]) / float64(tot[l])}
		if worst >= 0 {
			r.MostConfusedAs = fmt.Sprintf("%s (%.1f%%)", fashionmnist.ClassNames[worst], 100*float64(counts[worst])/float64(*n))
		}
		results = append(results, r)
	}
	fmt.Printf("%-12s %10s %12s  %s\n", "class", "recognised", "real recall", "most confused as")
	for _, r := range results {
		fmt.Printf("%-12s %9.1f%% %11.1f%%  %s\n", r.Class, 100*r.Recognised, 100*r.RealRecall, r.MostConfusedAs)
	}
	enc := json.NewEncoder(os.Stderr)
	if err := enc.Encode(results); err != nil {
		log.Fatal(err)
	}
}
