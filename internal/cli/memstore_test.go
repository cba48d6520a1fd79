package cli

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/umontpellier/scolpass/internal/activation"
	"github.com/umontpellier/scolpass/internal/activation/memstore"
	"github.com/umontpellier/scolpass/internal/postgres"
)

// memStore is the commands' Store on the in-memory activation store: the
// real domain runs on it, and show and report read it as they read
// PostgreSQL. It holds no rule: only what the database would answer.
type memStore struct {
	*memstore.Store
	students map[int64]postgres.Student // what an import keeps beyond the account
	jobs     map[int64]*activation.Job
}

func newMemStore() *memStore {
	return &memStore{Store: memstore.New("2026-09"), students: map[int64]postgres.Student{}, jobs: map[int64]*activation.Job{}}
}

func (m *memStore) Accounts(actor activation.Actor) activation.Store {
	m.Store.Actor = actor
	return m.Store
}

// add stores an account in state imported (or st) with the student data an
// import would keep.
func (m *memStore) add(no, first, last, login, program string, st activation.State, imported time.Time) *activation.Account {
	a := m.Store.Add(activation.Account{StudentNo: no, FirstName: first, LastName: last, Login: login, Program: program,
		Component: "FDS", Year: "2026", State: st, StateSince: imported})
	m.students[a.StudentID] = postgres.Student{ID: a.StudentID, StudentNo: no, FirstName: first, LastName: last, Login: login,
		Program: program, Component: "FDS", Year: "2026", INE: "INE" + no, Email: login + "@perso.example",
		BirthDate: sql.NullTime{Time: time.Date(2006, 5, 4, 0, 0, 0, 0, time.UTC), Valid: true}, CreatedAt: imported}
	return a
}

// issue gives the account a provisional password, as issue-scolpass does.
func (m *memStore) issue(t *testing.T, a *activation.Account, pw string, now time.Time) {
	t.Helper()
	err := m.Store.Update(context.Background(), a.StudentID, -1, now, func(tx activation.Tx, acc *activation.Account) error {
		if acc.State == activation.StateImported {
			acc.State = activation.StateIssued
			if err := tx.SaveAccount(acc); err != nil {
				return err
			}
		}
		return tx.SetProvisional(acc, activation.Provisional{Hash: activation.HashProvisional(pw), IssuedAt: now, ExpiresAt: now.Add(120 * 24 * time.Hour), Batch: "b1"})
	})
	if err != nil {
		t.Fatal(err)
	}
}

