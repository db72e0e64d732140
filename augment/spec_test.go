package augment_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/tailsynth/tailsynth/augment"
)

func TestSpecJSON(t *testing.T) {
	var specs []augment.Spec
	in := `["horizontalflip", {"name":"Affine","p":1,"rotate":30,"scale":[0.5,2]}, {"name":"GaussianBlur","blur_limit":[3,7]}]`
	if err := json.Unmarshal([]byte(in), &specs); err != nil {
		t.Fatal(err)
	}
	got, _ := json.Marshal(specs)
	want := `[{"name":"HorizontalFlip","p":0.5},` +
		`{"name":"Affine","p":1,"translate_percent":[-0.0625,0.0625],"rotate":[-30,30],"scale":[0.5,2],"shear":[0,0]},` +
		`{"name":"GaussianBlur","p":0.5,"sigma_limit":[0.1,2],"blur_limit":[3,7]}]`
	if string(got) != want {
		t.Errorf("round trip:\ngot  %s\nwant %s", got, want)
	}
	// And back again, unchanged.
	var again []augment.Spec
	if err := json.Unmarshal(got, &again); err != nil {
		t.Fatal(err)
	}
	if g2, _ := json.Marshal(again); string(g2) != want {
		t.Errorf("second round trip: %s", g2)
	}
	if _, err := augment.New(specs, augment.Options{}); err != nil {
		t.Error(err)
	}
}

