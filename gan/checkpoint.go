package gan

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"runtime/debug"

	"gorgonia.org/tensor"
)

// Checkpoint format (version 1), all integers little-endian:
//
//	magic    8 bytes  "TSGAN\x00\x01\n"
//	hlen     uint32   length of the JSON header
//	header   hlen bytes of JSON (see fileHeader): format version, Meta,
//	         Config, gorgonia version, the tensor table (name, shape, dtype)
//	         and, for trainer checkpoints, the trainer state (hyperparameters,
//	         step, loss history, Adam step counts, the PCG random state)
//	tensors  the raw float32 or float64 values of each tensor in table order:
//	         critic params, generator params, then for trainer checkpoints
//	         the Adam first and second moments of both networks and, when
//	         the trainer keeps one (Hyper.EMA > 0), the moving average of
//	         the generator's params
//	crc      uint32   CRC-32 (IEEE) of every byte before it
//
// A model artifact (Model.Save) has no trainer section; a trainer
// checkpoint (Trainer.Save) resumes training exactly: the same weights,
// optimizer moments and random stream as an uninterrupted run.

const checkpointMagic = "TSGAN\x00\x01\n"

// FormatVersion is the checkpoint format version written by Save.
const FormatVersion = 1

// maxHeader bounds the JSON header a reader accepts (loss histories of a
// few hundred thousand steps fit).
const maxHeader = 256 << 20

// Meta is caller-supplied description stored in a checkpoint.
type Meta struct {
	ID         string            `json:"id,omitempty"`
	ClassNames []string          `json:"class_names,omitempty"` // index = class id
	Version    string            `json:"version,omitempty"`     // the caller's (tailsynth) version
	Extra      map[string]string `json:"extra,omitempty"`
}

type tensorEntry struct {
	Name  string `json:"name"`
	Shape []int  `json:"shape"`
	DType string `json:"dtype"`
}

type trainerState struct {
	Hyper   Hyper       `json:"hyper"`
	Step    int         `json:"step"`
	AdamT   [2]int64    `json:"adam_t"` // critic, generator
	RNG     []byte      `json:"rng"`    // math/rand/v2 PCG state (MarshalBinary)
	History []StepStats `json:"history"`
}

type fileHeader struct {
	Format   int           `json:"format"`
	Meta     Meta          `json:"meta"`
	Config   Config        `json:"config"`
	Gorgonia string        `json:"gorgonia"`
	Tensors  []tensorEntry `json:"tensors"`
	Trainer  *trainerState `json:"trainer,omitempty"`
}

// ErrCheckpoint is wrapped by every error about a malformed checkpoint.
var ErrCheckpoint = errors.New("gan: bad checkpoint")

// Save writes the model (config and weights, no optimizer state) to w.
func (m *Model) Save(w io.Writer, meta Meta) error {
	return writeCheckpoint(w, meta, m, nil)
}

// Save writes a trainer checkpoint (model, optimizer state, random state,
// loss history) from which LoadTrainer resumes exactly.
func (t *Trainer) Save(w io.Writer, meta Meta) error {
	rng, err := t.pcg.MarshalBinary()
	if err != nil {
		return err
	}
	st := &trainerState{Hyper: t.hp, Step: t.step, AdamT: [2]int64{t.cOpt.t, t.gOpt.t}, RNG: rng, History: t.history}
	return writeCheckpoint(w, meta, t.m, st, t.cOpt.m, t.cOpt.v, t.gOpt.m, t.gOpt.v, t.ema)
}

// tensorTable lists the tensors of a checkpoint in file order.
func tensorTable(m *Model, withOpt, withEMA bool) (names []string, params []*tensor.Dense) {
	for _, ps := range []*paramSet{m.critic, m.gen} {
		for _, p := range ps.list {
			names = append(names, p.name)
			params = append(params, p.t)
		}
	}
	if withOpt {
		for _, set := range []struct {
			ps     *paramSet
			prefix string
		}{{m.critic, "adam_m/"}, {m.critic, "adam_v/"}, {m.gen, "adam_m/"}, {m.gen, "adam_v/"}} {
			for _, p := range set.ps.list {
				names = append(names, set.prefix+p.name)
			}
		}
	}
	if withOpt && withEMA {
		for _, p := range m.gen.list {
			names = append(names, "ema/"+p.name)
		}
	}
	return names, params
}

