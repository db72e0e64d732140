// Command recipes compares, in process and fast, recipes for growing a rare
// class on long-tailed Fashion-MNIST — random copies, SMOTE, the augment
// presets, and mixes of them — under both utility judges, the way an
// evaluation measures them: logistic regression in a 64-component PCA space
// of the real training rows (SMOTE interpolated in that space, as the
// evaluation's built-in smote row) and the small CNN on pixels (SMOTE in
// pixel space). It is how the augment and auto defaults were chosen; the
// service-level figures come from scripts/bench/utility.
//
//	go run ./scripts/bench/recipes -rare 6 -rare-n 10
//	go run ./scripts/bench/recipes -rare 5 -rare-n 30 -recipes copy,smote,light,copy+light
//
// Recipes: copy (random oversampling), smote, light|medium|strong (augment
// a random rare image with the preset), copy+P (half exact copies, half
// preset P), smote+P (SMOTE rows in pixel space, then preset P).
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"

	"gonum.org/v1/gonum/blas/blas32"

	"github.com/tailsynth/tailsynth/augment"
	"github.com/tailsynth/tailsynth/internal/fashionmnist"
	"github.com/tailsynth/tailsynth/quality"
	"github.com/tailsynth/tailsynth/smote"
)

func main() {
	dir := flag.String("dir", fashionmnist.DefaultDir, "directory of the Fashion-MNIST .gz files")
	classList := flag.String("classes", "0,1,2,3,4,5,6,7,8,9", "labels used")
	rare := flag.Int("rare", 6, "the rare label")
	n := flag.Int("n", 300, "training images per other class")
	rareN := flag.Int("rare-n", 10, "training images of the rare class")
	testN := flag.Int("test-n", 300, "test images per class")
	seeds := flag.Int("seeds", 3, "seeds 1..seeds")
	epochs := flag.Int("epochs", 8, "CNN epochs")
	judges := flag.String("judges", "logreg,cnn", "judges")
	recipes := flag.String("recipes", "copy,smote,light,medium,copy+light,copy+medium,smote+light", "recipes")
	flag.Parse()
	log.SetFlags(0)

	var labels []int
	rareIdx := -1
	for _, f := range strings.Split(*classList, ",") {
		l, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil {
			log.Fatal(err)
		}
		if l == *rare {
			rareIdx = len(labels)
		}
		labels = append(labels, l)
	}
	if rareIdx < 0 {
		log.Fatalf("-rare %d not in -classes", *rare)
	}
	tr, err := fashionmnist.Load(*dir, "train")
	if err != nil {
		log.Fatal(err)
	}
	te, err := fashionmnist.Load(*dir, "t10k")
	if err != nil {
		log.Fatal(err)
	}
	per := make([]int, len(labels))
	for i := range per {
		per[i] = *n
	}
	per[rareIdx] = *rareN
	train := pick(tr, labels, per, 1)
	for i := range per {
		per[i] = *testN
	}
	test := pick(te, labels, per, 2)
	add := *n - *rareN
	var seedList []int64
	for s := range *seeds {
		seedList = append(seedList, int64(s+1))
	}
	names := make([]string, len(labels))
	for i, l := range labels {
		names[i] = fashionmnist.ClassNames[l]
	}
	fmt.Printf("classes %v, rare %s with %d images (+%d), others %d, test %d per class, seeds %v\n",
		names, names[rareIdx], *rareN, add, *n, *testN, seedList)

	ctx := context.Background()
	for _, judge := range strings.Split(*judges, ",") {
		cfg := quality.UtilityConfig{NumClasses: len(labels), ClassNames: names, Minority: []int{rareIdx}, Seeds: seedList,
			Judge: judge, CNN: quality.CNNConfig{Height: 28, Width: 28, Channels: 1, Epochs: *epochs}}
		project := func(d quality.Dataset) (quality.Dataset, error) { return d, nil }
		trainJ, testJ := train, test
		if judge == quality.JudgeLogReg {
			pca, err := quality.FitPCA(train.X, 64)
			if err != nil {
				log.Fatal(err)
			}
			project = func(d quality.Dataset) (quality.Dataset, error) {
				x, err := pca.Transform(d.X)
				return quality.Dataset{X: x, Y: d.Y}, err
			}
			if trainJ, err = project(train); err != nil {
				log.Fatal(err)
			}
			if testJ, err = project(test); err != nil {
				log.Fatal(err)
			}
		}
		var variants []quality.Variant
		for _, r := range strings.Split(*recipes, ",") {
			r := strings.TrimSpace(r)
			if r == "smote" { // in the judge's space, as the evaluation's baseline
				v := quality.SMOTE(5, map[int]int{rareIdx: add})
				v.Name = "smote"
				variants = append(variants, v)
				continue
			}
			variants = append(variants, quality.Variant{Name: r, Seeded: true, Augment: func(ctx context.Context, _ quality.Dataset, seed int64) (quality.Dataset, error) {
				d, err := recipe(ctx, r, train, rareIdx, add, seed)
				if err != nil {
					return d, err
				}
				return project(d)
			}})
		}
		res, err := quality.EvaluateUtility(ctx, trainJ, testJ, variants, cfg)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("\njudge %s\n", judge)
		tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "variant\trare F1\trare recall\trare precision\tbalanced acc.")
		for _, v := range res.Variants {
			pc := v.PerClass[rareIdx]
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", v.Name, pc.F1, pc.Recall, pc.Precision, v.BalancedAccuracy)
		}
		tw.Flush()
	}
}

