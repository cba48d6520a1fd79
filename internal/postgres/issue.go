package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/umontpellier/scolpass/internal/activation"
)

// IssueBatch selects and locks the accounts matching sel's filters, lets fn
// decide and change them (activation.Service.Issue), and writes back in
// bulk what fn returned: every mutable column of each account as the
// domain left it, its provisional credentials, its links revoked, its web
// sessions ended, one audit event each. The SQL decides nothing.
func (st *AccountStore) IssueBatch(ctx context.Context, sel activation.IssueSelection, now time.Time, fn func(accounts []*activation.Account) ([]*activation.Account, error)) error {
	return st.DB.inTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `SET LOCAL lock_timeout = '`+lockTimeout+`'`); err != nil {
			return err
		}
		var where []string
		var args []any
		add := func(cond string, v []string) {
			if len(v) > 0 {
				args = append(args, pq.Array(v))
				where = append(where, fmt.Sprintf(cond, len(args)))
			}
		}
		add("s.student_no = ANY($%d)", sel.StudentNos)
		add("s.program = ANY($%d)", sel.Programs)
		add("s.component = ANY($%d)", sel.Components)
		add("s.year = ANY($%d)", sel.Years)
		q := accountSelect
		if len(where) > 0 {
			q += " WHERE " + strings.Join(where, " AND ")
		}
		q += " ORDER BY s.id FOR UPDATE OF s"
		var rows []accountRow
		if err := tx.SelectContext(ctx, &rows, q, args...); err != nil {
			return err
		}
		accounts := make([]*activation.Account, len(rows))
		from := make(map[int64]activation.State, len(rows))
		for i := range rows {
			accounts[i] = rows[i].account()
			from[accounts[i].StudentID] = accounts[i].State
		}
		issued, err := fn(accounts)
		if err != nil || len(issued) == 0 {
			return err
		}
		return writeIssued(ctx, tx, issued, from, st.Actor, now)
	})
}

func writeIssued(ctx context.Context, tx *sqlx.Tx, issued []*activation.Account, from map[int64]activation.State, actor activation.Actor, now time.Time) error {
	if _, err := tx.ExecContext(ctx, `CREATE TEMP TABLE issue_rows (
		student_id bigint PRIMARY KEY, from_state text NOT NULL, state text NOT NULL, state_since timestamptz NOT NULL,
		failed_attempts integer NOT NULL, locked_until timestamptz, recovery_email text, redirect_to text, keep_copy boolean NOT NULL,
		charter_version text, charter_accepted_at timestamptz, password_hash text, password_set_at timestamptz, activated_at timestamptz,
		p_hash text NOT NULL, p_issued_at timestamptz NOT NULL, p_expires_at timestamptz NOT NULL, p_batch text NOT NULL) ON COMMIT DROP`); err != nil {
		return err
	}
	stmt, err := tx.PrepareContext(ctx, `COPY issue_rows (student_id, from_state, state, state_since,
		failed_attempts, locked_until, recovery_email, redirect_to, keep_copy, charter_version, charter_accepted_at,
		password_hash, password_set_at, activated_at, p_hash, p_issued_at, p_expires_at, p_batch) FROM STDIN`)
	if err != nil {
		return err
	}
	for _, a := range issued {
		p := a.Provisional
		if _, err := stmt.ExecContext(ctx, a.StudentID, string(from[a.StudentID]), string(a.State), a.StateSince,
			a.FailedAttempts, nullTime(a.LockedUntil), nullString(a.RecoveryEmail), nullString(a.RedirectTo), a.KeepCopy,
			nullString(a.CharterVersion), nullTime(a.CharterAcceptedAt), nullString(a.PasswordHash), nullTime(a.PasswordSetAt),
			nullTime(a.ActivatedAt), p.Hash, p.IssuedAt, p.ExpiresAt, p.Batch); err != nil {
			stmt.Close()
			return err
		}
	}
	if _, err := stmt.ExecContext(ctx); err != nil {
		stmt.Close()
		return err
	}
	if err := stmt.Close(); err != nil {
		return err
	}
	steps := []struct{ what, sql string }{
		{"store credentials", `INSERT INTO provisional_credentials (student_id, hash, issued_at, expires_at, used_at, batch)
		 SELECT student_id, p_hash, p_issued_at, p_expires_at, NULL, p_batch FROM issue_rows
		 ON CONFLICT (student_id) DO UPDATE SET hash = EXCLUDED.hash, issued_at = EXCLUDED.issued_at,
			expires_at = EXCLUDED.expires_at, used_at = NULL, batch = EXCLUDED.batch`},
		{"revoke links", `UPDATE tokens t SET revoked_at = $1 FROM issue_rows r
		 WHERE t.student_id = r.student_id AND t.used_at IS NULL AND t.revoked_at IS NULL`},
		{"end web sessions", `UPDATE web_sessions w SET ended_at = $1, end_reason = '` + activation.SessionReset + `' FROM issue_rows r
		 WHERE w.student_id = r.student_id AND w.ended_at IS NULL`},
		{"update accounts", `UPDATE students s SET state = r.state, state_since = r.state_since, version = s.version + 1,
			failed_attempts = r.failed_attempts, locked_until = r.locked_until, recovery_email = r.recovery_email,
			redirect_to = r.redirect_to, keep_copy = r.keep_copy, charter_version = r.charter_version,
			charter_accepted_at = r.charter_accepted_at, password_hash = r.password_hash,
			password_set_at = r.password_set_at, activated_at = r.activated_at
		 FROM issue_rows r WHERE s.id = r.student_id`},
	}
	for _, st := range steps {
		var args []any
		if strings.Contains(st.sql, "$1") {
			args = append(args, now)
		}
		if _, err := tx.ExecContext(ctx, st.sql, args...); err != nil {
			return fmt.Errorf("%s: %w", st.what, err)
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO audit_events (at, clock, operator, channel, student_id, action, from_state, to_state, outcome, detail)
		 SELECT $1, $2, $3, $4, student_id, 'issue-scolpass', from_state, state, 'ok', 'batch ' || p_batch FROM issue_rows ORDER BY student_id`,
		now, actor.Clock, actor.Operator, actor.Channel); err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	// A large batch changes the states the morning report counts: fresh
	// statistics, as after a large import.
	return analyzeAfter(ctx, tx, len(issued))
}

// BatchStudents returns the student numbers whose provisional password in
// force comes from batch (none when the batch was never stored, or every
// one of its students was re-issued since).
func (db *DB) BatchStudents(ctx context.Context, batch string) (map[string]bool, error) {
	var nos []string
	if err := db.SelectContext(ctx, &nos, `SELECT s.student_no FROM provisional_credentials p JOIN students s ON s.id = p.student_id
		WHERE p.batch = $1`, batch); err != nil {
		return nil, mapError(err)
	}
	out := make(map[string]bool, len(nos))
	for _, n := range nos {
		out[n] = true
	}
	return out, nil
}
