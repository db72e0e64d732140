package pipeline

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/storage"
)

// generate makes every sample with a bounded pool of Workers and writes
// them with one of Writers; rows are kept by (class, index) so that
// metadata.jsonl does not depend on scheduling. A sample an earlier
// attempt stored is made (for its row) but not written again.
func (p *Pipeline) generate(ctx context.Context, j *job) error {
	t0 := time.Now()
	j.prog.stage("generating", nil)
	j.rows = make(map[string][]json.RawMessage, len(j.classes))
	for _, c := range j.classes {
		j.rows[c] = make([]json.RawMessage, j.plan.Add[c])
	}
	type task struct {
		class string
		i     int
	}
	stored, err := listStored(ctx, j.out)
	if err != nil {
		return err
	}
	tasks := make(chan task)
	writes := make(chan *pendingSample)
	gctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	workers := p.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	writers := p.Writers
	if writers <= 0 {
		writers = DefaultWriters()
	}
	done := func(class string, i int, row json.RawMessage) {
		j.rows[class][i] = row // each (class, i) is done once
		j.prog.sampleDone(class)
	}
	var wwg sync.WaitGroup
	for range writers {
		wwg.Go(func() {
			for w := range writes {
				if gctx.Err() != nil {
					continue // the job failed or was cancelled: drop the rest
				}
				if err := w.put(gctx, j.out); err != nil {
					cancel(err)
					continue
				}
				done(w.class, w.i, w.row)
			}
		})
	}
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for t := range tasks {
				w, err := makeSample(gctx, stored, j.run, j.spec, t.class, t.i)
				if err != nil {
					cancel(err)
					continue
				}
				if w.stored {
					done(t.class, t.i, w.row)
					continue
				}
				select {
				case writes <- w:
				case <-gctx.Done():
				}
			}
		})
	}
feed:
	for _, c := range j.classes {
		for i := range j.plan.Add[c] {
			select {
			case tasks <- task{c, i}:
			case <-gctx.Done():
				break feed
			}
		}
	}
	close(tasks)
	wg.Wait()
	close(writes)
	wwg.Wait()
	if err := context.Cause(gctx); err != nil {
		return err
	}
	j.mark("generate_s", t0)
	return nil
}

// pendingSample is a generated sample on its way to a writer.
type pendingSample struct {
	class       string
	i           int
	key         string
	data        []byte
	contentType string
	stored      bool // an earlier attempt stored it: not written again
	row         json.RawMessage
}

func (w *pendingSample) put(ctx context.Context, out storage.Store) error {
	_, err := out.Put(ctx, w.key, bytes.NewReader(w.data), int64(len(w.data)), storage.PutOptions{ContentType: w.contentType})
	return err
}

// makeSample makes sample i of class and its metadata row, and notes
// whether an earlier attempt of the job stored the same file already
// (stored), which then is not written again. The row is made either way.
func makeSample(ctx context.Context, stored storedSamples, run generators.Run, spec generators.Spec, class string, i int) (*pendingSample, error) {
	s, err := run.Generate(ctx, class, i)
	if err != nil {
		return nil, fmt.Errorf("%s: sample %d of %q: %w", spec.Generator, i, class, err)
	}
	key := generators.SampleKey(spec.Generator, class, i, s.Ext)
	w := &pendingSample{class: class, i: i, key: key, data: s.Data, contentType: s.ContentType, stored: stored.holds(key, s.Data)}
	row := map[string]any{}
	for k, v := range s.Provenance {
		row[k] = v
	}
	row["file_name"] = key
	row["label"] = class
	row["generator"] = spec.Generator
	row["params"] = rawOrEmpty(spec.Params)
	row["seed"] = spec.Seed
	row["index"] = i
	w.row, err = json.Marshal(row) // map keys are sorted: rows are byte-stable
	if err != nil {
		return nil, err
	}
	return w, nil
}

func rawOrEmpty(r json.RawMessage) json.RawMessage {
	if len(bytes.TrimSpace(r)) == 0 {
		return json.RawMessage("{}")
	}
	var buf bytes.Buffer
	if json.Compact(&buf, r) != nil {
		return r
	}
	return buf.Bytes()
}
