package quality

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestTrainMLP(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	train := blobs(rng, []int{100, 100, 100}, 8, 4)
	test := blobs(rng, []int{100, 100, 100}, 8, 4)
	cfg := MLPConfig{Hidden: 16, Epochs: 15, BatchSize: 32, Seed: 5}
	ctx := context.Background()
	m, hist, err := TrainMLP(ctx, train.X, train.Y, 3, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != cfg.Epochs || hist[len(hist)-1].Loss >= hist[0].Loss {
		t.Errorf("got history %+v, want %d epochs with falling loss", hist, cfg.Epochs)
	}
	pred, err := m.Predict(test.X)
	if err != nil {
		t.Fatal(err)
	}
	met, err := Evaluate(test.Y, pred, 3)
	if err != nil {
		t.Fatal(err)
	}
	// Centres 4√2 apart with unit variance: the Bayes error between two
	// classes is Φ(−2√2) ≈ 0.2%, so a trained model clears 95% easily.
	if met.Accuracy < 0.95 {
		t.Errorf("got test accuracy %.3f, want >= 0.95", met.Accuracy)
	}
	emb, err := m.Embed(test.X)
	if err != nil {
		t.Fatal(err)
	}
	if emb.Rows != 300 || emb.Cols != 16 || slices.Min(emb.Data) < 0 {
		t.Errorf("got embedding %d×%d with min %v, want 300×16 ReLU activations (>= 0)", emb.Rows, emb.Cols, slices.Min(emb.Data))
	}

	again, _, err := TrainMLP(ctx, train.X, train.Y, 3, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(m.W1, again.W1) || !slices.Equal(m.W2, again.W2) || !slices.Equal(m.B1, again.B1) {
		t.Error("same seed: got different weights, want identical")
	}
	cfg.Seed = 6
	other, _, err := TrainMLP(ctx, train.X, train.Y, 3, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if slices.Equal(m.W1, other.W1) {
		t.Error("seeds 5 and 6: got identical weights, want different")
	}
}

func TestTrainMLPStandardize(t *testing.T) {
	// Feature columns of very different scales: standardising lets the
	// model learn (the second column carries the label at scale 1e3).
	rng := rand.New(rand.NewPCG(23, 24))
	d := blobs(rng, []int{100, 100}, 2, 4)
	for i := range d.X.Rows {
		d.X.Data[i*2+1] *= 1000
	}
	m, _, err := TrainMLP(context.Background(), d.X, d.Y, 2, MLPConfig{Hidden: 8, Epochs: 30, BatchSize: 20, LearningRate: 1e-2, Standardize: true})
	if err != nil {
		t.Fatal(err)
	}
	if m.Scaler == nil {
		t.Fatal("got no scaler with Standardize set")
	}
	pred, err := m.Predict(d.X)
	if err != nil {
		t.Fatal(err)
	}
	met, _ := Evaluate(d.Y, pred, 2)
	if met.Accuracy < 0.9 {
		t.Errorf("got train accuracy %.3f, want >= 0.9", met.Accuracy)
	}
}
