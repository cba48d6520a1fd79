package postgres_test

import (
	"strings"
	"testing"
	"time"

	"github.com/umontpellier/scolpass/internal/activation"
	"github.com/umontpellier/scolpass/internal/activation/storetest"
	"github.com/umontpellier/scolpass/internal/postgres"
	"github.com/umontpellier/scolpass/internal/postgres/pgtest"
)

// TestContractPostgres holds the PostgreSQL store to the contract the
// in-memory store keeps (internal/activation/storetest).
func TestContractPostgres(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Harness {
		db := pgtest.New(t)
		h := storetest.Harness{Service: &activation.Service{Store: &postgres.AccountStore{DB: db, Actor: actor}, Config: storetest.Config()}}
		add := func(t *testing.T, first, last, login string, at time.Time) int64 {
			var id int64
			err := db.GetContext(ctx, &id, `INSERT INTO students (student_no, last_name, first_name, login_base, login_seq, login, created_at, updated_at, state_since)
				VALUES ($1, $2, $3, $4, 1, $4, $5, $5, $5) RETURNING id`, "2260"+strings.ReplaceAll(login, ".", "")[:6], last, first, login, at)
			if err != nil {
				t.Fatal(err)
			}
			return id
		}
		h.AddIssued = func(t *testing.T, first, last, login, pw string, issuedAt, expires time.Time) {
			id := add(t, first, last, login, issuedAt)
			if _, err := db.ExecContext(ctx, `UPDATE students SET state = 'issued' WHERE id = $1`, id); err != nil {
				t.Fatal(err)
			}
			if _, err := db.ExecContext(ctx, `INSERT INTO provisional_credentials (student_id, hash, issued_at, expires_at, batch) VALUES ($1, $2, $3, $4, 'b1')`,
				id, activation.HashProvisional(pw), issuedAt, expires); err != nil {
				t.Fatal(err)
			}
		}
		h.AddImported = func(t *testing.T, first, last, login string) { add(t, first, last, login, time.Now()) }
		h.Publish = func(t *testing.T, version string, at time.Time) {
			if _, err := db.ExecContext(ctx, `INSERT INTO charters (version, published_at, digest)
				SELECT $1, greatest($2, max(published_at) + interval '1 second'), 'x' FROM charters`, version, at); err != nil {
				t.Fatal(err)
			}
		}
		h.Mails = func(t *testing.T) []activation.Email {
			// The bodies are sealed in the table: read as the sender would.
			js, err := db.ListOutbox(ctx, "", "")
			if err != nil {
				t.Fatal(err)
			}
			var out []activation.Email
			for _, j := range js {
				_, body, _, err := db.OutboxMessage(ctx, j.ID)
				if err != nil {
					t.Fatal(err)
				}
				out = append(out, activation.Email{Kind: j.Kind, To: j.To, Subject: j.Subject, Body: body})
			}
			return out
		}
		h.Actions = func(t *testing.T, login string) []string {
			var out []string
			if err := db.SelectContext(ctx, &out, `SELECT e.action || ':' || e.outcome || ':' || coalesce(e.from_state, '') || '>' || coalesce(e.to_state, '')
				FROM audit_events e JOIN students s ON s.id = e.student_id WHERE s.login = $1 ORDER BY e.id`, login); err != nil {
				t.Fatal(err)
			}
			return out
		}
		h.Provisions = func(t *testing.T) []string {
			var out []string
			if err := db.SelectContext(ctx, &out, `SELECT s.login || ':' || j.reason FROM provision_jobs j JOIN students s ON s.id = j.student_id ORDER BY j.id`); err != nil {
				t.Fatal(err)
			}
			return out
		}
		return h
	})
}
