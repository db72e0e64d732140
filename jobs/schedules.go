package jobs

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/tailsynth/tailsynth/errkind"
	"github.com/tailsynth/tailsynth/generators"
)

// Schedule re-runs a job template on a cron schedule.
type Schedule struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Cron is a standard 5-field expression ("0 3 * * *") or a descriptor
	// (@daily, @hourly, @every 6h), in UTC.
	Cron     string          `json:"cron"`
	Template generators.Spec `json:"template"`
	// OnlyIfChanged skips a run when the dataset's fingerprint is the one
	// of the last run.
	OnlyIfChanged bool `json:"only_if_changed"`
	// Overlap lets a run start while the previous run's job is still
	// queued, running or retrying; without it that run is skipped (and
	// LastSkipReason says so), so a slow job cannot pile up behind itself.
	Overlap        bool       `json:"overlap"`
	NextRunAt      time.Time  `json:"next_run_at"`
	LastRunAt      *time.Time `json:"last_run_at,omitempty"`
	LastJobID      string     `json:"last_job_id,omitempty"`
	LastSkipReason string     `json:"last_skip_reason,omitempty"`
	CreatedAt      time.Time  `json:"created_at"`
}

var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// CronError is a cron expression that does not parse.
type CronError struct{ Msg string }

func (e *CronError) Error() string { return e.Msg }

// Kind is errkind.Invalid.
func (e *CronError) Kind() errkind.Kind { return errkind.Invalid }

func parseCron(expr string) (cron.Schedule, error) {
	s, err := cronParser.Parse(expr)
	if err != nil {
		return nil, &CronError{Msg: fmt.Sprintf("cron %q: %v; accepted: 5 fields (minute hour day-of-month month day-of-week, e.g. \"0 3 * * *\") or @hourly, @daily, @weekly, @monthly, @every <duration>", expr, err)}
	}
	return s, nil
}

// intervalRuns is how many coming runs of a cron expression checkInterval
// looks at. An expression's minute and hour sets repeat every scheduled
// day, so its short gaps show within its first runs.
const intervalRuns = 1000

// checkInterval refuses a schedule that would run more often than floor
// (0: no floor): an "@every" interval below it, or a cron expression with
// two runs closer than it among its next intervalRuns runs.
func checkInterval(expr string, cs cron.Schedule, floor time.Duration, now time.Time) error {
	if floor <= 0 {
		return nil
	}
	gap := time.Duration(-1)
	if every, ok := cs.(cron.ConstantDelaySchedule); ok {
		gap = every.Delay
	} else {
		prev := cs.Next(now)
		for i := 0; i < intervalRuns && !prev.IsZero(); i++ {
			next := cs.Next(prev)
			if next.IsZero() {
				break
			}
			if d := next.Sub(prev); gap < 0 || d < gap {
				gap = d
			}
			if gap < floor {
				break
			}
			prev = next
		}
	}
	if gap < 0 || gap >= floor {
		return nil
	}
	return &CronError{Msg: fmt.Sprintf("cron %q runs %s apart, more often than the server's floor of %s between runs (jobs.min_schedule_interval); accepted: runs at least %s apart, e.g. \"@every %s\" or \"0 3 * * *\"",
		expr, gap, floor, floor, floor)}
}

