package composite

import (
	"slices"
	"strings"
)

// LabeledFile is a source file with its class and dataset split.
type LabeledFile struct {
	Key   string `json:"key"`
	Class string `json:"class"`
	// Split is the dataset split the file belongs to: "train", "val",
	// "test", ... Empty means unknown.
	Split string `json:"split"`
}

// TrainOnly is the leakage guard: it keeps the files whose split is "train"
// (case-insensitive) and groups them by class, ready for Planner. Every other
// file, including files with an empty split, is returned in excluded so the
// caller can report it.
//
// A composite mixes several source images into one training input; if one
// of them is a validation or test image, the evaluation leaks. So composites
// must be built from training images only. A dataset without split labels
// must be labelled by the caller (for example all "train" after the caller
// has set aside its own held-out files) — this function does not guess.
func TrainOnly(files []LabeledFile) (byClass map[string][]string, excluded []LabeledFile) {
	return FilterSplits(files, "train")
}

// FilterSplits is TrainOnly with the accepted split names given
// (case-insensitive), for datasets that name the training split otherwise
// ("training"). The per-class lists keep the input order.
func FilterSplits(files []LabeledFile, splits ...string) (byClass map[string][]string, excluded []LabeledFile) {
	byClass = make(map[string][]string)
	for _, f := range files {
		ok := slices.ContainsFunc(splits, func(s string) bool { return f.Split != "" && strings.EqualFold(s, f.Split) })
		if !ok {
			excluded = append(excluded, f)
			continue
		}
		byClass[f.Class] = append(byClass[f.Class], f.Key)
	}
	return byClass, excluded
}
