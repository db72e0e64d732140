// Command learn trains gan's conv WGAN-GP on Fashion-MNIST (IDX .gz) for a
// fixed number of generator steps and writes a sample grid every -every
// steps and the per-step statistics as CSV, to compare with learn_torch.py,
// and the sampling model so far as model.ckpt (for scripts/bench/gan/judge).
//
// Usage:
//
//	go run -tags openblas ./scripts/bench/gan/learn -out DIR [-steps 1000] [-every 250] \
//		[-augment translation,cutout] [-lr 1e-4] [-beta1 0] [-ncrit 5] [-base 32] [-ema 0.999] [-block deconv]
//
// The PyTorch twin is learn_torch.py (same flags, spelled --flag). At equal
// steps the two gave grids of the same quality (README, benchmarks).
package main

import (
	"context"
	"flag"
	"fmt"
	"image/png"
	"log"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strings"

	"github.com/tailsynth/tailsynth/gan"
	"github.com/tailsynth/tailsynth/internal/fashionmnist"
)

func main() {
	dir := flag.String("data", fashionmnist.DefaultDir, "IDX directory")
	out := flag.String("out", "/tmp/learn_go", "output directory")
	steps := flag.Int("steps", 1000, "generator steps")
	every := flag.Int("every", 250, "grid every N steps")
	base := flag.Int("base", 32, "conv base width")
	aug := flag.String("augment", "translation,cutout", "DiffAugment list or empty")
	rare := flag.Int("rare", 5, "class cut to -rare-n images")
	rareN := flag.Int("rare-n", 60, "images kept of the rare class")
	lr := flag.Float64("lr", 1e-4, "Adam step size")
	beta1 := flag.Float64("beta1", 0, "Adam beta1")
	ncrit := flag.Int("ncrit", 5, "critic updates per generator update")
	ema := flag.Float64("ema", 0.999, "decay of the generator's moving average (0: off); its grids are ema_NNNNN.png")
	block := flag.String("block", "deconv", "generator upsampling block: deconv or upsample")
	pad := flag.Int("pad", 0, "pixels of background (-1) added on each side (2 gives 32x32 and 3 conv stages)")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the training to this file")
	flag.Parse()
	if *cpuprofile != "" {
		pf, err := os.Create(*cpuprofile)
		if err != nil {
			log.Fatal(err)
		}
		if err := pprof.StartCPUProfile(pf); err != nil {
			log.Fatal(err)
		}
		defer pprof.StopCPUProfile()
	}
	log.Printf("BLAS %s", gan.BLAS())
	if err := os.MkdirAll(*out, 0o755); err != nil {
		log.Fatal(err)
	}
	train, err := fashionmnist.Load(*dir, "train")
	if err != nil {
		log.Fatal(err)
	}
	pix, lab := train.Pixels, train.Labels
	const f = 28 * 28
	var x []float32
	var labels []int
	kept := 0
	for i, l := range lab {
		if l == *rare {
			if kept >= *rareN {
				continue
			}
			kept++
		}
		side := 28 + 2**pad
		for y := 0; y < side; y++ {
			for xx := 0; xx < side; xx++ {
				v := float32(-1)
				if sy, sx := y-*pad, xx-*pad; sy >= 0 && sy < 28 && sx >= 0 && sx < 28 {
					v = pix[i*f+sy*28+sx]*2 - 1
				}
				x = append(x, v)
			}
		}
		labels = append(labels, l)
	}
	side := 28 + 2**pad
	data, err := gan.NewSliceDataset(x, labels, side*side)
	if err != nil {
		log.Fatal(err)
	}
	cfg := gan.DefaultConfig(side, side, 1, 10)
	cfg.Base = *base
	cfg.GenBlock = gan.GenBlock(*block)
	m, err := gan.NewModel(cfg)
	if err != nil {
		log.Fatal(err)
	}
	hp := gan.DefaultHyper()
	hp.Balanced = true
	hp.LR, hp.Beta1, hp.NCritic, hp.EMA = *lr, *beta1, *ncrit, *ema
	for _, a := range strings.Split(*aug, ",") {
		switch a {
		case "translation":
			hp.Augment.Translation = true
		case "cutout":
			hp.Augment.Cutout = true
		case "color":
			hp.Augment.Color = true
		}
	}
	tr, err := gan.NewTrainer(m, hp)
	if err != nil {
		log.Fatal(err)
	}
	csv, err := os.Create(filepath.Join(*out, "history.csv"))
	if err != nil {
		log.Fatal(err)
	}
	defer csv.Close()
	fmt.Fprintln(csv, "step,critic_loss,gen_loss,wasserstein,penalty,grad_norm")
	classes := []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}
	ctx := context.Background()
	for done := 0; done < *steps; done += *every {
		_, err := tr.Train(ctx, data, gan.RunOptions{Steps: *every, Progress: func(s gan.StepStats) error {
			fmt.Fprintf(csv, "%d,%g,%g,%g,%g,%g\n", s.Step, s.CriticLoss, s.GenLoss, s.Wasserstein, s.Penalty, s.GradNorm)
			if s.Step%50 == 0 {
				log.Printf("step %d W %.3f G %.3f pen %.3f gn %.3f %.2fs", s.Step, s.Wasserstein, s.GenLoss, s.Penalty, s.GradNorm, s.Seconds)
			}
			return nil
		}})
		if err != nil {
			log.Fatal(err)
		}
		grids := map[string]*gan.Model{"grid": m}
		if *ema > 0 {
			grids["ema"] = tr.SamplingModel()
		}
		// model.ckpt: the sampling (EMA) model so far, for scripts/bench/gan/judge.
		mf, err := os.Create(filepath.Join(*out, "model.ckpt"))
		if err != nil {
			log.Fatal(err)
		}
		if err := tr.SamplingModel().Save(mf, gan.Meta{}); err != nil {
			log.Fatal(err)
		}
		if err := mf.Close(); err != nil {
			log.Fatal(err)
		}
		for name, gm := range grids {
			grid, err := gan.SampleGrid(ctx, gm, classes, 10, 7)
			if err != nil {
				log.Fatal(err)
			}
			gf, err := os.Create(filepath.Join(*out, fmt.Sprintf("%s_%05d.png", name, tr.Step())))
			if err != nil {
				log.Fatal(err)
			}
			if err := png.Encode(gf, grid); err != nil {
				log.Fatal(err)
			}
			gf.Close()
		}
	}
}
