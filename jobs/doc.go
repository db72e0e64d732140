// Package jobs runs generation jobs and schedules on River
// (github.com/riverqueue/river), an existing job engine: on SQLite embedded
// in the data directory by default (no server), or on PostgreSQL shared by
// several tailsynth processes.
//
// River executes; the tailsynth_jobs table is what the API reads (state,
// progress, timings, result). A running job heartbeats every second; a job
// whose process died (its heartbeat is stale) is handed back to River to run
// again, at once on start-up with SQLite (one process owns the file, under a
// lock) and after StaleAfter with PostgreSQL. Because samples are named and
// made deterministically and the completion marker is written last, a
// re-run makes the same files (keeping those already stored) and never
// leaves a partial output that looks complete.
//
// Storage that does not answer (storage.ErrUnavailable) is waited out: the
// job returns to River's queue with JobSnooze, which spends no attempt,
// until Config.StorageRetryWindow has passed since it last wrote a sample.
// A failed or cancelled job keeps its partial output, marked
// generators.IncompleteKey, and Retry runs it again from there.
package jobs
