package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/umontpellier/scolpass/internal/activation"
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
	Line       int    `db:"line"`
	StudentNo  string `db:"student_no"`
	Login      string `db:"login"`
	SameAsNo   string `db:"same_as_student_no"`
	SameAsName string `db:"same_as_name"`
}

// ImportSummary counts what an import did (or, in a dry run, would do).
type ImportSummary struct {
	Created            int
	Updated            int
	Unchanged          int
	PossibleDuplicates []PossibleDuplicate
}

// stagingDDL holds the rows of the file whose student number is already
// stored: they are compared with the stored students and updated in SQL.
const stagingDDL = `CREATE TEMP TABLE import_rows (
	line int NOT NULL, student_no text NOT NULL, last_name text NOT NULL, first_name text NOT NULL,
	birth_date date, program text, component text, year text, ine text, email text
) ON COMMIT DROP`

// errDryRun rolls back a dry run once everything has been checked.
var errDryRun = errors.New("dry run")

// ImportStudents upserts students by student number in one transaction:
// new students get an account in state imported and a login whose homonym
// suffix follows those already taken (activation.Homonyms); known students get
// their data updated but never their login. Imports are serialised by an
// advisory lock so that concurrent imports cannot hand out the same login.
// With DryRun everything is done, then rolled back.
//
// New students are written straight into students with one COPY (their
// logins numbered here, their ids taken from the sequence first), then one
// audit event each; only known students go through a staging table. After a
// large change the table is analysed, so that the next report is planned on
// statistics that match it.
func (db *DB) ImportStudents(ctx context.Context, rows []activation.ImportRecord, opt ImportOptions, actor activation.Actor, now time.Time) (ImportSummary, error) {
	var sum ImportSummary
	err := db.inConnTx(ctx, func(conn *sql.Conn, tx *sqlx.Tx) error {
		stored, err := lockImport(ctx, tx)
		if err != nil {
			return err
		}
		sum, err = importRows(ctx, conn, tx, stored, rows, opt, actor, now)
		return err
	})
	if err != nil && !errors.Is(err, errDryRun) {
		return ImportSummary{}, err
	}
	return sum, nil
}

// RowStream is a student file being read: accepted rows come on Batches,
// in file order, and Batches is closed at the end of the file; Finish, then,
// returns every row, the options of the import (DryRun may depend on the
// whole file), or the error that stopped the reading.
type RowStream struct {
	Batches <-chan []activation.ImportRecord
	Finish  func() ([]activation.ImportRecord, ImportOptions, error)
}

