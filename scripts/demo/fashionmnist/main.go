// Command fashionmnist converts the Fashion-MNIST IDX files (gzip) into a
// tailsynth image dataset: one folder of 28x28 gray PNGs per class, with
// one class cut to a fraction of its images to make it a rare class.
//
//	go run ./scripts/demo/fashionmnist -in /usr/share/datasets/fashion-mnist -out DIR [-rare Sandal] [-fraction 0.01] [-test]
//
// The rare class keeps every k-th image (k = round(1/fraction)), so the
// subset is deterministic. With -test, the t10k set is written as well and
// the layout becomes train/<class>/ and test/<class>/ (the service then
// trains on train/ only).
package main

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"flag"
	"fmt"
	"image"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"
)

// classes are Fashion-MNIST's labels 0..9, as folder names.
var classes = []string{"T-shirt_top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle_boot"}

func main() {
	in := flag.String("in", "/usr/share/datasets/fashion-mnist", "folder with the *-idx?-ubyte.gz files")
	out := flag.String("out", "", "output dataset folder (required)")
	rare := flag.String("rare", "Sandal", "class to cut down")
	fraction := flag.Float64("fraction", 0.01, "fraction of the rare class's training images kept, (0, 1]")
	test := flag.Bool("test", false, "also write the test set (layout train/<class>, test/<class>)")
	flag.Parse()
	if *out == "" || !(*fraction > 0 && *fraction <= 1) {
		flag.Usage()
		os.Exit(2)
	}
	rareID := -1
	for i, c := range classes {
		if c == *rare {
			rareID = i
		}
	}
	if rareID < 0 {
		fmt.Fprintf(os.Stderr, "fashionmnist: -rare %q: want one of %v\n", *rare, classes)
		os.Exit(2)
	}
	every := int(math.Round(1 / *fraction))
	sets := []struct{ prefix, split string }{{"train", ""}}
	if *test {
		sets = []struct{ prefix, split string }{{"train", "train"}, {"t10k", "test"}}
	}
	for _, s := range sets {
		counts, err := convert(*in, s.prefix, filepath.Join(*out, s.split), func(label, seen int) bool {
			return s.prefix != "train" || label != rareID || seen%every == 0
		})
		if err != nil {
			fmt.Fprintln(os.Stderr, "fashionmnist:", err)
			os.Exit(1)
		}
		fmt.Printf("%s: %v\n", s.prefix, counts)
	}
}

// convert writes the images of one IDX pair whose keep(label, index within
// the label) is true, and returns the counts written per class.
func convert(in, prefix, out string, keep func(label, seen int) bool) (map[string]int, error) {
	images, err := readIDX(filepath.Join(in, prefix+"-images-idx3-ubyte.gz"), 3)
	if err != nil {
		return nil, err
	}
	labels, err := readIDX(filepath.Join(in, prefix+"-labels-idx1-ubyte.gz"), 1)
	if err != nil {
		return nil, err
	}
	n, h, w := images.dims[0], images.dims[1], images.dims[2]
	if labels.dims[0] != n {
		return nil, fmt.Errorf("%s: %d images but %d labels", prefix, n, labels.dims[0])
	}
	seen := make([]int, len(classes))
	counts := map[string]int{}
	for i := 0; i < n; i++ {
		l := int(labels.data[i])
		if l >= len(classes) {
			return nil, fmt.Errorf("%s: label %d of image %d, want 0..9", prefix, l, i)
		}
		k := seen[l]
		seen[l]++
		if !keep(l, k) {
			continue
		}
		img := &image.Gray{Pix: images.data[i*h*w : (i+1)*h*w], Stride: w, Rect: image.Rect(0, 0, w, h)}
		dir := filepath.Join(out, classes[l])
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
		if err := writePNG(filepath.Join(dir, fmt.Sprintf("%05d.png", i)), img); err != nil {
			return nil, err
		}
		counts[classes[l]]++
	}
	return counts, nil
}

func writePNG(path string, img image.Image) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

type idx struct {
	dims []int
	data []byte
}

// readIDX reads a gzip-compressed IDX file of unsigned bytes with rank dims
// (magic 0x0000080R, big-endian dimension sizes, then the data).
func readIDX(path string, rank int) (*idx, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(bufio.NewReader(f))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var magic uint32
	if err := binary.Read(zr, binary.BigEndian, &magic); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if magic != 0x00000800|uint32(rank) {
		return nil, fmt.Errorf("%s: magic %#08x, want %#08x (unsigned bytes, rank %d)", path, magic, 0x800|rank, rank)
	}
	d := &idx{}
	size := 1
	for range rank {
		var n uint32
		if err := binary.Read(zr, binary.BigEndian, &n); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		d.dims = append(d.dims, int(n))
		size *= int(n)
	}
	if size > 1<<28 {
		return nil, fmt.Errorf("%s: %v is too large", path, d.dims)
	}
	d.data = make([]byte, size)
	if _, err := io.ReadFull(zr, d.data); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return d, nil
}
