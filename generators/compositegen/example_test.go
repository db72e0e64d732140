package compositegen_test

import (
	"encoding/json"
	"fmt"

	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/generators/compositegen"
)

func ExampleRegister() {
	r := generators.NewRegistry()
	if err := compositegen.Register(r); err != nil {
		fmt.Println(err)
		return
	}
	g, _ := r.Get("composite")
	// Parameters are checked before a job is queued.
	fmt.Println(g.Validate(json.RawMessage(`{"layout":"3x1","size":224,"fit":"fill"}`)))
	fmt.Println(g.Validate(json.RawMessage(`{"layout":"3x1","size":"224x"}`)))
	// Output:
	// <nil>
	// composite params: size: size "224x": want N (square) or WIDTHxHEIGHT such as "224" or "672x224"
}
