package augmentgen_test

import (
	"encoding/json"
	"fmt"

	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/generators/augmentgen"
)

func ExampleRegister() {
	r := generators.NewRegistry()
	if err := augmentgen.Register(r); err != nil {
		fmt.Println(err)
		return
	}
	g, _ := r.Get("augment")
	// Parameters are checked before a job is queued.
	fmt.Println(g.Validate(json.RawMessage(`{"preset":"medium","disable":["HorizontalFlip"]}`)))
	fmt.Println(g.Validate(json.RawMessage(`{"transforms":[{"name":"Affine","rotate":500}]}`)))
	// Output:
	// <nil>
	// augment params: transforms[0]: Affine rotate [-500, 500]: want [lo, hi] with -180 <= lo <= hi <= 180 (degrees)
}
