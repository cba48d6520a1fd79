package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/umontpellier/scolpass/internal/activation"
	"github.com/umontpellier/scolpass/internal/roster"
)

// ImportOptions tunes ImportStudents.
type ImportOptions struct {
	DryRun bool
	// Columns are the canonical names of the optional columns present in the
	// file; an optional column absent from the file keeps the stored value.
	Columns []string
}

// PossibleDuplicate is a newly imported student whose names and birth date
// equal those of a student with another number.
type PossibleDuplicate struct {
	Line       int    `db:"line" json:"line"`
	StudentNo  string `db:"student_no" json:"student_no"`
	Login      string `db:"login" json:"login,omitempty"`
	SameAsNo   string `db:"same_as_student_no" json:"same_as_student_no"`
	SameAsName string `db:"same_as_name" json:"same_as_name"`
}

// ImportSummary counts what an import did (or, in a dry run, would do).
type ImportSummary struct {
	Created            int                 `json:"created"`
	Updated            int                 `json:"updated"`
	Unchanged          int                 `json:"unchanged"`
	PossibleDuplicates []PossibleDuplicate `json:"possible_duplicates"`
}

const stagingDDL = `CREATE TEMP TABLE import_rows (
	line int NOT NULL, student_no text NOT NULL, last_name text NOT NULL, first_name text NOT NULL,
	birth_date date, program text, component text, year text, ine text, email text,
	login_base text NOT NULL, same_as_no text, same_as_name text
) ON COMMIT DROP`

// ImportStudents upserts students by student number in one transaction:
// new students get an account in state imported and a login whose homonym
// suffix follows those already taken; known students get their data
// updated but never their login. Imports are serialised by an advisory lock
// so that concurrent imports cannot hand out the same login. With DryRun
// everything is computed and nothing is kept.
func (db *DB) ImportStudents(ctx context.Context, rows []roster.Student, opt ImportOptions, actor activation.Actor, now time.Time) (ImportSummary, error) {
	var sum ImportSummary
	present := map[string]bool{}
	for _, c := range opt.Columns {
		present[c] = true
	}
	err := db.inTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtext('scolpass.import-students'))`); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, stagingDDL); err != nil {
			return err
		}
		if err := copyRows(ctx, tx, rows, present); err != nil {
			return err
		}
		if err := tx.GetContext(ctx, &sum, countSQL); err != nil {
			return fmt.Errorf("classify rows: %w", err)
		}
		if err := tx.SelectContext(ctx, &sum.PossibleDuplicates, duplicatesSQL); err != nil {
			return fmt.Errorf("look for possible duplicates: %w", err)
		}
		if opt.DryRun {
			return nil
		}
		if _, err := tx.ExecContext(ctx, updateSQL, now, actor.Operator, actor.Channel, actor.Clock); err != nil {
			return fmt.Errorf("update students: %w", err)
		}
		if _, err := tx.ExecContext(ctx, insertSQL, now, actor.Operator, actor.Channel, actor.Clock); err != nil {
			return fmt.Errorf("insert students: %w", err)
		}
		return nil
	})
	if err != nil {
		return ImportSummary{}, err
	}
	return sum, nil
}

// twinKey identifies a person by names and birth date, ignoring case.
func twinKey(r *roster.Student) string {
	return strings.ToLower(r.LastName) + "\x00" + strings.ToLower(r.FirstName) + "\x00" + r.BirthDate.Format("2006-01-02")
}

func copyRows(ctx context.Context, tx *sqlx.Tx, rows []roster.Student, present map[string]bool) error {
	// Rows of the file that repeat an earlier row's names and birth date
	// (another number): found here with a map, checked in SQL only for
	// whether they are new.
	firstSeen := make(map[string]int, len(rows))
	stmt, err := tx.PrepareContext(ctx, `COPY import_rows (line, student_no, last_name, first_name, birth_date, program, component, year, ine, email, login_base, same_as_no, same_as_name) FROM STDIN`)
	if err != nil {
		return fmt.Errorf("start bulk load: %w", err)
	}
	opt := func(col, v string) any {
		if !present[col] {
			return nil // keep what is stored
		}
		return v
	}
	for i := range rows {
		r := &rows[i]
		var birth, sameNo, sameName any
		if !r.BirthDate.IsZero() {
			birth = r.BirthDate.Format("2006-01-02")
			k := twinKey(r)
			if j, ok := firstSeen[k]; ok {
				sameNo, sameName = rows[j].StudentNo, rows[j].FirstName+" "+rows[j].LastName
			} else {
				firstSeen[k] = i
			}
		}
		if _, err := stmt.ExecContext(ctx, r.Line, r.StudentNo, r.LastName, r.FirstName, birth,
			opt("program", r.Program), opt("component", r.Component), opt("year", r.Year),
			opt("ine", r.INE), opt("email", r.Email), r.LoginBase, sameNo, sameName); err != nil {
			stmt.Close()
			return fmt.Errorf("bulk load line %d: %w", r.Line, err)
		}
	}
	if _, err := stmt.ExecContext(ctx); err != nil {
		stmt.Close()
		return fmt.Errorf("bulk load: %w", err)
	}
	return stmt.Close()
}

// changedSQL is true when an imported row differs from the stored student.
const changedSQL = `(s.last_name, s.first_name, s.birth_date, s.program, s.component, s.year, s.ine, s.email)
	IS DISTINCT FROM (r.last_name, r.first_name, coalesce(r.birth_date, s.birth_date),
	coalesce(r.program, s.program), coalesce(r.component, s.component), coalesce(r.year, s.year),
	coalesce(r.ine, s.ine), coalesce(r.email, s.email))`

const countSQL = `SELECT
	count(*) FILTER (WHERE s.id IS NULL) AS created,
	count(*) FILTER (WHERE s.id IS NOT NULL AND ` + changedSQL + `) AS updated,
	count(*) FILTER (WHERE s.id IS NOT NULL AND NOT ` + changedSQL + `) AS unchanged
