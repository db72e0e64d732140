// Package jobs runs generation jobs and schedules on River
// (github.com/riverqueue/river), an existing job engine: on SQLite embedded
// in the data directory by default (no server), or on PostgreSQL shared by
// several tailsynth processes.
//
// River runs the jobs. Each job kind has its own River arguments and worker
// (GenerateArgs, EvaluateArgs). The tailsynth_jobs table holds what River
// cannot: the request, idempotency keys, progress, the result, and the
// record of jobs River's cleaner has long removed. A job's record and its
// River job are written in one transaction (River's InsertTx), so neither
// exists without the other. Cancellation is River's JobCancel: a queued
// job ends at once, a running one has its context cancelled. No code here
// writes River's tables; River's rows change through River's client only.
//
// A running job heartbeats every second: River's own rescuer judges an
// attempt by its age, and cannot tell a GAN training for hours from a dead
// worker. A job whose heartbeat is stale (its process died) gets a new
// River job, in the transaction that records it, and River is asked to
// cancel the old one, which River's rescuer then finalizes. The record
// names the River job that runs it (river_id), and an attempt writes to
// the record only while it is named, so an old attempt that was in fact
// alive writes nothing more and stops. This happens at once on start-up
// with SQLite (one process owns the file, under a lock) and after
// StaleAfter with PostgreSQL. Because samples are named and made
// deterministically and the completion marker is written last, a re-run
// makes the same files (keeping those already stored) and never leaves a
// partial output that looks complete.
//
// Storage that does not answer (storage.ErrUnavailable) is waited out: the
// job returns to River's queue with JobSnooze, which spends no attempt,
// until Config.StorageRetryWindow has passed since it last wrote a sample.
// A failed or cancelled job keeps its partial output, marked
// generators.IncompleteKey, and Retry runs it again from there.
package jobs
