package evaluate

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"

	"github.com/tailsynth/tailsynth/datasets"
)

// Sources of a held-out split.
const (
	HeldOutTest       = "test"       // the dataset's test split
	HeldOutVal        = "val"        // the dataset's validation split (no test split)
	HeldOutStratified = "stratified" // a seeded stratified split made by the evaluation
	HeldOutNone       = "none"       // no held-out data
)

// Split is the real data of an assessment: the training files generation
// may read, and the held-out files it never sees.
type Split struct {
	Train   []datasets.File `json:"-"`
	HeldOut []datasets.File `json:"-"`
	// Source is HeldOutTest, HeldOutVal, HeldOutStratified or HeldOutNone.
	Source string `json:"source"`
	// Fraction and Seed are set for a stratified split.
	Fraction float64 `json:"fraction,omitempty"`
	Seed     int64   `json:"seed,omitempty"`
	// TrainCounts and HeldOutCounts count the files per class.
	TrainCounts   map[string]int `json:"train_counts"`
	HeldOutCounts map[string]int `json:"held_out_counts"`
	Description   string         `json:"description"`
}

// DatasetSplit returns the dataset's own held-out split: its test files,
// or its validation files when it has no test split, beside its training
// files (datasets.Dataset.TrainFiles). Without either, HeldOut is empty
// and Source is HeldOutNone.
func DatasetSplit(ds *datasets.Dataset) Split {
	s := Split{Train: ds.TrainFiles(), Source: HeldOutNone}
	for _, name := range []string{HeldOutTest, HeldOutVal} {
		for _, f := range ds.Files {
			if f.Split == name {
				s.HeldOut = append(s.HeldOut, f)
			}
		}
		if len(s.HeldOut) > 0 {
			s.Source = name
			break
		}
	}
	s.count()
	switch s.Source {
	case HeldOutNone:
		s.Description = "the dataset has no test or validation split"
	default:
		s.Description = fmt.Sprintf("the dataset's %s split (%d files)", s.Source, len(s.HeldOut))
	}
	return s
}

// StratifiedSplit holds out round(fraction·n) files of each class of n
// files (at most n−1, so every class keeps a training file, and at least 1
// when n >= 2), chosen by a seeded shuffle of the class's files sorted by
// key: the same files and seed give the same split.
func StratifiedSplit(files []datasets.File, fraction float64, seed int64) (Split, error) {
	if !(fraction > 0 && fraction < 1) {
		return Split{}, fmt.Errorf("split: test_fraction %v, want a value in (0, 1), e.g. 0.2", fraction)
	}
	byClass := datasets.ByClass(files)
	classes := make([]string, 0, len(byClass))
	for c := range byClass {
		classes = append(classes, c)
	}
	sort.Strings(classes)
	s := Split{Source: HeldOutStratified, Fraction: fraction, Seed: seed}
	for ci, c := range classes {
		list := slices.Clone(byClass[c])
		sort.Slice(list, func(i, j int) bool { return list[i].Key < list[j].Key })
		rng := rand.New(rand.NewPCG(uint64(seed), uint64(ci)+0x5eed))
		rng.Shuffle(len(list), func(i, j int) { list[i], list[j] = list[j], list[i] })
		n := len(list)
		k := int(math.Round(fraction * float64(n)))
		if n >= 2 {
			k = min(max(k, 1), n-1)
		} else {
			k = 0
		}
		s.HeldOut = append(s.HeldOut, list[:k]...)
		s.Train = append(s.Train, list[k:]...)
	}
	sortFiles(s.HeldOut)
	sortFiles(s.Train)
	s.count()
	s.Description = fmt.Sprintf("a seeded stratified split: %.0f%% of each class held out (seed %d), %d files", 100*fraction, seed, len(s.HeldOut))
	return s, nil
}

func sortFiles(f []datasets.File) {
	sort.Slice(f, func(i, j int) bool { return f[i].Key < f[j].Key })
}

func (s *Split) count() {
	s.TrainCounts = datasets.Counts(s.Train)
	s.HeldOutCounts = datasets.Counts(s.HeldOut)
}

// View returns the training part as a dataset generation can run on (see
// pipeline.Pipeline.RunDataset). Its fingerprint names the dataset's and
// the training files, so another split gives another fingerprint.
func (s Split) View(ds *datasets.Dataset) *datasets.Dataset {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n", ds.Fingerprint)
	for _, f := range s.Train {
		fmt.Fprintf(h, "%s\x00", f.Key)
	}
	return &datasets.Dataset{Layout: ds.Layout, Files: s.Train, Fingerprint: "sha256:" + hex.EncodeToString(h.Sum(nil))}
}
