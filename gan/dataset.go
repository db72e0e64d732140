package gan

import (
	"errors"
	"fmt"
)

// Dataset is labelled training data. Samples are NHWC (height, width,
// channels, channels fastest) float32 values, scaled to [-1, 1] for a model
// with Output "tanh" (see ImageToSample).
type Dataset interface {
	// Len is the number of samples.
	Len() int
	// Label returns the class of sample i, in [0, Config.Classes).
	Label(i int) int
	// Read writes sample i into dst, whose length is Height*Width*Channels.
	Read(i int, dst []float32) error
}

// SliceDataset is an in-memory Dataset: sample i is
// X[i*Features : (i+1)*Features] with class Labels[i].
type SliceDataset struct {
	X        []float32
	Labels   []int
	Features int
}

// NewSliceDataset checks the sizes and returns the dataset.
func NewSliceDataset(x []float32, labels []int, features int) (*SliceDataset, error) {
	if features < 1 {
		return nil, fmt.Errorf("gan: features = %d, want >= 1", features)
	}
	if len(x) != len(labels)*features {
		return nil, fmt.Errorf("gan: %d values for %d labels of %d features, want %d", len(x), len(labels), features, len(labels)*features)
	}
	return &SliceDataset{X: x, Labels: labels, Features: features}, nil
}

func (d *SliceDataset) Len() int        { return len(d.Labels) }
func (d *SliceDataset) Label(i int) int { return d.Labels[i] }
func (d *SliceDataset) Read(i int, dst []float32) error {
	if len(dst) != d.Features {
		return fmt.Errorf("gan: read buffer of %d values, want %d", len(dst), d.Features)
	}
	copy(dst, d.X[i*d.Features:(i+1)*d.Features])
	return nil
}

// ErrDataset is wrapped by errors about a dataset that does not fit the model.
var ErrDataset = errors.New("gan: dataset does not fit the model")

// classIndex lists the sample indices of each class and checks the labels.
func classIndex(data Dataset, classes int) ([][]int, error) {
	n := data.Len()
	if n < 1 {
		return nil, fmt.Errorf("%w: it is empty", ErrDataset)
	}
	idx := make([][]int, classes)
	for i := 0; i < n; i++ {
		l := data.Label(i)
		if l < 0 || l >= classes {
			return nil, fmt.Errorf("%w: sample %d has label %d, want 0..%d", ErrDataset, i, l, classes-1)
		}
		idx[l] = append(idx[l], i)
	}
	return idx, nil
}
