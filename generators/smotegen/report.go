package smotegen

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"slices"

	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/media"
)

// ContactSheetKey is the extra file that shows, per class, real training
// images beside SMOTE images (image jobs only).
const ContactSheetKey = generators.ReportDir + "/contact_sheet.png"

// ClassFigures is one class's entry in the report's "classes".
type ClassFigures struct {
	// Rows is the number of usable training files: the rows SMOTE
	// interpolates between. FilesExcluded were left out as bad files.
	Rows          int `json:"rows"`
	FilesExcluded int `json:"files_excluded"`
	// K is the number of neighbours used: min(k, rows−1). KLowered is set
	// when that is less than the k parameter.
	K        int  `json:"k"`
	KLowered bool `json:"k_lowered"`
	// Generated is the number of new samples (the strategy's plan).
	Generated int `json:"generated"`
	// Dim is the length of a row: W·H·channels for images.
	Dim int `json:"dim"`
	// BasesUsed counts the rows that are the base of at least one new
	// sample; RowsInSamples those that are a base or a neighbour.
	BasesUsed     int `json:"bases_used"`
	RowsInSamples int `json:"rows_in_samples"`
}

// Finish implements generators.Run: contact_sheet.png (images) and the
// report.
func (r *run) Finish(ctx context.Context) (*generators.Extras, error) {
	ex := &generators.Extras{Report: r.report()}
	if r.input != inputImage || r.cfg.p.SheetPerClass == 0 || len(r.order) == 0 {
		return ex, nil
	}
	sheet, err := r.contactSheet()
	switch {
	case ctx.Err() != nil:
		return nil, ctx.Err()
	case err != nil: // the sheet is a convenience: report why it is missing
		ex.Report["contact_sheet_error"] = err.Error()
	default:
		ex.Files = append(ex.Files, generators.ExtraFile{Key: ContactSheetKey, Data: sheet, ContentType: "image/png"})
		ex.Report["contact_sheet"] = ContactSheetKey
	}
	return ex, nil
}

// contactSheet draws two rows per class: "<class> real", its first
// sheet_per_class training images (as converted for SMOTE), and "<class>
// smote", its first sheet_per_class new samples. Each label carries the
// class's real count of images of that row.
func (r *run) contactSheet() ([]byte, error) {
	per := r.cfg.p.SheetPerClass
	var items []media.Labeled
	add := func(label string, imgs []image.Image, count int) {
		for _, m := range imgs {
			items = append(items, media.Labeled{Class: label, Image: m})
		}
		// ContactSheet labels a row with the number of items given and
		// draws the first PerRow: pad with the last image so that the label
		// shows the real count.
		for range count - len(imgs) {
			items = append(items, items[len(items)-1])
		}
	}
	for _, name := range r.order {
		cl := r.classes[name]
		var real, syn []image.Image
		for i := range min(per, cl.rows()) {
			real = append(real, r.rowImage(slices.Clone(cl.pix[i*cl.dim:(i+1)*cl.dim])))
		}
		for _, p := range cl.prov[:min(per, len(cl.prov))] {
			row := make([]uint8, cl.dim)
			imageRow(cl, p, row)
			syn = append(syn, r.rowImage(row))
		}
		add(name+" real", real, cl.rows())
		add(name+" smote", syn, len(cl.prov))
	}
	var buf bytes.Buffer
	if err := media.WriteContactSheet(&buf, items, per); err != nil {
		return nil, fmt.Errorf("contact sheet: %w", err)
	}
	return buf.Bytes(), nil
}

// report is the generator's part of report.json.
func (r *run) report() map[string]any {
	classes := map[string]ClassFigures{}
	for _, name := range r.order {
		cl := r.classes[name]
		f := ClassFigures{Rows: cl.rows(), FilesExcluded: len(r.env.Train[name]) - cl.rows(),
			K: cl.k, KLowered: cl.k < r.cfg.p.K, Generated: len(cl.prov), Dim: cl.dim}
		bases, used := map[int]bool{}, map[int]bool{}
		for _, p := range cl.prov {
			bases[p.Base], used[p.Base], used[p.Neighbor] = true, true, true
		}
		f.BasesUsed, f.RowsInSamples = len(bases), len(used)
		classes[name] = f
	}
	bad := r.bad
	if bad == nil {
		bad = []badFile{}
	}
	rep := map[string]any{
		"input":           r.input,
		"k":               r.cfg.p.K,
		"classes":         classes,
		"bad_files":       bad,
		"seed_derivation": "per class: FNV-1a 64 of (job seed as 8 little-endian bytes, class name), the seed of smote.Generate",
		"memory": map[string]any{
			"retained_bytes":              r.retained,
			"largest_class_working_bytes": r.maxWorkset,
			"limit_bytes":                 r.cfg.limit,
		},
	}
	if len(r.alerts) > 0 {
		rep["alerts"] = r.alerts // the pipeline lists these in report.json's top-level "alerts"
	}
	switch r.input {
	case inputImage:
		rep["size"], rep["size_reason"] = r.size.String(), r.sizeNote
		rep["mode"], rep["mode_reason"] = r.modeName(), r.modeNote
		rep["filter"] = "linear (imaging.Linear) for images of another size"
		rep["images_resized"] = r.resized
		rep["pixel_scale"] = "rows are levels/255 in [0, 1]; outputs are round(255·v), clamped"
	case inputVector:
		rep["dtype"], rep["dtype_reason"] = r.dtype(), r.dtypeNote
	}
	if r.env.Dataset != nil && r.env.Dataset.HasSplits() {
		rep["leakage_guard"] = map[string]any{
			"statement":               "SMOTE read training-split files only: no validation or test sample was interpolated",
			"held_out_files_not_read": len(r.env.Dataset.Files) - len(r.env.Dataset.TrainFiles()),
		}
	}
	return rep
}
