package main

import (
	"fmt"

	"github.com/tailsynth/tailsynth/generators/pipeline"
)

// setWrites makes the job write conc samples at once, as many as the raw
// puts have in flight, and says so. (The "before" figures in the README
// came from a copy of this program whose setWrites left the pipeline at
// its default of that commit, GOMAXPROCS writes.)
func setWrites(p *pipeline.Pipeline, conc int) string {
	p.Writers = conc
	return fmt.Sprintf("Pipeline.Writers=%d (default here: %d)", conc, pipeline.DefaultWriters())
}
