package composite_test

import (
	"encoding/json"
	"image/color"
	"strings"
	"testing"

	"github.com/tailsynth/tailsynth/composite"
	"github.com/tailsynth/tailsynth/media"
)

func TestParseLayout(t *testing.T) {
	tests := []struct {
		in      string
		want    composite.Layout
		wantErr string
	}{
		{"3x1", composite.Layout{Rows: 3, Cols: 1}, ""},
		{"1x3", composite.Layout{Rows: 1, Cols: 3}, ""},
		{" 2X2 ", composite.Layout{Rows: 2, Cols: 2}, ""},
		{"4*4", composite.Layout{Rows: 4, Cols: 4}, ""},
		{"8x2", composite.Layout{Rows: 8, Cols: 2}, ""},
		{"3x3", composite.Layout{Rows: 3, Cols: 3}, ""},
		{"9x1", composite.Layout{}, "rows and cols in 1..8"},
		{"5x4", composite.Layout{}, "rows*cols <= 16"},
		{"0x3", composite.Layout{}, "rows and cols in 1..8"},
		{"3", composite.Layout{}, "want ROWSxCOLS"},
		{"axb", composite.Layout{}, "want ROWSxCOLS"},
		{"", composite.Layout{}, "want ROWSxCOLS"},
	}
	for _, tc := range tests {
		got, err := composite.ParseLayout(tc.in)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("ParseLayout(%q) error = %v, want one containing %q", tc.in, err, tc.wantErr)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseLayout(%q) = %v, %v, want %v", tc.in, got, err, tc.want)
		}
	}
}

func TestParseSizeFitModeFilterColour(t *testing.T) {
	if s, err := media.ParseSize("224"); err != nil || s != (media.Size{W: 224, H: 224}) {
		t.Errorf("media.ParseSize(224) = %v, %v", s, err)
	}
	if s, err := media.ParseSize("672x224"); err != nil || s != (media.Size{W: 672, H: 224}) {
		t.Errorf("media.ParseSize(672x224) = %v, %v", s, err)
	}
	for _, bad := range []string{"0", "-3", "10x", "x10", "20000", "big"} {
		if _, err := media.ParseSize(bad); err == nil {
			t.Errorf("media.ParseSize(%q): got nil error", bad)
		}
	}
	for in, want := range map[string]composite.Fit{"stretch": composite.FitStretch, "Fit": composite.FitContain, "letterbox": composite.FitContain, "fill": composite.FitFill, "cover": composite.FitFill} {
		if got, err := composite.ParseFit(in); err != nil || got != want {
			t.Errorf("ParseFit(%q) = %q, %v, want %q", in, got, err, want)
		}
	}
	if _, err := composite.ParseFit("zoom"); err == nil || !strings.Contains(err.Error(), "stretch, fit or fill") {
		t.Errorf("ParseFit(zoom) error = %v", err)
	}
	for _, name := range []string{"nearest", "linear", "bilinear", "catmullrom", "lanczos", "box", "MITCHELL"} {
		if _, err := composite.ParseFilter(name); err != nil {
			t.Errorf("ParseFilter(%q): %v", name, err)
		}
	}
	if _, err := composite.ParseFilter("sinc"); err == nil || !strings.Contains(err.Error(), "lanczos") {
		t.Errorf("ParseFilter(sinc) error = %v, want the list of names", err)
	}
	if c, err := composite.ParseColor("#80ff00"); err != nil || c != (color.NRGBA{R: 0x80, G: 0xff, A: 0xff}) {
		t.Errorf("ParseColor(#80ff00) = %v, %v", c, err)
	}
	if c, err := composite.ParseColor("00000000"); err != nil || c != (color.NRGBA{}) {
		t.Errorf("ParseColor(00000000) = %v, %v", c, err)
	}
	if _, err := composite.ParseColor("#fff"); err == nil {
		t.Error("ParseColor(#fff): got nil error")
	}
}

func TestOptionsValidate(t *testing.T) {
	if err := composite.DefaultOptions().Validate(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	for name, mut := range map[string]func(*composite.Options){
		"tiny size":   func(o *composite.Options) { o.Size = media.Size{W: 10, H: 2} }, // 3 rows
		"bad fit":     func(o *composite.Options) { o.Fit = "cover" },                  // aliases only via ParseFit
		"bad filter":  func(o *composite.Options) { o.Filter = "sinc" },
		"bad mode":    func(o *composite.Options) { o.Mode = "cmyk" },
		"bad layout":  func(o *composite.Options) { o.Layout = composite.Layout{Rows: 0, Cols: 1} },
		"empty fit":   func(o *composite.Options) { o.Fit = "" },
		"huge output": func(o *composite.Options) { o.Size = media.Size{W: 1 << 20, H: 10} },
	} {
		o := composite.DefaultOptions()
		mut(&o)
		if err := o.Validate(); err == nil {
			t.Errorf("%s: got nil error", name)
		}
	}
}

func TestLayoutJSON(t *testing.T) {
	var v struct {
		Layout composite.Layout `json:"layout"`
		Size   media.Size       `json:"size"`
	}
	if err := json.Unmarshal([]byte(`{"layout":"3x1","size":"224"}`), &v); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(v)
	if got, want := string(b), `{"layout":"3x1","size":"224x224"}`; got != want {
		t.Errorf("round trip %s, want %s", got, want)
	}
	if err := json.Unmarshal([]byte(`{"layout":"9x9"}`), &v); err == nil {
		t.Error("layout 9x9 accepted")
	}
}

func TestTileRect(t *testing.T) {
	l := composite.Layout{Rows: 3, Cols: 1}
	var hs []int
	for i := range 3 {
		hs = append(hs, l.TileRect(media.Size{W: 28, H: 28}, i).Dy())
	}
	if hs[0] != 9 || hs[1] != 9 || hs[2] != 10 {
		t.Errorf("tile heights %v, want [9 9 10]", hs)
	}
}
