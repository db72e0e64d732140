package evaluate_test

import (
	"fmt"

	"github.com/tailsynth/tailsynth/datasets"
	"github.com/tailsynth/tailsynth/evaluate"
)

// A dataset without a test split gets a seeded stratified one: 20% of each
// class, at least one file per class of two or more, never its last file.
func ExampleStratifiedSplit() {
	var files []datasets.File
	for class, n := range map[string]int{"common": 40, "rare": 3} {
		for i := range n {
			files = append(files, datasets.File{Key: fmt.Sprintf("%s/%02d.png", class, i), Class: class})
		}
	}
	s, err := evaluate.StratifiedSplit(files, 0.2, 1)
	if err != nil {
		panic(err)
	}
	fmt.Println(s.Description)
	fmt.Println("held out:", s.HeldOutCounts, "train:", s.TrainCounts)
	// Output:
	// a seeded stratified split: 20% of each class held out (seed 1), 9 files
	// held out: map[common:8 rare:1] train: map[common:32 rare:2]
}
