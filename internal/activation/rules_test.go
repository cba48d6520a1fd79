package activation_test

import (
	"context"
	"testing"
	"time"

	"github.com/umontpellier/scolpass/internal/activation"
	"github.com/umontpellier/scolpass/internal/activation/memstore"
)

func TestCharterNeedsReacceptance(t *testing.T) {
	cases := []struct {
		accepted, inForce string
		want              bool
	}{
		{"", "2026-09", false},        // never accepted: step 5 asks anyway
		{"2026-09", "", false},        // nothing published
		{"2026-09", "2026-09", false}, // the one in force
		{"2025-09", "2026-09", true},  // a newer one since
	}
	for _, c := range cases {
		if got := activation.CharterNeedsReacceptance(c.accepted, c.inForce); got != c.want {
			t.Errorf("CharterNeedsReacceptance(%q, %q) = %v, want %v", c.accepted, c.inForce, got, c.want)
		}
	}
}

func TestRedirectAnswer(t *testing.T) {
	if got := activation.RedirectAnswer(nil); got == nil || *got != "" {
		t.Fatalf("absent redirect_to = %v, want the answer \"\" (no redirect)", got)
	}
	to := "jean@example.org"
	if got := activation.RedirectAnswer(&to); got != &to {
		t.Fatalf("a given redirect_to must be kept as given")
	}
}

// TestAbsentRedirectGoesPastStep6 runs the rule on the in-memory store: a
// script whose answers have no redirect_to goes through 6-1 with no
// redirect and on to step 7, instead of stopping before step 6.
func TestAbsentRedirectGoesPastStep6(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 9, 1, 10, 0, 0, 0, activation.Zone())
	st := memstore.New("2026-09")
	cfg := activation.DefaultConfig()
	cfg.Argon2.Memory, cfg.Argon2.Time, cfg.Argon2.Threads = 1024, 1, 1
	svc := &activation.Service{Store: st, Config: cfg}
	a := st.Add(activation.Account{StudentNo: "1", FirstName: "Jean", LastName: "Dupont", Login: "jean.dupont", State: activation.StateCharterAccepted})
	pw := "K7QM-X4TP-9CWD-3R"
	hash := activation.HashProvisional(pw)
	if err := st.Update(ctx, a.StudentID, -1, now, func(tx activation.Tx, acc *activation.Account) error {
		return tx.SetProvisional(acc, activation.Provisional{Hash: hash, IssuedAt: now, ExpiresAt: now.Add(24 * time.Hour)})
	}); err != nil {
		t.Fatal(err)
	}
	out, err := svc.ActivateWith(ctx, "jean.dupont", &activation.Given{Provisional: &pw, RedirectTo: activation.RedirectAnswer(nil)}, activation.ActivateOptions{}, now)
	if err != nil {
		t.Fatal(err)
	}
	if out.State != activation.StateMailboxReady {
		t.Fatalf("state %s, want %s (6-1 answered: no redirect)", out.State, activation.StateMailboxReady)
	}
	if got := st.Account(a.StudentID); got.RedirectTo != "" {
		t.Fatalf("redirect %q, want none", got.RedirectTo)
	}
}
