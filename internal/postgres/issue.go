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

// IssueSelection says which students get a SCOL'PASS. Filters combine with
// AND. Without All or StudentNos only students never issued are selected.
type IssueSelection struct {
	StudentNos []string
	Programs   []string
	Components []string
	Years      []string
	All        bool
	// Force includes active accounts (reset --reissue --force); otherwise
	// they are skipped and listed.
	Force bool
}

// IssueCandidate is a student selected for a SCOL'PASS.
type IssueCandidate struct {
	StudentID int64  `db:"id" json:"-"`
	StudentNo string `db:"student_no" json:"student_no"`
	FirstName string `db:"first_name" json:"first_name"`
	LastName  string `db:"last_name" json:"last_name"`
	Program   string `db:"program" json:"program"`
	Login     string `db:"login" json:"login"`
	State     string `db:"state" json:"state"`
}

// IssuedCredential is the stored half of a new provisional password.
type IssuedCredential struct {
	StudentID int64
	Hash      string
	ExpiresAt time.Time
}

// IssueResult says who got a SCOL'PASS and who did not.
type IssueResult struct {
	Batch    string
	Issued   []IssueCandidate
	Skipped  []IssueCandidate // active accounts (need reset --reissue)
	NotFound []string         // student numbers asked for that do not exist
}

// Issue selects and locks the accounts, calls prepare (which generates the
// passwords and writes the sheets somewhere temporary) and, only if
// prepare succeeds, stores the new credentials, moves the accounts to
// issued (links revoked, progress forgotten) and audits each one, all in
// one transaction. If prepare fails no password changes. Accounts locked by
// another transaction give an ESTATE conflict.
func (db *DB) Issue(ctx context.Context, sel IssueSelection, batch string, actor activation.Actor, now time.Time,
	prepare func(cands []IssueCandidate) ([]IssuedCredential, error)) (IssueResult, error) {
	res := IssueResult{Batch: batch}
	err := db.inTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `SET LOCAL lock_timeout = '5s'`); err != nil {
			return err
		}
		var where []string
		var args []any
		add := func(cond string, v any) {
			args = append(args, v)
			where = append(where, fmt.Sprintf(cond, len(args)))
		}
		if len(sel.StudentNos) > 0 {
			add("s.student_no = ANY($%d)", pq.Array(sel.StudentNos))
		}
		if len(sel.Programs) > 0 {
			add("s.program = ANY($%d)", pq.Array(sel.Programs))
		}
		if len(sel.Components) > 0 {
			add("s.component = ANY($%d)", pq.Array(sel.Components))
		}
		if len(sel.Years) > 0 {
			add("s.year = ANY($%d)", pq.Array(sel.Years))
		}
		if !sel.All && len(sel.StudentNos) == 0 {
			where = append(where, "s.state = 'imported'")
		}
		q := `SELECT s.id, s.student_no, s.first_name, s.last_name, s.program, s.login, s.state FROM students s`
		if len(where) > 0 {
			q += " WHERE " + strings.Join(where, " AND ")
		}
		q += " ORDER BY s.id FOR UPDATE OF s"
		var all []IssueCandidate
		if err := tx.SelectContext(ctx, &all, q, args...); err != nil {
			return err
		}
		found := map[string]bool{}
		for _, c := range all {
			found[c.StudentNo] = true
			if c.State == string(activation.StateActive) && !sel.Force {
				res.Skipped = append(res.Skipped, c)
				continue
			}
			res.Issued = append(res.Issued, c)
		}
		for _, no := range sel.StudentNos {
			if !found[no] {
				res.NotFound = append(res.NotFound, no)
			}
		}
		if len(res.Issued) == 0 {
			return nil
		}
		creds, err := prepare(res.Issued)
		if err != nil {
			return err
		}
		return storeCredentials(ctx, tx, creds, batch, actor, now)
	})
	return res, err
}

func storeCredentials(ctx context.Context, tx *sqlx.Tx, creds []IssuedCredential, batch string, actor activation.Actor, now time.Time) error {
	if _, err := tx.ExecContext(ctx, `CREATE TEMP TABLE issue_rows (student_id bigint PRIMARY KEY, hash text NOT NULL, expires_at timestamptz NOT NULL) ON COMMIT DROP`); err != nil {
		return err
	}
	stmt, err := tx.PrepareContext(ctx, `COPY issue_rows (student_id, hash, expires_at) FROM STDIN`)
	if err != nil {
		return err
	}
	for _, c := range creds {
		if _, err := stmt.ExecContext(ctx, c.StudentID, c.Hash, c.ExpiresAt); err != nil {
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
	steps := []string{
		`INSERT INTO provisional_credentials (student_id, hash, issued_at, expires_at, used_at, batch)
		 SELECT student_id, hash, $1, expires_at, NULL, $2 FROM issue_rows
		 ON CONFLICT (student_id) DO UPDATE SET hash = EXCLUDED.hash, issued_at = EXCLUDED.issued_at,
			expires_at = EXCLUDED.expires_at, used_at = NULL, batch = EXCLUDED.batch`,
		`UPDATE tokens t SET revoked_at = $1 FROM issue_rows r
		 WHERE t.student_id = r.student_id AND t.used_at IS NULL AND t.revoked_at IS NULL AND $2 <> ''`,
		`WITH prev AS (
			SELECT s.id AS student_id, s.state FROM students s JOIN issue_rows r ON r.student_id = s.id
		 ), upd AS (
			UPDATE students s SET state = 'issued', state_since = $1, version = s.version + 1,
				failed_attempts = 0, locked_until = NULL, recovery_email = NULL, redirect_to = NULL,
				keep_copy = false, charter_version = NULL, charter_accepted_at = NULL,
				password_hash = NULL, password_set_at = NULL, activated_at = NULL
			FROM issue_rows r WHERE s.id = r.student_id
			RETURNING s.id AS student_id
		 )
		 INSERT INTO audit_events (at, clock, operator, channel, student_id, action, from_state, to_state, outcome, detail)
		 SELECT $1, $3, $4, $5, p.student_id, 'issue-scolpass', p.state, 'issued', 'ok', 'batch ' || $2
		 FROM prev p JOIN upd USING (student_id)`,
	}
	if _, err := tx.ExecContext(ctx, steps[0], now, batch); err != nil {
		return fmt.Errorf("store credentials: %w", err)
	}
	if _, err := tx.ExecContext(ctx, steps[1], now, batch); err != nil {
		return fmt.Errorf("revoke links: %w", err)
	}
	if _, err := tx.ExecContext(ctx, steps[2], now, batch, actor.Clock, actor.Operator, actor.Channel); err != nil {
		return fmt.Errorf("move accounts to issued: %w", err)
	}
	return nil
}
