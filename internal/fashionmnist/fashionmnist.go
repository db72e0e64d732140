// Package fashionmnist reads the Fashion-MNIST (and MNIST) IDX files,
// gzip-compressed as distributed, for the real-data checks of package
// quality. Images become float32 rows with values in [0, 1] (byte/255).
package fashionmnist

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
)

// DefaultDir is where the Debian image of this project installs the data.
const DefaultDir = "/usr/share/datasets/fashion-mnist"

// ClassNames are the Fashion-MNIST labels 0-9.
var ClassNames = []string{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"}

// FolderName makes a label's name usable as a class folder ("T-shirt/top"
// -> "t-shirt-top"), as scripts/demo/fashionfolders writes the dataset.
func FolderName(label int) string {
	return strings.NewReplacer("/", "-", " ", "-").Replace(strings.ToLower(ClassNames[label]))
}

// Split is one split: Rows×Dim pixels (row-major) and a label per row.
type Split struct {
	Rows, Dim int
	Pixels    []float32
	Labels    []int
}

// Load reads "<split>-images-idx3-ubyte.gz" and "<split>-labels-idx1-ubyte.gz"
// from dir; split is "train" or "t10k".
func Load(dir, split string) (Split, error) {
	imgs, rows, dim, err := readIDX(filepath.Join(dir, split+"-images-idx3-ubyte.gz"), 0x803)
	if err != nil {
		return Split{}, err
	}
	labels, n, _, err := readIDX(filepath.Join(dir, split+"-labels-idx1-ubyte.gz"), 0x801)
	if err != nil {
		return Split{}, err
	}
	if n != rows {
		return Split{}, fmt.Errorf("fashionmnist: %d images but %d labels in split %q", rows, n, split)
	}
	s := Split{Rows: rows, Dim: dim, Pixels: make([]float32, len(imgs)), Labels: make([]int, n)}
	for i, b := range imgs {
		s.Pixels[i] = float32(b) / 255
	}
	for i, b := range labels {
		s.Labels[i] = int(b)
	}
	return s, nil
}

// readIDX returns the payload of an unsigned-byte IDX file, its first
// dimension and the product of the others.
func readIDX(path string, magic uint32) ([]byte, int, int, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, 0, fmt.Errorf("fashionmnist: %w", err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(bufio.NewReader(f))
	if err != nil {
		return nil, 0, 0, fmt.Errorf("fashionmnist: %s: %w", path, err)
	}
	var m uint32
	if err := binary.Read(zr, binary.BigEndian, &m); err != nil {
		return nil, 0, 0, fmt.Errorf("fashionmnist: %s: header: %w", path, err)
	}
	if m != magic {
		return nil, 0, 0, fmt.Errorf("fashionmnist: %s: magic %#x, want %#x", path, m, magic)
	}
	dims := make([]uint32, magic&0xff)
	if err := binary.Read(zr, binary.BigEndian, dims); err != nil {
		return nil, 0, 0, fmt.Errorf("fashionmnist: %s: dimensions: %w", path, err)
	}
	rest := 1
	for _, d := range dims[1:] {
		rest *= int(d)
	}
	buf := make([]byte, int(dims[0])*rest)
	if _, err := io.ReadFull(zr, buf); err != nil {
		return nil, 0, 0, fmt.Errorf("fashionmnist: %s: data: %w", path, err)
	}
	return buf, int(dims[0]), rest, nil
}

// Pick returns, for each i, perClass[i] images of label labels[i] (the
// first ones of a seeded shuffle of that label's images) relabelled i, in
// that order. It fails when a label has fewer images than asked.
func Pick(s Split, labels, perClass []int, seed uint64) (Split, error) {
	rng := rand.New(rand.NewPCG(seed, 0x6a756467))
	out := Split{Dim: s.Dim}
	for i, l := range labels {
		var of []int
		for r, y := range s.Labels {
			if y == l {
				of = append(of, r)
			}
		}
		rng.Shuffle(len(of), func(a, b int) { of[a], of[b] = of[b], of[a] })
		if perClass[i] > len(of) {
			return Split{}, fmt.Errorf("fashionmnist: label %d has %d images, %d asked", l, len(of), perClass[i])
		}
		for _, r := range of[:perClass[i]] {
			out.Pixels = append(out.Pixels, s.Pixels[r*s.Dim:(r+1)*s.Dim]...)
			out.Labels = append(out.Labels, i)
		}
		out.Rows += perClass[i]
	}
	return out, nil
}
