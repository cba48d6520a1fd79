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
// or "state"); locked counts accounts locked at now. Groups come in key
// order, states in the order of the guide.
//
// It reads student_counts (migration 000008), which triggers keep up to
// date in the transactions that change students, so its cost follows the
// number of groups, not of students; the locked accounts come from a
// partial index on locked_until, so only accounts locked now are read.
// When student_counts holds many more rows than groups (each change appends
// a row), Report folds them back into one row per group afterwards.
func (db *DB) Report(ctx context.Context, by string, f ReportFilter, now time.Time) ([]ReportRow, error) {
	col := map[string]string{"program": "s.program", "component": "s.component", "year": "s.year", "state": "s.state"}[by]
	if col == "" {
		return nil, activation.Errorf(activation.EINVALID, "cannot group by %q (program, component, year or state)", by)
	}
	args := []any{now}
	w := f.where(&args)
	// One statement, one snapshot: the counts and the locked accounts agree.
	q := `SELECT key, state, sum(n)::bigint, sum(locked)::bigint, sum(parts)::bigint FROM (
			SELECT ` + col + ` AS key, s.state, sum(s.n) AS n, 0 AS locked, count(*) AS parts
			FROM student_counts s` + w + ` GROUP BY 1, 2
			UNION ALL
			SELECT ` + col + `, s.state, 0, count(*), 0
			FROM students s` + andWhere(w, "s.locked_until > $1") + ` GROUP BY 1, 2
		) c GROUP BY 1, 2 ORDER BY 1, 2`
	// A plain query (no transaction of its own, no settings): it reads a
	// few rows per group, and each round trip counts next to them.
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, mapError(err)
	}
	defer rows.Close()
	var out []ReportRow
	parts, kept := 0, 0
	for rows.Next() {
		var key string
		var st activation.State
		var n, locked, p int
		if err := rows.Scan(&key, &st, &n, &locked, &p); err != nil {
			return nil, mapError(err)
		}
		parts += p
		if n == 0 && locked == 0 {
			continue // a group whose students all moved on
		}
		kept++
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
	rows.Close()
	if parts > 2*kept+foldSlack {
		if err := db.FoldStudentCounts(ctx); err != nil {
			return nil, err
		}
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

// foldSlack is how many rows of changes student_counts may hold beyond two
// per group before Report folds them.
const foldSlack = 256

// FoldStudentCounts replaces the rows of student_counts with one row per
// group (program, component, year, state), their sum, dropping zeros. Rows
// appended meanwhile by other transactions are left as they are, and two
// folds at once count nothing twice: the second waits for the first's
// deletions and skips what it deleted.
func (db *DB) FoldStudentCounts(ctx context.Context) error {
	_, err := db.ExecContext(ctx, `WITH gone AS (DELETE FROM student_counts RETURNING program, component, year, state, n)
		INSERT INTO student_counts (program, component, year, state, n)
		SELECT program, component, year, state, sum(n) FROM gone GROUP BY 1, 2, 3, 4 HAVING sum(n) <> 0`)
	return mapError(err)
}

// andWhere adds cond to a WHERE clause made by ReportFilter.where.
func andWhere(where, cond string) string {
	if where == "" {
		return " WHERE " + cond
	}
	return where + " AND " + cond
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

// Stuck hands each the accounts, not active, whose last change is older
// than now-d, oldest first, with the newest pending link of paused
// accounts, as they are read: a call list can hold tens of thousands of
// accounts, and the one who prints it need not keep them all. An error
// from each stops the reading and is returned as it is.
func (db *DB) Stuck(ctx context.Context, d time.Duration, f ReportFilter, now time.Time, each func(StuckAccount) error) error {
	q, args := stuckQuery(d, f, now)
	rows, done, err := db.queryNoJIT(ctx, q, args...)
	if err != nil {
		return mapError(err)
	}
	defer done()
	for rows.Next() { // plain Scan: the list can be long
		var s StuckAccount
		if err := rows.Scan(&s.Login, &s.StudentNo, &s.LastName, &s.FirstName, &s.Program, &s.State, &s.Since,
			&s.Locked, &s.LinkTo, &s.LinkExpiry); err != nil {
			return mapError(err)
		}
		if err := each(s); err != nil {
			return err
		}
	}
	return mapError(rows.Err())
}

// stuckQuery is Stuck's query and its arguments. Its conditions on state
// and state_since are those of the partial index students_stuck_idx
// (migration 000010), which it reads when the accounts it lists are few
// next to the students.
func stuckQuery(d time.Duration, f ReportFilter, now time.Time) (string, []any) {
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
	return q, args
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
