package generators_test

import (
	"context"
	"os"
	"testing"

	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/generators/pipeline"
	"github.com/tailsynth/tailsynth/internal/fixtures"
	"github.com/tailsynth/tailsynth/storage"
	"github.com/tailsynth/tailsynth/storage/locator"
	"github.com/tailsynth/tailsynth/storage/storagetest"
)

// The helpers below are those of package pipeline's tests, for the tests
// here that run a job (the oversample generator's).

func TestMain(m *testing.M) { os.Exit(storagetest.Main(m)) }

// Shared test fixtures (package internal/fixtures).
var (
	writePNGs     = fixtures.WritePNGs
	readAll       = fixtures.ReadAll
	pngHeaderOnly = fixtures.PNGHeaderOnly
	noisePNG      = fixtures.NoisePNG
	wavBytes      = fixtures.WAVBytes
	npyBytes      = fixtures.NPYBytes
	writeFiles    = fixtures.WriteFiles
	newStoreAt    = fixtures.NewStoreAt
)

func newPipeline(t testing.TB, roots ...string) *pipeline.Pipeline {
	t.Helper()
	l, err := locator.New(locator.Config{LocalRoots: roots})
	if err != nil {
		t.Fatal(err)
	}
	reg := generators.NewRegistry()
	if err := reg.Register(generators.Oversample{}); err != nil {
		t.Fatal(err)
	}
	return &pipeline.Pipeline{Registry: reg, Open: func(ctx context.Context, uri string) (storage.Store, error) {
		st, _, err := l.Open(ctx, uri)
		return st, err
	}}
}
