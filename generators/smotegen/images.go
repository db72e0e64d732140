package smotegen

import (
	"context"
	"fmt"
	"image"
	"sync/atomic"

	"github.com/disintegration/imaging"

	"github.com/tailsynth/tailsynth/datasets"
	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/generators/imagesrc"
	"github.com/tailsynth/tailsynth/media"
)

// imageInfo is what the survey learns of one image.
type imageInfo struct {
	w, h int
	gray bool
	bad  string // non-empty: excluded, and why
}

// loadImages decodes the training images of every class that gets samples
// into pixel rows of the job's size and colour mode. When the size or the
// mode is automatic, a first pass (the survey) decodes every image to learn
// its size and colour and to find bad files; the second pass decodes again
// one class at a time, so that only one image per worker and the kept rows
// are in memory.
func (r *run) loadImages(ctx context.Context) error {
	var infos map[string]imageInfo
	if r.cfg.size == (media.Size{}) || r.cfg.mode == modeAuto {
		var err error
		if infos, err = r.survey(ctx); err != nil {
			return err
		}
		for _, name := range r.order {
			var usable []string
			for _, f := range r.classes[name].candidates {
				if infos[f.Key].bad == "" {
					usable = append(usable, f.Key)
				}
			}
			if err := r.checkRows(name, usable); err != nil {
				return err
			}
		}
	}
	r.decideSizeAndMode(infos)
	ch := 3
	if r.gray {
		ch = 1
	}
	dim := r.size.W * r.size.H * ch
	var resized atomic.Int64
	for _, name := range r.order {
		cl := r.classes[name]
		var files []datasets.File
		for _, f := range cl.candidates {
			if infos == nil || infos[f.Key].bad == "" {
				files = append(files, f)
			}
		}
		if err := r.checkMemory(name, len(files), dim, 1); err != nil {
			return err
		}
		pix := make([]uint8, len(files)*dim)
		bad := make([]string, len(files))
		err := generators.ForEach(ctx, len(files), func(ctx context.Context, i int) error {
			img, reason, err := r.decodeImage(ctx, files[i])
			if err != nil {
				return err
			}
			if reason != "" { // only when there was no survey
				bad[i] = reason
				return nil
			}
			if toLevels(img, r.size, r.gray, pix[i*dim:(i+1)*dim]) {
				resized.Add(1)
			}
			return nil
		})
		if err != nil {
			return err
		}
		// Compact the rows of the readable images.
		rows := 0
		var newBad []badFile
		for i, f := range files {
			if bad[i] != "" {
				newBad = append(newBad, badFile{Key: f.Key, Class: name, Reason: bad[i]})
				continue
			}
			copy(pix[rows*dim:(rows+1)*dim], pix[i*dim:(i+1)*dim])
			cl.keys = append(cl.keys, f.Key)
			rows++
		}
		r.addBad(newBad...)
		if err := r.checkRows(name, cl.keys); err != nil {
			return err
		}
		cl.pix, cl.dim = pix[:rows*dim:rows*dim], dim
		r.retained += int64(len(cl.pix))
		r.progress("reading images", map[string]any{"class": name, "images": rows})
	}
	r.resized = int(resized.Load())
	return nil
}

