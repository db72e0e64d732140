package quality_test

import (
	"context"
	"flag"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"gonum.org/v1/gonum/blas/blas32"

	"github.com/tailsynth/tailsynth/internal/fashionmnist"
	"github.com/tailsynth/tailsynth/quality"
	"github.com/tailsynth/tailsynth/smote"
)

// The real-data checks run only on request (about 5 minutes on 2 cores;
// add -fashion.pixels for the utility test on raw pixels, about 10 more):
//
//	go test ./quality -run FashionMNIST -fashion -v -timeout 60m
var (
	fashion         = flag.Bool("fashion", false, "run the Fashion-MNIST checks (slow)")
	fashionDir      = flag.String("fashion.dir", fashionmnist.DefaultDir, "directory of the Fashion-MNIST .gz files")
	fashionMinority = flag.Int("fashion.minority", 6, "class cut to 1% of its training rows")
	fashionSeeds    = flag.Int("fashion.seeds", 3, "seeds for the utility test")
	fashionPixels   = flag.Bool("fashion.pixels", false, "also run the utility test on raw pixels (about 1 min per classifier)")
)

func loadFashion(t *testing.T) (train, test quality.Dataset) {
	t.Helper()
	if !*fashion {
		t.Skip("pass -fashion to run the Fashion-MNIST checks")
	}
	tr, err := fashionmnist.Load(*fashionDir, "train")
	if err != nil {
		t.Fatal(err)
	}
	te, err := fashionmnist.Load(*fashionDir, "t10k")
	if err != nil {
		t.Fatal(err)
	}
	toDS := func(s fashionmnist.Split) quality.Dataset {
		return quality.Dataset{X: blas32.General{Rows: s.Rows, Cols: s.Dim, Stride: s.Dim, Data: s.Pixels}, Y: s.Labels}
	}
	return toDS(tr), toDS(te)
}

// cutClass keeps share of the rows of class c (the first ones, by a seeded
// shuffle) and all rows of the other classes; it also returns the rows of c
// it left out.
func cutClass(d quality.Dataset, c int, share float64, seed uint64) (kept, removed quality.Dataset) {
	rng := rand.New(rand.NewPCG(seed, 7))
	var keep, of []int
	for i, y := range d.Y {
		if y == c {
			of = append(of, i)
		} else {
			keep = append(keep, i)
		}
	}
	rng.Shuffle(len(of), func(i, j int) { of[i], of[j] = of[j], of[i] })
	n := int(float64(len(of)) * share)
	keep = append(keep, of[:n]...)
	return d.Subset(keep), d.Subset(of[n:])
}

func TestFashionMNISTLogReg(t *testing.T) {
	train, test := loadFashion(t)
	ctx := context.Background()
	start := time.Now()
	m, fit, err := quality.TrainLogReg(ctx, train.X, train.Y, 10, quality.LogRegConfig{})
	if err != nil {
		t.Fatal(err)
	}
	pred, err := m.Predict(test.X)
	if err != nil {
		t.Fatal(err)
	}
	met, err := quality.Evaluate(test.Y, pred, 10)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("logistic regression, 784 pixels, 60000 train: test accuracy %.4f, macro F1 %.4f (%s, %d iterations, %d evaluations, |grad|∞ %.2g, %s)",
		met.Accuracy, met.MacroF1, fit.Status, fit.Iterations, fit.Evaluations, fit.GradientMax, time.Since(start).Round(time.Second))
}

// firstRows returns the first n rows of d (a view) as a matrix.
func firstRows(d quality.Dataset, n int) blas32.General {
	m := d.X
	m.Rows = n
	m.Data = m.Data[:n*m.Stride]
	return m
}

func classRows(d quality.Dataset, c int) quality.Dataset {
	var rows []int
	for i, y := range d.Y {
		if y == c {
			rows = append(rows, i)
		}
	}
	return d.Subset(rows)
}

