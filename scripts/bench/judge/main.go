// Command judge compares the two utility judges of package quality — the
// logistic regression and the small CNN — on a long-tailed Fashion-MNIST
// case: a few classes of n training images each, one of them cut to a few
// tens, tested on untouched test images. For each judge it prints the
// utility table of the real training rows alone and with random
// oversampling of the rare class back to n, and the time per trained
// classifier (wall and process CPU, since the machine may be shared).
//
//	go run ./scripts/bench/judge                       # classes 0,1,2,6; Shirt (6) cut to 20
//	go run ./scripts/bench/judge -rare 5 -rare-n 30 -seeds 5
//
// Both judges see raw pixels in [0, 1]: the logistic regression
// standardises every pixel, the CNN every channel.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"gonum.org/v1/gonum/blas/blas32"

	"github.com/tailsynth/tailsynth/internal/fashionmnist"
	"github.com/tailsynth/tailsynth/quality"
)

func main() {
	dir := flag.String("dir", fashionmnist.DefaultDir, "directory of the Fashion-MNIST .gz files (Debian dataset-fashion-mnist)")
	classList := flag.String("classes", "0,1,2,6", "Fashion-MNIST labels to use, comma-separated")
	rare := flag.Int("rare", 6, "label of the rare class (one of -classes)")
	n := flag.Int("n", 500, "training images per class")
	rareN := flag.Int("rare-n", 20, "training images of the rare class")
	testN := flag.Int("test-n", 500, "test images per class")
	seeds := flag.Int("seeds", 3, "seeds (1..seeds)")
	epochs := flag.Int("epochs", 8, "CNN epochs")
	judges := flag.String("judges", "logreg,cnn", "judges to run, comma-separated")
	flag.Parse()
	log.SetFlags(0)

	var labels []int
	for _, f := range strings.Split(*classList, ",") {
		l, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || l < 0 || l > 9 {
			log.Fatalf("-classes: %q is not a label in 0-9", f)
		}
		labels = append(labels, l)
	}
	rareIdx := -1
	for i, l := range labels {
		if l == *rare {
			rareIdx = i
		}
	}
	if rareIdx < 0 {
		log.Fatalf("-rare %d is not one of -classes %v", *rare, labels)
	}

	tr, err := fashionmnist.Load(*dir, "train")
	if err != nil {
		log.Fatal(err)
	}
	te, err := fashionmnist.Load(*dir, "t10k")
	if err != nil {
		log.Fatal(err)
	}
	perClass := make([]int, len(labels))
	for i := range perClass {
		perClass[i] = *n
	}
	perClass[rareIdx] = *rareN
	train := pick(tr, labels, perClass, 1)
	for i := range perClass {
		perClass[i] = *testN
	}
	test := pick(te, labels, perClass, 2)

	names := make([]string, len(labels))
	for i, l := range labels {
		names[i] = fashionmnist.ClassNames[l]
	}
	var seedList []int64
	for s := range *seeds {
		seedList = append(seedList, int64(s+1))
	}
	fmt.Printf("Fashion-MNIST, classes %v, rare %s: %d training images (%d of the rare class, %d of each other), %d test images per class; seeds %v\n\n",
		names, names[rareIdx], train.Len(), *rareN, *n, *testN, seedList)

	variants := []quality.Variant{quality.RandomOversampling(map[int]int{rareIdx: *n - *rareN})}
	for _, judge := range strings.Split(*judges, ",") {
		cfg := quality.UtilityConfig{
			NumClasses: len(labels), ClassNames: names, Minority: []int{rareIdx}, Seeds: seedList,
			Judge: judge, CNN: quality.CNNConfig{Height: 28, Width: 28, Channels: 1, Epochs: *epochs},
		}
		cpu0, t0 := cpuTime(), time.Now()
		res, err := quality.EvaluateUtility(context.Background(), train, test, variants, cfg)
		if err != nil {
			log.Fatal(err)
		}
		wall, cpu := time.Since(t0), cpuTime()-cpu0
		runs := 0
		for _, v := range res.Variants {
			runs += len(v.Runs)
		}
		fmt.Printf("judge %s: %s\n", judge, res.Classifier)
		fmt.Printf("%d classifiers in %.1f s wall, %.1f s CPU: %.1f s wall, %.1f s CPU each\n",
			runs, wall.Seconds(), cpu.Seconds(), wall.Seconds()/float64(runs), cpu.Seconds()/float64(runs))
		tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
		for _, row := range res.Table() {
			fmt.Fprintln(tw, strings.Join(row, "\t"))
		}
		tw.Flush()
		fmt.Println()
	}
}

// pick is fashionmnist.Pick as a quality.Dataset.
func pick(s fashionmnist.Split, labels, perClass []int, seed uint64) quality.Dataset {
	p, err := fashionmnist.Pick(s, labels, perClass, seed)
	if err != nil {
		log.Fatal(err)
	}
	return quality.Dataset{X: blas32.General{Rows: p.Rows, Cols: p.Dim, Stride: p.Dim, Data: p.Pixels}, Y: p.Labels}
}

// cpuTime returns the user and system CPU time of this process.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
