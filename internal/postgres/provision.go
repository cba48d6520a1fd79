package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/umontpellier/scolpass/internal/activation"
)

// ProvisionJob is a queued directory (LDAP) write of one account. It names
// the account and why; what is written is read from the account when the
// job is applied.
type ProvisionJob struct {
	ID            int64          `db:"id" json:"id"`
	StudentID     int64          `db:"student_id" json:"-"`
	Login         string         `db:"login" json:"login"`
	Reason        string         `db:"reason" json:"reason"`
	CreatedAt     time.Time      `db:"created_at" json:"created_at"`
	Attempts      int            `db:"attempts" json:"attempts"`
	NextAttemptAt time.Time      `db:"next_attempt_at" json:"next_attempt_at"`
	LastError     sql.NullString `db:"last_error" json:"-"`
	DN            sql.NullString `db:"dn" json:"-"`
	DoneAt        *time.Time     `db:"done_at" json:"done_at,omitempty"`
	FailedAt      *time.Time     `db:"failed_at" json:"failed_at,omitempty"`
}

// Status is "done", "failed" (given up) or "pending".
func (j *ProvisionJob) Status() string {
	switch {
	case j.DoneAt != nil:
		return "done"
	case j.FailedAt != nil:
		return "failed"
	}
	return "pending"
}

const provisionSelect = `SELECT j.id, j.student_id, s.login, j.reason, j.created_at, j.attempts, j.next_attempt_at,
	j.last_error, j.dn, j.done_at, j.failed_at
	FROM provision_jobs j JOIN students s ON s.id = j.student_id`

// QueueProvision queues a directory write of a in the step's transaction,
// due at once.
func (t *accountTx) QueueProvision(a *activation.Account, reason string) error {
	_, err := t.tx.ExecContext(t.ctx, `INSERT INTO provision_jobs (student_id, reason, created_at, next_attempt_at)
		VALUES ($1, $2, $3, $3)`, a.StudentID, reason, t.now)
	return err
}

// ListProvisionJobs returns the jobs, oldest first; status filters
// ("pending", "done", "failed", "" for all); login filters by account.
func (db *DB) ListProvisionJobs(ctx context.Context, status, login string) ([]ProvisionJob, error) {
	var out []ProvisionJob
	err := db.SelectContext(ctx, &out, provisionSelect+` WHERE ($1 = '' OR ($1 = 'done' AND j.done_at IS NOT NULL)
		OR ($1 = 'failed' AND j.failed_at IS NOT NULL) OR ($1 = 'pending' AND j.done_at IS NULL AND j.failed_at IS NULL))
		AND ($2 = '' OR s.login = $2)
		ORDER BY j.id`, status, login)
	return out, mapError(err)
}

// ProvisionJobByID returns one job or ENOTFOUND.
func (db *DB) ProvisionJobByID(ctx context.Context, id int64) (*ProvisionJob, error) {
	var j ProvisionJob
	err := db.GetContext(ctx, &j, provisionSelect+` WHERE j.id = $1`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, activation.Errorf(activation.ENOTFOUND, "no provisioning job %d (see scolpass provision list)", id)
	}
	return &j, mapError(err)
}

// ProvisionResult is the outcome of one attempt at a job.
type ProvisionResult struct {
	DN        string // the entry written (or refused)
	Err       error  // nil: written
	Permanent bool   // the directory refused it for good: no retry
	Skipped   string // not written, and nothing to retry: why (the account is no longer active)
	NotTried  bool   // left as it was (the run stopped before it)
}

