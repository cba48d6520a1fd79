package postgres_test

import (
	"errors"
	"fmt"
	"math/rand"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/umontpellier/scolpass/internal/activation"
	"github.com/umontpellier/scolpass/internal/postgres"
	"github.com/umontpellier/scolpass/internal/postgres/pgtest"
)

// groupedStudent is student() in one of 3 programmes × 2 components × 2
// years, chosen by k.
func groupedStudent(line, k int, no, first, last string) activation.ImportRecord {
	s := student(line, no, first, last)
	s.Program = []string{"L1INFO", "L1DROIT", "M1BIO"}[k%3]
	s.Component = []string{"SCI", "DRT"}[k/3%2]
	s.Year = []string{"2026", "2025"}[k/6%2]
	return s
}

// recount is Report done the slow way: every student read.
func recount(t *testing.T, db *postgres.DB, by string, now time.Time) map[string]postgres.ReportRow {
	t.Helper()
	var rows []struct {
		Key    string `db:"key"`
		State  string `db:"state"`
		N      int    `db:"n"`
		Locked int    `db:"locked"`
	}
	if err := db.SelectContext(ctx, &rows, `SELECT `+by+` AS key, state, count(*) AS n,
		count(*) FILTER (WHERE locked_until > $1) AS locked FROM students GROUP BY 1, 2`, now); err != nil {
		t.Fatal(err)
	}
	out := map[string]postgres.ReportRow{}
	for _, r := range rows {
		g, ok := out[r.Key]
		if !ok {
			g = postgres.ReportRow{Key: r.Key, States: map[activation.State]int{}}
			for _, st := range activation.States {
				g.States[st] = 0
			}
		}
		g.Students += r.N
		g.Locked += r.Locked
		g.States[activation.State(r.State)] += r.N
		out[r.Key] = g
	}
	return out
}

func checkReport(t *testing.T, db *postgres.DB, when string, now time.Time) {
	t.Helper()
	for _, by := range []string{"program", "component", "year", "state"} {
		rows, err := db.Report(ctx, by, postgres.ReportFilter{}, now)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]postgres.ReportRow{}
		for _, r := range rows {
			got[r.Key] = r
		}
		if want := recount(t, db, by, now); !reflect.DeepEqual(got, want) {
			t.Fatalf("%s, report by %s:\n got %+v\nwant %+v", when, by, got, want)
		}
	}
	// A filtered report agrees too.
	rows, err := db.Report(ctx, "state", postgres.ReportFilter{Programs: []string{"L1INFO"}, Years: []string{"2026"}}, now)
	if err != nil {
		t.Fatal(err)
	}
	var n, want int
	for _, r := range rows {
		n += r.Students
	}
	if err := db.GetContext(ctx, &want, `SELECT count(*) FROM students WHERE program = 'L1INFO' AND year = '2026'`); err != nil {
		t.Fatal(err)
	}
	if n != want {
		t.Fatalf("%s: filtered report counts %d students, want %d", when, n, want)
	}
}

