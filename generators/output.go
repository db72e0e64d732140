package generators

import (
	"errors"
	"fmt"

	"github.com/tailsynth/tailsynth/datasets"
	"github.com/tailsynth/tailsynth/storage"
)

// CheckOutput refuses an output location inside the dataset: the job's
// folder would read as a new class, and the job would write into the
// source. Local paths are compared both as named and as they resolve on
// disk now, so a symlink cannot hide the overlap in either direction (an
// output through a link into the dataset, or a dataset named through a
// link with the output in the real folder). The API calls it when a job is
// submitted and the pipeline again just before it opens the output, since
// a link can change in between.
func CheckOutput(dataset, output string) error {
	d, err1 := storage.ParseLocation(dataset)
	o, err2 := storage.ParseLocation(output)
	if err1 != nil || err2 != nil {
		return errors.Join(err1, err2)
	}
	if o.Within(d) {
		return &datasets.DatasetError{Msg: fmt.Sprintf("output %s is inside the dataset %s: its files would read as a new class; write it elsewhere", output, dataset)}
	}
	if rd, ro := d.Real(), o.Real(); ro.Within(rd) {
		return &datasets.DatasetError{Msg: fmt.Sprintf("output %s is inside the dataset %s once symlinks are resolved (%s is inside %s): the job would write into the dataset; write it elsewhere",
			output, dataset, ro.Path, rd.Path)}
	}
	return nil
}
