package postgres_test

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/umontpellier/scolpass/internal/activation"
	"github.com/umontpellier/scolpass/internal/postgres"
	"github.com/umontpellier/scolpass/internal/postgres/pgtest"
)

// purgeWorld is a database built to hold one item on each side of every
// retention rule, all dated from p0.
type purgeWorld struct {
	db  *postgres.DB
	ids map[string]int64
}

var p0 = time.Date(2025, 9, 1, 10, 0, 0, 0, activation.Zone())

func (w *purgeWorld) exec(t *testing.T, q string, args ...any) {
	t.Helper()
	if _, err := w.db.ExecContext(ctx, q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// addStudent stores a student in state, created at created, last seen in
// an import at seen (zero: never since), activated at activated (zero:
// never).
func (w *purgeWorld) addStudent(t *testing.T, login, state string, created, seen, activated time.Time) int64 {
	t.Helper()
	var id int64
	no := fmt.Sprintf("P%d", len(w.ids)+1)
	hash := ""
	if !activated.IsZero() {
		hash = "$argon2id$v=19$m=1024,t=1,p=1$c2FsdA$aGFzaA"
	}
	err := w.db.GetContext(ctx, &id, `INSERT INTO students (student_no, last_name, first_name, login_base, login_seq, login,
		created_at, updated_at, state_since, state, last_seen_at, activated_at, password_hash)
		VALUES ($1, 'Nom', 'Prenom', $2, 1, $2, $3, $3, $3, $4, $5, $6, $7) RETURNING id`,
		no, login, created, state, nullTime(seen), nullTime(activated), nullStr(hash))
	if err != nil {
		t.Fatal(err)
	}
	w.ids[login] = id
	return id
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

func nullStr(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// newPurgeWorld: four students imported at p0 —
//   - anne.gone: issued, never seen again → leaves 13 months after p0;
//   - bruno.gone: half-way (recovery_pending), with a SCOL'PASS, a link, a
//     session, emails, audit events and a directory job → leaves with all;
//   - chloe.seen: issued, seen again in an import 30 days later → stays;
//   - dora.active: active, never seen again → stays (never by age);
//   - emile.wasactive: activated once, then restarted → stays;
//
// and, for the other rules, items of students who stay: audit events at p0
// and p0+1d, emails given up at p0 and p0+1d with their body, one
// delivered at p0, one pending; links used at p0, expired at p0+23h,
// revoked at p0+2d, live; sessions ended at p0, idle since p0, live;
// directory jobs done at p0, given up at p0, pending.
func newPurgeWorld(t *testing.T) *purgeWorld {
	w := &purgeWorld{db: pgtest.New(t), ids: map[string]int64{}}
	d := 24 * time.Hour
	w.addStudent(t, "anne.gone", "issued", p0, time.Time{}, time.Time{})
	bruno := w.addStudent(t, "bruno.gone", "recovery_pending", p0, time.Time{}, time.Time{})
	chloe := w.addStudent(t, "chloe.seen", "issued", p0, p0.Add(30*d), time.Time{})
	dora := w.addStudent(t, "dora.active", "active", p0, time.Time{}, p0.Add(d))
	w.addStudent(t, "emile.wasactive", "issued", p0, time.Time{}, p0.Add(d))
	// bruno's data: everything attached to a student.
	w.exec(t, `INSERT INTO provisional_credentials (student_id, hash, issued_at, expires_at, batch) VALUES ($1, 'h', $2, $3, 'b')`, bruno, p0, p0.Add(120*d))
	w.exec(t, `INSERT INTO tokens (student_id, purpose, token_hash, email, issued_at, expires_at) VALUES ($1, 'recovery', 'bruno', 'b@example.org', $2, $2)`, bruno, p0.Add(400*d))
	w.exec(t, `INSERT INTO web_sessions (student_id, secret_hash, created_at, last_seen_at) VALUES ($1, 'bruno', $2, $2)`, bruno, p0.Add(400*d))
	w.exec(t, `INSERT INTO outbox (student_id, kind, to_addr, subject, body, created_at, next_attempt_at) VALUES ($1, 'recovery_link', 'b@example.org', 's', 'link', $2, $2)`, bruno, p0.Add(400*d))
	w.exec(t, `INSERT INTO audit_events (at, operator, channel, student_id, action, outcome) VALUES ($1, 'x', 'web', $2, 'recovery-email', 'ok')`, p0.Add(400*d), bruno)
	w.exec(t, `INSERT INTO provision_jobs (student_id, reason, created_at, next_attempt_at) VALUES ($1, 'activated', $2, $2)`, bruno, p0.Add(400*d))
	// Audit events of those who stay (and of none).
	w.exec(t, `INSERT INTO audit_events (at, operator, channel, student_id, action, outcome) VALUES ($1, 'x', 'bulk', $2, 'import', 'ok')`, p0, chloe)
	w.exec(t, `INSERT INTO audit_events (at, operator, channel, action, outcome) VALUES ($1, 'x', 'script', 'purge', 'ok')`, p0)
	w.exec(t, `INSERT INTO audit_events (at, operator, channel, student_id, action, outcome) VALUES ($1, 'x', 'web', $2, 'new-password', 'ok')`, p0.Add(d), dora)
	// Emails.
	mail := func(body any, sent, failed any) {
		w.exec(t, `INSERT INTO outbox (student_id, kind, to_addr, subject, body, created_at, next_attempt_at, sent_at, failed_at)
			VALUES ($1, 'recovery_link', 'c@example.org', 'Lien', $2, $3, $3, $4, $5)`, chloe, body, p0.Add(-d), sent, failed)
	}
	// Giving up clears a body at once, as delivery does (the queue): the
	// purge's mail rule finds nothing left to clear.
	mail(nil, nil, p0)
	mail(nil, nil, p0.Add(d))
	mail(nil, p0, nil)
	mail("pending", nil, nil)
	// Links.
	link := func(tag string, expires time.Time, used, revoked any) {
		w.exec(t, `INSERT INTO tokens (student_id, purpose, token_hash, email, issued_at, expires_at, used_at, revoked_at)
			VALUES ($1, 'recovery', $2, 'c@example.org', $3, $4, $5, $6)`, chloe, tag, p0.Add(-d), expires, used, revoked)
	}
	link("used", p0.Add(400*d), p0, nil)
	link("expired", p0.Add(23*time.Hour), nil, nil)
	link("revoked", p0.Add(400*d), nil, p0.Add(2*d))
	link("live", p0.Add(400*d), nil, nil)
	// Sessions.
	session := func(tag string, seen time.Time, ended any) {
		w.exec(t, `INSERT INTO web_sessions (student_id, secret_hash, created_at, last_seen_at, ended_at) VALUES ($1, $2, $3, $3, $4)`,
			chloe, tag, seen, ended)
	}
	session("ended", p0.Add(-d), p0)
	session("idle", p0, nil)
	session("live", p0.Add(400*d), nil)
	// Directory jobs.
	job := func(done, failed any) {
		w.exec(t, `INSERT INTO provision_jobs (student_id, reason, created_at, next_attempt_at, done_at, failed_at) VALUES ($1, 'activated', $2, $2, $3, $4)`,
			dora, p0.Add(-d), done, failed)
	}
	job(p0, nil)
	job(nil, p0)
	job(nil, nil)
	return w
}

func (w *purgeWorld) dry(t *testing.T, ret activation.Retention, now time.Time) activation.PurgeCounts {
	t.Helper()
	c, err := w.db.Purge(ctx, ret.Cutoffs(now), postgres.PurgeOptions{DryRun: true}, actor, now)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestPurgeBoundaries counts, with the default retention, what goes at
// clocks on both sides of each rule's boundary: exactly at the boundary an
// item stays, a second later it goes.
func TestPurgeBoundaries(t *testing.T) {
	w := newPurgeWorld(t)
	ret := activation.DefaultRetention
	s := time.Second
	at := func(months, days int) time.Time { return p0.AddDate(0, months, days) }
	for _, c := range []struct {
		name string
		now  time.Time
		kind string
		want int64
	}{
		// Students: anne and bruno were last seen at p0; 13 months.
		{"students at 13 months", at(13, 0), activation.PurgeStudents, 0},
		{"students 13 months and 1s", at(13, 0).Add(s), activation.PurgeStudents, 2},
		// chloe was seen at p0+30d: she goes past 13 months after that —
		// but then no import came in 13 months, and nobody leaves.
		{"students when the imports stopped", at(13, 30).Add(s), activation.PurgeStudents, 0},
		// Audit: the 2 events at p0 that are not bruno's (he leaves first).
		{"audit at 12 months", at(12, 0), activation.PurgeAudit, 0},
		{"audit 12 months and 1s", at(12, 0).Add(s), activation.PurgeAudit, 2},
		{"audit 12 months and 1 day", at(12, 1).Add(s), activation.PurgeAudit, 3},
		// Mail bodies: cleared at delivery or giving up; the pending one stays.
		{"mail at 30 days", at(0, 30), activation.PurgeMail, 0},
		{"mail much later", at(30, 0), activation.PurgeMail, 0},
		// Links: used at p0, expired at p0+23h, revoked at p0+2d, then 7 days.
		{"links at 7 days", at(0, 7), activation.PurgeLinks, 0},
		{"links 7 days and 1s", at(0, 7).Add(s), activation.PurgeLinks, 1},
		{"links at 7 days 23h", at(0, 7).Add(23 * time.Hour), activation.PurgeLinks, 1},
		{"links 7 days 23h and 1s", at(0, 7).Add(23*time.Hour + s), activation.PurgeLinks, 2},
		{"links 9 days and 1s", at(0, 9).Add(s), activation.PurgeLinks, 3},
		// Sessions: ended at p0, idle since p0, one live.
		{"sessions at 7 days", at(0, 7), activation.PurgeSessions, 0},
		{"sessions 7 days and 1s", at(0, 7).Add(s), activation.PurgeSessions, 2},
		// Jobs: done at p0 goes; given up and pending stay.
		{"jobs at 7 days", at(0, 7), activation.PurgeJobs, 0},
		{"jobs 7 days and 1s", at(0, 7).Add(s), activation.PurgeJobs, 1},
		{"jobs much later", at(30, 0), activation.PurgeJobs, 1},
	} {
		if got := w.dry(t, ret, c.now)[c.kind]; got != c.want {
			t.Errorf("%s (%s): %s = %d, want %d", c.name, c.now.Format(time.RFC3339), c.kind, got, c.want)
		}
	}
	// Shorter settings move the boundaries.
	short := ret
	short.Audit = activation.Period{Months: 6}
	if got := w.dry(t, short, at(6, 0).Add(s))[activation.PurgeAudit]; got != 2 {
		t.Errorf("audit, 6 months and 1s with SCOLPASS_RETAIN_AUDIT=6mo: %d, want 2", got)
	}
}

// TestPurgeRemoves runs a real purge past every boundary: what a dry run
// counts goes, the students who left go with everything attached, those
// who stay keep their data, and one audit event gives the counts.
func TestPurgeRemoves(t *testing.T) {
	w := newPurgeWorld(t)
	now := p0.AddDate(0, 13, 1) // 13 months and a day: every rule applies
	dry := w.dry(t, activation.DefaultRetention, now)
	got, err := w.db.Purge(ctx, activation.DefaultRetention.Cutoffs(now), postgres.PurgeOptions{Batch: 1}, actor, now)
	if err != nil {
		t.Fatal(err)
	}
	want := activation.PurgeCounts{"students": 2, "audit_events": 3, "mail_bodies": 0, "links": 3, "sessions": 2, "directory_jobs": 1}
	if fmt.Sprint(got) != fmt.Sprint(want) || fmt.Sprint(dry) != fmt.Sprint(want) {
		t.Errorf("purge = %v, dry run = %v, want %v", got, dry, want)
	}
	count := func(q string, args ...any) int {
		var n int
		if err := w.db.GetContext(ctx, &n, q, args...); err != nil {
			t.Fatal(err)
		}
		return n
	}
	var left []string
	if err := w.db.SelectContext(ctx, &left, `SELECT login FROM students ORDER BY login`); err != nil {
		t.Fatal(err)
	}
	if strings.Join(left, " ") != "chloe.seen dora.active emile.wasactive" {
		t.Errorf("students left: %v", left)
	}
	bruno := w.ids["bruno.gone"]
	for _, table := range []string{"provisional_credentials", "tokens", "web_sessions", "outbox", "audit_events", "provision_jobs"} {
		if n := count(`SELECT count(*) FROM `+table+` WHERE student_id = $1`, bruno); n != 0 {
			t.Errorf("%s: %d rows of the student who left", table, n)
		}
	}
	if n := count(`SELECT count(*) FROM outbox WHERE body IS NOT NULL`); n != 1 {
		t.Errorf("%d email bodies left, want 1 (the pending one)", n)
	}
	if n := count(`SELECT count(*) FROM outbox WHERE student_id = $1 AND to_addr <> '' AND kind <> ''`, w.ids["chloe.seen"]); n != 4 {
		t.Errorf("emails: %d left with who and what, want 4", n)
	}
	var detail string
	if err := w.db.GetContext(ctx, &detail, `SELECT detail FROM audit_events WHERE action = 'purge' AND at = $1`, now); err != nil {
		t.Fatal(err)
	}
	if detail != want.Detail() {
		t.Errorf("purge audit event: %q, want %q", detail, want.Detail())
	}
	// Again: nothing more (but its own audit line).
	again, err := w.db.Purge(ctx, activation.DefaultRetention.Cutoffs(now), postgres.PurgeOptions{}, actor, now)
	if err != nil {
		t.Fatal(err)
	}
	for k, n := range again {
		if n != 0 {
			t.Errorf("second purge removed %d %s", n, k)
		}
	}
}

// TestPurgeReimport: a student removed as gone, imported again, starts
// afresh with the same login (free again) and no past.
func TestPurgeReimport(t *testing.T) {
	db := pgtest.New(t)
	opt := postgres.ImportOptions{Columns: []string{"program"}}
	// Two Jean Duponts: jean.dupont (number 1) and jean.dupont2 (number 3).
	first := []activation.ImportRecord{student(2, "1", "Jean", "Dupont"), student(3, "2", "Anne", "Autre"), student(4, "3", "Jean", "Dupont")}
	if _, err := db.ImportStudents(ctx, first, opt, actor, p0); err != nil {
		t.Fatal(err)
	}
	// A month later Anne and the second Jean are in the file: they are
	// seen, the first Jean is not.
	if _, err := db.ImportStudents(ctx, first[1:], opt, actor, p0.AddDate(0, 1, 0)); err != nil {
		t.Fatal(err)
	}
	var seen []string
	if err := db.SelectContext(ctx, &seen, `SELECT login FROM students WHERE last_seen_at IS NOT NULL`); err != nil {
		t.Fatal(err)
	}
	slices.Sort(seen)
	if fmt.Sprint(seen) != "[anne.autre jean.dupont2]" {
		t.Fatalf("seen again: %v, want [anne.autre jean.dupont2]", seen)
	}
	now := p0.AddDate(0, 13, 1)
	got, err := db.Purge(ctx, activation.DefaultRetention.Cutoffs(now), postgres.PurgeOptions{}, actor, now)
	if err != nil {
		t.Fatal(err)
	}
	if got[activation.PurgeStudents] != 1 {
		t.Fatalf("students removed: %d, want 1 (jean.dupont)", got[activation.PurgeStudents])
	}
	sum, err := db.ImportStudents(ctx, first[:1], opt, actor, now)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Created != 1 {
		t.Errorf("re-import: %+v, want 1 created", sum)
	}
	var state, login string
	var events int
	if err := db.QueryRowxContext(ctx, `SELECT state, login, (SELECT count(*) FROM audit_events e WHERE e.student_id = s.id)
		FROM students s WHERE student_no = '1'`).Scan(&state, &login, &events); err != nil {
		t.Fatal(err)
	}
	// jean.dupont is free again, though jean.dupont2 stays: the same login.
	if state != "imported" || login != "jean.dupont" || events != 1 {
		t.Errorf("re-imported: state %s, login %s, %d events; want imported, jean.dupont, 1 (its import)", state, login, events)
	}
}

// TestPurgeWhileActivating: a purge in small batches runs while students
// go through their steps. An account held by a step in progress is
// skipped, not waited for, and goes at the next run; the activations of
// students who stay are not disturbed.
func TestPurgeWhileActivating(t *testing.T) {
	db := pgtest.New(t)
	const gone = 300
	rows := make([]activation.ImportRecord, 0, gone)
	for i := range gone {
		rows = append(rows, student(i+2, fmt.Sprint(1000+i), "Jean", fmt.Sprintf("Parti%c%c", 'a'+i/26%26, 'a'+i%26)))
	}
	opt := postgres.ImportOptions{Columns: []string{"program"}}
	if _, err := db.ImportStudents(ctx, rows, opt, actor, p0); err != nil {
		t.Fatal(err)
	}
	now := p0.AddDate(0, 13, 1)
	stay := []activation.ImportRecord{student(2, "1", "Héloïse", "Lefèvre")}
	if _, err := db.ImportStudents(ctx, stay, opt, actor, now.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	cfg := activation.DefaultConfig()
	cfg.Argon2 = activation.Argon2Params{Memory: 1024, Time: 1, Threads: 1}
	svc := &activation.Service{Store: &postgres.AccountStore{DB: db, Actor: actor}, Config: cfg}
	pw := issueOne(t, db, "heloise.lefevre", now)

	// A step in progress on one of the students who left: its row is locked.
	held, err := db.BeginTxx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Rollback()
	var heldID int64
	if err := held.GetContext(ctx, &heldID, `SELECT id FROM students WHERE student_no = '1150' FOR UPDATE`); err != nil {
		t.Fatal(err)
	}

	var wg sync.WaitGroup
	var actErr error
	var out *activation.Outcome
	wg.Go(func() {
		_, out, actErr = svc.StartSession(ctx, "heloise.lefevre", pw, now)
	})
	got, err := db.Purge(ctx, activation.DefaultRetention.Cutoffs(now), postgres.PurgeOptions{Batch: 7}, actor, now)
	wg.Wait()
	if err != nil {
		t.Fatalf("purge: %v", err)
	}
	if actErr != nil || out == nil || out.State != activation.StateAuthenticated {
		t.Fatalf("steps 1-2 during the purge: %v, %+v", actErr, out)
	}
	if got[activation.PurgeStudents] != gone-1 {
		t.Errorf("removed %d students, want %d (all but the one in use)", got[activation.PurgeStudents], gone-1)
	}
	if err := held.Rollback(); err != nil {
		t.Fatal(err)
	}
	got, err = db.Purge(ctx, activation.DefaultRetention.Cutoffs(now), postgres.PurgeOptions{}, actor, now)
	if err != nil {
		t.Fatal(err)
	}
	if got[activation.PurgeStudents] != 1 {
		t.Errorf("next run removed %d students, want 1 (the one that was in use)", got[activation.PurgeStudents])
	}
	var n int
	if err := db.GetContext(ctx, &n, `SELECT count(*) FROM students`); err != nil || n != 1 {
		t.Errorf("%d students left (%v), want 1", n, err)
	}
}

// issueOne gives login a SCOL'PASS at now and returns its provisional
// password.
func issueOne(t *testing.T, db *postgres.DB, login string, now time.Time) string {
	t.Helper()
	pw, err := activation.GenerateProvisional()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `UPDATE students SET state = 'issued' WHERE login = $1`, login); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO provisional_credentials (student_id, hash, issued_at, expires_at, batch)
		SELECT id, $2, $3, $4, 'b' FROM students WHERE login = $1`, login, activation.HashProvisional(pw), now.Add(-time.Hour), now.AddDate(0, 4, 0)); err != nil {
		t.Fatal(err)
	}
	return pw
}