// TestSpecErrors: every bad value is refused with a message naming the
// transform, the parameter, the value and what is accepted.
func TestSpecErrors(t *testing.T) {
	cases := []struct {
		json string
		want []string
	}{
		{`"Mixup"`, []string{`unknown transform "Mixup"`, "HorizontalFlip", "CoarseDropout"}},
		{`{"name":"Rotate"}`, []string{`unknown transform "Rotate"`, "Affine"}},
		{`{"p":0.5}`, []string{`want a "name"`, "GaussNoise"}},
		{`42`, []string{"want a name such as"}},
		{`{"name":"Affine","degrees":10}`, []string{`Affine has no parameter "degrees"`, "p, translate_percent, rotate, scale, shear"}},
		{`{"name":"HorizontalFlip","p":1.5}`, []string{"HorizontalFlip p 1.5", "0..1"}},
		{`{"name":"HorizontalFlip","p":[0,1]}`, []string{"HorizontalFlip p [0,1]", "want a number"}},
		{`{"name":"Affine","rotate":200}`, []string{"Affine rotate [-200, 200]", "-180 <= lo <= hi <= 180", "degrees"}},
		{`{"name":"Affine","scale":[1.2,0.8]}`, []string{"Affine scale [1.2, 0.8]", "lo <= hi"}},
		{`{"name":"Affine","scale":0}`, []string{"Affine scale [0, 0]", "0.01 <= lo"}},
		{`{"name":"Affine","scale":[1,2,3]}`, []string{"Affine scale [1,2,3]", "[lo, hi]"}},
		{`{"name":"Affine","shear":"big"}`, []string{"Affine shear \"big\"", "a number or an array"}},
		{`{"name":"RandomResizedCrop","scale":[0,1]}`, []string{"RandomResizedCrop scale [0, 1]", "0.01 <= lo", "area"}},
		{`{"name":"ElasticTransform","sigma":100}`, []string{"ElasticTransform sigma [100, 100]", "<= 50"}},
		{`{"name":"RandomBrightnessContrast","brightness_limit":2}`, []string{"brightness_limit [-2, 2]", "-1 <= lo"}},
		{`{"name":"RandomGamma","gamma_limit":[0.8,1.2]}`, []string{"gamma_limit [0.8, 1.2]", "10 <= lo", "percent"}},
		{`{"name":"GaussNoise","std_range":[0.1,2]}`, []string{"std_range [0.1, 2]", "<= 1"}},
		{`{"name":"GaussianBlur","blur_limit":[4,6]}`, []string{"blur_limit [4, 6]", "odd kernel sizes"}},
		{`{"name":"GaussianBlur","blur_limit":[3.5,5]}`, []string{"blur_limit [3.5, 5]", "whole numbers"}},
		{`{"name":"CoarseDropout","num_holes_range":[1,100]}`, []string{"num_holes_range [1, 100]", "<= 64"}},
		{`{"name":"CoarseDropout","fill":[0,1]}`, []string{"CoarseDropout fill [0,1]", "want a number"}},
		{`{"name":"CoarseDropout","fill":2}`, []string{"CoarseDropout fill 2", "a number in 0..1"}},
	}
	for _, c := range cases {
		t.Run(c.json, func(t *testing.T) {
			var s augment.Spec
			err := json.Unmarshal([]byte(c.json), &s)
			if err == nil {
				t.Fatalf("accepted, want an error")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestOptionErrors(t *testing.T) {
	cases := []struct {
		o    augment.Options
		want string
	}{
		{augment.Options{Border: "wrap"}, `border "wrap": want reflect or constant`},
		{augment.Options{Fill: 1.5}, "fill 1.5: want 0..1"},
		{augment.Options{Fill: -0.1}, "fill -0.1"},
		{augment.Options{W: 10}, "output size 10x0: want both sides in 1..32768, or both 0"},
		{augment.Options{W: 1 << 16, H: 4}, "output size 65536x4"},
	}
	for _, c := range cases {
		_, err := augment.New(nil, c.o)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("New(%+v) = %v, want an error containing %q", c.o, err, c.want)
		}
	}
}

// TestApplyErrors: a hand-edited provenance row is checked, not trusted.
func TestApplyErrors(t *testing.T) {
	src := ramp(4, 4, 1, 8)
	cases := []struct {
		a    augment.Applied
		want string
	}{
		{augment.Applied{Name: "Twirl"}, `transform 0: augment: unknown transform "Twirl"`},
		{augment.Applied{Name: augment.Affine, Scale: -1}, "Affine scale -1: want 0.001..100"},
		{augment.Applied{Name: augment.RandomResizedCrop}, "RandomResizedCrop crop [0 0 0 0]: want crop_w, crop_h in 1..32768"},
		{augment.Applied{Name: augment.GaussianBlur, Kernel: 4, Sigma: 1}, "GaussianBlur kernel, sigma [4 1]: want an odd kernel"},
		{augment.Applied{Name: augment.ElasticTransform, Alpha: 1, Sigma: 0.1}, "sigma in 0.5..50"},
		{augment.Applied{Name: augment.GaussNoise, Std: 3}, "GaussNoise std 3"},
		{augment.Applied{Name: augment.RandomGamma, Gamma: -1}, "RandomGamma gamma -1"},
		{augment.Applied{Name: augment.CoarseDropout, Holes: make([]augment.Hole, 65)}, "at most 64 holes"},
	}
	for _, c := range cases {
		_, err := augment.Apply(src, []augment.Applied{c.a}, augment.Options{})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Apply(%+v) = %v, want an error containing %q", c.a, err, c.want)
		}
	}
	if _, err := augment.Apply(&augment.Image{W: 2, H: 2, Channels: 2, Depth: 8, Pix: make([]float32, 8)}, nil, augment.Options{}); err == nil ||
		!strings.Contains(err.Error(), "2 channels: want 1 (gray), 3 (RGB) or 4 (RGBA)") {
		t.Errorf("2-channel image: %v", err)
	}
	if _, err := augment.Apply(&augment.Image{W: 2, H: 2, Channels: 1, Depth: 8, Pix: make([]float32, 3)}, nil, augment.Options{}); err == nil ||
		!strings.Contains(err.Error(), "3 values for 2x2x1: want 4") {
		t.Errorf("short Pix: %v", err)
	}
}

func TestPresets(t *testing.T) {
	for _, name := range augment.PresetNames() {
		specs, err := augment.Preset(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := augment.New(specs, augment.Options{}); err != nil {
			t.Errorf("preset %s: %v", name, err)
		}
		for _, s := range specs {
			if s.Name == augment.VerticalFlip {
				t.Errorf("preset %s flips vertically: unsafe for natural images", name)
			}
		}
	}
	if _, err := augment.Preset("extreme"); err == nil || !strings.Contains(err.Error(), "want one of light, medium, strong") {
		t.Errorf("Preset(extreme) = %v", err)
	}
	light, _ := augment.Preset("light")
	off, err := augment.Without(light, "horizontalflip", augment.ElasticTransform)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range off {
		names = append(names, s.Name)
	}
	if !slices.Equal(names, []string{augment.Affine, augment.RandomBrightnessContrast}) {
		t.Errorf("light without HorizontalFlip: %v", names)
	}
	if _, err := augment.Without(light, "Flip"); err == nil || !strings.Contains(err.Error(), `unknown transform "Flip": want one of HorizontalFlip`) {
		t.Errorf("Without(Flip) = %v", err)
	}
}
