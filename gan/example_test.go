package gan_test

import (
	"bytes"
	"context"
	"fmt"
	"log"

	"github.com/tailsynth/tailsynth/gan"
)

// Example trains a tiny conditional MLP GAN on 2-D points of two classes,
// saves it, loads it back and samples from class 1.
func Example() {
	// 64 points: class 0 near (-0.5, 0.5), class 1 near (0.5, -0.5)
	var x []float32
	var labels []int
	for i := 0; i < 64; i++ {
		c := i % 2
		s := float32(1 - 2*c)
		x = append(x, -0.5*s+0.01*float32(i%7), 0.5*s)
		labels = append(labels, c)
	}
	data, err := gan.NewSliceDataset(x, labels, 2)
	if err != nil {
		log.Fatal(err)
	}
	cfg := gan.DefaultConfig(1, 2, 1, 2) // 1x2 "images" = 2-D vectors
	cfg.Arch, cfg.Hidden, cfg.ZDim, cfg.Output = gan.ArchMLP, []int{16}, 4, gan.OutputLinear
	m, err := gan.NewModel(cfg)
	if err != nil {
		log.Fatal(err)
	}
	hp := gan.DefaultHyper()
	hp.BatchSize = 16
	tr, err := gan.NewTrainer(m, hp)
	if err != nil {
		log.Fatal(err)
	}
	res, err := tr.Train(context.Background(), data, gan.RunOptions{Steps: 3})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("steps:", res.Steps, "stop:", res.Stop)

	var buf bytes.Buffer
	if err := m.Save(&buf, gan.Meta{ID: "example", ClassNames: []string{"a", "b"}}); err != nil {
		log.Fatal(err)
	}
	loaded, meta, err := gan.LoadModel(&buf)
	if err != nil {
		log.Fatal(err)
	}
	n := 0
	err = loaded.Sample(context.Background(), 1, 5, 42, func(i int, v []float32) error {
		n++
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("model:", meta.ID, "samples:", n)
	// Output:
	// steps: 3 stop: steps
	// model: example samples: 5
}