// ImportStream is ImportStudents for a file still being read. Into an empty
// table, the rows are written as they come, so that reading the file and
// writing the students overlap; otherwise the whole file is awaited and
// imported as ImportStudents does. An error from Finish rolls everything
// back and is returned as it is.
func (db *DB) ImportStream(ctx context.Context, src RowStream, actor activation.Actor, now time.Time) (ImportSummary, error) {
	defer func() {
		for range src.Batches { // let the reader finish, whatever happened here
		}
	}()
	var sum ImportSummary
	err := db.inConnTx(ctx, func(conn *sql.Conn, tx *sqlx.Tx) error {
		stored, err := lockImport(ctx, tx)
		if err != nil {
			return err
		}
		if stored {
			for range src.Batches {
			}
			rows, opt, err := src.Finish()
			if err != nil {
				return err
			}
			sum, err = importRows(ctx, conn, tx, stored, rows, opt, actor, now)
			return err
		}
		// Into an empty table, the two unique keys are built once the
		// students are in (one sort each) rather than grown row by row,
		// the three timestamps come from the columns' defaults, and the
		// students are counted here rather than by the trigger.
		counter, err := countTrigger(ctx, tx)
		if err != nil {
			return err
		}
		pre := dropFreshKeysSQL + "; " + freshDefaultsSQL(now)
		if counter != "" {
			pre += "; DROP TRIGGER " + countTriggerName + " ON students"
		}
		if _, err := tx.ExecContext(ctx, pre); err != nil {
			return fmt.Errorf("import into an empty table: %w", err)
		}
		first, n, groups, err := streamFresh(ctx, conn, tx, src.Batches, now)
		if err != nil {
			return err
		}
		rows, opt, err := src.Finish()
		if err != nil {
			return err
		}
		if n != len(rows) {
			return fmt.Errorf("import: %d rows written, the file has %d", n, len(rows))
		}
		// The twins within the file are found while the database builds
		// the keys and writes the audit events.
		twinc := make(chan []int, 1)
		go func() { twinc <- activation.Twins(rows) }()
		if _, err := tx.ExecContext(ctx, addFreshKeysSQL); err != nil {
			return fmt.Errorf("import: unique keys of students: %w", err)
		}
		if counter != "" {
			if _, err := tx.ExecContext(ctx, counter); err != nil {
				return fmt.Errorf("import: the trigger that counts students: %w", err)
			}
			if err := countFresh(ctx, tx, groups); err != nil {
				return err
			}
		}
		sum.Created = n
		if n > 0 {
			if err := auditFresh(ctx, tx, first, int64(n), actor, now); err != nil {
				return err
			}
			fresh := make([]int, n)
			for i := range fresh {
				fresh[i] = i
			}
			if sum.PossibleDuplicates, err = possibleDuplicates(ctx, tx, rows, fresh, first, false, <-twinc); err != nil {
				return err
			}
		}
		if opt.DryRun {
			return errDryRun
		}
		return analyzeAfter(ctx, tx, n)
	})
	if err != nil && !errors.Is(err, errDryRun) {
		return ImportSummary{}, err
	}
	return sum, nil
}

// dropFreshKeysSQL and addFreshKeysSQL take the unique keys of students
// (login, student number) off before the students of an import into an
// empty table are written, and put them back after: building an index from
// 100,000 sorted keys costs about a quarter of inserting them one by one in
// random order, which was a third of the import (PostgreSQL's "Populating a
// Database"; README "Performance"). The primary key stays (ids come in
// order, and other tables refer to it). Between the two,
// the transaction holds students exclusively; it is empty, so nothing
// waits on a student. The keys come back under the names and definitions
// of migration 000001; a duplicate the import let through would fail
// there and roll it back (the reader rejects a student number given twice,
// Homonyms numbers the logins).
const (
	dropFreshKeysSQL = `SET LOCAL maintenance_work_mem = '256MB';
		ALTER TABLE students DROP CONSTRAINT students_login_key, DROP CONSTRAINT students_student_no_key`
	addFreshKeysSQL = `ALTER TABLE students ADD CONSTRAINT students_login_key UNIQUE (login),
		ADD CONSTRAINT students_student_no_key UNIQUE (student_no),
		ALTER created_at DROP DEFAULT, ALTER updated_at DROP DEFAULT, ALTER state_since DROP DEFAULT`
)

// countTriggerName is the trigger that counts the students each statement
// inserts, per group and state, for report (migration 000008).
const countTriggerName = "student_counts_insert"

// countTrigger returns the definition of the counting trigger when it is
// on ("" when it is off or absent). An import into an empty table drops it
// for its COPY, counts the students itself as it sends them (streamFresh,
// then countFresh), and creates it again from this definition, in the same
// transaction: other transactions never see it gone. Turned off rather
// than dropped it would still cost what it costs: PostgreSQL keeps every
// row a statement inserts for a trigger that asks for them (REFERENCING NEW
// TABLE) whether that trigger is on or not, 30 MB for 100,000 students,
// and this trigger then reads them all again to count them; a seventh of
// the import (README "Performance").
func countTrigger(ctx context.Context, tx *sqlx.Tx) (string, error) {
	var def []string
	if err := tx.SelectContext(ctx, &def, `SELECT pg_get_triggerdef(oid) FROM pg_trigger
		WHERE tgrelid = 'students'::regclass AND tgname = $1 AND tgenabled = 'O'`, countTriggerName); err != nil {
		return "", fmt.Errorf("import: the trigger that counts students: %w", err)
	}
	if len(def) == 0 {
		return "", nil
	}
	return def[0], nil
}

