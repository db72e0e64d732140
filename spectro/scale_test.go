package spectro_test

import (
	"errors"
	"math"
	"testing"

	"github.com/tailsynth/tailsynth/spectro"
)

// TestDBMatchesLibrosaTranscription compares with testdata values computed
// by make_fixtures.py's NumPy transcription of librosa 0.10 power_to_db and
// amplitude_to_db (librosa itself is not installable offline here).
func TestDBMatchesLibrosaTranscription(t *testing.T) {
	p := loadNPY[float64](t, "db_power_in.npy").Data
	amp := make([]float64, len(p))
	for i, v := range p {
		amp[i] = math.Sqrt(v)
	}
	refMax := spectro.DefaultPowerDB()
	refMax.RefMax, refMax.TopDB = true, 40
	tests := []struct {
		name string
		f    func([]float64, []float64, spectro.DBConfig) ([]float64, error)
		in   []float64
		cfg  spectro.DBConfig
		want string
	}{
		{"power_ref1_top80", spectro.PowerToDB, p, spectro.DefaultPowerDB(), "db_power_ref1_top80.npy"},
		{"power_refmax_top40", spectro.PowerToDB, p, refMax, "db_power_refmax_top40.npy"},
		{"amplitude_ref1_top80", spectro.AmplitudeToDB, amp, spectro.DefaultAmplitudeDB(), "db_amp_ref1_top80.npy"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.f(nil, tc.in, tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			want := loadNPY[float64](t, tc.want).Data
			if i := closeTo(got, want, 1e-9, 1e-9); i >= 0 {
				t.Errorf("value %d: got %v, want %v", i, got[i], want[i])
			}
		})
	}
}

func TestDBKnownValues(t *testing.T) {
	// librosa.power_to_db docs: 10·log10(S/ref); 1 → 0 dB, 100 → 20 dB.
	got, _ := spectro.PowerToDB(nil, []float64{1, 100, 0}, spectro.DBConfig{Ref: 1, Amin: 1e-10})
	want := []float64{0, 20, -100} // 0 floors at amin 1e-10 = −100 dB, no top_db
	if i := closeTo(got, want, 0, 1e-12); i >= 0 {
		t.Errorf("PowerToDB[%d]: got %v, want %v", i, got[i], want[i])
	}
	got, _ = spectro.PowerToDB(nil, []float64{1, 100, 0}, spectro.DefaultPowerDB())
	if got[2] != 20-80 {
		t.Errorf("top_db 80 floor: got %v, want -60", got[2])
	}
	got, _ = spectro.AmplitudeToDB(nil, []float64{10, 1}, spectro.DBConfig{RefMax: true, Amin: 1e-5})
	if i := closeTo(got, []float64{0, -20}, 0, 1e-12); i >= 0 {
		t.Errorf("AmplitudeToDB ref=max: got %v, want [0 -20]", got)
	}
	// All-zero input with ref=max: reference floors at amin, like librosa.
	got, err := spectro.AmplitudeToDB(nil, []float64{0, 0}, spectro.DBConfig{RefMax: true, Amin: 1e-5})
	if err != nil || got[0] != 0 {
		t.Errorf("AmplitudeToDB zeros: got %v, %v, want [0 0]", got, err)
	}
}

func TestDBInverses(t *testing.T) {
	p := []float64{1e-6, 0.25, 1, 7.5, 1e4}
	db, _ := spectro.PowerToDB(nil, p, spectro.DBConfig{Ref: 2, Amin: 1e-12})
	back, _ := spectro.DBToPower(nil, db, 2)
	if i := closeTo(back, p, 1e-12, 0); i >= 0 {
		t.Errorf("DBToPower(PowerToDB)[%d]: got %v, want %v", i, back[i], p[i])
	}
	adb, _ := spectro.AmplitudeToDB(nil, p, spectro.DBConfig{Ref: 3, Amin: 1e-9})
	aback, _ := spectro.DBToAmplitude(adb, adb, 3) // in place
	if i := closeTo(aback, p, 1e-12, 0); i >= 0 {
		t.Errorf("DBToAmplitude(AmplitudeToDB)[%d]: got %v, want %v", i, aback[i], p[i])
	}
}

func TestDBRejects(t *testing.T) {
	for _, c := range []spectro.DBConfig{{Ref: 1}, {Ref: 1, Amin: 1e-10, TopDB: -1}, {Amin: 1e-10}} {
		if _, err := spectro.PowerToDB(nil, []float64{1}, c); !errors.Is(err, spectro.ErrInvalidConfig) {
			t.Errorf("%+v: got %v, want ErrInvalidConfig", c, err)
		}
	}
	if _, err := spectro.PowerToDB(make([]float64, 2), []float64{1}, spectro.DefaultPowerDB()); !errors.Is(err, spectro.ErrShape) {
		t.Errorf("short dst: got %v, want ErrShape", err)
	}
}