FROM import_rows r LEFT JOIN students s ON s.student_no = r.student_no`

// duplicatesSQL lists new students whose names and birth date equal those
// of a stored student (hash join) or of an earlier row of the file (found
// while loading).
const duplicatesSQL = `WITH fresh AS (
	SELECT r.* FROM import_rows r
	WHERE r.birth_date IS NOT NULL AND NOT EXISTS (SELECT 1 FROM students s WHERE s.student_no = r.student_no)
), stored AS (
	SELECT DISTINCT ON (f.line) f.line, f.student_no, s.student_no AS same_as_student_no, s.first_name || ' ' || s.last_name AS same_as_name
	FROM fresh f JOIN students s ON lower(s.last_name) = lower(f.last_name) AND lower(s.first_name) = lower(f.first_name)
		AND s.birth_date = f.birth_date
	ORDER BY f.line, s.id
)
SELECT line, student_no, same_as_student_no, same_as_name FROM stored
UNION ALL
SELECT line, student_no, same_as_no, same_as_name FROM fresh
WHERE same_as_no IS NOT NULL AND line NOT IN (SELECT line FROM stored)
ORDER BY line`

const updateSQL = `WITH changed AS (
	UPDATE students s SET
		last_name = r.last_name, first_name = r.first_name,
		birth_date = coalesce(r.birth_date, s.birth_date),
		program = coalesce(r.program, s.program), component = coalesce(r.component, s.component),
		year = coalesce(r.year, s.year), ine = coalesce(r.ine, s.ine), email = coalesce(r.email, s.email),
		updated_at = $1
	FROM import_rows r
	WHERE s.student_no = r.student_no AND ` + changedSQL + `
	RETURNING s.id
)
INSERT INTO audit_events (at, clock, operator, channel, student_id, action, outcome)
SELECT $1, $4, $2, $3, id, 'import-update', 'ok' FROM changed`

const insertSQL = `WITH fresh AS (
	SELECT r.*, row_number() OVER (PARTITION BY r.login_base ORDER BY r.line) AS rn
	FROM import_rows r
	WHERE NOT EXISTS (SELECT 1 FROM students s WHERE s.student_no = r.student_no)
), taken AS (
	SELECT login_base, max(login_seq) AS top FROM students
	WHERE login_base IN (SELECT login_base FROM fresh) GROUP BY login_base
), numbered AS (
	SELECT f.*, coalesce(t.top, 0) + f.rn AS seq FROM fresh f LEFT JOIN taken t USING (login_base)
), ins AS (
	INSERT INTO students (student_no, last_name, first_name, birth_date, program, component, year, ine, email,
		login_base, login_seq, login, created_at, updated_at, state, state_since)
	SELECT student_no, last_name, first_name, birth_date, coalesce(program, ''), coalesce(component, ''),
		coalesce(year, ''), coalesce(ine, ''), coalesce(email, ''),
		login_base, seq, login_base || CASE WHEN seq = 1 THEN '' ELSE seq::text END, $1, $1, 'imported', $1
	FROM numbered
	RETURNING id
)
INSERT INTO audit_events (at, clock, operator, channel, student_id, action, to_state, outcome)
SELECT $1, $4, $2, $3, id, 'import', 'imported', 'ok' FROM ins`

// Student is a stored student's data (Details adds the account).
type Student struct {
	ID        int64        `db:"id" json:"-"`
	StudentNo string       `db:"student_no" json:"student_no"`
	LastName  string       `db:"last_name" json:"last_name"`
	FirstName string       `db:"first_name" json:"first_name"`
	BirthDate sql.NullTime `db:"birth_date" json:"-"`
	Program   string       `db:"program" json:"program"`
	Component string       `db:"component" json:"component"`
	Year      string       `db:"year" json:"year"`
	INE       string       `db:"ine" json:"ine"`
	Email     string       `db:"email" json:"email"`
	Login     string       `db:"login" json:"login"`
	CreatedAt time.Time    `db:"created_at" json:"created_at"`
	UpdatedAt time.Time    `db:"updated_at" json:"updated_at"`
}

// FindStudent returns the student whose login (local part or full address)
// or student number is key. It returns ENOTFOUND when there is none.
func (db *DB) FindStudent(ctx context.Context, key string) (Student, error) {
	var s Student
	err := db.GetContext(ctx, &s, `SELECT s.id, s.student_no, s.last_name, s.first_name, s.birth_date, s.program,
		s.component, s.year, s.ine, s.email, s.login, s.created_at, s.updated_at
		FROM students s
		WHERE s.login = $1 OR s.student_no = $1 LIMIT 1`, key)
	if err == sql.ErrNoRows {
		return s, activation.Errorf(activation.ENOTFOUND, "no student with login or student number %q", key)
	}
	return s, mapError(err)
}