// recipe makes add rows of class c from train's rows of c (pixel space).
func recipe(ctx context.Context, name string, train quality.Dataset, c, add int, seed int64) (quality.Dataset, error) {
	var src []int
	for i, y := range train.Y {
		if y == c {
			src = append(src, i)
		}
	}
	dim := train.X.Cols
	out := quality.Dataset{X: blas32.General{Rows: add, Cols: dim, Stride: dim, Data: make([]float32, add*dim)}, Y: make([]int, add)}
	base, preset, _ := strings.Cut(name, "+")
	if preset == "" && base != "copy" && base != "smote" {
		base, preset = "", base
	}
	var pipe *augment.Pipeline
	if preset != "" {
		specs, err := specsOf(preset)
		if err != nil {
			return out, err
		}
		if pipe, err = augment.New(specs, augment.Options{}); err != nil {
			return out, err
		}
	}
	var sm blas32.General
	if base == "smote" {
		r, err := smote.Resample(ctx, train.X, train.Y, map[int]int{c: add}, 5, seed)
		if err != nil {
			return out, err
		}
		sm = r.X
	}
	for i := range add {
		rng := rand.New(rand.NewPCG(uint64(seed), uint64(i)+1))
		row := out.X.Data[i*dim : (i+1)*dim]
		out.Y[i] = c
		switch base {
		case "smote":
			copy(row, sm.Data[i*sm.Stride:i*sm.Stride+dim])
		default:
			j := src[rng.IntN(len(src))]
			copy(row, train.X.Data[j*dim:(j+1)*dim])
		}
		if pipe == nil || (base == "copy" && i%2 == 0) {
			continue
		}
		img, err := augment.NewImage(28, 28, 1, 8)
		if err != nil {
			return out, err
		}
		for k, v := range row {
			img.Pix[k] = v * 255
		}
		res, _, err := pipe.Augment(img, rng)
		if err != nil {
			return out, err
		}
		for k, v := range res.Pix {
			row[k] = v / 255
		}
	}
	return out, nil
}

// specsOf returns a preset, or one of the experiment's own pipelines
// (shift, jitter, elastic), with "-noflip" dropping HorizontalFlip.
func specsOf(name string) ([]augment.Spec, error) {
	name, noflip := strings.CutSuffix(name, "-noflip")
	var specs []augment.Spec
	mk := func(js string) augment.Spec {
		var s augment.Spec
		if err := s.UnmarshalJSON([]byte(js)); err != nil {
			log.Fatal(err)
		}
		return s
	}
	switch name {
	case "shift":
		specs = []augment.Spec{mk(`"HorizontalFlip"`), mk(`{"name":"Affine","p":1,"translate_percent":[-0.05,0.05]}`)}
	case "jitter":
		specs = []augment.Spec{mk(`"HorizontalFlip"`), mk(`{"name":"Affine","p":1,"translate_percent":[-0.04,0.04],"rotate":[-5,5],"scale":[0.95,1.05]}`)}
	case "elastic":
		specs = []augment.Spec{mk(`"HorizontalFlip"`), mk(`{"name":"ElasticTransform","p":1,"alpha":8,"sigma":3}`)}
	default:
		var err error
		if specs, err = augment.Preset(name); err != nil {
			return nil, err
		}
	}
	if noflip {
		return augment.Without(specs, augment.HorizontalFlip)
	}
	return specs, nil
}

// pick is fashionmnist.Pick as a quality.Dataset.
func pick(s fashionmnist.Split, labels, perClass []int, seed uint64) quality.Dataset {
	p, err := fashionmnist.Pick(s, labels, perClass, seed)
	if err != nil {
		log.Fatal(err)
	}
	return quality.Dataset{X: blas32.General{Rows: p.Rows, Cols: p.Dim, Stride: p.Dim, Data: p.Pixels}, Y: p.Labels}
}
