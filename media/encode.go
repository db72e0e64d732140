package media

import (
	"image/png"
	"strings"
	"sync"
)

// NewPNGEncoder returns a png.Encoder at the given compression level whose
// compression buffers (including the zlib writer, several hundred KB) are
// reused through a sync.Pool. Without a pool every Encode allocates them
// afresh; on small composites that allocation and the garbage collection
// it causes cost more than the encoding (measured in
// scripts/bench/composite). The encoder is safe for concurrent use.
//
// Levels: png.DefaultCompression (zlib level 6, Pillow's default) or
// png.BestSpeed (level 1) for bulk output.
//
// NewEncoder writes the same images with the same filters about twice as
// fast (scripts/bench/composite); use this one where a *png.Encoder is
// required.
func NewPNGEncoder(level png.CompressionLevel) *png.Encoder {
	return &png.Encoder{CompressionLevel: level, BufferPool: &pngBufferPool{}}
}

type pngBufferPool struct{ p sync.Pool }

func (p *pngBufferPool) Get() *png.EncoderBuffer {
	b, _ := p.p.Get().(*png.EncoderBuffer)
	return b
}

func (p *pngBufferPool) Put(b *png.EncoderBuffer) { p.p.Put(b) }

// PNGLevelNames are the compression levels ParsePNGLevel accepts.
const PNGLevelNames = "default, speed, best or none"

// ParsePNGLevel returns the compression level named default, speed, best or
// none (any case).
func ParsePNGLevel(name string) (png.CompressionLevel, bool) {
	l, ok := pngLevelByName[strings.ToLower(name)]
	return l, ok
}

var pngLevelByName = map[string]png.CompressionLevel{
	"default": png.DefaultCompression, "speed": png.BestSpeed,
	"best": png.BestCompression, "none": png.NoCompression,
}
