package jobs_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/generators/pipeline"
	"github.com/tailsynth/tailsynth/jobs"
	"github.com/tailsynth/tailsynth/storage"
	"github.com/tailsynth/tailsynth/storage/locator"
)

type fakeClock struct{ ns atomic.Int64 }

func (c *fakeClock) Now() time.Time          { return time.Unix(0, c.ns.Load()) }
func (c *fakeClock) Advance(d time.Duration) { c.ns.Add(int64(d)) }
func newClock(t time.Time) *fakeClock        { c := &fakeClock{}; c.ns.Store(t.UnixNano()); return c }

func openWithClock(t *testing.T, root string, clock *fakeClock) *jobs.Engine {
	t.Helper()
	l, _ := locator.New(locator.Config{LocalRoots: []string{root}})
	reg := generators.NewRegistry()
	reg.Register(generators.Oversample{})
	p := &pipeline.Pipeline{Registry: reg, Open: func(ctx context.Context, uri string) (storage.Store, error) {
		st, _, err := l.Open(ctx, uri)
		return st, err
	}}
	eng, err := jobs.Open(context.Background(), jobs.Config{DataDir: filepath.Join(root, "state"), Pipeline: p,
		Now: clock.Now, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return eng
}

func TestSchedulesFire(t *testing.T) {
	root := t.TempDir()
	writeDataset(t, filepath.Join(root, "ds"), map[string]int{"big": 10, "small": 2})
	clock := newClock(time.Date(2026, 11, 25, 10, 30, 0, 0, time.UTC))
	eng := openWithClock(t, root, clock)
	ctx := context.Background()
	tmpl := generators.Spec{Dataset: root + "/ds", Generator: "oversample", Seed: 4, Output: root + "/out"}

	if _, err := eng.CreateSchedule(ctx, jobs.Schedule{Cron: "every day", Template: tmpl}); !errors.As(err, new(*jobs.CronError)) {
		t.Errorf("bad cron: error %v, want CronError", err)
	}
	// Overlap: this engine runs no job, so every fired job stays queued.
	s, err := eng.CreateSchedule(ctx, jobs.Schedule{Name: "hourly", Cron: "0 * * * *", Template: tmpl, OnlyIfChanged: true, Overlap: true})
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 11, 25, 11, 0, 0, 0, time.UTC); !s.NextRunAt.Equal(want) {
		t.Errorf("next run %v, want %v", s.NextRunAt, want)
	}
	fire := func() int {
		n, err := eng.RunDueSchedules(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := fire(); n != 0 {
		t.Fatalf("fired %d before its time", n)
	}
	clock.Advance(31 * time.Minute) // 11:01
	if n := fire(); n != 1 {
		t.Fatalf("fired %d at 11:01, want 1", n)
	}
	if n := fire(); n != 0 {
		t.Fatalf("fired again at the same time: %d", n)
	}
	s, _ = eng.GetSchedule(ctx, s.ID)
	j, err := eng.Get(ctx, s.LastJobID)
	if err != nil || j.ScheduleID != s.ID {
		t.Fatalf("the run's job %v (%v) does not link back to the schedule", j, err)
	}
	clock.Advance(time.Hour) // 12:01, dataset unchanged
	if n := fire(); n != 0 {
		t.Errorf("fired %d on an unchanged dataset", n)
	}
	s, _ = eng.GetSchedule(ctx, s.ID)
	if s.LastSkipReason != "dataset unchanged since the last run" {
		t.Errorf("skip reason %q", s.LastSkipReason)
	}
	os.WriteFile(filepath.Join(root, "ds", "small", "new.png"), mustPNG(t), 0o644)
	clock.Advance(time.Hour) // 13:01, dataset changed
	if n := fire(); n != 1 {
		t.Errorf("fired %d after the dataset changed, want 1", n)
	}

	// Schedules persist across a restart.
	eng.Close()
	eng = openWithClock(t, root, clock)
	defer eng.Close()
	list, err := eng.ListSchedules(ctx)
	if err != nil || len(list) != 1 || list[0].Name != "hourly" {
		t.Fatalf("after reopening: %v %v", list, err)
	}
	if err := eng.DeleteSchedule(ctx, s.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := eng.GetSchedule(ctx, s.ID); !errors.Is(err, jobs.ErrNotFound) {
		t.Errorf("deleted schedule: %v", err)
	}
}

func mustPNG(t *testing.T) []byte {
	b, err := os.ReadFile(filepath.Join(t.TempDir(), "x"))
	if err == nil {
		return b
	}
	dir := t.TempDir()
	writeDataset(t, dir, map[string]int{"c": 1})
	b, _ = os.ReadFile(filepath.Join(dir, "c", "000.png"))
	return b
}

func TestScheduleIntervalFloor(t *testing.T) {
	root := t.TempDir()
	writeDataset(t, filepath.Join(root, "ds"), map[string]int{"big": 10, "small": 2})
	clock := newClock(time.Date(2026, 11, 25, 10, 30, 0, 0, time.UTC))
	l, _ := locator.New(locator.Config{LocalRoots: []string{root}})
	reg := generators.NewRegistry()
	reg.Register(generators.Oversample{})
	p := &pipeline.Pipeline{Registry: reg, Open: func(ctx context.Context, uri string) (storage.Store, error) {
		st, _, err := l.Open(ctx, uri)
		return st, err
	}}
	eng, err := jobs.Open(context.Background(), jobs.Config{DataDir: filepath.Join(root, "state"), Pipeline: p,
		Now: clock.Now, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), MinScheduleInterval: 5 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	ctx := context.Background()
	tmpl := generators.Spec{Dataset: root + "/ds", Generator: "oversample", Seed: 4, Output: root + "/out"}
	for _, expr := range []string{"@every 0s", "@every 1s", "@every 4m59s", "* * * * *", "*/2 * * * *", "0,1 3 * * *"} {
		_, err := eng.CreateSchedule(ctx, jobs.Schedule{Cron: expr, Template: tmpl})
		var ce *jobs.CronError
		if !errors.As(err, &ce) {
			t.Errorf("cron %q: error %v, want a CronError (below the 5m floor)", expr, err)
			continue
		}
		for _, want := range []string{"5m0s", "jobs.min_schedule_interval"} {
			if !strings.Contains(ce.Msg, want) {
				t.Errorf("cron %q: message %q does not name %q", expr, ce.Msg, want)
			}
		}
	}
	for _, expr := range []string{"@every 5m", "@every 6h", "*/5 * * * *", "0 3 * * *", "@hourly"} {
		if _, err := eng.CreateSchedule(ctx, jobs.Schedule{Cron: expr, Template: tmpl}); err != nil {
			t.Errorf("cron %q: %v, want it accepted (at or above the floor)", expr, err)
		}
	}
}

// TestScheduleOverlap (issue 13 item 13): a run whose previous job is
// still going is skipped, with a reason naming the job and the overlap
// setting, unless the schedule allows overlap. The engine is not started,
// so every fired job stays queued.
func TestScheduleOverlap(t *testing.T) {
	root := t.TempDir()
	writeDataset(t, filepath.Join(root, "ds"), map[string]int{"big": 10, "small": 2})
	clock := newClock(time.Date(2026, 11, 25, 10, 30, 0, 0, time.UTC))
	eng := openWithClock(t, root, clock)
	ctx := context.Background()
	tmpl := generators.Spec{Dataset: root + "/ds", Generator: "oversample", Seed: 4, Output: root + "/out"}
	strict, err := eng.CreateSchedule(ctx, jobs.Schedule{Name: "strict", Cron: "@hourly", Template: tmpl})
	if err != nil {
		t.Fatal(err)
	}
	loose, err := eng.CreateSchedule(ctx, jobs.Schedule{Name: "loose", Cron: "@hourly", Template: tmpl, Overlap: true})
	if err != nil || !loose.Overlap || strict.Overlap {
		t.Fatalf("create: %v, overlap strict %v loose %v", err, strict.Overlap, loose.Overlap)
	}
	for run, want := range []int{2, 1} { // the second hour: only loose fires
		clock.Advance(time.Hour)
		if n, err := eng.RunDueSchedules(ctx); err != nil || n != want {
			t.Fatalf("hour %d: fired %d (%v), want %d", run+1, n, err, want)
		}
	}
	s, err := eng.GetSchedule(ctx, strict.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(s.LastSkipReason, s.LastJobID) || !strings.Contains(s.LastSkipReason, "still queued") || !strings.Contains(s.LastSkipReason, "overlap") {
		t.Errorf("strict: skip reason %q, want it to name job %s, its state and overlap", s.LastSkipReason, s.LastJobID)
	}
	if l, _ := eng.GetSchedule(ctx, loose.ID); l.LastSkipReason != "" || !l.Overlap {
		t.Errorf("loose: skip reason %q, overlap %v; want none and true", l.LastSkipReason, l.Overlap)
	}
	// Once the previous job has ended, the strict schedule fires again.
	if _, err := eng.Cancel(ctx, s.LastJobID); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Hour)
	if n, err := eng.RunDueSchedules(ctx); err != nil || n != 2 {
		t.Errorf("after the job ended: fired %d (%v), want 2", n, err)
	}
}

// A schedule on a table (label_column) with only_if_changed fires when
// the table file changes and skips while it does not.
func TestScheduleOnTable(t *testing.T) {
	root := t.TempDir()
	table := filepath.Join(root, "t.csv")
	writeCSV := func(rows int) {
		var b strings.Builder
		b.WriteString("x,label\n")
		for i := range rows {
			fmt.Fprintf(&b, "%d,%s\n", i, map[bool]string{true: "rare", false: "common"}[i%5 == 0])
		}
		if err := os.WriteFile(table, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	writeCSV(20)
	clock := newClock(time.Date(2026, 11, 25, 10, 30, 0, 0, time.UTC))
	eng := openWithClock(t, root, clock)
	defer eng.Close()
	ctx := context.Background()
	tmpl := generators.Spec{Dataset: "file://" + table, Generator: "oversample", Seed: 4, Output: root + "/out",
		Strategy: generators.Strategy{Mode: generators.ModeAuto}, TableOptions: generators.TableOptions{LabelColumn: "label"}}
	s, err := eng.CreateSchedule(ctx, jobs.Schedule{Name: "t", Cron: "@hourly", Template: tmpl, OnlyIfChanged: true, Overlap: true})
	if err != nil {
		t.Fatal(err)
	}
	for i, step := range []struct {
		change func()
		want   int
		reason string
	}{
		{nil, 1, ""},
		{nil, 0, "dataset unchanged since the last run"},
		{func() { writeCSV(25) }, 1, ""},
	} {
		if step.change != nil {
			step.change()
		}
		clock.Advance(time.Hour)
		n, err := eng.RunDueSchedules(ctx)
		if err != nil || n != step.want {
			t.Fatalf("hour %d: fired %d (%v), want %d", i+1, n, err, step.want)
		}
		got, _ := eng.GetSchedule(ctx, s.ID)
		if got.LastSkipReason != step.reason {
			t.Errorf("hour %d: skip reason %q, want %q", i+1, got.LastSkipReason, step.reason)
		}
	}
}