// TestReportCountsStayExact: the per-group counts that report reads agree
// with a recount of the students after random concurrent imports (new
// students and changed groups), issues, activations, wrong passwords and
// lockouts, restarts, re-issues, deletions (as a purge does), hand-made
// UPDATEs and folds of the counts.
func TestReportCountsStayExact(t *testing.T) {
	db := pgtest.New(t)
	const n = 48
	var rows []activation.ImportRecord
	for i := 0; i < n; i++ {
		rows = append(rows, groupedStudent(i+2, i, fmt.Sprint(1000+i), "Anne", fmt.Sprintf("Alpha%c%c", 'a'+i/26, 'a'+i%26)))
	}
	if _, err := db.ImportStudents(ctx, rows, postgres.ImportOptions{}, actor, t0); err != nil {
		t.Fatal(err)
	}
	checkReport(t, db, "after the import", t0)

	cfg := activation.DefaultConfig()
	cfg.RenderMail = func(string, activation.MailData) (string, string, error) { return "s", "b", nil }
	cfg.LinksPerDay = 1000
	svc := func() *activation.Service {
		return &activation.Service{Store: &postgres.AccountStore{DB: db, Actor: actor}, Config: cfg}
	}
	var mu sync.Mutex
	passwords := map[string]string{} // login → provisional password
	keep := func(sheets []activation.NewSheet) error {
		mu.Lock()
		defer mu.Unlock()
		for _, s := range sheets {
			passwords[s.Account.Login] = s.Password
		}
		return nil
	}
	if _, err := svc().Issue(ctx, activation.IssueSelection{Programs: []string{"L1INFO", "M1BIO"}}, 24*time.Hour, t0, keep); err != nil {
		t.Fatal(err)
	}
	checkReport(t, db, "after issue", t0)
	loginOf := func(i int) string {
		var l string
		_ = db.GetContext(ctx, &l, `SELECT login FROM students WHERE student_no = $1`, fmt.Sprint(1000+i))
		return l
	}

	var wg sync.WaitGroup
	for w := 0; w < 6; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			rnd := rand.New(rand.NewSource(int64(w)))
			for op := 0; op < 25; op++ {
				i := rnd.Intn(n + 8)
				l := loginOf(i)
				mu.Lock()
				pw := passwords[l]
				mu.Unlock()
				now := t0.Add(time.Duration(op) * time.Minute)
				var err error
				switch rnd.Intn(9) {
				case 0, 1: // steps 1–3
					_, err = svc().ActivateWith(ctx, l, answers{pw: pw, recovery: fmt.Sprintf("s%d@example.org", i)}, activation.ActivateOptions{}, now)
				case 2: // a wrong password (five lock the account)
					_, err = svc().ActivateWith(ctx, l, answers{pw: "WRONG-PASS-WORD"}, activation.ActivateOptions{}, now)
				case 3: // a re-import: a new student, or one who changed group
					_, err = db.ImportStudents(ctx, []activation.ImportRecord{groupedStudent(2, rnd.Intn(12), fmt.Sprint(1000+i), "Anne", fmt.Sprintf("Alpha%c%c", 'a'+i/26, 'a'+i%26))},
						postgres.ImportOptions{Columns: []string{"program", "component", "year"}}, actor, now)
				case 4:
					_, err = svc().Restart(ctx, l, now)
				case 5:
					_, err = svc().Reissue(ctx, l, true, 24*time.Hour, now, keep)
				case 6: // a purge
					_, err = db.ExecContext(ctx, `DELETE FROM students WHERE student_no = $1`, fmt.Sprint(1000+i))
				case 7: // by hand
					_, err = db.ExecContext(ctx, `UPDATE students SET program = 'L3' || program WHERE student_no = $1`, fmt.Sprint(1000+i))
				case 8:
					err = db.FoldStudentCounts(ctx)
				}
				_ = err // refusals and conflicts are part of the game; the counts must hold whatever happens
			}
		}(w)
	}
	wg.Wait()
	var parts int
	if err := db.GetContext(ctx, &parts, `SELECT count(*) FROM student_counts`); err != nil {
		t.Fatal(err)
	}
	checkReport(t, db, "after concurrent changes", t0.Add(time.Hour))
	checkReport(t, db, "at the time of the changes (locks held)", t0.Add(20*time.Minute))
	if err := db.FoldStudentCounts(ctx); err != nil {
		t.Fatal(err)
	}
	checkReport(t, db, "after a fold", t0.Add(20*time.Minute))
	var folded, groups int
	if err := db.GetContext(ctx, &folded, `SELECT count(*) FROM student_counts`); err != nil {
		t.Fatal(err)
	}
	if err := db.GetContext(ctx, &groups, `SELECT count(DISTINCT (program, component, year, state)) FROM students`); err != nil {
		t.Fatal(err)
	}
	if folded != groups {
		t.Errorf("after a fold, %d rows of counts for %d groups", folded, groups)
	}
	t.Logf("%d rows of counts before the fold, %d groups", parts, groups)
	if _, err := db.ExecContext(ctx, `TRUNCATE students CASCADE`); err != nil {
		t.Fatal(err)
	}
	checkReport(t, db, "after TRUNCATE", t0)
}