// survey decodes every candidate image once, in parallel, and records its
// size and whether it is gray, or why it is excluded.
func (r *run) survey(ctx context.Context) (map[string]imageInfo, error) {
	type job struct {
		class string
		file  datasets.File
	}
	var jobs []job
	for _, name := range r.order {
		for _, f := range r.classes[name].candidates {
			jobs = append(jobs, job{name, f})
		}
	}
	out := make([]imageInfo, len(jobs))
	var done atomic.Int64
	err := generators.ForEach(ctx, len(jobs), func(ctx context.Context, i int) error {
		img, reason, err := r.decodeImage(ctx, jobs[i].file)
		if err != nil {
			return err
		}
		if reason != "" {
			out[i] = imageInfo{bad: reason}
		} else {
			b := img.Bounds()
			out[i] = imageInfo{w: b.Dx(), h: b.Dy(), gray: isGray(img)}
		}
		if d := done.Add(1); d%256 == 0 || int(d) == len(jobs) {
			r.progress("checking images", map[string]any{"checked": d, "total": len(jobs)})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	infos := make(map[string]imageInfo, len(jobs))
	var bad []badFile
	for i, j := range jobs {
		infos[j.file.Key] = out[i]
		if out[i].bad != "" {
			bad = append(bad, badFile{Key: j.file.Key, Class: j.class, Reason: out[i].bad})
		}
	}
	r.addBad(bad...)
	if len(bad) > 0 && r.env.Log != nil {
		r.env.Log.Warn("smote: training files excluded (listed in report.json bad_files)", "count", len(bad), "first", bad[0].Key, "reason", bad[0].Reason)
	}
	return infos, nil
}

// decideSizeAndMode fixes the job's image size and colour mode: from the
// parameters, or from the survey. The automatic size is the most common
// size of the readable images (ties: the smaller area, then the smaller
// width); the automatic mode is gray when every readable image decoded as
// gray (8- or 16-bit gray PNG, grayscale JPEG), else rgb.
func (r *run) decideSizeAndMode(infos map[string]imageInfo) {
	counts := map[media.Size]int{}
	allGray, total, colour := true, 0, ""
	for _, name := range r.order {
		for _, f := range r.classes[name].candidates {
			in, ok := infos[f.Key]
			if !ok || in.bad != "" {
				continue
			}
			total++
			counts[media.Size{W: in.w, H: in.h}]++
			if !in.gray && allGray {
				allGray, colour = false, f.Key
			}
		}
	}
	if r.cfg.size != (media.Size{}) {
		r.size, r.sizeNote = r.cfg.size, "set by the size parameter"
	} else {
		best, n := media.Size{}, 0
		for s, c := range counts {
			if c > n || c == n && (s.W*s.H < best.W*best.H || s.W*s.H == best.W*best.H && s.W < best.W) {
				best, n = s, c
			}
		}
		r.size = best
		r.sizeNote = fmt.Sprintf("auto: the most common size, %d of the %d images read (%d sizes seen)", n, total, len(counts))
	}
	switch r.cfg.mode {
	case modeGray:
		r.gray, r.modeNote = true, "set by the mode parameter"
	case modeRGB:
		r.gray, r.modeNote = false, "set by the mode parameter"
	default:
		r.gray = allGray
		if allGray {
			r.modeNote = "auto: every image read is gray"
		} else {
			r.modeNote = "auto: some images read are colour, e.g. " + colour
		}
	}
}

func (r *run) modeName() string {
	if r.gray {
		return modeGray
	}
	return modeRGB
}

func isGray(img image.Image) bool {
	switch img.(type) {
	case *image.Gray, *image.Gray16:
		return true
	}
	return false
}

// decodeImage reads and decodes one training image with the job's limits (see
// imagesrc.Decode).
func (r *run) decodeImage(ctx context.Context, f datasets.File) (image.Image, string, error) {
	return imagesrc.Decode(ctx, r.env.Source, f.Key, f.Size, r.cfg.maxFile, r.cfg.dec)
}

// toLevels writes img at size in the job's colour mode into dst (W·H levels
// for gray, W·H·3 interleaved R, G, B for rgb, row-major) and reports
// whether it had to be resized. An image of another size is resized with
// imaging.Linear (a triangle filter widened by the scale factor when
// downscaling, like Pillow's bilinear resize). Alpha is flattened over
// black, c·a/255 rounded; gray is BT.601 luma computed as color.GrayModel
// does; 16-bit images keep their high byte.
func toLevels(img image.Image, size media.Size, gray bool, dst []uint8) bool {
	b := img.Bounds()
	resized := b.Dx() != size.W || b.Dy() != size.H
	var n *image.NRGBA
	if resized {
		n = imaging.Resize(img, size.W, size.H, imaging.Linear)
	} else {
		n = imaging.Clone(img)
	}
	for p := range size.W * size.H {
		s := n.Pix[4*p : 4*p+4 : 4*p+4]
		a := uint32(s[3])
		rr, gg, bb := over(s[0], a), over(s[1], a), over(s[2], a)
		if gray {
			// color.GrayModel: (19595·R + 38470·G + 7471·B + 2^15) >> 24
			// on 16-bit channels R = r·0x101.
			y := (19595*uint32(rr)*0x101 + 38470*uint32(gg)*0x101 + 7471*uint32(bb)*0x101 + 1<<15) >> 24
			dst[p] = uint8(y)
		} else {
			dst[3*p], dst[3*p+1], dst[3*p+2] = rr, gg, bb
		}
	}
	return resized
}

// over flattens channel c of alpha a over black, rounded.
func over(c uint8, a uint32) uint8 { return uint8((uint32(c)*a + 127) / 255) }