// TestFashionMNISTMemorization calibrates the memorization threshold: the
// test split holds no copies of training images, so its ratios show where
// genuine new samples lie.
func TestFashionMNISTMemorization(t *testing.T) {
	train, test := loadFashion(t)
	ctx := context.Background()
	start := time.Now()
	m, err := quality.CheckMemorization(ctx, train.X, test.X, quality.MemorizationConfig{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("pixels, test vs train: median train NN distance %.3f (%d reference rows); test ratio quantiles %+v; share under %.2f: %.4f (%d of %d) (%s)",
		m.MedianTrainNN, m.ReferenceQueries, m.RatioQuantiles, m.Threshold, m.FlaggedShare, m.NFlagged, m.NSynthetic, time.Since(start).Round(time.Second))
	for _, th := range []float64{0.05, 0.2, 0.3, 0.5} {
		n := 0
		for _, r := range m.Ratio {
			if r < th {
				n++
			}
		}
		t.Logf("share of test rows with ratio < %.2f: %.4f", th, float64(n)/float64(len(m.Ratio)))
	}

	// SMOTE rows of a class cut to 60 images, against the cut training set.
	cut, removed := cutClass(train, *fashionMinority, 0.01, 1)
	r, err := smote.Resample(ctx, cut.X, cut.Y, quality.CountsOf(removed), smote.DefaultK, 1)
	if err != nil {
		t.Fatal(err)
	}
	m, err = quality.CheckMemorization(ctx, cut.X, r.X, quality.MemorizationConfig{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("pixels, %d SMOTE rows of class %d vs the cut train split: ratio quantiles %+v; flagged %.4f (%d)",
		m.NSynthetic, *fashionMinority, m.RatioQuantiles, m.FlaggedShare, m.NFlagged)
}

// TestFashionMNISTFeatures trains the MLP embedding and reports the Fréchet
// distance and k-NN precision/recall of known pairs of sets.
func TestFashionMNISTFeatures(t *testing.T) {
	train, test := loadFashion(t)
	ctx := context.Background()
	start := time.Now()
	mlp, hist, err := quality.TrainMLP(ctx, train.X, train.Y, 10, quality.MLPConfig{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	pred, err := mlp.Predict(test.X)
	if err != nil {
		t.Fatal(err)
	}
	met, _ := quality.Evaluate(test.Y, pred, 10)
	t.Logf("MLP 784-128-10, 10 epochs: last epoch loss %.4f, test accuracy %.4f (%s)", hist[len(hist)-1].Loss, met.Accuracy, time.Since(start).Round(time.Second))
	embTrain, _ := mlp.Embed(train.X)
	embTest, _ := mlp.Embed(test.X)
	tr := quality.Dataset{X: embTrain, Y: train.Y}
	te := quality.Dataset{X: embTest, Y: test.Y}
	pca, err := quality.FitPCA(train.X, 64)
	if err != nil {
		t.Fatal(err)
	}
	pcaTrain, _ := pca.Transform(train.X)
	pcaTest, _ := pca.Transform(test.X)
	for _, space := range []struct {
		name        string
		train, test quality.Dataset
	}{{"mlp-128", tr, te}, {"pca-64", quality.Dataset{X: pcaTrain, Y: train.Y}, quality.Dataset{X: pcaTest, Y: test.Y}}} {
		for _, pair := range []struct {
			name       string
			real, fake blas32.General
		}{
			{"train[:10000] vs test", firstRows(space.train, 10000), space.test.X},
			{"test shirts vs test T-shirts", classRows(space.test, 6).X, classRows(space.test, 0).X},
			{"test shirts vs train shirts", classRows(space.test, 6).X, classRows(space.train, 6).X},
			{"test shirts vs 60 train shirts", classRows(space.test, 6).X, firstRows(classRows(space.train, 6), 60)},
		} {
			fd, err := quality.FrechetDistance(pair.real, pair.fake)
			if err != nil {
				t.Fatal(err)
			}
			pr, err := quality.KNNPrecisionRecall(ctx, pair.real, pair.fake, 3)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s, %s: FD %.3f (n %d/%d), precision %.3f, recall %.3f", space.name, pair.name, fd.Distance, fd.NReal, fd.NFake, pr.Precision, pr.Recall)
		}
	}
}

// TestFashionMNISTUtility cuts one class to 1% of its training rows and
// compares real, random oversampling and SMOTE (each adding the rows that
// balance the class) on the untouched test split.
func TestFashionMNISTUtility(t *testing.T) {
	train, test := loadFashion(t)
	ctx := context.Background()
	cut, removed := cutClass(train, *fashionMinority, 0.01, 1)
	counts := quality.CountsOf(removed)
	seeds := make([]int64, *fashionSeeds)
	for i := range seeds {
		seeds[i] = int64(i + 1)
	}
	pca, err := quality.FitPCA(cut.X, 64)
	if err != nil {
		t.Fatal(err)
	}
	pcaTrain, _ := pca.Transform(cut.X)
	pcaTest, _ := pca.Transform(test.X)
	pcaRemoved, _ := pca.Transform(removed.X)
	for _, space := range []struct {
		name                 string
		train, test, removed quality.Dataset
	}{
		{"pca-64 (fitted on the cut train split)", quality.Dataset{X: pcaTrain, Y: cut.Y}, quality.Dataset{X: pcaTest, Y: test.Y}, quality.Dataset{X: pcaRemoved, Y: removed.Y}},
		{"pixels-784", cut, test, removed},
	} {
		if space.name == "pixels-784" && !*fashionPixels {
			continue
		}
		start := time.Now()
		// "removed_real" adds back the real rows that were cut: what a
		// perfect generator could give.
		res, err := quality.EvaluateUtility(ctx, space.train, space.test,
			[]quality.Variant{quality.RandomOversampling(counts), quality.SMOTE(smote.DefaultK, counts), quality.Fixed("removed_real", space.removed)},
			quality.UtilityConfig{NumClasses: 10, ClassNames: fashionmnist.ClassNames, Minority: []int{*fashionMinority}, Seeds: seeds})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("features %s, class %d cut to %d train rows, %d seeds (%s):", space.name, *fashionMinority, cut.ClassCounts(10)[*fashionMinority], len(seeds), time.Since(start).Round(time.Second))
		for _, row := range res.Table() {
			t.Logf("  %s", strings.Join(row, " | "))
		}
		for _, v := range res.Variants {
			t.Logf("  %s fit: %s, %d iterations", v.Name, v.Runs[0].Fit.Status, v.Runs[0].Fit.Iterations)
		}
	}
}
