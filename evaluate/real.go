package evaluate

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"

	"gonum.org/v1/gonum/blas/blas32"

	"github.com/tailsynth/tailsynth/datasets"
	"github.com/tailsynth/tailsynth/quality"
	"github.com/tailsynth/tailsynth/storage"
)

// minClassRows is the fewest training rows a class keeps when the training
// split is subsampled.
const minClassRows = 8

// realSet is the real data of an assessment, read and projected once.
type realSet struct {
	cfg     Config
	st      storage.Store
	fz      *Featurizer
	split   Split
	classes []string // sorted; index = label
	index   map[string]int
	// fraction is the subsampling rate of the training rows (1: all).
	fraction float64
	trainPix quality.Dataset
	heldPix  quality.Dataset // zero rows without a held-out split
	// space is the fidelity feature space, uspace the utility one (the
	// same when the config names one space for both).
	space   *FeatureSpace
	trainFt quality.Dataset
	heldFt  quality.Dataset
	uspace  *FeatureSpace
	trainUt quality.Dataset
	heldUt  quality.Dataset
	skipped []datasets.Problem
	// trainKeys are the training files of each class, sorted.
	trainKeys map[string][]string
}

// loadReal reads the training and held-out rows (bounded by cfg) and fits
// the feature space on the training rows.
func loadReal(ctx context.Context, st storage.Store, split Split, cfg Config) (*realSet, error) {
	fz, err := NewFeaturizer(ctx, st, split.Train, cfg.Features)
	if err != nil {
		return nil, err
	}
	r := &realSet{cfg: cfg, st: st, fz: fz, split: split, index: map[string]int{}, trainKeys: map[string][]string{}}
	for c := range split.TrainCounts {
		r.classes = append(r.classes, c)
	}
	sort.Strings(r.classes)
	if len(r.classes) < 2 {
		return nil, &datasets.DatasetError{Msg: fmt.Sprintf("the training files hold %d class; quality needs at least 2 classes", len(r.classes))}
	}
	for i, c := range r.classes {
		r.index[c] = i
	}
	for _, f := range split.Train {
		r.trainKeys[f.Class] = append(r.trainKeys[f.Class], f.Key)
	}
	r.fraction = min(1, float64(cfg.MaxTrainRows)/float64(len(split.Train)))
	var keys []string
	for _, c := range r.classes {
		n := len(r.trainKeys[c])
		keep := n
		if r.fraction < 1 {
			keep = min(n, max(minClassRows, int(math.Round(r.fraction*float64(n)))))
		}
		keys = append(keys, pick(r.trainKeys[c], keep, 0)...)
	}
	if r.trainPix, err = r.load(ctx, keys); err != nil {
		return nil, fmt.Errorf("training rows: %w", err)
	}
	var held []string
	heldByClass := map[string][]string{}
	for _, f := range split.HeldOut {
		if _, ok := r.index[f.Class]; ok {
			heldByClass[f.Class] = append(heldByClass[f.Class], f.Key)
		} else {
			r.skipped = append(r.skipped, datasets.Problem{Key: f.Key, Reason: fmt.Sprintf("held-out file of class %q, which has no training files", f.Class)})
		}
	}
	for _, c := range r.classes {
		held = append(held, pick(heldByClass[c], cfg.MaxHeldOutPerClass, 1)...)
	}
	if len(held) > 0 {
		if r.heldPix, err = r.load(ctx, held); err != nil {
			return nil, fmt.Errorf("held-out rows: %w", err)
		}
	}
	if r.space, err = fitSpace(ctx, r.trainPix, len(r.classes), fz, cfg.Space, cfg); err != nil {
		return nil, err
	}
	if r.trainFt, err = r.space.project(r.trainPix); err != nil {
		return nil, err
	}
	if r.heldFt, err = r.space.project(r.heldPix); err != nil {
		return nil, err
	}
	r.uspace, r.trainUt, r.heldUt = r.space, r.trainFt, r.heldFt
	if cfg.UtilitySpace != cfg.Space && r.heldPix.Len() > 0 {
		if r.uspace, err = fitSpace(ctx, r.trainPix, len(r.classes), fz, cfg.UtilitySpace, cfg); err != nil {
			return nil, err
		}
		if r.trainUt, err = r.uspace.project(r.trainPix); err != nil {
			return nil, err
		}
		if r.heldUt, err = r.uspace.project(r.heldPix); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// pick returns n of keys (all when n >= len), chosen by a seeded shuffle
// and returned in key order.
func pick(keys []string, n int, seed uint64) []string {
	if n >= len(keys) {
		return keys
	}
	idx := rand.New(rand.NewPCG(seed, 0x7069636b)).Perm(len(keys))[:n]
	sort.Ints(idx)
	out := make([]string, n)
	for i, j := range idx {
		out[i] = keys[j]
	}
	return out
}

// load reads labelled rows; files of no known class or unreadable are
// skipped and remembered.
func (r *realSet) load(ctx context.Context, keys []string) (quality.Dataset, error) {
	classOf := map[string]string{}
	for _, f := range append(append([]datasets.File(nil), r.split.Train...), r.split.HeldOut...) {
		classOf[f.Key] = f.Class
	}
	rows, err := r.fz.Load(ctx, r.st, keys)
	if err != nil {
		return quality.Dataset{}, err
	}
	r.skipped = append(r.skipped, rows.Skipped...)
	d := quality.Dataset{X: rows.X, Y: make([]int, rows.X.Rows)}
	for i, k := range rows.Keys {
		d.Y[i] = r.index[classOf[k]]
	}
	return d, nil
}

// project maps labelled rows into the space.
func (s *FeatureSpace) project(d quality.Dataset) (quality.Dataset, error) {
	if d.Len() == 0 {
		return quality.Dataset{X: blas32.General{Cols: s.dim, Stride: s.dim}}, nil
	}
	x, err := s.transform(d.X)
	if err != nil {
		return quality.Dataset{}, err
	}
	return quality.Dataset{X: x, Y: d.Y}, nil
}

// classRows returns the rows of d with label c (copied).
func classRows(d quality.Dataset, c int) blas32.General {
	var rows []int
	for i, y := range d.Y {
		if y == c {
			rows = append(rows, i)
		}
	}
	return d.Subset(rows).X
}

// trainClassPix returns up to MaxMemorizationTrain training pixel rows of
// class c: all of them when the training split was not subsampled.
func (r *realSet) trainClassPix(ctx context.Context, c int) (blas32.General, error) {
	keys := r.trainKeys[r.classes[c]]
	if r.fraction == 1 && len(keys) <= r.cfg.MaxMemorizationTrain {
		return classRows(r.trainPix, c), nil
	}
	rows, err := r.fz.Load(ctx, r.st, pick(keys, r.cfg.MaxMemorizationTrain, 2))
	if err != nil {
		return blas32.General{}, err
	}
	return rows.X, nil
}

// HasHeldOut reports whether utility can be measured.
func (r *realSet) hasHeldOut() bool { return r.heldPix.Len() > 0 }

// FeatureSpace is the feature space fitted on the real training rows.
type FeatureSpace struct {
	Name        string             `json:"name"`
	Description string             `json:"description"`
	Dim         int                `json:"dim"`
	NTrain      int                `json:"n_train"`
	MLP         *quality.MLPConfig `json:"mlp,omitempty"`
	// TrainAccuracy is the MLP's accuracy over its last epoch.
	TrainAccuracy float64 `json:"train_accuracy,omitempty"`
	// ExplainedVariance is the PCA components' share of the variance.
	ExplainedVariance float64 `json:"explained_variance,omitempty"`
	dim               int
	mlp               *quality.MLP
	pca               *quality.PCA
}

func fitSpace(ctx context.Context, train quality.Dataset, numClasses int, fz *Featurizer, name string, cfg Config) (*FeatureSpace, error) {
	s := &FeatureSpace{Name: name, NTrain: train.Len()}
	if train.Len() < 2 {
		return nil, fmt.Errorf("feature space: %d readable training rows, want at least 2", train.Len())
	}
	switch name {
	case SpaceMLP:
		mc := cfg.MLP
		mc.Standardize = mc.Standardize || fz.Kind == KindAudio
		m, epochs, err := quality.TrainMLP(ctx, train.X, train.Y, numClasses, mc)
		if err != nil {
			return nil, fmt.Errorf("feature space: %w", err)
		}
		s.mlp, s.dim, s.MLP = m, m.Hidden, &mc
		if len(epochs) > 0 {
			s.TrainAccuracy = epochs[len(epochs)-1].Accuracy
		}
		s.Description = fmt.Sprintf("the %d-unit ReLU hidden layer of a one-hidden-layer MLP trained (seed %d, %d epochs) on the %d real training rows; input: %s",
			m.Hidden, mc.Seed, mc.Epochs, train.Len(), fz.Describe)
	case SpacePCA:
		k := min(cfg.PCAComponents, train.X.Cols, train.Len()-1)
		p, err := quality.FitPCA(train.X, k)
		if err != nil {
			return nil, fmt.Errorf("feature space: %w", err)
		}
		s.pca, s.dim = p, k
		var v float64
		for _, x := range p.Variance {
			v += x
		}
		if p.TotalVariance > 0 {
			s.ExplainedVariance = v / p.TotalVariance
		}
		s.Description = fmt.Sprintf("the top %d principal components (%.0f%% of the variance) of the %d real training rows; input: %s",
			k, 100*s.ExplainedVariance, train.Len(), fz.Describe)
	default:
		return nil, fmt.Errorf("feature space %q: accepted: %s, %s", name, SpaceMLP, SpacePCA)
	}
	s.Dim = s.dim
	return s, nil
}

func (s *FeatureSpace) transform(x blas32.General) (blas32.General, error) {
	if s.mlp != nil {
		return s.mlp.Embed(x)
	}
	return s.pca.Transform(x)
}
