package directory_test

import (
	"database/sql"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/umontpellier/scolpass/internal/activation"
	"github.com/umontpellier/scolpass/internal/directory"
	"github.com/umontpellier/scolpass/internal/directory/ldaptest"
	"github.com/umontpellier/scolpass/internal/postgres"
	"github.com/umontpellier/scolpass/internal/postgres/pgtest"
)

var studentNo atomic.Int64

// addActive stores an active account whose password is pw and queues n
// jobs for it.
func addActive(t *testing.T, db *postgres.DB, login, hash string, jobs int) {
	t.Helper()
	now := time.Date(2026, 9, 14, 10, 0, 0, 0, time.UTC)
	var id int64
	err := db.GetContext(ctx, &id, `INSERT INTO students (student_no, last_name, first_name, login_base, login_seq, login,
		created_at, updated_at, state, state_since, recovery_email, password_hash, password_set_at, activated_at)
		VALUES ($1, 'Test', 'Student', $2, 1, $2, $3, $3, 'active', $3, 'r@example.org', $4, $3, $3) RETURNING id`,
		fmt.Sprint(studentNo.Add(1)), login, now, hash)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < jobs; i++ {
		if _, err := db.ExecContext(ctx, `INSERT INTO provision_jobs (student_id, reason, created_at, next_attempt_at)
			VALUES ($1, 'activated', $2, $2)`, id, now); err != nil {
			t.Fatal(err)
		}
	}
}

func letters(i int) string { return string(rune('a'+i/26)) + string(rune('a'+i%26)) }

// Two runners at once share the jobs: every job is applied exactly once
// (one attempt each), and every student binds afterwards.
func TestRunnersShareTheJobs(t *testing.T) {
	db := pgtest.New(t)
	s := ldaptest.Start(t)
	h := hash(t, "Vert-Galet-Orage-73")
	const students = 30
	for i := 0; i < students; i++ {
		login := "stu." + letters(i)
		s.AddStudent(login, "Student", "Test")
		addActive(t, db, login, h, 1+i%2) // some accounts have two jobs
	}
	var total int
	if err := db.GetContext(ctx, &total, `SELECT count(*) FROM provision_jobs`); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	sums := make([]directory.Summary, 2)
	errs := make([]error, 2)
	for i := range sums {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			r := &directory.Runner{Jobs: db.Provisioning, Writer: writer(t, s, nil)}
			defer r.Close()
			sums[i], errs[i] = r.RunOnce(ctx)
		}(i)
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := sums[0].Done + sums[1].Done; got != total || sums[0].Retry+sums[1].Retry+sums[0].Failed+sums[1].Failed != 0 {
		t.Fatalf("runners did %+v and %+v, want %d jobs done", sums[0], sums[1], total)
	}
	t.Logf("runner 1: %d jobs, runner 2: %d jobs", sums[0].Done, sums[1].Done)
	var wrong int
	if err := db.GetContext(ctx, &wrong, `SELECT count(*) FROM provision_jobs WHERE attempts <> 1 OR done_at IS NULL`); err != nil {
		t.Fatal(err)
	}
	if wrong != 0 {
		t.Fatalf("%d jobs not applied exactly once", wrong)
	}
	for i := 0; i < students; i += 7 {
		if err := s.Bind(ldaptest.StudentDN("stu."+letters(i)), "Vert-Galet-Orage-73"); err != nil {
			t.Fatalf("stu.%s: %v", letters(i), err)
		}
	}
}

// An account issued again before its job ran is not written: the job is
// done, with a note; the directory is not touched.
func TestRunnerSkipsAccountsNoLongerActive(t *testing.T) {
	db := pgtest.New(t)
	s := ldaptest.Start(t)
	dn := s.AddStudent("anne.alpha", "Anne", "Alpha")
	addActive(t, db, "anne.alpha", hash(t, "Vert-Galet-Orage-73"), 1)
	if _, err := db.ExecContext(ctx, `UPDATE students SET state = 'issued', password_hash = NULL`); err != nil {
		t.Fatal(err)
	}
	var seen []activation.Job
	r := &directory.Runner{Jobs: db.Provisioning, Writer: writer(t, s, nil), Report: func(j activation.Job) { seen = append(seen, j) }}
	sum, err := r.RunOnce(ctx)
	if err != nil || sum.Done != 1 || len(seen) != 1 || seen[0].LastError != "not written: the account is no longer active (now issued)" {
		t.Fatalf("%+v, %v, %+v", sum, err, seen)
	}
	if e := s.Entry(dn); len(e["userPassword"]) != 0 {
		t.Fatal("a password was written for an account no longer active")
	}
}

// A directory that accepts the connection and never answers holds no
// database transaction open: while the write hangs, the job is leased and
// no session of the database is in a transaction; the job is retried later.
func TestNoTransactionOpenWhileTheDirectoryHangs(t *testing.T) {
	db := pgtest.New(t)
	addActive(t, db, "anne.alpha", hash(t, "Vert-Galet-Orage-73"), 1)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 4)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted <- c // held open, never answered
		}
	}()
	w, err := directory.NewWriter(directory.Config{URL: "ldap://" + ln.Addr().String(), BindDN: ldaptest.WriterDN, BindPassword: ldaptest.WriterPW,
		BaseDN: ldaptest.People, Map: testMapping(), ConnectTimeout: time.Minute, Timeout: 3 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	r := &directory.Runner{Jobs: db.Provisioning, Writer: w, Workers: 1}
	defer r.Close()
	type result struct {
		sum directory.Summary
		err error
	}
	done := make(chan result, 1)
	go func() {
		sum, err := r.RunOnce(ctx)
		done <- result{sum, err}
	}()
	c := <-accepted // the writer is connected and waits for an answer
	defer c.Close()

	var leased bool
	if err := db.GetContext(ctx, &leased, `SELECT leased_until IS NOT NULL FROM provision_jobs`); err != nil {
		t.Fatal(err)
	}
	var open []string
	if err := db.SelectContext(ctx, &open, `SELECT coalesce(state, '') || ': ' || query FROM pg_stat_activity
		WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend' AND xact_start IS NOT NULL`); err != nil {
		t.Fatal(err)
	}
	if !leased || len(open) != 0 {
		t.Fatalf("while the directory hangs: leased %v, transactions open: %q", leased, open)
	}
	res := <-done
	if res.err != nil || res.sum.Retry != 1 {
		t.Fatalf("after the timeout: %+v, %v", res.sum, res.err)
	}
	var attempts int
	var lease sql.NullTime
	if err := db.QueryRowContext(ctx, `SELECT attempts, leased_until FROM provision_jobs`).Scan(&attempts, &lease); err != nil {
		t.Fatal(err)
	}
	if attempts != 1 || lease.Valid {
		t.Fatalf("after the attempt: %d attempt(s), lease %v", attempts, lease)
	}
}
