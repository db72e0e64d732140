package evaluate

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/tailsynth/tailsynth/datasets"
	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/storage"
	"github.com/tailsynth/tailsynth/storage/local"
)

// The leakage guard of the whole_dataset protocol refuses training
// composites with a source outside the training split, or of another
// class, before anything is composed.
func TestWholeDatasetLeakageGuard(t *testing.T) {
	split := Split{
		Train:   []datasets.File{{Key: "train/a/1.png", Class: "a"}, {Key: "train/a/2.png", Class: "a"}, {Key: "train/b/1.png", Class: "b"}},
		HeldOut: []datasets.File{{Key: "test/a/1.png", Class: "a", Split: "test"}},
	}
	split.count()
	tests := []struct{ name, row, want string }{
		{"held-out source", `{"file_name":"data/a/x.png","label":"a","sources":["train/a/1.png","test/a/1.png"],"composite":{"mode":"gray"}}`,
			"leakage guard: training composite data/a/x.png has source test/a/1.png, which is not a file of the training split"},
		{"other class", `{"file_name":"data/a/x.png","label":"a","sources":["train/a/1.png","train/b/1.png"],"composite":{"mode":"gray"}}`,
			`leakage guard: training composite data/a/x.png of class "a" has source train/b/1.png of class "b"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := local.New(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			meta := []byte(`{"file_name":"data/a/ok.png","label":"a","sources":["train/a/1.png","train/a/2.png"],"composite":{"mode":"gray"}}` + "\n" + tt.row + "\n")
			if _, err := out.Put(context.Background(), MethodsDir+"/m/"+generators.MetadataKey, bytes.NewReader(meta), int64(len(meta)), storage.PutOptions{}); err != nil {
				t.Fatal(err)
			}
			m := &methodRun{Method: Method{Name: "m", Generator: "composite", Protocol: ProtocolWholeDataset}}
			var r Runner
			_, err = r.composeHeldOut(context.Background(), nil, out, "file:///out/e", m, 1, split, DefaultConfig(), func(generators.Progress) {})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("composeHeldOut = %v, want %q", err, tt.want)
			}
			if _, err := out.Stat(context.Background(), HeldOutDir+"/m/"+generators.MetadataKey); err == nil {
				t.Error("held-out composites written despite the leak")
			}
		})
	}
}
