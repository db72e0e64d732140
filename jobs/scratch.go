package jobs

import (
	"context"
	"time"

	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/storage"
)

// removeScratch deletes the scratch space of a job that ended succeeded
// or cancelled: <output>/<id>/_work/ (a GAN trainer's checkpoint), and for
// an evaluation its methods' too (generators.RemoveScratch). A job that
// may run again (retrying, or back in the queue after a shutdown) and a
// failed job keep theirs: a failed job can be retried, and a retry resumes
// from its checkpoint. It is best effort: a scratch space it cannot remove
// is logged with where it is.
func (e *Engine) removeScratch(ctx context.Context, j *Job) {
	if e.cfg.Pipeline == nil || e.cfg.Pipeline.Open == nil || j.Spec.Output == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	root, err := e.cfg.Pipeline.Open(ctx, j.Spec.Output)
	n := 0
	if err == nil {
		n, err = generators.RemoveScratch(ctx, storage.Sub(root, j.ID), j.Kind == KindEvaluate)
	}
	if err != nil {
		e.log.Warn("could not remove the job's scratch space; delete it by hand", "job", j.ID,
			"scratch", j.Spec.Output+"/"+j.ID+"/"+generators.WorkDir, "err", err)
		return
	}
	if n > 0 {
		e.log.Info("removed the job's scratch space", "job", j.ID, "files", n)
	}
}
