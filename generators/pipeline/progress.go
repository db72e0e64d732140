package pipeline

import (
	"maps"
	"sync"

	"github.com/tailsynth/tailsynth/generators"
)

// tracker holds a job's progress and reports a copy of it on every
// change. It is safe for concurrent use.
type tracker struct {
	mu       sync.Mutex
	prog     generators.Progress
	progress func(generators.Progress)
}

// emitLocked reports a copy of the progress; t.mu is held.
func (t *tracker) emitLocked() {
	if t.progress == nil {
		return
	}
	cp := t.prog
	if t.prog.Classes != nil {
		cp.Classes = maps.Clone(t.prog.Classes)
	}
	t.progress(cp)
}

// stage sets the stage and its details.
func (t *tracker) stage(stage string, details map[string]any) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.prog.Stage, t.prog.Details = stage, details
	t.emitLocked()
}

// count sets the stage and the number of samples to make per class, none
// done yet.
func (t *tracker) count(stage string, classes []string, add map[string]int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.prog = generators.Progress{Stage: stage, Classes: make(map[string]generators.ClassProgress, len(classes))}
	for _, c := range classes {
		t.prog.Classes[c] = generators.ClassProgress{Total: add[c]}
	}
	t.emitLocked()
}

// sampleDone counts one more sample of class done.
func (t *tracker) sampleDone(class string) { t.sampleDoneN(class, 1) }

// sampleDoneN counts n more samples of class done.
func (t *tracker) sampleDoneN(class string, n int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	cp := t.prog.Classes[class]
	cp.Done += n
	t.prog.Classes[class] = cp
	t.emitLocked()
}
