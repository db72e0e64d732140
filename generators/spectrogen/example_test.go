package spectrogen_test

import (
	"encoding/json"
	"fmt"

	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/generators/spectrogen"
)

func ExampleRegister() {
	reg := generators.NewRegistry()
	if err := spectrogen.Register(reg); err != nil {
		panic(err)
	}
	fmt.Println(reg.Names())
	g, _ := reg.Get("specaugment")
	fmt.Println(g.Validate(json.RawMessage(`{"scale": "mel_db", "n_mels": 64, "time_masks": 2, "mix_prob": 0.3}`)))
	fmt.Println(g.Validate(json.RawMessage(`{"mask_fill": "zero"}`)))
	// Output:
	// [specaugment spectrogram]
	// <nil>
	// specaugment params: mask_fill "zero": want one of min, mean
}
