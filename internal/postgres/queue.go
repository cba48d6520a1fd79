package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/umontpellier/scolpass/internal/activation"
	"github.com/umontpellier/scolpass/internal/jobs"
)

// jobTable is one table of the job queue (internal/jobs): the outbox and
// the provisioning jobs share their columns (attempts, next_attempt_at,
// leased_until, last_error, failed_at), and the SQL that claims, settles
// and releases them. done is the column that marks a job done.
type jobTable struct {
	name string // "outbox", "provision_jobs"
	done string // "sent_at", "done_at"
	join string // the students table, as s, joined to the job j
}

var (
	outboxTable    = jobTable{name: "outbox", done: "sent_at", join: "LEFT JOIN students s ON s.id = j.student_id"}
	provisionTable = jobTable{name: "provision_jobs", done: "done_at", join: "JOIN students s ON s.id = j.student_id"}
)

// claim leases, in tx, up to n jobs due at now that no worker holds (FOR
// UPDATE SKIP LOCKED: two workers never claim one job), until now+lease,
// counting one attempt each; filter (SQL over j and s, its arguments from
// $4) narrows them. It returns their IDs, first due first.
func (t jobTable) claim(ctx context.Context, tx *sqlx.Tx, now time.Time, n int, lease time.Duration, filter string, args ...any) ([]int64, error) {
	if filter == "" {
		filter = "true"
	}
	var ids []int64
	err := tx.SelectContext(ctx, &ids, `WITH c AS (
		SELECT j.id, j.next_attempt_at FROM `+t.name+` j `+t.join+`
		WHERE j.`+t.done+` IS NULL AND j.failed_at IS NULL AND j.next_attempt_at <= $1
			AND (j.leased_until IS NULL OR j.leased_until <= $1) AND (`+filter+`)
		ORDER BY j.next_attempt_at, j.id LIMIT $2 FOR UPDATE OF j SKIP LOCKED)
		UPDATE `+t.name+` u SET leased_until = $3, attempts = u.attempts + 1 FROM c WHERE u.id = c.id
		RETURNING u.id`, append([]any{now, n, now.Add(lease)}, args...)...)
	if err != nil {
		return nil, err
	}
	return ids, nil
}

// settle records the outcomes of claimed jobs (each as claimed: its
// attempt count then) in one statement, and returns the jobs as left; a
// job another worker claimed since is left alone and not returned. A
// terminal state of an email clears its body; a directory job keeps the
// entry it wrote.
func (t jobTable) settle(ctx context.Context, db *DB, now time.Time, done []jobs.Settled) ([]activation.Job, error) {
	if len(done) == 0 {
		return nil, nil
	}
	n := len(done)
	ids, attempts := make([]int64, n), make([]int64, n)
	doneAt, failedAt, next, lastErr, target := make([]sql.NullString, n), make([]sql.NullString, n), make([]string, n), make([]sql.NullString, n), make([]sql.NullString, n)
	clear := make([]bool, n)
	lefts := make(map[int64]activation.Job, n)
	ts := func(t time.Time) string { return t.Format(time.RFC3339Nano) }
	for i, d := range done {
		j, st := d.Job, d.Settlement
		left := j
		left.LeasedUntil, left.LastError = time.Time{}, st.LastError
		if st.Target != "" {
			left.Target = st.Target
		}
		switch st.Status {
		case activation.JobDone:
			left.DoneAt, doneAt[i] = &now, sql.NullString{String: ts(now), Valid: true}
		case activation.JobFailed:
			left.FailedAt, failedAt[i] = &now, sql.NullString{String: ts(now), Valid: true}
		default:
			left.NextAttemptAt = st.NextAttemptAt
		}
		ids[i], attempts[i], next[i] = j.ID, int64(j.Attempts), ts(left.NextAttemptAt)
		lastErr[i] = sql.NullString{String: st.LastError, Valid: st.LastError != ""}
		target[i] = sql.NullString{String: st.Target, Valid: st.Target != ""}
		clear[i] = st.ClearPayload
		lefts[j.ID] = left
	}
	set := ""
	switch t.name {
	case "outbox":
		set = ", body = CASE WHEN r.clear THEN NULL ELSE u.body END"
	case "provision_jobs":
		set = ", dn = coalesce(r.target, u.dn)"
	}
	var kept []int64
	err := db.SelectContext(ctx, &kept, `UPDATE `+t.name+` u SET leased_until = NULL, `+t.done+` = r.done_at::timestamptz,
		failed_at = r.failed_at::timestamptz, next_attempt_at = r.next_attempt_at::timestamptz, last_error = r.last_error`+set+`
		FROM unnest($1::bigint[], $2::int[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bool[], $8::text[])
			AS r(id, attempts, done_at, failed_at, next_attempt_at, last_error, clear, target)
		WHERE u.id = r.id AND u.attempts = r.attempts AND u.leased_until IS NOT NULL
			AND u.`+t.done+` IS NULL AND u.failed_at IS NULL
		RETURNING u.id`, pq.Array(ids), pq.Array(attempts), pq.Array(doneAt), pq.Array(failedAt), pq.Array(next),
		pq.Array(lastErr), pq.Array(clear), pq.Array(target))
	if err != nil {
		return nil, mapError(err)
	}
	out := make([]activation.Job, 0, len(kept))
	for _, d := range done { // in the order given
		if slices.Contains(kept, d.Job.ID) {
			out = append(out, lefts[d.Job.ID])
		}
	}
	return out, nil
}