func writeCheckpoint(w io.Writer, meta Meta, m *Model, st *trainerState, opt ...[]*tensor.Dense) error {
	names, params := tensorTable(m, st != nil, st != nil && st.Hyper.EMA > 0)
	all := append([]*tensor.Dense(nil), params...)
	for _, o := range opt {
		all = append(all, o...)
	}
	if len(all) != len(names) {
		return fmt.Errorf("gan: checkpoint has %d tensors for %d names", len(all), len(names))
	}
	h := fileHeader{Format: FormatVersion, Meta: meta, Config: m.Config(), Gorgonia: gorgoniaVersion(), Trainer: st}
	for i, t := range all {
		h.Tensors = append(h.Tensors, tensorEntry{Name: names[i], Shape: []int(t.Shape().Clone()), DType: t.Dtype().String()})
	}
	hj, err := json.Marshal(h)
	if err != nil {
		return err
	}
	crc := crc32.NewIEEE()
	bw := bufio.NewWriterSize(io.MultiWriter(w, crc), 1<<16)
	bw.WriteString(checkpointMagic)
	binary.Write(bw, binary.LittleEndian, uint32(len(hj)))
	bw.Write(hj)
	buf := make([]byte, 0, 1<<16)
	for _, t := range all {
		switch d := t.Data().(type) {
		case []float32:
			for i, v := range d {
				buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
				if len(buf) >= 1<<16-8 || i == len(d)-1 {
					bw.Write(buf)
					buf = buf[:0]
				}
			}
		case []float64:
			for i, v := range d {
				buf = binary.LittleEndian.AppendUint64(buf, math.Float64bits(v))
				if len(buf) >= 1<<16-8 || i == len(d)-1 {
					bw.Write(buf)
					buf = buf[:0]
				}
			}
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("gan: writing checkpoint: %w", err)
	}
	if err := binary.Write(w, binary.LittleEndian, crc.Sum32()); err != nil {
		return fmt.Errorf("gan: writing checkpoint: %w", err)
	}
	return nil
}

// LoadModel reads a model artifact or trainer checkpoint and returns the
// model (optimizer state, if any, is ignored) and its Meta.
func LoadModel(r io.Reader) (*Model, Meta, error) {
	m, h, _, err := readCheckpoint(r)
	if err != nil {
		return nil, Meta{}, err
	}
	return m, h.Meta, nil
}

// LoadTrainer reads a trainer checkpoint written by Trainer.Save and returns
// a trainer that continues exactly where the saved one stopped.
func LoadTrainer(r io.Reader) (*Trainer, Meta, error) {
	m, h, opt, err := readCheckpoint(r)
	if err != nil {
		return nil, Meta{}, err
	}
	if h.Trainer == nil {
		return nil, Meta{}, fmt.Errorf("%w: it is a model artifact without optimizer state; use LoadModel, or NewTrainer to start fresh", ErrCheckpoint)
	}
	st := h.Trainer
	t, err := NewTrainer(m, st.Hyper)
	if err != nil {
		return nil, Meta{}, fmt.Errorf("%w: %w", ErrCheckpoint, err)
	}
	if err := t.pcg.UnmarshalBinary(st.RNG); err != nil {
		return nil, Meta{}, fmt.Errorf("%w: random state: %w", ErrCheckpoint, err)
	}
	t.step, t.history = st.Step, st.History
	t.cOpt.t, t.gOpt.t = st.AdamT[0], st.AdamT[1]
	nc, ng := len(m.critic.list), len(m.gen.list)
	t.cOpt.m, t.cOpt.v = opt[:nc], opt[nc:2*nc]
	t.gOpt.m, t.gOpt.v = opt[2*nc:2*nc+ng], opt[2*nc+ng:2*nc+2*ng]
	if st.Hyper.EMA > 0 {
		t.ema = opt[2*nc+2*ng:]
	}
	return t, h.Meta, nil
}

func readCheckpoint(r io.Reader) (*Model, *fileHeader, []*tensor.Dense, error) {
	crc := crc32.NewIEEE()
	br := bufio.NewReaderSize(r, 1<<16)
	tr := io.TeeReader(br, crc)
	magic := make([]byte, len(checkpointMagic))
	if _, err := io.ReadFull(tr, magic); err != nil {
		return nil, nil, nil, fmt.Errorf("%w: reading magic: %w", ErrCheckpoint, err)
	}
	if string(magic) != checkpointMagic {
		return nil, nil, nil, fmt.Errorf("%w: magic %q, want %q (not a tailsynth GAN checkpoint, or a newer format)", ErrCheckpoint, magic, checkpointMagic)
	}
	var hlen uint32
	if err := binary.Read(tr, binary.LittleEndian, &hlen); err != nil {
		return nil, nil, nil, fmt.Errorf("%w: reading header length: %w", ErrCheckpoint, err)
	}
	if hlen > maxHeader {
		return nil, nil, nil, fmt.Errorf("%w: header of %d bytes, at most %d accepted", ErrCheckpoint, hlen, maxHeader)
	}
	hj := make([]byte, hlen)
	if _, err := io.ReadFull(tr, hj); err != nil {
		return nil, nil, nil, fmt.Errorf("%w: reading header: %w", ErrCheckpoint, err)
	}
	var h fileHeader
	if err := json.Unmarshal(hj, &h); err != nil {
		return nil, nil, nil, fmt.Errorf("%w: header: %w", ErrCheckpoint, err)
	}
	if h.Format != FormatVersion {
		return nil, nil, nil, fmt.Errorf("%w: format %d, this build reads %d", ErrCheckpoint, h.Format, FormatVersion)
	}
	m, err := NewModel(h.Config)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("%w: %w", ErrCheckpoint, err)
	}
	names, params := tensorTable(m, h.Trainer != nil, h.Trainer != nil && h.Trainer.Hyper.EMA > 0)
	if len(h.Tensors) != len(names) {
		return nil, nil, nil, fmt.Errorf("%w: %d tensors, the architecture has %d", ErrCheckpoint, len(h.Tensors), len(names))
	}
	dt := dtypeOf(m.cfg.DType)
	var opt []*tensor.Dense
	for i, e := range h.Tensors {
		var want tensor.Shape
		var dst *tensor.Dense
		if i < len(params) {
			dst = params[i]
			want = dst.Shape()
		} else {
			want = optShape(m, i-len(params))
			dst = tensor.New(tensor.Of(dt), tensor.WithShape(want.Clone()...))
			opt = append(opt, dst)
		}
		if e.Name != names[i] || e.DType != dt.String() || !equalInts(e.Shape, want) {
			return nil, nil, nil, fmt.Errorf("%w: tensor %d is %s %v %s, want %s %v %s", ErrCheckpoint, i, e.Name, e.Shape, e.DType, names[i], want, dt)
		}
		if err := readValues(tr, dst); err != nil {
			return nil, nil, nil, fmt.Errorf("%w: tensor %s: %w", ErrCheckpoint, e.Name, err)
		}
	}
	sum := crc.Sum32()
	var stored uint32
	if err := binary.Read(br, binary.LittleEndian, &stored); err != nil {
		return nil, nil, nil, fmt.Errorf("%w: reading checksum: %w", ErrCheckpoint, err)
	}
	if stored != sum {
		return nil, nil, nil, fmt.Errorf("%w: checksum %08x, computed %08x (corrupt or truncated file)", ErrCheckpoint, stored, sum)
	}
	return m, &h, opt, nil
}

