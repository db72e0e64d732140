package compositegen_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"image"
	"image/color"
	"image/png"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/tailsynth/tailsynth/datasets"
	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/generators/compositegen"
	"github.com/tailsynth/tailsynth/storage/local"
)

// heldOutFiles lists the files under dir/<class>/ of the dataset as
// labelled held-out files.
func heldOutFiles(d *dataset, prefix string, classes ...string) map[string][]datasets.File {
	out := map[string][]datasets.File{}
	for key := range d.colors {
		for _, c := range classes {
			if strings.HasPrefix(key, prefix+c+"/") {
				out[c] = append(out[c], datasets.File{Key: key, Class: c, Split: "test"})
			}
		}
	}
	return out
}

type composed struct {
	class   string
	i       int
	sources []string
	img     image.Image
}

func composeHeldOut(t *testing.T, root string, h compositegen.HeldOut) ([]composed, *compositegen.HeldOutReport, error) {
	t.Helper()
	st, err := local.New(root)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var out []composed
	rep, err := compositegen.ComposeHeldOut(context.Background(), st, h, func(class string, i int, s *generators.Sample) error {
		img, err := png.Decode(bytes.NewReader(s.Data))
		if err != nil {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		out = append(out, composed{class, i, s.Provenance["sources"].([]string), img})
		return nil
	})
	slices.SortFunc(out, func(a, b composed) int {
		if c := strings.Compare(a.class, b.class); c != 0 {
			return c
		}
		return a.i - b.i
	})
	return out, rep, err
}

// ComposeHeldOut composes each class from its own held-out files only,
// with the job's layout and size and the mode it is given, leaves out bad
// files, and is deterministic; "auto" and a class with no readable image
// are refused.
func TestComposeHeldOut(t *testing.T) {
	root := t.TempDir()
	d := newDataset(t, root)
	d.solid("test/a", 3)
	d.solid("test/b", 5)
	bad := d.bad("test/a")
	files := heldOutFiles(d, "test/", "a", "b")
	for key := range bad {
		files["a"] = append(files["a"], datasets.File{Key: key, Class: "a", Split: "test"})
	}
	h := compositegen.HeldOut{Params: json.RawMessage(`{"layout":"2x1","size":16}`), Seed: 7, Mode: "rgb", Files: files, Counts: map[string]int{"a": 4, "b": 6}}
	got, rep, err := composeHeldOut(t, root, h)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 10 {
		t.Fatalf("%d composites, want 4 of a and 6 of b", len(got))
	}
	for _, c := range got {
		if len(c.sources) != 2 {
			t.Errorf("%s %d: sources %v, want 2 (layout 2x1)", c.class, c.i, c.sources)
		}
		for _, s := range c.sources {
			if !strings.HasPrefix(s, "test/"+c.class+"/") {
				t.Errorf("%s composite %d has source %s of another class", c.class, c.i, s)
			}
			if _, isBad := bad[s]; isBad {
				t.Errorf("bad file %s used", s)
			}
		}
		if b := c.img.Bounds(); b.Dx() != 16 || b.Dy() != 16 {
			t.Errorf("%s %d: %v, want 16x16", c.class, c.i, b)
		}
		// The top tile shows the first source (solid colours, stretched).
		if r, g, b, _ := c.img.At(0, 0).RGBA(); (color.NRGBA{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8), 0xff}) != d.colors[c.sources[0]] {
			t.Errorf("%s %d: top-left pixel %v, want the colour of %s %v", c.class, c.i, c.img.At(0, 0), c.sources[0], d.colors[c.sources[0]])
		}
	}
	if rep.Seed != compositegen.HeldOutSeed(7) || rep.Seed == 7 || rep.Mode != "rgb" || rep.Layout != "2x1" || len(rep.BadFiles) != len(bad) {
		t.Errorf("report %+v, want seed HeldOutSeed(7), rgb, 2x1 and %d bad files", rep, len(bad))
	}
	if len(rep.Classes) != 2 || rep.Classes[0].Class != "a" || rep.Classes[0].Usable != 3 || rep.Classes[0].Files != 3+len(bad) || rep.Classes[0].Composites != 4 {
		t.Errorf("classes %+v, want a with 3 usable of %d files and 4 composites", rep.Classes, 3+len(bad))
	}
	// Deterministic, and the given mode wins over the sources' colours.
	h.Mode = "gray"
	again, _, err := composeHeldOut(t, root, h)
	if err != nil {
		t.Fatal(err)
	}
	for i := range got {
		if !slices.Equal(got[i].sources, again[i].sources) {
			t.Errorf("composite %d: sources %v then %v", i, got[i].sources, again[i].sources)
		}
		if _, ok := again[i].img.(*image.Gray); !ok {
			t.Errorf("composite %d in mode gray is a %T", i, again[i].img)
		}
	}

	h.Mode = "auto"
	var pe *generators.ParamError
	if _, _, err := composeHeldOut(t, root, h); !errors.As(err, &pe) || !strings.Contains(err.Error(), "resolved mode") {
		t.Errorf("mode auto: %v, want a ParamError asking for the training job's resolved mode", err)
	}
	h.Mode, h.Files = "rgb", map[string][]datasets.File{"a": files["a"], "b": nil}
	var de *datasets.DatasetError
	if _, _, err := composeHeldOut(t, root, h); !errors.As(err, &de) || !strings.Contains(err.Error(), `held-out class "b"`) {
		t.Errorf("class without files: %v, want a DatasetError naming held-out class b", err)
	}
}