// ProvisionBatch claims up to n jobs due at now, first due first (of
// login only, when login is not ""), that no other runner holds (FOR UPDATE
// SKIP LOCKED: two runners never apply one job at once), hands them to
// apply with their accounts as they stand (by student ID), and records the
// results apply returns (one per job, in order) in the same transaction:
// written (done), refused for good (failed, with the directory's message),
// retried later with a growing delay (Backoff), or left as it was
// (NotTried). It returns the jobs as they were left; none when no job is
// due. A crash before the commit leaves every job of the batch due: a write
// is idempotent, applying it again is harmless.
func (db *DB) ProvisionBatch(ctx context.Context, now time.Time, login string, n int,
	apply func(jobs []*ProvisionJob, accounts map[int64]*activation.Account) []ProvisionResult) ([]*ProvisionJob, error) {
	var out []*ProvisionJob
	err := db.inTx(ctx, func(tx *sqlx.Tx) error {
		out = nil
		var rows []ProvisionJob
		if err := tx.SelectContext(ctx, &rows, provisionSelect+` WHERE j.done_at IS NULL AND j.failed_at IS NULL AND j.next_attempt_at <= $1
			AND ($2 = '' OR s.login = $2)
			ORDER BY j.next_attempt_at, j.id LIMIT $3 FOR UPDATE OF j SKIP LOCKED`, now, login, n); err != nil {
			return err
		}
		if len(rows) == 0 {
			return nil
		}
		jobs := make([]*ProvisionJob, len(rows))
		ids := make([]int64, len(rows))
		for i := range rows {
			jobs[i], ids[i] = &rows[i], rows[i].StudentID
		}
		var accs []accountRow
		if err := tx.SelectContext(ctx, &accs, accountSelect+` WHERE s.id = ANY($1)`, pq.Array(ids)); err != nil {
			return err
		}
		accounts := make(map[int64]*activation.Account, len(accs))
		for i := range accs {
			accounts[accs[i].StudentID] = accs[i].account()
		}
		results := apply(jobs, accounts)
		if len(results) != len(jobs) {
			return fmt.Errorf("provisioning: %d results for %d jobs", len(results), len(jobs))
		}
		for i, j := range jobs {
			if !results[i].NotTried {
				settle(j, results[i], now)
				out = append(out, j)
			}
		}
		return recordProvisions(ctx, tx, out)
	})
	return out, err
}

// settle applies the result of one attempt to j.
func settle(j *ProvisionJob, res ProvisionResult, now time.Time) {
	j.Attempts++
	if res.DN != "" {
		j.DN = sql.NullString{String: res.DN, Valid: true}
	}
	j.LastError = sql.NullString{}
	switch {
	case res.Skipped != "":
		j.DoneAt = &now
		j.LastError = sql.NullString{String: res.Skipped, Valid: true}
	case res.Err == nil:
		j.DoneAt = &now
	case res.Permanent:
		j.FailedAt = &now
		j.LastError = sql.NullString{String: res.Err.Error(), Valid: true}
	default:
		j.NextAttemptAt = now.Add(Backoff(j.Attempts))
		j.LastError = sql.NullString{String: res.Err.Error(), Valid: true}
	}
}

// recordProvisions writes the jobs as settle left them, in one statement.
func recordProvisions(ctx context.Context, tx *sqlx.Tx, jobs []*ProvisionJob) error {
	if len(jobs) == 0 {
		return nil
	}
	ids, attempts := make([]int64, len(jobs)), make([]int64, len(jobs))
	var dns, errs, done, failed, next []sql.NullString
	ts := func(t *time.Time) sql.NullString {
		if t == nil {
			return sql.NullString{}
		}
		return sql.NullString{String: t.Format(time.RFC3339Nano), Valid: true}
	}
	for i, j := range jobs {
		ids[i], attempts[i] = j.ID, int64(j.Attempts)
		dns, errs = append(dns, j.DN), append(errs, j.LastError)
		done, failed, next = append(done, ts(j.DoneAt)), append(failed, ts(j.FailedAt)), append(next, ts(&j.NextAttemptAt))
	}
	_, err := tx.ExecContext(ctx, `UPDATE provision_jobs p SET attempts = u.attempts, dn = u.dn, last_error = u.last_error,
		done_at = u.done_at::timestamptz, failed_at = u.failed_at::timestamptz, next_attempt_at = u.next_attempt_at::timestamptz
		FROM unnest($1::bigint[], $2::int[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])
			AS u(id, attempts, dn, last_error, done_at, failed_at, next_attempt_at)
		WHERE p.id = u.id`, pq.Array(ids), pq.Array(attempts), pq.Array(dns), pq.Array(errs), pq.Array(done), pq.Array(failed), pq.Array(next))
	return err
}

