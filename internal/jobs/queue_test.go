package jobs_test

import (
	"context"
	"testing"
	"time"

	"github.com/umontpellier/scolpass/internal/activation"
	"github.com/umontpellier/scolpass/internal/jobs"
	"github.com/umontpellier/scolpass/internal/mail"
	"github.com/umontpellier/scolpass/internal/mail/smtptest"
	"github.com/umontpellier/scolpass/internal/postgres"
	"github.com/umontpellier/scolpass/internal/postgres/pgtest"
)

var ctx = context.Background()

var t0 = time.Date(2026, 9, 1, 10, 0, 0, 0, time.UTC)

// queueEmail puts an email due at t0 in the outbox and returns its ID.
func queueEmail(t *testing.T, db *postgres.DB, to string) int64 {
	t.Helper()
	var id int64
	if err := db.GetContext(ctx, &id, `INSERT INTO outbox (kind, to_addr, subject, body, created_at, next_attempt_at)
		VALUES ('recovery_link', $1, 'Lien', 'Bonjour', $2, $2) RETURNING id`, to, t0); err != nil {
		t.Fatal(err)
	}
	return id
}

// A worker that dies mid-job (claimed, never settled) holds the job only
// while its lease runs: no other worker gets it before, another one gets it
// after; the dead worker's late outcome is then ignored.
func TestLeaseRunsOutAndAnotherWorkerTakesTheJob(t *testing.T) {
	db := pgtest.New(t)
	id := queueEmail(t, db, "anne@example.org")
	q := db.Outbox()
	lease := activation.JobLease

	first, err := q.Claim(ctx, t0, 10, lease)
	if err != nil || len(first) != 1 || first[0].Job.ID != id || first[0].Job.Attempts != 1 || first[0].Payload.Body != "Bonjour" {
		t.Fatalf("first claim: %+v, %v", first, err)
	}
	// The worker "dies" here: nothing settles the job.
	for _, at := range []time.Time{t0, t0.Add(lease - time.Second)} {
		if got, err := q.Claim(ctx, at, 10, lease); err != nil || len(got) != 0 {
			t.Fatalf("claim at %s, lease running: %+v, %v", at, got, err)
		}
	}
	later := t0.Add(lease + time.Second)
	second, err := q.Claim(ctx, later, 10, lease)
	if err != nil || len(second) != 1 || second[0].Job.ID != id || second[0].Job.Attempts != 2 {
		t.Fatalf("claim after the lease: %+v, %v", second, err)
	}
	// The first worker comes back to life: its outcome no longer counts.
	if left, err := q.Settle(ctx, later, []jobs.Settled{{Job: first[0].Job, Settlement: activation.SettleJob(1, activation.Attempt{}, later)}}); err != nil || len(left) != 0 {
		t.Fatalf("the dead worker's settle: %+v, %v", left, err)
	}
	left, err := q.Settle(ctx, later, []jobs.Settled{{Job: second[0].Job, Settlement: activation.SettleJob(2, activation.Attempt{}, later)}})
	if err != nil || len(left) != 1 || left[0].Status() != activation.JobDone {
		t.Fatalf("the second worker's settle: %+v, %v", left, err)
	}
	var sent, bodyGone bool
	var attempts int
	if err := db.QueryRowContext(ctx, `SELECT sent_at IS NOT NULL, body IS NULL, attempts FROM outbox WHERE id = $1`, id).Scan(&sent, &bodyGone, &attempts); err != nil {
		t.Fatal(err)
	}
	if !sent || !bodyGone || attempts != 2 {
		t.Fatalf("sent %v, body cleared %v, attempts %d", sent, bodyGone, attempts)
	}
}

// A job released untried (the run stopped) is due again at once, its
// attempt not counted; a refused one is failed for good and its body is
// cleared too.
func TestReleaseAndPermanentFailure(t *testing.T) {
	db := pgtest.New(t)
	a, b := queueEmail(t, db, "a@example.org"), queueEmail(t, db, "b@example.org")
	q := db.Outbox()
	got, err := q.Claim(ctx, t0, 2, time.Minute)
	if err != nil || len(got) != 2 {
		t.Fatalf("%+v, %v", got, err)
	}
	if err := q.Release(ctx, []activation.Job{got[1].Job}); err != nil {
		t.Fatal(err)
	}
	s := activation.SettleJob(1, activation.Attempt{Err: errBox("550 no such user"), Permanent: true}, t0)
	if left, err := q.Settle(ctx, t0, []jobs.Settled{{Job: got[0].Job, Settlement: s}}); err != nil || len(left) != 1 || left[0].Status() != activation.JobFailed {
		t.Fatalf("%+v, %v", left, err)
	}
	again, err := q.Claim(ctx, t0, 2, time.Minute)
	if err != nil || len(again) != 1 || again[0].Job.ID != b || again[0].Job.Attempts != 1 {
		t.Fatalf("after release: %+v, %v", again, err)
	}
	var failed, bodyGone bool
	if err := db.QueryRowContext(ctx, `SELECT failed_at IS NOT NULL, body IS NULL FROM outbox WHERE id = $1`, a).Scan(&failed, &bodyGone); err != nil {
		t.Fatal(err)
	}
	if !failed || !bodyGone {
		t.Fatalf("refused for good: failed %v, body cleared %v", failed, bodyGone)
	}
}

