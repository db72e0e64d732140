package generators

import "fmt"

// A job's output layout, relative to <output>/<job>/. The pipeline
// (package generators/pipeline) writes it; the job layer, evaluations and
// loaders read it.
const (
	DataDir     = "data"
	MetadataKey = "metadata.jsonl"
	ReportKey   = "report.json"
	// ReportHTMLKey is the human-readable report beside report.json.
	ReportHTMLKey = "report.html"
	ClassesKey    = "classes.json"
	SuccessKey    = "_SUCCESS" // written last: its presence means the output is complete
	WorkDir       = "_work"    // scratch kept across attempts; see RemoveScratch
	// IncompleteKey marks the partial output of a job that failed or was
	// cancelled: the job engine writes it, with the reason and how to
	// retry the job, and removes it when a retry succeeds.
	IncompleteKey = "_INCOMPLETE"
)

// ReportDir is the folder of a job's output that holds the pictures that
// are not samples (contact sheets, sample grids, loss curves). Its name
// starts with two underscores because Hugging Face's imagefolder loader
// skips such folders (datasets' data_files: a path with a part starting
// with "__" is left out unless the pattern names it), so
// load_dataset("imagefolder", data_dir=job) reads samples only.
const ReportDir = "__report"

// SampleKey is the key of sample i of class, relative to the job's output.
func SampleKey(generator, class string, i int, ext string) string {
	return fmt.Sprintf("%s/%s/syn_%s_%06d%s", DataDir, class, generator, i, ext)
}