// group is what report counts students by, besides their state.
type group struct{ program, component, year string }

// countFresh adds to student_counts the students an import into an empty
// table wrote, all in state imported, by group: what the counting trigger
// does, which is not there during that import (countTrigger).
func countFresh(ctx context.Context, tx *sqlx.Tx, groups map[group]int64) error {
	if len(groups) == 0 {
		return nil
	}
	var prog, comp, year []string
	var n []int64
	for g, c := range groups {
		prog, comp, year, n = append(prog, g.program), append(comp, g.component), append(year, g.year), append(n, c)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO student_counts (program, component, year, state, n)
		SELECT p, c, y, $5, n FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[]) AS u (p, c, y, n)`,
		pq.Array(prog), pq.Array(comp), pq.Array(year), pq.Array(n), string(activation.StateImported)); err != nil {
		return fmt.Errorf("count the new students: %w", err)
	}
	return nil
}

// freshDefaultsSQL gives the three timestamps of students the time of an
// import into an empty table as their default while its COPY runs
// (copyFreshSQL); addFreshKeysSQL takes the defaults off again, in the
// same transaction.
func freshDefaultsSQL(now time.Time) string {
	at := pq.QuoteLiteral(now.Format(time.RFC3339Nano)) + "::timestamptz"
	return `ALTER TABLE students ALTER created_at SET DEFAULT ` + at + `, ALTER updated_at SET DEFAULT ` + at +
		`, ALTER state_since SET DEFAULT ` + at
}

// lockImport serialises imports (advisory lock for the transaction) and
// says whether students were stored before this one.
func lockImport(ctx context.Context, tx *sqlx.Tx) (stored bool, err error) {
	// work_mem: the statement triggers that keep report's counts (migration
	// 000008) see the rows written through a transition table, held in
	// memory up to work_mem and in temporary files beyond: 100,000 students
	// take about 30 MB.
	if _, err := tx.ExecContext(ctx, `SET LOCAL work_mem = '64MB'; SELECT pg_advisory_xact_lock(hashtext('scolpass.import-students'))`); err != nil {
		return false, err
	}
	if err := tx.GetContext(ctx, &stored, `SELECT EXISTS (SELECT 1 FROM students)`); err != nil {
		return false, fmt.Errorf("look for students: %w", err)
	}
	return stored, nil
}

// importRows is ImportStudents once the import lock is held.
func importRows(ctx context.Context, conn *sql.Conn, tx *sqlx.Tx, stored bool, rows []activation.ImportRecord, opt ImportOptions,
	actor activation.Actor, now time.Time) (ImportSummary, error) {
	var sum ImportSummary
	present := map[string]bool{}
	for _, c := range opt.Columns {
		present[c] = true
	}
	known, err := knownRows(ctx, tx, rows, stored)
	if err != nil {
		return sum, err
	}
	fresh := make([]int, 0, len(rows)-len(known))
	var old []int
	for i := range rows {
		if known[i] {
			old = append(old, i)
		} else {
			fresh = append(fresh, i)
		}
	}
	if len(old) > 0 {
		if err := stageRows(ctx, conn, tx, rows, old, present); err != nil {
			return sum, err
		}
		if err := tx.GetContext(ctx, &sum, countSQL); err != nil {
			return sum, fmt.Errorf("classify rows: %w", err)
		}
	}
	sum.Created = len(fresh)
	if len(fresh) > 0 {
		// The twins within the file are found while the database
		// writes the new students.
		twinc := make(chan []int, 1)
		go func() { twinc <- activation.Twins(rows) }()
		first, err := insertFresh(ctx, conn, tx, rows, fresh, present, stored, actor, now)
		if err != nil {
			return sum, err
		}
		if sum.PossibleDuplicates, err = possibleDuplicates(ctx, tx, rows, fresh, first, stored, <-twinc); err != nil {
			return sum, err
		}
	}
	if sum.Updated > 0 {
		if _, err := tx.ExecContext(ctx, updateSQL, now, actor.Operator, actor.Channel, actor.Clock); err != nil {
			return sum, fmt.Errorf("update students: %w", err)
		}
	}
	if len(old) > 0 {
		if _, err := tx.ExecContext(ctx, seenSQL, now); err != nil {
			return sum, fmt.Errorf("mark students seen: %w", err)
		}
	}
	if opt.DryRun {
		return sum, errDryRun
	}
	return sum, analyzeAfter(ctx, tx, sum.Created+sum.Updated)
}

// analyzeAfter refreshes the planner statistics of students after a change
// of changed rows, when that is more than autovacuum's default threshold
// (50 rows and 10% of the table): a report run right after a bulk import
// is then planned on figures that match the table, instead of waiting for
// autovacuum to come by.
func analyzeAfter(ctx context.Context, tx *sqlx.Tx, changed int) error {
	var tuples float64
	if err := tx.GetContext(ctx, &tuples, `SELECT greatest(reltuples, 0) FROM pg_class WHERE oid = 'students'::regclass`); err != nil {
		return fmt.Errorf("table size: %w", err)
	}
	if float64(changed) <= 50+0.1*tuples {
		return nil
	}
	// A sample of 3,000 rows (statistics target 10) rather than 30,000:
	// enough for the row count and the number of programmes, components and
	// states the report groups by, at a tenth of the cost (0.03 s against
	// 0.35 s of CPU on 100,000 students). Autovacuum's later analyses use
	// the full target.
	if _, err := tx.ExecContext(ctx, `SET LOCAL default_statistics_target = 10; ANALYZE students`); err != nil {
		return fmt.Errorf("analyze students: %w", err)
	}
	return nil
}

// knownRows says which rows have a student number already stored (none when
// the table is empty).
func knownRows(ctx context.Context, tx *sqlx.Tx, rows []activation.ImportRecord, stored bool) (map[int]bool, error) {
	known := map[int]bool{}
	if !stored {
		return known, nil
	}
	nos := make([]string, len(rows))
	for i := range rows {
		nos[i] = rows[i].StudentNo
	}
	var idx []int
	if err := tx.SelectContext(ctx, &idx, `SELECT f.i - 1 FROM unnest($1::text[]) WITH ORDINALITY AS f (no, i)
		JOIN students s ON s.student_no = f.no`, pq.Array(nos)); err != nil {
		return nil, fmt.Errorf("look up student numbers: %w", err)
	}
	for _, i := range idx {
		known[i] = true
	}
	return known, nil
}

// stageRows copies the rows of the file at index idx into import_rows.
// An optional column absent from the file is NULL there: the stored value
// is kept.
func stageRows(ctx context.Context, conn *sql.Conn, tx *sqlx.Tx, rows []activation.ImportRecord, idx []int, present map[string]bool) error {
	if _, err := tx.ExecContext(ctx, stagingDDL); err != nil {
		return err
	}
	opt := func(dst []byte, col, v string) []byte {
		if !present[col] {
			return appendCopyNull(dst) // keep what is stored
		}
		return appendCopyText(dst, v)
	}
	err := copyIn(ctx, conn, `COPY import_rows (line, student_no, last_name, first_name, birth_date, program, component, year, ine, email) FROM STDIN`,
		rowsOf(len(idx), func(b []byte, k int) []byte {
			r := &rows[idx[k]]
			return appendStudentData(append(appendCopyInt(b, int64(r.Line)), '\t'), r, opt)
		}))
	if err != nil {
		return fmt.Errorf("bulk load: %w", err)
	}
	return nil
}

// insertFresh writes the new students (rows at index idx, in file order)
// and one audit event each, and returns the first id given. Their logins
// are numbered after the homonyms already stored.
func insertFresh(ctx context.Context, conn *sql.Conn, tx *sqlx.Tx, rows []activation.ImportRecord, idx []int, present map[string]bool,
	stored bool, actor activation.Actor, now time.Time) (first int64, err error) {
	taken := make(activation.Homonyms, len(idx))
	if stored {
		bases := make([]string, 0, len(idx))
		seen := make(map[string]bool, len(idx))
		for _, i := range idx {
			if b := rows[i].LoginBase; !seen[b] {
				seen[b] = true
				bases = append(bases, b)
			}
		}
		// The numbers taken, for the bases of this file (Homonyms gives
		// the lowest free one).
		var top []struct {
			Base string `db:"login_base"`
			Seq  int    `db:"top"`
		}
		if err := tx.SelectContext(ctx, &top, `SELECT login_base, login_seq AS top FROM students
			WHERE login_base = ANY($1::text[])`, pq.Array(bases)); err != nil {
			return 0, fmt.Errorf("homonyms already stored: %w", err)
		}
		for _, t := range top {
			taken.Taken(t.Base, t.Seq)
		}
	}
	// Ids first, one block of the sequence (so the primary key grows at
	// its right edge and the audit events can name the students without
	// reading them back). Only imports insert students, one at a time
	// (the lock above); a row inserted otherwise into the block would make
	// the COPY fail on the primary key, and the import with it.
	var last int64
	if err := tx.GetContext(ctx, &last, `SELECT setval('students_id_seq', nextval('students_id_seq') + $1 - 1)`, len(idx)); err != nil {
		return 0, fmt.Errorf("student ids: %w", err)
	}
	first = last - int64(len(idx)) + 1
	at := now.AppendFormat(nil, time.RFC3339Nano) // the same text for the audit events
	err = copyIn(ctx, conn, copyStudentsSQL, rowsOf(len(idx), func(b []byte, k int) []byte {
		r := &rows[idx[k]]
		l, seq := taken.Next(r.LoginBase)
		return appendStudent(b, r, present, first+int64(k), seq, l, at)
	}))
	if err != nil {
		return 0, fmt.Errorf("insert students: %w", err)
	}
	if err := auditFresh(ctx, tx, first, last-first+1, actor, now); err != nil {
		return 0, err
	}
	return first, nil
}

const copyStudentsSQL = `COPY students (id, student_no, last_name, first_name, birth_date, program, component, year, ine, email,
	login_base, login_seq, login, created_at, updated_at, state_since) FROM STDIN`

// copyFreshSQL is copyStudentsSQL without the three timestamps, which an
// import into an empty table sets through the columns' defaults
// (freshDefaultsSQL): one constant instead of three times 100,000
// timestamps written, sent and parsed.
const copyFreshSQL = `COPY students (id, student_no, last_name, first_name, birth_date, program, component, year, ine, email,
	login_base, login_seq, login) FROM STDIN`

// appendStudentData appends, in COPY text format, the student data of a
// row of the file: student_no, last_name, first_name, birth_date, then the
// optional columns program, component, year, ine, email through opt (which
// says what an absent column becomes).
func appendStudentData(b []byte, r *activation.ImportRecord, opt func(dst []byte, col, v string) []byte) []byte {
	b = appendCopyText(b, r.StudentNo)
	b = appendCopyText(append(b, '\t'), r.LastName)
	b = appendCopyText(append(b, '\t'), r.FirstName)
	b = appendCopyDate(append(b, '\t'), r.BirthDate)
	b = opt(append(b, '\t'), "program", r.Program)
	b = opt(append(b, '\t'), "component", r.Component)
	b = opt(append(b, '\t'), "year", r.Year)
	b = opt(append(b, '\t'), "ine", r.INE)
	return opt(append(b, '\t'), "email", r.Email)
}

// appendStudent appends a new student's row for copyStudentsSQL; an
// optional column absent from the file (present) is empty: nothing is
// stored yet. at is the time of the import as text; nil leaves out the
// three timestamps (copyFreshSQL: their columns' defaults give it).
func appendStudent(b []byte, r *activation.ImportRecord, present map[string]bool, id int64, seq int, login string, at []byte) []byte {
	opt := func(dst []byte, col, v string) []byte {
		if present != nil && !present[col] {
			return dst
		}
		return appendCopyText(dst, v)
	}
	b = appendStudentData(append(appendCopyInt(b, id), '\t'), r, opt)
	b = appendCopyText(append(b, '\t'), r.LoginBase)
	b = appendCopyInt(append(b, '\t'), int64(seq))
	b = appendCopyText(append(b, '\t'), login)
	if at == nil {
		return b
	}
	b = append(append(b, '\t'), at...)
	b = append(append(b, '\t'), at...)
	return append(append(b, '\t'), at...)
}

// auditFresh records the import of the n students with ids first, first+1, ….
// The ids come from generate_series in the select list, one row at a time:
// in FROM, PostgreSQL would first store all of them.
func auditFresh(ctx context.Context, tx *sqlx.Tx, first, n int64, actor activation.Actor, now time.Time) error {
	at := now.AppendFormat(nil, time.RFC3339Nano) // the text the students got
	if _, err := tx.ExecContext(ctx, `INSERT INTO audit_events (at, clock, operator, channel, student_id, action, to_state, outcome)
		SELECT $1::timestamptz, $4, $2, $3, generate_series($5::bigint, $6), 'import', 'imported', 'ok'`,
		string(at), actor.Operator, actor.Channel, actor.Clock, first, first+n-1); err != nil {
		return fmt.Errorf("audit the new students: %w", err)
	}
	return nil
}

// streamFresh writes the rows that come on batches into students, which
// holds no student (so every row is new and no login is taken yet), as
// they come: logins numbered in file order, ids taken from the sequence
// from the next value on, the sequence moved past them at the end. It
// returns the first id, the number of rows written and how many of them
// went to each group.
func streamFresh(ctx context.Context, conn *sql.Conn, tx *sqlx.Tx, batches <-chan []activation.ImportRecord,
	now time.Time) (first int64, n int, groups map[group]int64, err error) {
	if err := tx.GetContext(ctx, &first, `SELECT nextval('students_id_seq')`); err != nil {
		return 0, 0, nil, fmt.Errorf("student ids: %w", err)
	}
	taken := activation.Homonyms{}
	groups = map[group]int64{}
	var batch []activation.ImportRecord
	err = copyIn(ctx, conn, copyFreshSQL, func(b []byte) ([]byte, bool) {
		for len(batch) == 0 {
			var ok bool
			if batch, ok = <-batches; !ok {
				return b, false
			}
		}
		r := &batch[0]
		batch = batch[1:]
		l, seq := taken.Next(r.LoginBase)
		b = appendStudent(b, r, nil, first+int64(n), seq, l, nil)
		groups[group{r.Program, r.Component, r.Year}]++
		n++
		return b, true
	})
	if err != nil {
		return 0, 0, nil, fmt.Errorf("insert students: %w", err)
	}
	if n > 1 {
		if _, err := tx.ExecContext(ctx, `SELECT setval('students_id_seq', $1)`, first+int64(n)-1); err != nil {
			return 0, 0, nil, fmt.Errorf("student ids: %w", err)
		}
	}
	return first, n, groups, nil
}

// possibleDuplicates lists, in file order, the new students (rows at index
// fresh, stored with ids from first on) that are possibly the same person
// (activation.SamePerson) as a student stored before this import (the one
// with the smallest id: activation.People) or, failing that, as an earlier
// row of the file (twin, from activation.Twins).
func possibleDuplicates(ctx context.Context, tx *sqlx.Tx, rows []activation.ImportRecord, fresh []int, first int64, stored bool, twin []int) ([]PossibleDuplicate, error) {
	byID := map[int64]PossibleDuplicate{}
	if stored {
		// The students stored before this import (ids from the sequence:
		// smaller than the ones it gives) born on a day some new student
		// was born, oldest first; the rule itself is applied here.
		days := map[string]bool{}
		for _, i := range fresh {
			if d := rows[i].BirthDate; !d.IsZero() {
				days[d.Format("2006-01-02")] = true
			}
		}
		list := make([]string, 0, len(days))
		for d := range days {
			list = append(list, d)
		}
		var known []activation.ImportRecord
		if len(list) > 0 {
			rs, err := tx.QueryContext(ctx, `SELECT student_no, last_name, first_name, birth_date FROM students
				WHERE id < $1 AND birth_date = ANY($2::date[]) ORDER BY id`, first, pq.Array(list))
			if err != nil {
				return nil, fmt.Errorf("look for possible duplicates: %w", err)
			}
			defer rs.Close()
			for rs.Next() {
				var k activation.ImportRecord
				if err := rs.Scan(&k.StudentNo, &k.LastName, &k.FirstName, &k.BirthDate); err != nil {
					return nil, fmt.Errorf("look for possible duplicates: %w", err)
				}
				known = append(known, k)
			}
			if err := rs.Err(); err != nil {
				return nil, fmt.Errorf("look for possible duplicates: %w", err)
			}
		}
		people := activation.IndexPeople(known)
		for k, i := range fresh {
			if s, ok := people.SameAs(&rows[i]); ok {
				byID[first+int64(k)] = PossibleDuplicate{SameAsNo: s.StudentNo, SameAsName: s.FirstName + " " + s.LastName}
			}
		}
	}
	isFresh := make([]bool, len(rows))
	for _, i := range fresh {
		isFresh[i] = true
	}
	var out []PossibleDuplicate
	id := first
	for i := range rows {
		r := &rows[i]
		if !isFresh[i] {
			continue
		}
		d, ok := byID[id]
		id++
		switch {
		case ok:
		case twin[i] >= 0:
			j := twin[i]
			d = PossibleDuplicate{SameAsNo: rows[j].StudentNo, SameAsName: rows[j].FirstName + " " + rows[j].LastName}
		default:
			continue
		}
		d.Line, d.StudentNo = r.Line, r.StudentNo
		out = append(out, d)
	}
	return out, nil
}

// changedSQL is true when an imported row differs from the stored student.
const changedSQL = `(s.last_name, s.first_name, s.birth_date, s.program, s.component, s.year, s.ine, s.email)
	IS DISTINCT FROM (r.last_name, r.first_name, coalesce(r.birth_date, s.birth_date),
	coalesce(r.program, s.program), coalesce(r.component, s.component), coalesce(r.year, s.year),
	coalesce(r.ine, s.ine), coalesce(r.email, s.email))`

// countSQL classifies the staged rows (all of them known).
const countSQL = `SELECT
	count(*) FILTER (WHERE ` + changedSQL + `) AS updated,
	count(*) FILTER (WHERE NOT ` + changedSQL + `) AS unchanged
FROM import_rows r JOIN students s ON s.student_no = r.student_no`

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

// seenSQL records that the known students of the file were in an import
// (purge removes the never-activated students unseen for long). A student
// seen less than a day before keeps that date: importing the same file
// again the same day rewrites no row, and the retention of months is
// counted to the day.
const seenSQL = `UPDATE students s SET last_seen_at = $1
	FROM import_rows r
	WHERE s.student_no = r.student_no AND coalesce(s.last_seen_at, s.created_at) < $1::timestamptz - interval '1 day'`

// Student is a stored student's data (Details adds the account).
type Student struct {
	ID        int64        `db:"id"`
	StudentNo string       `db:"student_no"`
	LastName  string       `db:"last_name"`
	FirstName string       `db:"first_name"`
	BirthDate sql.NullTime `db:"birth_date"`
	Program   string       `db:"program"`
	Component string       `db:"component"`
	Year      string       `db:"year"`
	INE       string       `db:"ine"`
	Email     string       `db:"email"`
	Login     string       `db:"login"`
	CreatedAt time.Time    `db:"created_at"`
	UpdatedAt time.Time    `db:"updated_at"`
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
		return s, activation.ErrNoStudent(key)
	}
	return s, mapError(err)
}
