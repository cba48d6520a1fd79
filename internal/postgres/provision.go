package postgres

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/umontpellier/scolpass/internal/activation"
	"github.com/umontpellier/scolpass/internal/jobs"
)

// provisionRow is a queued directory (LDAP) write of one account. It names
// the account and why; what is written is read from the account when the
// job is applied.
type provisionRow struct {
	jobRow
	StudentID int64          `db:"student_id"`
	Reason    string         `db:"reason"`
	DN        sql.NullString `db:"dn"`
	DoneAt    sql.NullTime   `db:"done_at"`
}

func (r *provisionRow) job() activation.Job {
	j := r.jobRow.job("directory", r.DoneAt)
	j.Kind, j.Target = r.Reason, r.DN.String
	return j
}

const provisionSelect = `SELECT j.id, j.student_id, s.login, j.reason, j.created_at, j.attempts, j.next_attempt_at,
	j.leased_until, j.last_error, j.dn, j.done_at, j.failed_at
	FROM provision_jobs j JOIN students s ON s.id = j.student_id`

// QueueProvision queues a directory write of a in the step's transaction,
// due at once.
func (t *accountTx) QueueProvision(a *activation.Account, reason string) error {
	_, err := t.tx.ExecContext(t.ctx, `INSERT INTO provision_jobs (student_id, reason, created_at, next_attempt_at)
		VALUES ($1, $2, $3, $3)`, a.StudentID, reason, t.now)
	return err
}

// ListProvisionJobs returns the jobs, oldest first; status filters ("" for
// all); login filters by account.
func (db *DB) ListProvisionJobs(ctx context.Context, status activation.JobStatus, login string) ([]activation.Job, error) {
	cond, err := provisionTable.statusFilter(status)
	if err != nil {
		return nil, err
	}
	var rows []provisionRow
	if err := db.SelectContext(ctx, &rows, provisionSelect+` WHERE `+cond+` AND ($1 = '' OR s.login = $1) ORDER BY j.id`, login); err != nil {
		return nil, mapError(err)
	}
	out := make([]activation.Job, len(rows))
	for i := range rows {
		out[i] = rows[i].job()
	}
	return out, nil
}

// ProvisionJobByID returns one job or ENOTFOUND.
func (db *DB) ProvisionJobByID(ctx context.Context, id int64) (activation.Job, error) {
	var r provisionRow
	err := db.GetContext(ctx, &r, provisionSelect+` WHERE j.id = $1`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return activation.Job{}, activation.Errorf(activation.ENOTFOUND, "no provisioning job %d (see scolpass provision list)", id)
	}
	if err != nil {
		return activation.Job{}, mapError(err)
	}
	return r.job(), nil
}

// Provisioning is the queue of directory writes (of login only, when
// login is not ""): what the directory runner works on. A job comes with
// its account as it stands when claimed (nil: deleted since).
func (db *DB) Provisioning(login string) jobs.Queue[*activation.Account] {
	return provisionQueue{db: db, login: login}
}

type provisionQueue struct {
	db    *DB
	login string
}

// Claim leases up to n due jobs and reads their accounts, in one short
// transaction. See jobs.Queue.
func (q provisionQueue) Claim(ctx context.Context, now time.Time, n int, lease time.Duration) ([]jobs.Claimed[*activation.Account], error) {
	var out []jobs.Claimed[*activation.Account]
	err := q.db.inTx(ctx, func(tx *sqlx.Tx) error {
		out = nil
		ids, err := provisionTable.claim(ctx, tx, now, n, lease, `$4 = '' OR s.login = $4`, q.login)
		if err != nil || len(ids) == 0 {
			return err
		}
		var rows []provisionRow
		if err := tx.SelectContext(ctx, &rows, provisionSelect+` WHERE j.id = ANY($1) ORDER BY j.next_attempt_at, j.id`, pq.Array(ids)); err != nil {
			return err
		}
		students := make([]int64, len(rows))
		for i := range rows {
			students[i] = rows[i].StudentID
		}
		var accs []accountRow
		if err := tx.SelectContext(ctx, &accs, accountSelect+` WHERE s.id = ANY($1)`, pq.Array(students)); err != nil {
			return err
		}
		accounts := make(map[int64]*activation.Account, len(accs))
		for i := range accs {
			accounts[accs[i].StudentID] = accs[i].account()
		}
		for i := range rows {
			out = append(out, jobs.Claimed[*activation.Account]{Job: rows[i].job(), Payload: accounts[rows[i].StudentID]})
		}
		return nil
	})
	return out, err
}

// Settle records an attempt's settlement. See jobs.Queue.
func (q provisionQueue) Settle(ctx context.Context, now time.Time, done []jobs.Settled) ([]activation.Job, error) {
	return provisionTable.settle(ctx, q.db, now, done)
}

// Release hands back jobs claimed and not tried. See jobs.Queue.
func (q provisionQueue) Release(ctx context.Context, js []activation.Job) error {
	return provisionTable.release(ctx, q.db, js)
}

// RetryProvisionJobs makes jobs due again at now: the job id (0: every
// failed job when allFailed). A failed job is no longer failed; a pending
// one is tried at once; a done one cannot be retried (activation.MayRetryJob).
// It returns the jobs made due.
func (db *DB) RetryProvisionJobs(ctx context.Context, id int64, allFailed bool, now time.Time) ([]int64, error) {
	if !allFailed {
		j, err := db.ProvisionJobByID(ctx, id)
		if err != nil {
			return nil, err
		}
		if err := activation.MayRetryJob(&j); err != nil {
			return nil, err
		}
	}
	var ids []int64
	err := db.SelectContext(ctx, &ids, `UPDATE provision_jobs SET failed_at = NULL, next_attempt_at = $2
		WHERE done_at IS NULL AND (($3 AND failed_at IS NOT NULL) OR id = $1) RETURNING id`, id, now, allFailed)
	return ids, mapError(err)
}

// DirectoryStatus says whether an account is in the directory: its pending
// job while one waits, else its newest job (done or failed); nil when no
// job was ever queued for it.
func (db *DB) DirectoryStatus(ctx context.Context, studentID int64) (*activation.Job, error) {
	var r provisionRow
	err := db.GetContext(ctx, &r, provisionSelect+` WHERE j.student_id = $1
		ORDER BY (j.done_at IS NULL AND j.failed_at IS NULL) DESC, j.id DESC LIMIT 1`, studentID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, mapError(err)
	}
	j := r.job()
	return &j, nil
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
// login that is not an account is ENOTFOUND, one not active is refused by
// activation.MayProvision; then nothing is queued. It returns the logins
// queued.
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
			if err := activation.MayProvision(l, activation.State(state)); err != nil {
				return err
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
