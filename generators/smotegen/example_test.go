package smotegen_test

import (
	"fmt"

	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/generators/smotegen"
)

func ExampleRegister() {
	r := generators.NewRegistry()
	if err := smotegen.Register(r); err != nil {
		fmt.Println(err)
		return
	}
	g, _ := r.Get("smote")
	fmt.Println(g.Info().Kinds)
	for _, p := range g.Info().Params {
		fmt.Printf("%s (%v)\n", p.Name, p.Default)
	}
	fmt.Println(g.Validate([]byte(`{"k":0}`)))
	// Output:
	// [image array]
	// k (5)
	// size (<nil>)
	// mode (auto)
	// max_file_mib (64)
	// max_megapixels (64)
	// sheet_per_class (8)
	// min_sources (2)
	// allow_few_sources (false)
	// smote params: k 0: want 1..1000 neighbours
}
