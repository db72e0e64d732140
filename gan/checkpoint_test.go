package gan

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestModelSaveLoad(t *testing.T) {
	tr := newToyTrainer(t)
	if _, err := tr.Train(context.Background(), toyData(t, 32), RunOptions{Steps: 1}); err != nil {
		t.Fatal(err)
	}
	m := tr.Model()
	var buf bytes.Buffer
	meta := Meta{ID: "m1", ClassNames: []string{"a", "b"}, Version: "v0.1.0", Extra: map[string]string{"k": "v"}}
	if err := m.Save(&buf, meta); err != nil {
		t.Fatal(err)
	}
	got, gotMeta, err := LoadModel(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if gotMeta.ID != "m1" || !slices.Equal(gotMeta.ClassNames, meta.ClassNames) || gotMeta.Extra["k"] != "v" {
		t.Errorf("meta = %+v, want %+v", gotMeta, meta)
	}
	if !slices.Equal(weights(got), weights(m)) {
		t.Error("loaded weights differ")
	}
	if _, _, err := LoadTrainer(bytes.NewReader(buf.Bytes())); !errors.Is(err, ErrCheckpoint) || !strings.Contains(err.Error(), "LoadModel") {
		t.Errorf("LoadTrainer of a model artifact: got %v, want ErrCheckpoint pointing to LoadModel", err)
	}
	// a trainer checkpoint also loads as a model
	buf.Reset()
	if err := tr.Save(&buf, meta); err != nil {
		t.Fatal(err)
	}
	if got, _, err := LoadModel(&buf); err != nil || !slices.Equal(weights(got), weights(m)) {
		t.Errorf("LoadModel of a trainer checkpoint: err %v, weights equal %v", err, err == nil && slices.Equal(weights(got), weights(m)))
	}
}

func TestLoadRejectsBadInput(t *testing.T) {
	m, err := NewModel(toyConfig())
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := m.Save(&buf, Meta{}); err != nil {
		t.Fatal(err)
	}
	good := buf.Bytes()
	flip := func(i int) []byte {
		b := slices.Clone(good)
		b[i] ^= 0x40
		return b
	}
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "reading magic"},
		{"not a checkpoint", []byte("PNG\x89 definitely not"), "magic"},
		{"truncated header", good[:20], "reading header"},
		{"truncated weights", good[:len(good)-40], "tensor"},
		{"flipped weight bit", flip(len(good) - 10), "checksum"},
		{"missing checksum", good[:len(good)-4], "checksum"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := LoadModel(bytes.NewReader(tc.data))
			if !errors.Is(err, ErrCheckpoint) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want ErrCheckpoint mentioning %q", err, tc.want)
			}
		})
	}
}
