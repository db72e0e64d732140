package gangen_test

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/generators/gangen"
	"github.com/tailsynth/tailsynth/storage"
	"github.com/tailsynth/tailsynth/storage/local"
)

func ExampleRegister() {
	models := func(ctx context.Context) (storage.Store, error) {
		return local.New("/var/lib/tailsynth/outputs/models") // a location every worker shares
	}
	reg := generators.NewRegistry()
	if err := gangen.Register(reg, models); err != nil {
		panic(err)
	}
	fmt.Println(reg.Names())
	g, _ := reg.Get(gangen.WGANName)
	fmt.Println(g.Info().Heavy)
	fmt.Println(g.Validate(json.RawMessage(`{"steps": 3000, "time_budget": "45m", "image_size": 28, "diffaugment": "translation,cutout"}`)))
	fmt.Println(g.Validate(json.RawMessage(`{"image_size": "30x30"}`)))
	// Output:
	// [stftsynth wgan-gp]
	// true
	// <nil>
	// wgan-gp params: image_size "30x30": the conv architecture needs sides divisible by 4 (e.g. 28, 32, 64 or "48x32"); use arch "mlp" for other sizes
}
