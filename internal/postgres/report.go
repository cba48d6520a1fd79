package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/lib/pq"

	"github.com/umontpellier/scolpass/internal/activation"
)

// ReportFilter narrows a report; empty slices mean everything.
type ReportFilter struct {
	Programs   []string
	Components []string
	Years      []string
}

func (f ReportFilter) where(args *[]any) string {
	var conds []string
	add := func(col string, vals []string) {
		if len(vals) > 0 {
			*args = append(*args, pq.Array(vals))
			conds = append(conds, fmt.Sprintf("%s = ANY($%d)", col, len(*args)))
		}
	}
	add("s.program", f.Programs)
	add("s.component", f.Components)
	add("s.year", f.Years)
	if len(conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(conds, " AND ")
}

// ReportRow counts the accounts of one group by state.
type ReportRow struct {
	Key      string
	Students int
	States   map[activation.State]int
	Locked   int
}

// lockedAtSQL is activation.Account.LockedAt in SQL, for the student row s
// at the instant param: the account refuses provisional passwords until
// locked_until.
func lockedAtSQL(param string) string {
	return "coalesce(s.locked_until > " + param + ", false)"
}

// Report counts accounts per group (by is "program", "component", "year"
// or "state") in one aggregate query; locked counts accounts locked at now.
// Groups come in key order, states in the order of the guide.
//
// The query counts per group and state, and the counts are spread over the
// states here: one hash lookup per student rather than a filtered count
// per state (a third less CPU on 100,000 students).
func (db *DB) Report(ctx context.Context, by string, f ReportFilter, now time.Time) ([]ReportRow, error) {
	col := map[string]string{"program": "s.program", "component": "s.component", "year": "s.year", "state": "s.state"}[by]
	if col == "" {
		return nil, activation.Errorf(activation.EINVALID, "cannot group by %q (program, component, year or state)", by)
	}
	args := []any{now}
	q := `SELECT ` + col + `, s.state, count(*), count(*) FILTER (WHERE ` + lockedAtSQL("$1") + `)
		FROM students s` + f.where(&args) + ` GROUP BY 1, 2 ORDER BY 1`
	rows, done, err := db.queryNoJIT(ctx, q, args...)
	if err != nil {
		return nil, mapError(err)
	}
	defer done()
	var out []ReportRow
	for rows.Next() {
		var key string
		var st activation.State
		var n, locked int
		if err := rows.Scan(&key, &st, &n, &locked); err != nil {
			return nil, mapError(err)
		}
		if len(out) == 0 || out[len(out)-1].Key != key {
			r := ReportRow{Key: key, States: make(map[activation.State]int, len(activation.States))}
			for _, st := range activation.States {
				r.States[st] = 0
			}
			out = append(out, r)
		}
		r := &out[len(out)-1]
		r.Students += n
		r.Locked += locked
		if _, known := r.States[st]; known {
			r.States[st] += n
		}
	}
	if err := rows.Err(); err != nil {
		return nil, mapError(err)
	}
	if by == "state" {
		order := make(map[string]int, len(activation.States))
		for i, st := range activation.States {
			order[string(st)] = i
		}
		rank := func(k string) int {
			if i, ok := order[k]; ok {
				return i
			}
			return len(order)
		}
		sort.SliceStable(out, func(i, j int) bool { return rank(out[i].Key) < rank(out[j].Key) })
	}
	return out, nil
}

// StuckAccount is an account that has not moved for a while.
type StuckAccount struct {
	Login      string     `db:"login"`
	StudentNo  string     `db:"student_no"`
	LastName   string     `db:"last_name"`
	FirstName  string     `db:"first_name"`
	Program    string     `db:"program"`
	State      string     `db:"state"`
	Since      time.Time  `db:"state_since"`
	Locked     bool       `db:"locked"`
	LinkTo     *string    `db:"link_to"`
	LinkExpiry *time.Time `db:"link_expires_at"`
}

// Stuck lists the accounts, not active, whose last change is older than
// now-d, oldest first, with the newest pending link of paused accounts.
func (db *DB) Stuck(ctx context.Context, d time.Duration, f ReportFilter, now time.Time) ([]StuckAccount, error) {
	args := []any{now.Add(-d), now}
	w := f.where(&args)
	if w == "" {
		w = " WHERE true"
	}
	q := `SELECT s.login, s.student_no, s.last_name, s.first_name, s.program, s.state, s.state_since,
		` + lockedAtSQL("$2") + ` AS locked, t.email AS link_to, t.expires_at AS link_expires_at
		FROM students s
		LEFT JOIN LATERAL (
			SELECT email, expires_at FROM tokens
			WHERE s.state IN ('recovery_pending', 'redirect_pending')
				AND student_id = s.id AND used_at IS NULL AND revoked_at IS NULL
			ORDER BY issued_at DESC LIMIT 1
		) t ON true` + w + `
		AND s.state <> 'active' AND s.state_since < $1
		ORDER BY s.state_since, s.login`
	rows, done, err := db.queryNoJIT(ctx, q, args...)
	if err != nil {
		return nil, mapError(err)
	}
	defer done()
	var out []StuckAccount
	for rows.Next() { // plain Scan: the list can be long
		var s StuckAccount
		if err := rows.Scan(&s.Login, &s.StudentNo, &s.LastName, &s.FirstName, &s.Program, &s.State, &s.Since,
			&s.Locked, &s.LinkTo, &s.LinkExpiry); err != nil {
			return nil, mapError(err)
		}
		out = append(out, s)
	}
	return out, mapError(rows.Err())
}

// queryNoJIT runs a read-only query in its own transaction with JIT
// compilation off (on 100,000 rows PostgreSQL's cost estimate turns JIT on,
// and compiling costs more than it saves for queries that answer in tens of
// milliseconds) and enough sort memory that a long call list is sorted in
// memory rather than on disk. done closes the rows and ends the transaction.
func (db *DB) queryNoJIT(ctx context.Context, q string, args ...any) (*sql.Rows, func(), error) {
	tx, err := db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, nil, mapError(err)
	}
	if _, err := tx.ExecContext(ctx, `SET LOCAL jit = off; SET LOCAL work_mem = '64MB'`); err != nil {
		_ = tx.Rollback()
		return nil, nil, mapError(err)
	}
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		_ = tx.Rollback()
		return nil, nil, mapError(err)
	}
	return rows, func() { rows.Close(); _ = tx.Rollback() }, nil
}
