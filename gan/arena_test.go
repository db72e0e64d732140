package gan

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"

	G "gorgonia.org/gorgonia"
)

// TestArenaMatchesPrivateBuffers trains the same conv model (with
// DiffAugment and the upsampling generator, so that every op kind takes
// part) once with the shared buffer arena and once with a buffer per node:
// a value overwritten while still needed would change the weights.
func TestArenaMatchesPrivateBuffers(t *testing.T) {
	for _, block := range []GenBlock{GenDeconv, GenUpsample} {
		t.Run(string(block), func(t *testing.T) {
			cfg := DefaultConfig(8, 8, 1, 3)
			cfg.Base, cfg.ZDim, cfg.CriticNorm, cfg.GenBlock = 4, 8, NormLayer, block
			rng := rand.New(rand.NewPCG(9, 9))
			const n = 40
			x := make([]float32, n*64)
			for i := range x {
				x[i] = float32(rng.Float64()*2 - 1)
			}
			labels := make([]int, n)
			for i := range labels {
				labels[i] = i % 3
			}
			data, err := NewSliceDataset(x, labels, 64)
			if err != nil {
				t.Fatal(err)
			}
			train := func(private bool) ([]float64, *Trainer) {
				m, err := NewModel(cfg)
				if err != nil {
					t.Fatal(err)
				}
				hp := DefaultHyper()
				hp.BatchSize, hp.NCritic = 8, 2
				hp.Augment = Augment{Translation: true, Cutout: true}
				tr, err := NewTrainer(m, hp)
				if err != nil {
					t.Fatal(err)
				}
				tr.privateBuffers = private
				if _, err := tr.Train(context.Background(), data, RunOptions{Steps: 3}); err != nil {
					t.Fatal(err)
				}
				return weights(m), tr
			}
			shared, tr := train(false)
			private, _ := train(true)
			if !slices.Equal(shared, private) {
				t.Fatal("weights after 3 steps differ between shared and private buffers")
			}
			// The arena must actually share: less memory than one buffer per node.
			var own int
			for _, g := range []*G.ExprGraph{tr.cg.g, tr.gg.g, tr.fg.g} {
				for _, node := range g.AllNodes() {
					if op, ok := node.Op().(bufferedOp); ok && op.outBuffer().slot != nil {
						own += node.Shape().TotalSize() * 4
					}
				}
			}
			if got := tr.arena.bytes(); got <= 0 || 2*got > own {
				t.Errorf("arena holds %d bytes for %d bytes of node buffers, want less than half", got, own)
			}
			t.Logf("arena %d bytes, %d slots, for %d bytes of node buffers", tr.arena.bytes(), len(tr.arena.slots), own)
		})
	}
}
