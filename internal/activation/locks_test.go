package activation_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/umontpellier/scolpass/internal/activation"
	"github.com/umontpellier/scolpass/internal/activation/memstore"
	"github.com/umontpellier/scolpass/internal/activation/storetest"
)

// TestOneTransactionPerStep: a form that answers one step locks the
// account once (and commits once); showing a page locks nothing; a command
// line run locks once per step it does, and reading the charter locks
// nothing.
func TestOneTransactionPerStep(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 9, 14, 10, 0, 0, 0, activation.Zone())
	const pw = "K7QM-X4TP-9CWD-3R"
	newService := func() (*activation.Service, *memstore.Store) {
		st := memstore.New("2026-1")
		st.Add(activation.Account{FirstName: "Jean", LastName: "Dupont", Login: "jean.dupont", StudentNo: "22600001",
			State: activation.StateIssued, StateSince: now.Add(-time.Hour),
			Provisional: &activation.Provisional{Hash: activation.HashProvisional(pw), IssuedAt: now.Add(-time.Hour), ExpiresAt: now.Add(24 * time.Hour)}})
		return &activation.Service{Store: st, Config: storetest.Config()}, st
	}
	ptr := func(s string) *string { return &s }
	yes := true
	// locks runs fn and returns how many locking transactions it took.
	locks := func(t *testing.T, st *memstore.Store, what string, fn func() error) int {
		t.Helper()
		before := st.Transactions()
		if err := fn(); err != nil && activation.ErrorCode(err) != activation.EPAUSED {
			t.Fatalf("%s: %v", what, err)
		}
		return st.Transactions() - before
	}
	// link is the token of the last email (storetest.Config's renderer ends
	// the body with the link).
	link := func(st *memstore.Store) string {
		out := st.Outbox()
		f := strings.Fields(out[len(out)-1].Body)
		return activation.TokenFromInput(f[len(f)-1])
	}

	t.Run("site", func(t *testing.T) {
		svc, st := newService()
		var sec string
		steps := []struct {
			what string
			want int
			fn   func() error
		}{
			{"steps 1-2", 1, func() (err error) { sec, _, err = svc.StartSession(ctx, "jean.dupont", pw, now); return err }},
			{"page of step 3", 0, func() error { _, err := svc.Resume(ctx, sec, now); return err }},
			{"step 3", 1, func() error {
				_, err := svc.Continue(ctx, sec, &activation.Given{Recovery: ptr("jean@example.org")}, activation.ActivateOptions{}, now)
				return err
			}},
			{"page of step 4", 0, func() error { _, err := svc.Resume(ctx, sec, now); return err }},
			{"the link's page", 0, func() error { _, err := svc.InspectLink(ctx, link(st), now); return err }},
			{"step 4", 1, func() error { _, err := svc.VerifyToken(ctx, link(st), now); return err }},
			{"page of step 5", 0, func() error { _, err := svc.Resume(ctx, sec, now); return err }},
			{"step 5", 1, func() error {
				_, err := svc.Continue(ctx, sec, &activation.Given{Charter: &yes}, activation.ActivateOptions{}, now)
				return err
			}},
			{"step 6-1", 1, func() error {
				_, err := svc.Continue(ctx, sec, &activation.Given{RedirectTo: ptr("")}, activation.ActivateOptions{}, now)
				return err
			}},
			{"page of step 7", 0, func() error { _, err := svc.Resume(ctx, sec, now); return err }},
			{"step 7", 1, func() error {
				_, err := svc.Continue(ctx, sec, &activation.Given{NewPass: ptr("Vert-Galet-Orage-73")}, activation.ActivateOptions{}, now)
				return err
			}},
			{"page of step 8", 0, func() error { _, err := svc.Resume(ctx, sec, now); return err }},
		}
		for _, s := range steps {
			if n := locks(t, st, s.what, s.fn); n != s.want {
				t.Errorf("%s: %d locking transactions, want %d", s.what, n, s.want)
			}
		}
		if a := st.Account(1); a.State != activation.StateActive {
			t.Fatalf("state %s", a.State)
		}
	})

	t.Run("command line", func(t *testing.T) {
		svc, st := newService()
		act := func(g activation.Given) error {
			g.Provisional = ptr(pw)
			_, err := svc.ActivateWith(ctx, "jean.dupont", &g, activation.ActivateOptions{}, now)
			return err
		}
		// Steps 1-2 and 3: two.
		if n := locks(t, st, "steps 1-3", func() error { return act(activation.Given{Recovery: ptr("jean@example.org")}) }); n != 2 {
			t.Errorf("steps 1-3: %d locking transactions, want 2", n)
		}
		// Waiting for the link: steps 1-2 only.
		if n := locks(t, st, "waiting", func() error { return act(activation.Given{}) }); n != 1 {
			t.Errorf("waiting for the link: %d locking transactions, want 1", n)
		}
		if _, err := svc.VerifyToken(ctx, link(st), now); err != nil {
			t.Fatal(err)
		}
		// Stopped at step 5 with no answer: steps 1-2, the charter read without a lock.
		if n := locks(t, st, "to step 5", func() error { return act(activation.Given{}) }); n != 1 {
			t.Errorf("stopped at step 5: %d locking transactions, want 1", n)
		}
		// Steps 1-2, 5, 6-1, 7: four.
		if n := locks(t, st, "steps 5-8", func() error {
			return act(activation.Given{Charter: &yes, RedirectTo: ptr(""), NewPass: ptr("Vert-Galet-Orage-73")})
		}); n != 4 {
			t.Errorf("steps 1-2, 5, 6-1, 7: %d locking transactions, want 4", n)
		}
	})
}
