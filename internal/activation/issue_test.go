package activation_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/umontpellier/scolpass/internal/activation"
	"github.com/umontpellier/scolpass/internal/activation/memstore"
	"github.com/umontpellier/scolpass/internal/activation/storetest"
)

// raceStore runs hook once, after the first Load: another agent acting
// between what the command read and the lock it takes.
type raceStore struct {
	*memstore.Store
	hook func()
}

func (r *raceStore) Load(ctx context.Context, key string) (*activation.Account, error) {
	a, err := r.Store.Load(ctx, key)
	if r.hook != nil {
		h := r.hook
		r.hook = nil
		h()
	}
	return a, err
}

func TestIssueRules(t *testing.T) {
	ctx := context.Background()
	now := storetest.Paris(t, "2026-09-01 09:00:00")
	st := memstore.New("2026-1")
	svc := &activation.Service{Store: st, Config: storetest.Config()}
	imported := st.Add(activation.Account{StudentNo: "1", Login: "anne.alpha", FirstName: "Anne", LastName: "Alpha", Program: "L1INFO"})
	other := st.Add(activation.Account{StudentNo: "2", Login: "bruno.beta", FirstName: "Bruno", LastName: "Beta", Program: "L2MATH"})
	active := st.Add(activation.Account{StudentNo: "3", Login: "chloe.gamma", FirstName: "Chloé", LastName: "Gamma", Program: "L1INFO",
		State: activation.StateActive, PasswordHash: "$argon2id$x", RecoveryEmail: "c@example.org", CharterVersion: "2026-1",
		LockedUntil: now.Add(time.Hour), FailedAttempts: 2, ActivatedAt: now.Add(-time.Hour)})

	var printed []activation.NewSheet
	print := func(s []activation.NewSheet) error { printed = append(printed, s...); return nil }

	// By default only students never issued, within the filters.
	res, err := svc.Issue(ctx, activation.IssueSelection{Programs: []string{"L1INFO"}}, 120*24*time.Hour, now, print)
	if err != nil || len(res.Issued) != 1 || res.Issued[0].StudentID != imported.StudentID || len(printed) != 1 {
		t.Fatalf("default selection: %+v %v", res, err)
	}
	if a := st.Account(imported.StudentID); a.State != activation.StateIssued || !activation.VerifyProvisional(printed[0].Password, a.Provisional.Hash) ||
		!a.Provisional.ExpiresAt.Equal(now.Add(120*24*time.Hour)) {
		t.Fatalf("issued account: %+v", a)
	}
	// --all: active accounts are skipped and listed, not issued.
	res, err = svc.Issue(ctx, activation.IssueSelection{All: true}, time.Hour, now, print)
	if err != nil || len(res.Issued) != 2 || len(res.Skipped) != 1 || res.Skipped[0].StudentID != active.StudentID {
		t.Fatalf("--all: %+v %v", res, err)
	}
	if a := st.Account(other.StudentID); a.State != activation.StateIssued || a.Provisional == nil {
		t.Fatalf("--all left %s of another programme unissued: %+v", a.Login, a)
	}
	// Unknown numbers are listed.
	res, _ = svc.Issue(ctx, activation.IssueSelection{StudentNos: []string{"1", "999"}}, time.Hour, now, print)
	if len(res.NotFound) != 1 || res.NotFound[0] != "999" {
		t.Fatalf("not found: %+v", res.NotFound)
	}
	// A failing print changes no password.
	before := st.Account(imported.StudentID).Provisional.Hash
	if _, err := svc.Issue(ctx, activation.IssueSelection{All: true}, time.Hour, now, func([]activation.NewSheet) error { return errors.New("disk full") }); err == nil {
		t.Fatal("a failed print succeeded")
	}
	if st.Account(imported.StudentID).Provisional.Hash != before {
		t.Fatal("a failed print changed a password")
	}
	// Forced, an active account forgets everything steps 3 to 7 recorded.
	if _, err := svc.Reissue(ctx, "chloe.gamma", false, time.Hour, now, print); activation.ErrorCode(err) != activation.ESTATE {
		t.Fatalf("reissue of an active account without force: %v", err)
	}
	if _, err := svc.Reissue(ctx, "chloe.gamma@etu.umontpellier.fr", true, time.Hour, now, print); err != nil {
		t.Fatal(err)
	}
	a := st.Account(active.StudentID)
	if a.State != activation.StateIssued || a.PasswordHash != "" || a.RecoveryEmail != "" || a.CharterVersion != "" ||
		a.LockedAt(now) || a.FailedAttempts != 0 || !a.ActivatedAt.IsZero() {
		t.Fatalf("forced re-issue left %+v", a)
	}
}

// An activation that completes between reset --reissue's read and its lock
// must not be wiped: the decision is taken under the lock (exit 6).
func TestReissueRacingAnActivation(t *testing.T) {
	ctx := context.Background()
	now := storetest.Paris(t, "2026-09-01 09:00:00")
	mem := memstore.New("2026-1")
	st := &raceStore{Store: mem}
	svc := &activation.Service{Store: st, Config: storetest.Config()}
	a := mem.Add(activation.Account{StudentNo: "1", Login: "anne.alpha", FirstName: "Anne", LastName: "Alpha", State: activation.StateMailboxReady})
	st.hook = func() {
		_ = mem.Update(ctx, a.StudentID, -1, now, func(tx activation.Tx, cur *activation.Account) error {
			cur.State, cur.PasswordHash = activation.StateActive, "$argon2id$x"
			return tx.SaveAccount(cur)
		})
	}
	_, err := svc.Reissue(ctx, "anne.alpha", false, time.Hour, now, func([]activation.NewSheet) error { return nil })
	if activation.ErrorCode(err) != activation.ESTATE {
		t.Fatalf("reissue racing an activation: %v, want ESTATE", err)
	}
	if got := mem.Account(a.StudentID); got.State != activation.StateActive || got.PasswordHash == "" {
		t.Fatalf("the activation was wiped: %+v", got)
	}
}