type errBox string

func (e errBox) Error() string { return string(e) }

// An SMTP server that accepts the connection and never answers holds no
// database transaction open: while the send hangs, the email is leased and
// no session of the database is idle in a transaction.
func TestNoTransactionOpenWhileSMTPHangs(t *testing.T) {
	db := pgtest.New(t)
	id := queueEmail(t, db, "anne@example.org")
	srv := smtptest.Start(t)
	stalled, release := srv.Stall()
	defer release()
	sender, err := mail.NewSMTPSender(srv.URL(), "SCOL'PASS <no-reply@umontpellier.fr>", mail.WithTimeout(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	defer sender.Close()
	r := jobs.Runner[activation.Email]{Queue: db.Outbox(), Do: mail.Deliver(sender, "")}
	done := make(chan jobs.Summary, 1)
	go func() {
		sum, err := r.Run(ctx, t0)
		if err != nil {
			t.Error(err)
		}
		done <- sum
	}()
	<-stalled // the sender waits for the server's answer to MAIL FROM

	var leased bool
	if err := db.QueryRowContext(ctx, `SELECT leased_until IS NOT NULL FROM outbox WHERE id = $1`, id).Scan(&leased); err != nil {
		t.Fatal(err)
	}
	var open []string
	if err := db.SelectContext(ctx, &open, `SELECT state || ': ' || query FROM pg_stat_activity
		WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend' AND (state LIKE 'idle in transaction%' OR xact_start IS NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	if !leased || len(open) != 0 {
		t.Fatalf("while SMTP hangs: leased %v, transactions open: %q", leased, open)
	}
	release()
	if sum := <-done; sum.Done != 1 {
		t.Fatalf("after the server answered: %+v", sum)
	}
}

// At least once: an email the SMTP server accepted goes out again when the
// database is lost before its outcome is recorded; both copies carry the
// same Message-ID, so the duplicate is recognisable.
func TestAcceptedThenDatabaseLostIsSentAgainWithTheSameMessageID(t *testing.T) {
	url := pgtest.NewDatabase(t)
	db := pgtest.Open(t, url)
	id := queueEmail(t, db, "anne@example.org")
	srv := smtptest.Start(t)
	sender, err := mail.NewSMTPSender(srv.URL(), "SCOL'PASS <no-reply@umontpellier.fr>")
	if err != nil {
		t.Fatal(err)
	}
	defer sender.Close()

	// The first sender's database connection dies right after the server
	// accepted the email.
	lost, err := postgres.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	deliver := mail.Deliver(sender, "")
	r := jobs.Runner[activation.Email]{Queue: lost.Outbox(), Do: func(ctx context.Context, w int, c jobs.Claimed[activation.Email]) activation.Attempt {
		a := deliver(ctx, w, c)
		lost.Close()
		return a
	}}
	if _, err := r.Run(ctx, t0); err == nil {
		t.Fatal("the outcome was recorded on a closed database")
	}
	if n := len(srv.Messages()); n != 1 {
		t.Fatalf("%d messages after the first run, want 1", n)
	}

	// Another sender, once the lease has run out: the email goes again.
	r = jobs.Runner[activation.Email]{Queue: db.Outbox(), Do: deliver}
	sum, err := r.Run(ctx, t0.Add(activation.JobLease+time.Second))
	if err != nil || sum.Done != 1 {
		t.Fatalf("%+v, %v", sum, err)
	}
	msgs := srv.Messages()
	if len(msgs) != 2 {
		t.Fatalf("%d messages, want 2 (at least once)", len(msgs))
	}
	want := "<" + mail.MessageID(id, "umontpellier.fr") + ">"
	for i, m := range msgs {
		if got := m.MessageID(); got != want {
			t.Errorf("message %d: Message-ID %q, want %q", i+1, got, want)
		}
	}
}
