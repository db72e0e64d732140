package media_test

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"

	"github.com/tailsynth/tailsynth/media"
)

// An Encoder writes PNG files that any decoder reads back exactly; one
// Encoder serves a whole job, from any number of goroutines.
func ExampleEncoder() {
	img := image.NewNRGBA(image.Rect(0, 0, 64, 32))
	for y := range 32 {
		for x := range 64 {
			img.SetNRGBA(x, y, color.NRGBA{R: uint8(4 * x), G: uint8(8 * y), B: 128, A: 255})
		}
	}
	enc := media.NewEncoder(png.DefaultCompression)
	var buf bytes.Buffer
	if err := enc.Encode(&buf, img); err != nil {
		fmt.Println(err)
		return
	}
	back, err := media.DecodeBytes(buf.Bytes(), media.DecodeOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	// Opaque NRGBA is written as 8-bit RGB, which decodes as *image.RGBA.
	fmt.Printf("%T %v %v\n", back, back.Bounds().Size(), back.At(10, 5))
	// Output: *image.RGBA (64,32) {40 40 128 255}
}