// release hands back claimed jobs that were not tried: due again at once,
// their attempt not counted (unless another worker claimed them since).
func (t jobTable) release(ctx context.Context, db *DB, jobs []activation.Job) error {
	if len(jobs) == 0 {
		return nil
	}
	ids, attempts := make([]int64, len(jobs)), make([]int64, len(jobs))
	for i, j := range jobs {
		ids[i], attempts[i] = j.ID, int64(j.Attempts)
	}
	_, err := db.ExecContext(ctx, `UPDATE `+t.name+` u SET leased_until = NULL, attempts = u.attempts - 1
		FROM unnest($1::bigint[], $2::int[]) AS r(id, attempts)
		WHERE u.id = r.id AND u.attempts = r.attempts AND u.leased_until IS NOT NULL`, pq.Array(ids), pq.Array(attempts))
	return mapError(err)
}

// jobRow is the columns every job table has, read into activation.Job.
type jobRow struct {
	ID            int64          `db:"id"`
	Login         sql.NullString `db:"login"`
	CreatedAt     time.Time      `db:"created_at"`
	Attempts      int            `db:"attempts"`
	NextAttemptAt time.Time      `db:"next_attempt_at"`
	LeasedUntil   sql.NullTime   `db:"leased_until"`
	LastError     sql.NullString `db:"last_error"`
	FailedAt      sql.NullTime   `db:"failed_at"`
}

func (r *jobRow) job(queue string, done sql.NullTime) activation.Job {
	j := activation.Job{ID: r.ID, Queue: queue, Login: r.Login.String, CreatedAt: r.CreatedAt, Attempts: r.Attempts,
		NextAttemptAt: r.NextAttemptAt, LastError: r.LastError.String}
	if r.LeasedUntil.Valid {
		j.LeasedUntil = r.LeasedUntil.Time
	}
	if done.Valid {
		j.DoneAt = &done.Time
	}
	if r.FailedAt.Valid {
		j.FailedAt = &r.FailedAt.Time
	}
	return j
}

// statusFilter is the SQL condition of a listing's status filter over j.
func (t jobTable) statusFilter(status activation.JobStatus) (string, error) {
	switch status {
	case "":
		return "true", nil
	case activation.JobDone:
		return "j." + t.done + " IS NOT NULL", nil
	case activation.JobFailed:
		return "j.failed_at IS NOT NULL", nil
	case activation.JobPending:
		return "j." + t.done + " IS NULL AND j.failed_at IS NULL", nil
	}
	return "", fmt.Errorf("unknown job status %q", status)
}
