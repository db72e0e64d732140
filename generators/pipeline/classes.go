package pipeline

import (
	"bytes"
	"context"
	"encoding/json"

	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/storage"
)

// writeClasses writes classes.json: {"classes": [...]}, every class of the
// job's plan, which is every class of the dataset's training files, sorted
// by name (Go compares bytes, Python code points: the same order for
// UTF-8), which is the order in which torchvision's ImageFolder numbers
// the class folders of the real dataset. A job's data/ holds only the
// classes that got samples, so ImageFolder on data/ alone numbers them
// otherwise ({"rare": 0} where the dataset has {"common": 0, "rare": 1});
// training code labels the samples through this list instead (the README's
// recipe, which service/readme_recipe_test.go runs). report.json's
// "classes" repeats it.
func writeClasses(ctx context.Context, out storage.Store, classes []string) error {
	b, err := json.MarshalIndent(map[string]any{"classes": classes}, "", "  ")
	if err != nil {
		return err
	}
	b = append(b, '\n')
	_, err = out.Put(ctx, generators.ClassesKey, bytes.NewReader(b), int64(len(b)), storage.PutOptions{ContentType: "application/json"})
	return err
}