// RetryProvisionJobs makes jobs due again at now: the job id (0: every
// failed job when allFailed). A failed job is no longer failed; a pending
// one is tried at once; a done job cannot be retried (ESTATE). It returns
// the jobs made due.
func (db *DB) RetryProvisionJobs(ctx context.Context, id int64, allFailed bool, now time.Time) ([]int64, error) {
	if !allFailed {
		j, err := db.ProvisionJobByID(ctx, id)
		if err != nil {
			return nil, err
		}
		if j.DoneAt != nil {
			return nil, activation.Errorf(activation.ESTATE, "provisioning job %d is already done (%s): nothing to retry", id,
				j.DoneAt.In(activation.Zone()).Format("02/01/2006 15:04"))
		}
	}
	var ids []int64
	err := db.SelectContext(ctx, &ids, `UPDATE provision_jobs SET failed_at = NULL, next_attempt_at = $2
		WHERE done_at IS NULL AND (($3 AND failed_at IS NOT NULL) OR id = $1) RETURNING id`, id, now, allFailed)
	return ids, mapError(err)
}

// DirectoryStatus says whether an account is in the directory: "pending"
// while a job waits, else the status of its newest job ("done" or
// "failed"); nil when no job was ever queued for it.
func (db *DB) DirectoryStatus(ctx context.Context, studentID int64) (*ProvisionJob, error) {
	var j ProvisionJob
	err := db.GetContext(ctx, &j, provisionSelect+` WHERE j.student_id = $1
		ORDER BY (j.done_at IS NULL AND j.failed_at IS NULL) DESC, j.id DESC LIMIT 1`, studentID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return &j, mapError(err)
}

// notInDirectorySQL is the rule for "active but not yet in the directory":
// no job was ever queued, a job is still pending, or the newest job failed.
const notInDirectorySQL = `s.state = 'active' AND NOT EXISTS (
		SELECT 1 FROM provision_jobs d WHERE d.student_id = s.id AND d.done_at IS NOT NULL
		AND NOT EXISTS (SELECT 1 FROM provision_jobs p WHERE p.student_id = s.id AND p.id > d.id AND p.done_at IS NULL))`

// NotInDirectory counts the active accounts (within f) that are not yet
// in the directory.
func (db *DB) NotInDirectory(ctx context.Context, f ReportFilter) (int, error) {
	var args []any
	w := f.where(&args)
	if w == "" {
		w = " WHERE true"
	}
	var n int
	err := db.GetContext(ctx, &n, `SELECT count(*) FROM students s`+w+` AND `+notInDirectorySQL, args...)
	return n, mapError(err)
}

// QueueProvisionFor queues a directory write ("requeued") for active
// accounts: those named by logins, and with unqueued every active account
// that never had one (activated before provisioning was turned on). A
// login that is not an active account is an error (ENOTFOUND or ESTATE)
// and nothing is queued. It returns the logins queued.
func (db *DB) QueueProvisionFor(ctx context.Context, logins []string, unqueued bool, now time.Time) ([]string, error) {
	var queued []string
	err := db.inTx(ctx, func(tx *sqlx.Tx) error {
		for _, l := range logins {
			var state string
			err := tx.GetContext(ctx, &state, `SELECT state FROM students WHERE login = lower($1) OR student_no = $1`, l)
			if errors.Is(err, sql.ErrNoRows) {
				return activation.ErrNoStudent(l)
			}
			if err != nil {
				return err
			}
			if state != string(activation.StateActive) {
				return activation.Errorf(activation.ESTATE, "%s is not active (%s): only active accounts go to the directory", l, state)
			}
		}
		if logins == nil {
			logins = []string{}
		}
		return tx.SelectContext(ctx, &queued, `WITH q AS (
			INSERT INTO provision_jobs (student_id, reason, created_at, next_attempt_at)
			SELECT s.id, 'requeued', $1, $1 FROM students s
			WHERE s.state = 'active' AND (s.login = ANY($2) OR s.student_no = ANY($4)
				OR ($3 AND NOT EXISTS (SELECT 1 FROM provision_jobs j WHERE j.student_id = s.id)))
			RETURNING student_id)
			SELECT s.login FROM q JOIN students s ON s.id = q.student_id ORDER BY s.login`, now, pq.Array(lowerAll(logins)), unqueued, pq.Array(logins))
	})
	return queued, err
}

func lowerAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strings.ToLower(s)
	}
	return out
}