func (m *memStore) accounts() []*activation.Account {
	var ids []int64
	for id := range m.students {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	out := make([]*activation.Account, len(ids))
	for i, id := range ids {
		out[i] = m.Store.Account(id)
	}
	return out
}

func (m *memStore) Details(ctx context.Context, key string) (*postgres.StudentDetails, error) {
	a, err := m.Store.Load(ctx, key)
	if err != nil {
		return nil, err
	}
	d := &postgres.StudentDetails{Student: m.students[a.StudentID], Account: a}
	if d.Student.BirthDate.Valid {
		d.BirthDate = d.Student.BirthDate.Time.Format("2006-01-02")
	}
	for _, tk := range m.Store.Tokens(a.StudentID) {
		l := postgres.LinkInfo{Purpose: tk.Purpose, Email: tk.Email, IssuedAt: tk.IssuedAt, ExpiresAt: tk.ExpiresAt}
		l.UsedAt, l.RevokedAt = tp(tk.UsedAt), tp(tk.RevokedAt)
		d.Links = append(d.Links, l)
	}
	for i, e := range m.Store.Events(a.StudentID) {
		ev := postgres.AuditEvent{ID: int64(i + 1), At: e.At, Clock: e.Actor.Clock, Operator: e.Actor.Operator, Channel: e.Actor.Channel,
			Action: e.Action, Outcome: e.Outcome, Detail: e.Detail}
		ev.FromState = sql.NullString{String: string(e.From), Valid: e.From != ""}
		ev.ToState = sql.NullString{String: string(e.To), Valid: e.To != ""}
		d.History = append(d.History, ev)
	}
	err = m.Store.Update(ctx, a.StudentID, -1, time.Now(), func(tx activation.Tx, _ *activation.Account) error {
		d.CharterInForce, err = tx.CharterInForce()
		return err
	})
	return d, err
}

func (m *memStore) DirectoryStatus(ctx context.Context, studentID int64) (*activation.Job, error) {
	return m.jobs[studentID], nil
}

func (m *memStore) BatchStudents(ctx context.Context, batch string) (map[string]bool, error) {
	out := map[string]bool{}
	for _, a := range m.accounts() {
		if a.Provisional != nil && a.Provisional.Batch == batch {
			out[a.StudentNo] = true
		}
	}
	return out, nil
}

func (m *memStore) filtered(f postgres.ReportFilter) []*activation.Account {
	in := func(list []string, v string) bool {
		return len(list) == 0 || strings.Contains(","+strings.Join(list, ",")+",", ","+v+",")
	}
	var out []*activation.Account
	for _, a := range m.accounts() {
		if in(f.Programs, a.Program) && in(f.Components, a.Component) && in(f.Years, a.Year) {
			out = append(out, a)
		}
	}
	return out
}

func (m *memStore) Report(ctx context.Context, by string, f postgres.ReportFilter, now time.Time) ([]postgres.ReportRow, error) {
	rows := map[string]*postgres.ReportRow{}
	for _, a := range m.filtered(f) {
		key := map[string]string{"program": a.Program, "component": a.Component, "year": a.Year, "state": string(a.State)}[by]
		r := rows[key]
		if r == nil {
			r = &postgres.ReportRow{Key: key, States: map[activation.State]int{}}
			rows[key] = r
		}
		r.Students++
		r.States[a.State]++
		if a.LockedAt(now) {
			r.Locked++
		}
	}
	var out []postgres.ReportRow
	for _, r := range rows {
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}

func (m *memStore) Stuck(ctx context.Context, d time.Duration, f postgres.ReportFilter, now time.Time, each func(postgres.StuckAccount) error) error {
	for _, a := range m.filtered(f) {
		if a.State == activation.StateActive || !a.StateSince.Before(now.Add(-d)) {
			continue
		}
		s := postgres.StuckAccount{Login: a.Login, StudentNo: a.StudentNo, LastName: a.LastName, FirstName: a.FirstName,
			Program: a.Program, State: string(a.State), Since: a.StateSince, Locked: a.LockedAt(now)}
		for _, tk := range m.Store.Tokens(a.StudentID) {
			if tk.UsedAt.IsZero() && tk.RevokedAt.IsZero() {
				to, exp := tk.Email, tk.ExpiresAt
				s.LinkTo, s.LinkExpiry = &to, &exp
			}
		}
		if err := each(s); err != nil {
			return err
		}
	}
	return nil
}

func (m *memStore) NotInDirectory(ctx context.Context, f postgres.ReportFilter) (int, error) {
	n := 0
	for _, a := range m.filtered(f) {
		if j := m.jobs[a.StudentID]; a.State == activation.StateActive && (j == nil || j.Status() != activation.JobDone) {
			n++
		}
	}
	return n, nil
}

func (m *memStore) CountResets(ctx context.Context, f postgres.ReportFilter, since, until time.Time) (int, error) {
	n := 0
	for _, a := range m.filtered(f) {
		for _, e := range m.Events(a.StudentID) {
			if (e.Action == "password-reset" || e.Action == "password-change") && e.Outcome == "ok" && !e.At.Before(since) && e.At.Before(until) {
				n++
			}
		}
	}
	return n, nil
}

// testNow is the clock of the command tests: a Tuesday morning in Paris.
var testNow = time.Date(2026, 9, 1, 10, 0, 0, 0, activation.Zone())

// cliRun is one command line run on a memStore.
type cliRun struct {
	store *memStore
	env   map[string]string
	stdin string
	dir   string // the working directory of files named in tests
}

func newCLI(t *testing.T) *cliRun {
	return &cliRun{store: newMemStore(), dir: t.TempDir(), env: map[string]string{
		// Cheap argon2id in tests; the defaults are measured by benchmarks.
		"SCOLPASS_ARGON2_MEMORY_KIB": "1024", "SCOLPASS_ARGON2_TIME": "1", "SCOLPASS_ARGON2_THREADS": "1",
	}}
}

type result struct {
	code           ExitCode
	stdout, stderr string
}

// run runs one command line and returns its exit code and outputs.
func (c *cliRun) run(t *testing.T, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	env := &Env{Stdin: strings.NewReader(c.stdin), Stdout: &out, Stderr: &errb,
		Getenv:    func(k string) string { return c.env[k] },
		Clock:     func() time.Time { return testNow },
		OpenStore: func(context.Context) (Store, error) { return c.store, nil },
	}
	code := Run(context.Background(), env, args)
	c.stdin = ""
	return result{code, out.String(), errb.String()}
}

// want checks the exit code and that each pattern is in stdout+stderr.
func (r result) want(t *testing.T, code ExitCode, patterns ...string) {
	t.Helper()
	if r.code != code {
		t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, code, r.stdout, r.stderr)
		return
	}
	for _, p := range patterns {
		if !regexp.MustCompile(p).MatchString(r.stdout + r.stderr) {
			t.Errorf("output lacks %q\nstdout:\n%s\nstderr:\n%s", p, r.stdout, r.stderr)
		}
	}
}

// file writes a file in the run's directory and returns its path.
func (c *cliRun) file(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(c.dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
