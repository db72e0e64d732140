package gan

import (
	"errors"
	"strings"
	"testing"
)

func TestConfigValidate(t *testing.T) {
	base := DefaultConfig(28, 28, 1, 10)
	for _, tc := range []struct {
		name   string
		modify func(*Config)
		want   string // substring of the error; "" = valid
	}{
		{"default", func(*Config) {}, ""},
		{"spectrogram 128x32", func(c *Config) { c.Height, c.Width = 128, 32 }, ""},
		{"arch", func(c *Config) { c.Arch = "gru" }, `Arch = "gru", accepted: "conv" or "mlp"`},
		{"height", func(c *Config) { c.Height = 0 }, "Height = 0, accepted: 1..4096"},
		{"channels", func(c *Config) { c.Channels = 17 }, "Channels = 17, accepted: 1..16"},
		{"classes", func(c *Config) { c.Classes = 0 }, "Classes = 0, accepted: 1..10000"},
		{"zdim", func(c *Config) { c.ZDim = -1 }, "ZDim = -1"},
		{"not divisible by 4", func(c *Config) { c.Height = 30 }, "Height x Width = 30x28, accepted: sizes divisible by 4"},
		{"stages", func(c *Config) { c.Stages = 3 }, "Height x Width = 28x28, accepted: sizes divisible by 2^Stages = 8"},
		{"norm", func(c *Config) { c.CriticNorm = "batch" }, `CriticNorm = "batch"`},
		{"slope", func(c *Config) { c.LeakySlope = 1 }, "LeakySlope = 1, accepted: [0, 1)"},
		{"dtype", func(c *Config) { c.DType = "float16" }, `DType = "float16"`},
		{"mlp hidden", func(c *Config) { c.Arch, c.Hidden = ArchMLP, []int{8, 0} }, "Hidden[1] = 0, accepted: 1..16384"},
		{"mlp any size", func(c *Config) { c.Arch, c.Height, c.Width = ArchMLP, 1, 13 }, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := base
			c.Hidden = append([]int(nil), base.Hidden...)
			tc.modify(&c)
			err := c.Validate()
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("got %v, want valid", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, ErrConfig)):
				t.Errorf("got %v, want an ErrConfig containing %q", err, tc.want)
			}
		})
	}
}

func TestHyperValidate(t *testing.T) {
	for _, tc := range []struct {
		name   string
		modify func(*Hyper)
		want   string
	}{
		{"default", func(*Hyper) {}, ""},
		{"beta1 zero ok", func(h *Hyper) { h.Beta1 = 0 }, ""},
		{"batch", func(h *Hyper) { h.BatchSize = 0 }, "BatchSize = 0, accepted: 1..4096"},
		{"ncritic", func(h *Hyper) { h.NCritic = 0 }, "NCritic = 0"},
		{"lambda", func(h *Hyper) { h.Lambda = -1 }, "Lambda = -1"},
		{"lr", func(h *Hyper) { h.LR = 0 }, "LR = 0, accepted: (0, 1)"},
		{"beta2", func(h *Hyper) { h.Beta2 = 1 }, "Beta2 = 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := DefaultHyper()
			tc.modify(&h)
			err := h.Validate()
			if (tc.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.want)) {
				t.Errorf("got %v, want %q", err, tc.want)
			}
		})
	}
}

// TestArchitectures builds each supported shape (small Base) and checks the
// generator's output and the critic's parameter layout.
func TestArchitectures(t *testing.T) {
	for _, tc := range []struct {
		h, w, c    int
		arch       Arch
		wantStages int
	}{
		{28, 28, 1, ArchConv, 2},
		{32, 32, 3, ArchConv, 3},
		{64, 64, 3, ArchConv, 4},
		{64, 64, 1, ArchConv, 4},
		{128, 32, 1, ArchConv, 3},
		{1, 10, 1, ArchMLP, 0},
	} {
		cfg := DefaultConfig(tc.h, tc.w, tc.c, 3)
		cfg.Arch, cfg.Base, cfg.ZDim, cfg.Hidden = tc.arch, 4, 8, []int{8}
		m, err := NewModel(cfg)
		if err != nil {
			t.Fatalf("%dx%dx%d %s: %v", tc.h, tc.w, tc.c, tc.arch, err)
		}
		if got := m.Config().Stages; got != tc.wantStages {
			t.Errorf("%dx%dx%d: Stages = %d, want %d", tc.h, tc.w, tc.c, got, tc.wantStages)
		}
		fg, err := newFwdGraph(m, 2, &bufArena{})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := fg.out.Shape(), []int{2, tc.h, tc.w, tc.c}; !equalInts(want, got) {
			t.Errorf("generator output %v, want %v", got, want)
		}
		if err := fg.run(); err != nil {
			t.Fatal(err)
		}
		for _, v := range fg.out.Data().([]float32) {
			if !(v >= -1 && v <= 1) {
				t.Fatalf("%dx%dx%d: tanh output %v outside [-1, 1]", tc.h, tc.w, tc.c, v)
			}
		}
	}
}
