package postgres_test

import (
	"slices"
	"testing"
	"time"

	"github.com/umontpellier/scolpass/internal/activation"
	"github.com/umontpellier/scolpass/internal/activation/storetest"
	"github.com/umontpellier/scolpass/internal/postgres"
	"github.com/umontpellier/scolpass/internal/postgres/pgtest"
)

// BenchmarkWrongPasswordExistingVsUnknown measures what a wrong provisional
// password costs on the site's steps 1-2 (StartSession on PostgreSQL) for
// an existing login and for an unknown one, alternately so that both see
// the same machine. It reports the median of each and their gap: an
// attacker who times the answers must not tell the logins apart (the
// README's "Security" section quotes the figure).
//
//	scripts/with-pg.sh go test ./internal/postgres -run '^$' -bench WrongPassword -benchtime 300x
func BenchmarkWrongPasswordExistingVsUnknown(b *testing.B) {
	db := pgtest.New(b)
	cfg := storetest.Config()
	cfg.MaxFailures = 1 << 30 // never locked: every attempt is a wrong password
	svc := &activation.Service{Store: &postgres.AccountStore{DB: db, Actor: activation.Actor{Operator: "bench", Channel: "script", Clock: "system"}}, Config: cfg}
	now := time.Date(2026, 9, 14, 10, 0, 0, 0, activation.Zone())
	var id int64
	if err := db.GetContext(ctx, &id, `INSERT INTO students (student_no, last_name, first_name, login_base, login_seq, login, created_at, updated_at, state, state_since)
		VALUES ('22600001', 'Dupont', 'Jean', 'jean.dupont', 1, 'jean.dupont', $1, $1, 'issued', $1) RETURNING id`, now); err != nil {
		b.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO provisional_credentials (student_id, hash, issued_at, expires_at, batch) VALUES ($1, $2, $3, $4, 'b1')`,
		id, activation.HashProvisional("K7QM-X4TP-9CWD-3R"), now, now.Add(24*time.Hour)); err != nil {
		b.Fatal(err)
	}
	try := func(login string) time.Duration {
		start := time.Now()
		_, _, err := svc.StartSession(ctx, login, "WRNG-WRNG-WRNG-WR", now)
		d := time.Since(start)
		if activation.Reason(err) != activation.ReasonAuthFailed {
			b.Fatalf("%s: %v", login, err)
		}
		return d
	}
	for range 20 { // warm the connections and the caches
		try("jean.dupont")
		try("nobody.here")
	}
	var existing, unknown []time.Duration
	b.ResetTimer()
	for b.Loop() {
		existing = append(existing, try("jean.dupont"))
		unknown = append(unknown, try("nobody.here"))
	}
	b.StopTimer()
	quantile := func(d []time.Duration, q float64) float64 {
		slices.Sort(d)
		return float64(d[int(q*float64(len(d)-1))].Microseconds()) / 1000
	}
	e, u := quantile(existing, 0.5), quantile(unknown, 0.5)
	b.ReportMetric(e, "existing-ms-p50")
	b.ReportMetric(u, "unknown-ms-p50")
	b.ReportMetric(e-u, "gap-ms")
	// The test of a leak: the existing login's p10 above the
	// unknown login's p90 means any single answer tells them apart.
	b.ReportMetric(quantile(existing, 0.1), "existing-ms-p10")
	b.ReportMetric(quantile(unknown, 0.9), "unknown-ms-p90")
}
