package spectrogen

import (
	"image/color"
	"math"
)

// viridisStops samples matplotlib's viridis colormap (van der Walt and
// Smith, CC0; matplotlib _cm_listed.py _viridis_data) at entries 0, 16,
// 32, ..., 240 and 255 of its 256; viridis maps between the stops
// linearly. Viridis is perceptually uniform and readable in grayscale and
// by colour-blind readers.
var viridisStops = [...]struct {
	at      float64 // position in [0, 1]: entry/255
	r, g, b float64
}{
	{0 / 255., 0.267004, 0.004874, 0.329415},
	{16 / 255., 0.282327, 0.094955, 0.417331},
	{32 / 255., 0.278826, 0.175490, 0.483397},
	{48 / 255., 0.258965, 0.251537, 0.524736},
	{64 / 255., 0.229739, 0.322361, 0.545706},
	{80 / 255., 0.199430, 0.387607, 0.554642},
	{96 / 255., 0.172719, 0.448791, 0.557885},
	{112 / 255., 0.149039, 0.508051, 0.557250},
	{128 / 255., 0.127568, 0.566949, 0.550556},
	{144 / 255., 0.120638, 0.625828, 0.533488},
	{160 / 255., 0.157851, 0.683765, 0.501686},
	{176 / 255., 0.246070, 0.738910, 0.452024},
	{192 / 255., 0.369214, 0.788888, 0.382914},
	{208 / 255., 0.515992, 0.831158, 0.294279},
	{224 / 255., 0.678489, 0.863742, 0.189503},
	{240 / 255., 0.845561, 0.887322, 0.099702},
	{255 / 255., 0.993248, 0.906157, 0.143936},
}

// viridisLUT is viridis at 256 levels.
var viridisLUT = func() (lut [256]color.RGBA) {
	k := 0
	for i := range lut {
		t := float64(i) / 255
		for k < len(viridisStops)-2 && t > viridisStops[k+1].at {
			k++
		}
		a, b := viridisStops[k], viridisStops[k+1]
		u := (t - a.at) / (b.at - a.at)
		mix := func(x, y float64) uint8 { return uint8(math.Round(255 * (x + u*(y-x)))) }
		lut[i] = color.RGBA{mix(a.r, b.r), mix(a.g, b.g), mix(a.b, b.b), 255}
	}
	return lut
}()

// viridis returns the colour of t in [0, 1] (clamped; NaN is 0).
func viridis(t float64) color.RGBA {
	if !(t > 0) {
		return viridisLUT[0]
	}
	if t >= 1 {
		return viridisLUT[255]
	}
	return viridisLUT[int(math.Round(t*255))]
}
