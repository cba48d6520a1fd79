package jobs_test

import (
	"context"
	"testing"
	"time"

	"github.com/umontpellier/scolpass/internal/activation"
	"github.com/umontpellier/scolpass/internal/jobs"
	"github.com/umontpellier/scolpass/internal/mail"
	"github.com/umontpellier/scolpass/internal/mail/smtptest"
	"github.com/umontpellier/scolpass/internal/postgres/pgtest"
)

// timedQueue times the queue's transactions (the claim, the settle) apart
// from the work done between them.
type timedQueue[P any] struct {
	jobs.Queue[P]
	inTx time.Duration
}

func (q *timedQueue[P]) Claim(ctx context.Context, now time.Time, n int, lease time.Duration) ([]jobs.Claimed[P], error) {
	start := time.Now()
	defer func() { q.inTx += time.Since(start) }()
	return q.Queue.Claim(ctx, now, n, lease)
}

func (q *timedQueue[P]) Settle(ctx context.Context, now time.Time, done []jobs.Settled) ([]activation.Job, error) {
	start := time.Now()
	defer func() { q.inTx += time.Since(start) }()
	return q.Queue.Settle(ctx, now, done)
}

// BenchmarkOutboxDelivery delivers emails to a local SMTP server and
// reports, per email, the time spent in database transactions (tx-ms/op:
// the claim and the settle) and the time of the SMTP exchange, with no
// transaction open (smtp-ms/op), on loopback and with 20 ms more per
// email, as a server farther away would take.
func BenchmarkOutboxDelivery(b *testing.B) {
	for _, latency := range []time.Duration{0, 20 * time.Millisecond} {
		b.Run("smtp+"+latency.String(), func(b *testing.B) { benchOutboxDelivery(b, latency) })
	}
}

func benchOutboxDelivery(b *testing.B, latency time.Duration) {
	db := pgtest.New(b)
	for i := 0; i < b.N; i++ {
		if _, err := db.ExecContext(ctx, `INSERT INTO outbox (kind, to_addr, subject, body, created_at, next_attempt_at)
			VALUES ('recovery_link', 'anne@example.org', 'Lien', 'Bonjour', $1, $1)`, t0); err != nil {
			b.Fatal(err)
		}
	}
	srv := smtptest.Start(b)
	sender, err := mail.NewSMTPSender(srv.URL(), "SCOL'PASS <no-reply@umontpellier.fr>")
	if err != nil {
		b.Fatal(err)
	}
	defer sender.Close()
	q := &timedQueue[activation.Email]{Queue: db.Outbox()}
	deliver := mail.Deliver(sender, "")
	var smtp time.Duration
	r := jobs.Runner[activation.Email]{Queue: q, Do: func(ctx context.Context, w int, c jobs.Claimed[activation.Email]) activation.Attempt {
		start := time.Now()
		defer func() { smtp += time.Since(start) }()
		time.Sleep(latency) // a server farther than loopback
		return deliver(ctx, w, c)
	}}
	b.ResetTimer()
	sum, err := r.Run(ctx, t0)
	if err != nil || sum.Done != b.N {
		b.Fatalf("%+v, %v", sum, err)
	}
	b.ReportMetric(float64(q.inTx.Microseconds())/1000/float64(b.N), "tx-ms/op")
	b.ReportMetric(float64(smtp.Microseconds())/1000/float64(b.N), "smtp-ms/op")
}
