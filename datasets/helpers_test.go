package datasets_test

import (
	"os"
	"testing"

	"github.com/tailsynth/tailsynth/internal/fixtures"
	"github.com/tailsynth/tailsynth/storage/storagetest"
)

func TestMain(m *testing.M) { os.Exit(storagetest.Main(m)) }

// Shared test fixtures (package internal/fixtures).
var (
	writePNGs     = fixtures.WritePNGs
	pngHeaderOnly = fixtures.PNGHeaderOnly
	noisePNG      = fixtures.NoisePNG
	wavBytes      = fixtures.WAVBytes
	npyBytes      = fixtures.NPYBytes
	writeFiles    = fixtures.WriteFiles
	newStoreAt    = fixtures.NewStoreAt
)
