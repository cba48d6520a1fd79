package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/umontpellier/scolpass/internal/activation"
	"github.com/umontpellier/scolpass/internal/login"
	"github.com/umontpellier/scolpass/internal/postgres"
	"github.com/umontpellier/scolpass/internal/postgres/pgtest"
)

var (
	ctx   = context.Background()
	actor = activation.Actor{Operator: "test", Channel: "script", Clock: "system"}
	t0    = time.Date(2026, 9, 1, 10, 0, 0, 0, activation.Zone())
)

func student(line int, no, first, last string) activation.ImportRecord {
	base, err := login.Derive(first, last)
	if err != nil {
		panic(err)
	}
	return activation.ImportRecord{Line: line, StudentNo: no, FirstName: first, LastName: last, LoginBase: base, Program: "L1INFO"}
}

func logins(t *testing.T, db *postgres.DB) map[string]string {
	t.Helper()
	var rows []struct {
		No    string `db:"student_no"`
		Login string `db:"login"`
	}
	if err := db.SelectContext(ctx, &rows, `SELECT student_no, login FROM students`); err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	for _, r := range rows {
		m[r.No] = r.Login
	}
	return m
}

func TestHomonymsAcrossImports(t *testing.T) {
	db := pgtest.New(t)
	opt := postgres.ImportOptions{Columns: []string{"program"}}
	first := []activation.ImportRecord{student(2, "1", "Jean", "Dupont"), student(3, "2", "Jean", "DUPONT")}
	if _, err := db.ImportStudents(ctx, first, opt, actor, t0); err != nil {
		t.Fatal(err)
	}
	// Second import: the same two again (any order) and a third homonym.
	second := []activation.ImportRecord{student(2, "3", "Jean", "Dupont"), student(3, "2", "Jean", "Dupont"), student(4, "1", "Jean", "Dupont")}
	sum, err := db.ImportStudents(ctx, second, opt, actor, t0)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Created != 1 || sum.Updated != 1 || sum.Unchanged != 1 {
		t.Errorf("summary = %+v, want 1 created, 1 updated (DUPONT -> Dupont), 1 unchanged", sum)
	}
	want := map[string]string{"1": "jean.dupont", "2": "jean.dupont2", "3": "jean.dupont3"}
	if got := logins(t, db); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("logins = %v, want %v", got, want)
	}
}

// The import streams rows in COPY's text format: what it escapes must come
// back as it was, in new rows and in updated ones.
func TestImportKeepsSpecialCharacters(t *testing.T) {
	db := pgtest.New(t)
	opt := postgres.ImportOptions{Columns: []string{"program", "email"}}
	odd := student(2, "1", `Jean\Paul`, "D'Arc\tN")
	odd.Program = `L1\N`
	if _, err := db.ImportStudents(ctx, []activation.ImportRecord{odd}, opt, actor, t0); err != nil {
		t.Fatal(err)
	}
	odd.LastName, odd.Program = "D'Arc\\", "\\N\r"
	if _, err := db.ImportStudents(ctx, []activation.ImportRecord{odd}, opt, actor, t0); err != nil {
		t.Fatal(err)
	}
	var got struct {
		First   string `db:"first_name"`
		Last    string `db:"last_name"`
		Program string `db:"program"`
		Email   string `db:"email"`
	}
	if err := db.GetContext(ctx, &got, `SELECT first_name, last_name, program, email FROM students`); err != nil {
		t.Fatal(err)
	}
	if got.First != odd.FirstName || got.Last != odd.LastName || got.Program != odd.Program || got.Email != "" {
		t.Errorf("stored %+v, want %q %q %q and no email", got, odd.FirstName, odd.LastName, odd.Program)
	}
}

// stream hands rows to ImportStream in batches of two, then finishes with
// err.
func stream(rows []activation.ImportRecord, opt postgres.ImportOptions, err error) postgres.RowStream {
	c := make(chan []activation.ImportRecord)
	go func() {
		for i := 0; i < len(rows); i += 2 {
			c <- rows[i:min(i+2, len(rows))]
		}
		close(c)
	}()
	return postgres.RowStream{Batches: c, Finish: func() ([]activation.ImportRecord, postgres.ImportOptions, error) { return rows, opt, err }}
}

func TestImportStream(t *testing.T) {
	db := pgtest.New(t)
	rows := []activation.ImportRecord{student(2, "1", "Jean", "Dupont"), student(3, "2", "Anne", "Roy"), student(4, "3", "Jean", "Dupont")}
	// A file that turns out bad at its end: nothing is kept.
	bad := errors.New("a quote is never closed")
	if _, err := db.ImportStream(ctx, stream(rows, postgres.ImportOptions{}, bad), actor, t0); !errors.Is(err, bad) {
		t.Fatalf("err = %v, want the reading error", err)
	}
	// A dry run: counted, nothing kept.
	sum, err := db.ImportStream(ctx, stream(rows, postgres.ImportOptions{DryRun: true}, nil), actor, t0)
	if err != nil || sum.Created != 3 {
		t.Fatalf("dry run: %+v, %v", sum, err)
	}
	if got := logins(t, db); len(got) != 0 {
		t.Fatalf("stored %v after a failed import and a dry run", got)
	}
	// Into the empty table (written as the rows come), then into a stored one.
	if sum, err = db.ImportStream(ctx, stream(rows, postgres.ImportOptions{}, nil), actor, t0); err != nil || sum.Created != 3 {
		t.Fatalf("import: %+v, %v", sum, err)
	}
	more := []activation.ImportRecord{student(2, "4", "Jean", "Dupont"), student(3, "2", "Anne", "Roy")}
	if sum, err = db.ImportStream(ctx, stream(more, postgres.ImportOptions{}, nil), actor, t0); err != nil || sum.Created != 1 || sum.Unchanged != 1 {
		t.Fatalf("second import: %+v, %v", sum, err)
	}
	want := map[string]string{"1": "jean.dupont", "2": "anne.roy", "3": "jean.dupont2", "4": "jean.dupont3"}
	if got := logins(t, db); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("logins = %v, want %v", got, want)
	}
	var audited int
	if err := db.GetContext(ctx, &audited, `SELECT count(*) FROM audit_events a JOIN students s ON s.id = a.student_id WHERE a.action = 'import'`); err != nil {
		t.Fatal(err)
	}
	if audited != 4 {
		t.Errorf("%d import events name a student, want 4", audited)
	}
}

func TestConcurrentImportsNeverShareALogin(t *testing.T) {
	db := pgtest.New(t)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			rows := []activation.ImportRecord{student(2, fmt.Sprint(100+i), "Léa", "Martin"), student(3, fmt.Sprint(200+i), "Léa", "Martin")}
			_, err := db.ImportStudents(ctx, rows, postgres.ImportOptions{}, actor, t0)
			errs <- err
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	got := logins(t, db)
	seen := map[string]bool{}
	for _, l := range got {
		if seen[l] {
			t.Fatalf("login %s given twice: %v", l, got)
		}
		seen[l] = true
	}
	for n := 1; n <= 16; n++ {
		if !seen[activation.LoginWithSuffix("lea.martin", n)] {
			t.Errorf("%s missing: suffixes must be 1..16 without gaps, got %v", activation.LoginWithSuffix("lea.martin", n), got)
		}
	}
}

func TestIssueFailureChangesNoPassword(t *testing.T) {
	db := pgtest.New(t)
	if _, err := db.ImportStudents(ctx, []activation.ImportRecord{student(2, "1", "Anne", "Alpha")}, postgres.ImportOptions{}, actor, t0); err != nil {
		t.Fatal(err)
	}
	svc := &activation.Service{Store: &postgres.AccountStore{DB: db, Actor: actor}, Config: activation.DefaultConfig()}
	issue := func(fail bool) error {
		_, err := svc.Issue(ctx, activation.IssueSelection{All: true}, time.Hour, t0, func([]activation.NewSheet) error {
			if fail {
				return errors.New("disk full")
			}
			return nil
		})
		return err
	}
	if err := issue(false); err != nil {
		t.Fatal(err)
	}
	var before string
	if err := db.GetContext(ctx, &before, `SELECT hash FROM provisional_credentials`); err != nil {
		t.Fatal(err)
	}
	if err := issue(true); err == nil {
		t.Fatal("issue with a failing PDF succeeded")
	}
	var after string
	var audits int
	if err := db.GetContext(ctx, &after, `SELECT hash FROM provisional_credentials`); err != nil {
		t.Fatal(err)
	}
	if err := db.GetContext(ctx, &audits, `SELECT count(*) FROM audit_events WHERE action = 'issue-scolpass'`); err != nil {
		t.Fatal(err)
	}
	if after != before || audits != 1 {
		t.Errorf("a failed issue changed the credentials (%v) or audited (%d events)", after != before, audits)
	}
}

// answers is a fixed set of answers.
type answers struct{ pw, recovery string }

func (a answers) ProvisionalPassword(*activation.Account) (string, bool, error) {
	return a.pw, true, nil
}
func (a answers) RecoveryEmail(*activation.Account) (string, bool, error) {
	return a.recovery, a.recovery != "", nil
}
func (a answers) AcceptCharter(*activation.Account, string) (bool, bool, error) {
	return false, false, nil
}
func (a answers) Redirect(*activation.Account, string) (string, bool, bool, error) {
	return "", false, false, nil
}
func (a answers) NewPassword(*activation.Account, func(string) error) (string, bool, error) {
	return "", false, nil
}

// Two agents acting on one account at the same moment: one wins, the other
// gets a conflict (ESTATE), and the account is consistent.
func TestConcurrentActivationsConflict(t *testing.T) {
	db := pgtest.New(t)
	if _, err := db.ImportStudents(ctx, []activation.ImportRecord{student(2, "1", "Anne", "Alpha")}, postgres.ImportOptions{}, actor, t0); err != nil {
		t.Fatal(err)
	}
	var pw string
	issuer := &activation.Service{Store: &postgres.AccountStore{DB: db, Actor: actor}, Config: activation.DefaultConfig()}
	if _, err := issuer.Issue(ctx, activation.IssueSelection{All: true}, time.Hour, t0, func(s []activation.NewSheet) error {
		pw = s[0].Password
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	cfg := activation.DefaultConfig()
	cfg.RenderMail = func(string, activation.MailData) (string, string, error) { return "s", "b", nil }
	cfg.LinksPerDay = 1000
	wins, conflicts, roundsWon := 0, 0, 0
	for round := 0; round < 20; round++ {
		// Back to step 1 each round.
		if _, err := db.ExecContext(ctx, `UPDATE accounts SET state = 'authenticated', recovery_email = NULL`); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		results := make([]error, 2)
		start := make(chan struct{})
		for i := range results {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				svc := &activation.Service{Store: &postgres.AccountStore{DB: db, Actor: actor}, Config: cfg}
				<-start
				_, results[i] = svc.ActivateWith(ctx, "anne.alpha", answers{pw: pw, recovery: fmt.Sprintf("agent%d@example.org", i)}, activation.ActivateOptions{}, t0)
			}(i)
		}
		close(start)
		wg.Wait()
		won := false
		for _, err := range results {
			switch activation.ErrorCode(err) {
			case activation.EPAUSED:
				wins++
				won = true
			case activation.ESTATE:
				conflicts++
			default:
				t.Fatalf("unexpected outcome: %v", err)
			}
		}
		if won {
			roundsWon++
		}
		var pending int
		if err := db.GetContext(ctx, &pending, `SELECT count(*) FROM tokens WHERE used_at IS NULL AND revoked_at IS NULL`); err != nil {
			t.Fatal(err)
		}
		if pending != 1 {
			t.Fatalf("round %d: %d live links, want exactly 1 (results %v)", round, pending, results)
		}
		if _, err := db.ExecContext(ctx, `UPDATE tokens SET revoked_at = now() WHERE revoked_at IS NULL`); err != nil {
			t.Fatal(err)
		}
	}
	// When the two runs happen not to overlap, both succeed one after the
	// other (the second replaces the first link): that is not a conflict.
	// What must hold: every round has a winner and exactly one live link.
	if roundsWon != 20 {
		t.Errorf("%d rounds had a winner, want every one of the 20", roundsWon)
	}
	t.Logf("%d wins, %d conflicts over 20 rounds of 2 agents", wins, conflicts)
}

func TestPossibleDuplicates(t *testing.T) {
	db := pgtest.New(t)
	born := time.Date(2007, 3, 12, 0, 0, 0, 0, time.UTC)
	with := func(s activation.ImportRecord) activation.ImportRecord { s.BirthDate = born; return s }
	opt := postgres.ImportOptions{}
	// Stored: Léa Martin, and Paul Durant born the same day (names of the
	// same lengths as Paul Durand's, but another person).
	stored := []activation.ImportRecord{with(student(2, "1", "Léa", "Martin")), with(student(3, "9", "Paul", "Durant"))}
	if _, err := db.ImportStudents(ctx, stored, opt, actor, t0); err != nil {
		t.Fatal(err)
	}
	rows := []activation.ImportRecord{
		with(student(2, "1", "Léa", "Martin")),  // the same student again: not a duplicate
		with(student(3, "2", "LÉA", "MARTIN")),  // same person as stored "1"
		with(student(4, "3", "Paul", "Durand")), // new
		with(student(5, "4", "paul", "durand")), // same as line 4 of this file
		student(6, "5", "Paul", "Durand"),       // no birth date: cannot tell
	}
	sum, err := db.ImportStudents(ctx, rows, opt, actor, t0)
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprint(sum.PossibleDuplicates)
	want := "[{3 2  1 Léa Martin} {5 4  3 Paul Durand}]"
	if got != want {
		t.Errorf("possible duplicates = %s, want %s", got, want)
	}
}

// Into an empty table the unique keys of students are taken off while the
// rows are written and built again after (dropFreshKeysSQL): they come back
// as migration 000001 made them, report's counts are right, and a student
// number the reader let
// through twice still fails the import, which leaves nothing behind.
func TestImportIntoEmptyTableKeepsTheKeys(t *testing.T) {
	db := pgtest.New(t)
	keys := func() map[string]string {
		var rows []struct {
			Name string `db:"conname"`
			Def  string `db:"def"`
		}
		if err := db.SelectContext(ctx, &rows, `SELECT conname, pg_get_constraintdef(oid) AS def FROM pg_constraint
			WHERE conrelid = 'students'::regclass AND contype IN ('u', 'p') ORDER BY conname`); err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		for _, r := range rows {
			m[r.Name] = r.Def
		}
		return m
	}
	before := keys()
	if len(before) != 3 {
		t.Fatalf("students has keys %v, want the primary key and two unique keys", before)
	}
	// The trigger that counts inserted students is taken off too, and
	// comes back as migration 000008 made it.
	counter := func() string {
		var def []string
		if err := db.SelectContext(ctx, &def, `SELECT tgenabled::text || ' ' || pg_get_triggerdef(oid) FROM pg_trigger
			WHERE tgrelid = 'students'::regclass AND NOT tgisinternal AND tgname = 'student_counts_insert'`); err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(def)
	}
	counterBefore := counter()
	if !strings.Contains(counterBefore, "O CREATE TRIGGER student_counts_insert AFTER INSERT") {
		t.Fatalf("the counting trigger is %s, want it on", counterBefore)
	}
	twice := []activation.ImportRecord{student(2, "1", "Jean", "Dupont"), student(3, "2", "Anne", "Roy"), student(4, "1", "Paul", "Roy")}
	if _, err := db.ImportStream(ctx, stream(twice, postgres.ImportOptions{}, nil), actor, t0); err == nil || !strings.Contains(err.Error(), "student") {
		t.Fatalf("import of a student number given twice: err = %v, want the unique key's refusal", err)
	}
	if got := logins(t, db); len(got) != 0 {
		t.Fatalf("stored %v after a refused import", got)
	}
	if after := keys(); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Fatalf("keys after a refused import: %v, want %v", after, before)
	}
	if after := counter(); after != counterBefore {
		t.Fatalf("counting trigger after a refused import: %s, want %s", after, counterBefore)
	}
	checkReport(t, db, "after a refused import into the empty table", t0)
	// Students of several groups, some twice in one group: counted by the
	// import itself, which adds one row of counts per group.
	var rows []activation.ImportRecord
	for i := 0; i < 30; i++ {
		rows = append(rows, groupedStudent(i+2, i%7, fmt.Sprint(i+1), "Anne", fmt.Sprintf("Roy%c", 'a'+i)))
	}
	if _, err := db.ImportStream(ctx, stream(rows, postgres.ImportOptions{}, nil), actor, t0); err != nil {
		t.Fatal(err)
	}
	if after := keys(); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("keys after an import into the empty table: %v, want %v", after, before)
	}
	if after := counter(); after != counterBefore {
		t.Errorf("counting trigger after an import into the empty table: %s, want %s", after, counterBefore)
	}
	var countRows int
	if err := db.GetContext(ctx, &countRows, `SELECT count(*) FROM student_counts`); err != nil {
		t.Fatal(err)
	}
	if countRows != 7 {
		t.Errorf("%d rows of counts after importing students of 7 groups, want 7", countRows)
	}
	// The timestamps are the import's time (its columns' defaults while
	// the COPY ran), and the defaults are gone.
	var stamped, defaults int
	if err := db.GetContext(ctx, &stamped, `SELECT count(*) FROM students WHERE created_at = $1 AND updated_at = $1 AND state_since = $1`, t0); err != nil {
		t.Fatal(err)
	}
	if stamped != len(rows) {
		t.Errorf("%d students stamped with the import's time, want %d", stamped, len(rows))
	}
	if err := db.GetContext(ctx, &defaults, `SELECT count(*) FROM information_schema.columns
		WHERE table_name = 'students' AND column_name IN ('created_at', 'updated_at', 'state_since') AND column_default IS NOT NULL`); err != nil {
		t.Fatal(err)
	}
	if defaults != 0 {
		t.Errorf("%d timestamp columns of students kept a default after the import", defaults)
	}
	checkReport(t, db, "after an import into the empty table", t0)
	// The trigger counts again: a second import, and a student added by hand.
	more := []activation.ImportRecord{groupedStudent(2, 3, "31", "Paul", "Roy"), groupedStudent(3, 11, "32", "Paul", "Roy")}
	if _, err := db.ImportStream(ctx, stream(more, postgres.ImportOptions{}, nil), actor, t0); err != nil {
		t.Fatal(err)
	}
	checkReport(t, db, "after a second import", t0)
	if _, err := db.ExecContext(ctx, `INSERT INTO students (student_no, last_name, first_name, login_base, login_seq, login, created_at, updated_at, state_since)
		VALUES ('99', 'Roy', 'Zoe', 'zoe.roy', 1, 'zoe.roy', now(), now(), now())`); err != nil {
		t.Fatal(err)
	}
	checkReport(t, db, "after a student added by hand", t0)
	if _, err := db.ExecContext(ctx, `INSERT INTO students (student_no, last_name, first_name, login_base, login_seq, login, created_at, updated_at, state_since)
		VALUES ('9', 'Roy', 'Zoe', 'zoe.roy', 1, 'zoe.roy', now(), now(), now())`); err == nil {
		t.Errorf("a second student with login zoe.roy was stored: the unique key is gone")
	}
}

// Imports started at once into an empty table, with readers of students
// all along: the first takes the table (its keys off, built again), the
// others wait for it and add their students to a stored table; none
// fails, no reader sees a half-made table, and the logins are distinct.
func TestConcurrentImportsIntoEmptyTable(t *testing.T) {
	db := pgtest.New(t)
	const imports, each = 4, 50
	done := make(chan struct{})
	readErr := make(chan error, 1)
	go func() {
		defer close(readErr)
		for {
			select {
			case <-done:
				return
			default:
			}
			var n int
			if err := db.GetContext(ctx, &n, `SELECT count(*) FROM students WHERE login = 'anne.roy'`); err != nil {
				readErr <- err
				return
			}
			if n > 1 {
				readErr <- fmt.Errorf("%d students with login anne.roy", n)
				return
			}
		}
	}()
	errs := make(chan error, imports)
	for k := 0; k < imports; k++ {
		rows := make([]activation.ImportRecord, each)
		for i := range rows {
			rows[i] = student(i+2, fmt.Sprint(k*1000+i), "Anne", "Roy")
		}
		go func() {
			_, err := db.ImportStream(ctx, stream(rows, postgres.ImportOptions{}, nil), actor, t0)
			errs <- err
		}()
	}
	for k := 0; k < imports; k++ {
		if err := <-errs; err != nil {
			t.Errorf("import: %v", err)
		}
	}
	close(done)
	if err := <-readErr; err != nil {
		t.Errorf("reader: %v", err)
	}
	got := logins(t, db)
	if len(got) != imports*each {
		t.Fatalf("%d students stored, want %d", len(got), imports*each)
	}
	seen := map[string]bool{}
	for _, l := range got {
		if seen[l] {
			t.Fatalf("login %s given twice", l)
		}
		seen[l] = true
	}
	checkReport(t, db, "after concurrent imports", t0)
}