// TestReportFoldsItsCounts: many changes leave many rows of counts; report
// folds them, so that the next one reads about one row per group.
func TestReportFoldsItsCounts(t *testing.T) {
	db := pgtest.New(t)
	if _, err := db.ImportStudents(ctx, []activation.ImportRecord{student(2, "1", "Anne", "Alpha")}, postgres.ImportOptions{}, actor, t0); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 400; i++ {
		st := []string{"issued", "imported"}[i%2]
		if _, err := db.ExecContext(ctx, `UPDATE students SET state = $1`, st); err != nil {
			t.Fatal(err)
		}
	}
	count := func() int {
		var n int
		if err := db.GetContext(ctx, &n, `SELECT count(*) FROM student_counts`); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count(); n < 400 {
		t.Fatalf("%d rows of counts after 400 changes of state", n)
	}
	checkReport(t, db, "before the fold", t0)
	if n := count(); n != 1 {
		t.Errorf("report left %d rows of counts for one group", n)
	}
}

// TestStuckHandsAccountsOut: Stuck hands the accounts out oldest first, as
// it reads them, and stops at the first error of the one it hands them to,
// which it returns as it is.
func TestStuckHandsAccountsOut(t *testing.T) {
	db := pgtest.New(t)
	for i, name := range []string{"Alpha", "Beta", "Gamma"} {
		if _, err := db.ImportStudents(ctx, []activation.ImportRecord{student(2, fmt.Sprint(i+1), "Anne", name)},
			postgres.ImportOptions{}, actor, t0.Add(time.Duration(i)*time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	now := t0.Add(8 * 24 * time.Hour)
	var got []string
	if err := db.Stuck(ctx, 7*24*time.Hour, postgres.ReportFilter{}, now, func(s postgres.StuckAccount) error {
		got = append(got, s.Login)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != "[anne.alpha anne.beta anne.gamma]" {
		t.Errorf("stuck accounts %v, want the three, oldest first", got)
	}
	stop := errors.New("the terminal went away")
	calls := 0
	err := db.Stuck(ctx, 7*24*time.Hour, postgres.ReportFilter{}, now, func(postgres.StuckAccount) error {
		calls++
		if calls == 2 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || calls != 2 {
		t.Errorf("after an error at the second account: err %v, %d calls; want that error after 2 calls", err, calls)
	}
}

// TestStuckReadsThroughAnIndex: when nearly every account is active, the
// call list is read through the partial index of the accounts not yet
// active, not by reading every student; and the index holds no active
// account.
func TestStuckReadsThroughAnIndex(t *testing.T) {
	db := pgtest.New(t)
	var rows []activation.ImportRecord
	for i := 0; i < 6000; i++ {
		rows = append(rows, student(i+2, fmt.Sprint(i+1), "Anne", fmt.Sprintf("Roy%c%c%c", 'a'+i/676, 'a'+i/26%26, 'a'+i%26)))
	}
	if _, err := db.ImportStudents(ctx, rows, postgres.ImportOptions{}, actor, t0); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `UPDATE students SET state = 'active', password_hash = 'x', state_since = $1
		WHERE id % 200 <> 0`, t0.Add(24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `VACUUM ANALYZE students`); err != nil {
		t.Fatal(err)
	}
	q, args := postgres.StuckQuery(7*24*time.Hour, postgres.ReportFilter{}, t0.Add(30*24*time.Hour))
	var plan []string
	if err := db.SelectContext(ctx, &plan, `EXPLAIN (COSTS OFF) `+q, args...); err != nil {
		t.Fatal(err)
	}
	if p := strings.Join(plan, "\n"); !strings.Contains(p, "students_stuck_idx") {
		t.Errorf("the call list of 30 accounts among 6,000 does not read students_stuck_idx:\n%s", p)
	}
	var n int
	if err := db.Stuck(ctx, 7*24*time.Hour, postgres.ReportFilter{}, t0.Add(30*24*time.Hour), func(postgres.StuckAccount) error {
		n++
		return nil
	}); err != nil || n != 30 {
		t.Errorf("stuck: %d accounts, %v; want 30", n, err)
	}
}