// optShape is the shape of the i-th optimizer tensor: critic m, critic v,
// generator m, generator v, then the generator's moving average, each in
// param order.
func optShape(m *Model, i int) tensor.Shape {
	nc := len(m.critic.list)
	switch {
	case i < 2*nc:
		return m.critic.list[i%nc].t.Shape()
	default:
		i -= 2 * nc
		return m.gen.list[i%len(m.gen.list)].t.Shape()
	}
}

func readValues(r io.Reader, t *tensor.Dense) error {
	switch d := t.Data().(type) {
	case []float32:
		buf := make([]byte, 4*len(d))
		if _, err := io.ReadFull(r, buf); err != nil {
			return err
		}
		for i := range d {
			d[i] = math.Float32frombits(binary.LittleEndian.Uint32(buf[4*i:]))
		}
	case []float64:
		buf := make([]byte, 8*len(d))
		if _, err := io.ReadFull(r, buf); err != nil {
			return err
		}
		for i := range d {
			d[i] = math.Float64frombits(binary.LittleEndian.Uint64(buf[8*i:]))
		}
	}
	return nil
}

func equalInts(a []int, b tensor.Shape) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// gorgoniaVersion returns the gorgonia module version this binary was built with.
func gorgoniaVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == "gorgonia.org/gorgonia" {
				return d.Path + " " + d.Version
			}
		}
	}
	return "gorgonia.org/gorgonia (unknown version)"
}