// CreateSchedule validates and stores a schedule; its template is checked
// like a job request.
func (e *Engine) CreateSchedule(ctx context.Context, s Schedule) (*Schedule, error) {
	cs, err := parseCron(s.Cron)
	if err != nil {
		return nil, err
	}
	if err := checkInterval(s.Cron, cs, e.cfg.MinScheduleInterval, e.cfg.Now().UTC()); err != nil {
		return nil, err
	}
	if _, err := e.Check(ctx, s.Template); err != nil {
		return nil, fmt.Errorf("template: %w", err)
	}
	s.ID = newID("sch_")
	s.Template.ID = ""
	now := e.cfg.Now().UTC()
	s.CreatedAt = now.Truncate(time.Millisecond)
	s.NextRunAt = cs.Next(now).Truncate(time.Millisecond)
	if s.Name == "" {
		s.Name = s.ID
	}
	_, err = e.db.exec(ctx, `INSERT INTO tailsynth_schedules (id, name, cron, template, only_if_changed, overlap, next_run_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		s.ID, s.Name, s.Cron, jsonString(s.Template), boolInt(s.OnlyIfChanged), boolInt(s.Overlap), ms(s.NextRunAt), ms(s.CreatedAt))
	if err != nil {
		return nil, err
	}
	return &s, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

const scheduleColumns = `id, name, cron, template, only_if_changed, overlap, last_fingerprint, next_run_at, last_run_at, last_job_id, last_skip_reason, created_at`

func scanSchedule(row interface{ Scan(...any) error }) (*Schedule, string, error) {
	var (
		s                   Schedule
		tmpl, fp            string
		only, overlap       int
		next, created       int64
		last                sql.NullInt64
		lastJob, lastReason sql.NullString
	)
	if err := row.Scan(&s.ID, &s.Name, &s.Cron, &tmpl, &only, &overlap, &fp, &next, &last, &lastJob, &lastReason, &created); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, "", ErrNotFound
		}
		return nil, "", err
	}
	if err := jsonUnmarshal(tmpl, &s.Template); err != nil {
		return nil, "", err
	}
	s.OnlyIfChanged, s.Overlap = only != 0, overlap != 0
	s.NextRunAt = time.UnixMilli(next).UTC()
	s.LastRunAt = fromMS(last)
	s.LastJobID, s.LastSkipReason = lastJob.String, lastReason.String
	s.CreatedAt = time.UnixMilli(created).UTC()
	return &s, fp, nil
}

// GetSchedule returns a schedule.
func (e *Engine) GetSchedule(ctx context.Context, id string) (*Schedule, error) {
	s, _, err := scanSchedule(e.db.queryRow(ctx, `SELECT `+scheduleColumns+` FROM tailsynth_schedules WHERE id = ?`, id))
	return s, err
}

// ListSchedules returns every schedule, oldest first.
func (e *Engine) ListSchedules(ctx context.Context) ([]*Schedule, error) {
	rows, err := e.db.query(ctx, `SELECT `+scheduleColumns+` FROM tailsynth_schedules ORDER BY created_at, id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Schedule
	for rows.Next() {
		s, _, err := scanSchedule(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// DeleteSchedule removes a schedule; its past jobs stay.
func (e *Engine) DeleteSchedule(ctx context.Context, id string) error {
	res, err := e.db.exec(ctx, `DELETE FROM tailsynth_schedules WHERE id = ?`, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// RunDueSchedules submits a job for every schedule whose time has come (by
// the engine's clock) and returns how many it submitted. Several processes
// may call it at once: each run is claimed by one conditional update, so a
// schedule fires once per due time.
func (e *Engine) RunDueSchedules(ctx context.Context) (int, error) {
	now := e.cfg.Now().UTC()
	rows, err := e.db.query(ctx, `SELECT `+scheduleColumns+` FROM tailsynth_schedules WHERE next_run_at <= ? ORDER BY next_run_at`, ms(now))
	if err != nil {
		return 0, err
	}
	type due struct {
		s  *Schedule
		fp string
	}
	var list []due
	for rows.Next() {
		s, fp, err := scanSchedule(rows)
		if err != nil {
			rows.Close()
			return 0, err
		}
		list = append(list, due{s, fp})
	}
	rows.Close()
	fired := 0
	for _, d := range list {
		cs, err := parseCron(d.s.Cron)
		if err != nil {
			continue
		}
		next := cs.Next(now).Truncate(time.Millisecond)
		res, err := e.db.exec(ctx, `UPDATE tailsynth_schedules SET next_run_at = ?, last_run_at = ? WHERE id = ? AND next_run_at = ?`,
			ms(next), ms(now), d.s.ID, ms(d.s.NextRunAt))
		if err != nil {
			return fired, err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			continue // another process claimed this run
		}
		jobID, fp, skip := e.fire(ctx, d.s, d.fp)
		if _, err := e.db.exec(ctx, `UPDATE tailsynth_schedules SET last_job_id = COALESCE(?, last_job_id), last_skip_reason = ?, last_fingerprint = ? WHERE id = ?`,
			nullIfEmpty(jobID), nullIfEmpty(skip), fp, d.s.ID); err != nil {
			return fired, err
		}
		if jobID != "" {
			fired++
		}
	}
	return fired, nil
}

// fire submits one run of s, unless it asks to run only on a changed
// dataset and the fingerprint is the last run's.
func (e *Engine) fire(ctx context.Context, s *Schedule, lastFP string) (jobID, fp, skip string) {
	fp = lastFP
	if !s.Overlap && s.LastJobID != "" {
		prev, err := e.Get(ctx, s.LastJobID)
		switch {
		case err == nil && !Terminal(prev.State):
			e.log.Info("schedule skipped: the previous run is still going", "schedule", s.ID, "job", prev.ID, "state", prev.State)
			return "", fp, fmt.Sprintf("the previous run, job %s, is still %s; set overlap to true to start runs anyway", prev.ID, prev.State)
		case err != nil && !errors.Is(err, ErrNotFound):
			return "", fp, "cannot read the previous run's job: " + err.Error()
		}
	}
	if s.OnlyIfChanged {
		cur, err := e.cfg.Pipeline.Fingerprint(ctx, s.Template)
		if err != nil {
			return "", fp, "cannot scan the dataset: " + err.Error()
		}
		if cur == lastFP {
			e.log.Info("schedule skipped: dataset unchanged", "schedule", s.ID, "fingerprint", lastFP)
			return "", fp, "dataset unchanged since the last run"
		}
		fp = cur
	}
	j, _, err := e.Submit(ctx, s.Template, "", s.ID)
	if err != nil {
		e.log.Error("schedule could not submit its job", "schedule", s.ID, "err", err)
		return "", lastFP, "submit failed: " + err.Error()
	}
	e.log.Info("schedule fired", "schedule", s.ID, "job", j.ID)
	return j.ID, fp, ""
}

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }
