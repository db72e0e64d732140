package augment_test

import (
	"encoding/json"
	"fmt"
	"image"
	"math/rand/v2"

	"github.com/tailsynth/tailsynth/augment"
)

// Draw the transforms of one sample, keep them as JSON, and reproduce the
// sample from the JSON alone.
func Example() {
	specs, _ := augment.Preset(augment.PresetLight)
	p, err := augment.New(specs, augment.Options{Border: augment.BorderReflect})
	if err != nil {
		fmt.Println(err)
		return
	}
	src := augment.FromImage(image.NewGray(image.Rect(0, 0, 28, 28)))
	applied := p.Draw(rand.New(rand.NewPCG(1, 0)), 28, 28)
	out, _ := augment.Apply(src, applied, p.Options())
	row, _ := json.Marshal(applied)
	fmt.Println(string(row))

	var back []augment.Applied
	_ = json.Unmarshal(row, &back)
	again, _ := augment.Apply(src, back, p.Options())
	fmt.Println(out.W, out.H, fmt.Sprint(again.Pix) == fmt.Sprint(out.Pix))
	// Output:
	// [{"name":"HorizontalFlip"},{"name":"Affine","translate_x":-0.0373,"translate_y":-0.0429,"rotate":6.775,"scale":1.0149}]
	// 28 28 true
}

func ExampleSpec_UnmarshalJSON() {
	var specs []augment.Spec
	err := json.Unmarshal([]byte(`["HorizontalFlip", {"name": "Affine", "rotate": 400}]`), &specs)
	fmt.Println(err)
	// Output:
	// augment: Affine rotate [-400, 400]: want [lo, hi] with -180 <= lo <= hi <= 180 (degrees)
}
