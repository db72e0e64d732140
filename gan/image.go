package gan

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"math"
)

// SampleToImage converts an NHWC sample in [-1, 1] (values outside are
// clipped) to an image: *image.Gray for 1 channel, *image.RGBA (opaque) for
// 3. Pixel = round((v + 1) / 2 · 255).
func SampleToImage(x []float32, h, w, c int) (image.Image, error) {
	if len(x) != h*w*c {
		return nil, fmt.Errorf("gan: sample of %d values, want %dx%dx%d = %d", len(x), h, w, c, h*w*c)
	}
	switch c {
	case 1:
		img := image.NewGray(image.Rect(0, 0, w, h))
		for y := 0; y < h; y++ {
			for i := 0; i < w; i++ {
				img.Pix[y*img.Stride+i] = toByte(x[y*w+i])
			}
		}
		return img, nil
	case 3:
		img := image.NewRGBA(image.Rect(0, 0, w, h))
		for y := 0; y < h; y++ {
			for i := 0; i < w; i++ {
				s, d := (y*w+i)*3, y*img.Stride+i*4
				img.Pix[d], img.Pix[d+1], img.Pix[d+2], img.Pix[d+3] = toByte(x[s]), toByte(x[s+1]), toByte(x[s+2]), 255
			}
		}
		return img, nil
	}
	return nil, fmt.Errorf("gan: %d channels cannot be shown as an image, want 1 or 3", c)
}

func toByte(v float32) uint8 {
	f := (float64(v) + 1) / 2 * 255
	return uint8(math.Round(math.Max(0, math.Min(255, f))))
}

// ImageToSample writes img, which must be h x w (resize first, e.g. with
// disintegration/imaging), into dst as NHWC values in [-1, 1]: v = p/255·2 - 1
// with p the 8-bit grey level (c = 1, ITU-R 601 luma as image/color computes
// it) or the R, G, B levels (c = 3; alpha is ignored).
func ImageToSample(img image.Image, c int, dst []float32) error {
	b := img.Bounds()
	h, w := b.Dy(), b.Dx()
	if c != 1 && c != 3 {
		return fmt.Errorf("gan: %d channels, want 1 or 3", c)
	}
	if len(dst) != h*w*c {
		return fmt.Errorf("gan: buffer of %d values for a %dx%d image with %d channels, want %d", len(dst), w, h, c, h*w*c)
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			px := img.At(b.Min.X+x, b.Min.Y+y)
			i := (y*w + x) * c
			if c == 1 {
				g := color.GrayModel.Convert(px).(color.Gray)
				dst[i] = float32(g.Y)/255*2 - 1
				continue
			}
			n := color.NRGBAModel.Convert(px).(color.NRGBA)
			dst[i], dst[i+1], dst[i+2] = float32(n.R)/255*2-1, float32(n.G)/255*2-1, float32(n.B)/255*2-1
		}
	}
	return nil
}

// SampleGrid draws perClass samples (seed as in Sample) for each of classes,
// one row per class, with a 2-pixel grey gutter. Models with other than 1 or
// 3 channels show channel 0.
func SampleGrid(ctx context.Context, m *Model, classes []int, perClass int, seed int64) (*image.RGBA, error) {
	cfg := m.cfg
	const pad = 2
	h, w := cfg.Height, cfg.Width
	grid := image.NewRGBA(image.Rect(0, 0, pad+perClass*(w+pad), pad+len(classes)*(h+pad)))
	for i := range grid.Pix {
		grid.Pix[i] = 128
	}
	for row, class := range classes {
		err := m.Sample(ctx, class, perClass, seed, func(i int, x []float32) error {
			c := cfg.Channels
			if c != 1 && c != 3 {
				x0 := make([]float32, h*w)
				for j := range x0 {
					x0[j] = x[j*c]
				}
				x, c = x0, 1
			}
			img, err := SampleToImage(x, h, w, c)
			if err != nil {
				return err
			}
			ox, oy := pad+i*(w+pad), pad+row*(h+pad)
			for y := 0; y < h; y++ {
				for xx := 0; xx < w; xx++ {
					grid.Set(ox+xx, oy+y, img.At(xx, y))
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return grid, nil
}
