package composite_test

import (
	"context"
	"fmt"
	"image"
	"image/color"

	"github.com/tailsynth/tailsynth/composite"
	"github.com/tailsynth/tailsynth/media"
)

func ExampleParseLayout() {
	l, err := composite.ParseLayout("3x1")
	fmt.Println(l.Rows, "rows,", l.Cols, "column,", l.Tiles(), "tiles,", err)
	_, err = composite.ParseLayout("5x4")
	fmt.Println(err)
	// Output:
	// 3 rows, 1 column, 3 tiles, <nil>
	// composite: layout 5x4 (rows x cols): want rows and cols in 1..8 with rows*cols <= 16
}

func ExampleDistinctTuples() {
	fmt.Println(composite.DistinctTuples(5, 3, composite.Unordered))
	fmt.Println(composite.DistinctTuples(5, 3, composite.Ordered))
	fmt.Println(composite.DistinctTuples(6000, 9, composite.Unordered))
	// Output:
	// 10
	// 60
	// 27605220617280809770301034000
}

func ExamplePlanner_Minority() {
	files := map[string][]string{
		"normal": {"normal/1.png", "normal/2.png", "normal/3.png", "normal/4.png", "normal/5.png"},
		"rare":   {"rare/a.png", "rare/b.png", "rare/c.png", "rare/d.png"},
	}
	p := composite.NewPlanner(composite.Layout{Rows: 3, Cols: 1}, 42)
	res, err := p.Minority(files, map[string]int{"rare": 5})
	if err != nil {
		fmt.Println(err)
		return
	}
	// C(4,3) = 4 distinct sets: the first four differ, the fifth repeats one.
	for _, pl := range res.Plans {
		fmt.Println(pl.Class, pl.Index, pl.Sources, "cycle", pl.Cycle)
	}
	c := res.Classes[0]
	fmt.Println("distinct", c.Distinct, "exhausted", c.Exhausted)
	// Output:
	// rare 0 [rare/d.png rare/c.png rare/a.png] cycle 0
	// rare 1 [rare/c.png rare/a.png rare/b.png] cycle 0
	// rare 2 [rare/c.png rare/d.png rare/b.png] cycle 0
	// rare 3 [rare/b.png rare/a.png rare/d.png] cycle 0
	// rare 4 [rare/c.png rare/b.png rare/a.png] cycle 1
	// distinct 4 exhausted true
}

func ExampleCompose() {
	// In a service the LoadFunc reads from storage, e.g.
	// composite.FSLoader(os.DirFS(root), media.DecodeOptions{}).
	colours := map[string]color.Gray{"a": {Y: 10}, "b": {Y: 128}, "c": {Y: 250}}
	load := func(_ context.Context, key string) (image.Image, error) {
		img := image.NewGray(image.Rect(0, 0, 50, 40))
		for i := range img.Pix {
			img.Pix[i] = colours[key].Y
		}
		return img, nil
	}
	opts := composite.DefaultOptions() // 3x1, 224x224, stretch, linear, auto
	opts.Size = media.Size{W: 30, H: 30}
	plan := composite.Plan{Class: "rare", Sources: []string{"a", "b", "c"}}
	img, err := composite.Compose(context.Background(), plan, load, opts)
	if err != nil {
		fmt.Println(err)
		return
	}
	g := img.(*image.Gray) // all sources gray: auto mode gives gray
	fmt.Println(img.Bounds().Dx(), "x", img.Bounds().Dy(), "top", g.GrayAt(0, 0).Y, "middle", g.GrayAt(0, 15).Y, "bottom", g.GrayAt(0, 29).Y)
	// Output:
	// 30 x 30 top 10 middle 128 bottom 250
}

func ExampleTrainOnly() {
	files := []composite.LabeledFile{
		{Key: "rare/a.png", Class: "rare", Split: "train"},
		{Key: "rare/b.png", Class: "rare", Split: "test"},
		{Key: "rare/c.png", Class: "rare", Split: "train"},
	}
	train, excluded := composite.TrainOnly(files)
	fmt.Println(train["rare"], len(excluded), excluded[0].Key)
	// Output:
	// [rare/a.png rare/c.png] 1 rare/b.png
}
