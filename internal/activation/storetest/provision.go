package storetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/umontpellier/scolpass/internal/activation"
)

// runProvision is the contract of directory provisioning: with
// Config.Provision on, the step that makes an account active and every
// later change of its redirect queue one directory write in their own
// transaction; with it off nothing is queued; a step that fails queues
// nothing.
func runProvision(t *testing.T, newHarness func(t *testing.T) Harness) {
	ctx := context.Background()
	setup := func(t *testing.T, provision bool) (Harness, time.Time) {
		h := newHarness(t)
		if h.Provisions == nil {
			t.Skip("this store's harness cannot read provisioning jobs")
		}
		h.Service.Config.Provision = provision
		now := Paris(t, "2026-09-14 10:00:00")
		h.AddIssued(t, "Jean", "Dupont", "jean.dupont", pw, now.Add(-24*time.Hour), now.Add(120*24*time.Hour))
		return h, now
	}
	activate := func(t *testing.T, h Harness, now time.Time) {
		t.Helper()
		act := func(g activation.Given) error {
			g.Provisional = ptr(pw)
			_, err := h.Service.ActivateWith(ctx, "jean.dupont", &g, activation.ActivateOptions{}, now)
			return err
		}
		if err := act(activation.Given{Recovery: ptr("jean@example.org")}); activation.ErrorCode(err) != activation.EPAUSED {
			t.Fatalf("step 3: %v", err)
		}
		if _, err := h.Service.VerifyToken(ctx, lastLink(t, h, "jean@example.org"), now); err != nil {
			t.Fatalf("step 4: %v", err)
		}
		if err := act(activation.Given{Charter: ptr(true), RedirectTo: ptr("")}); err != nil {
			t.Fatalf("steps 5-6: %v", err)
		}
		if len(h.Provisions(t)) != 0 {
			t.Fatalf("a job was queued before the account became active: %q", h.Provisions(t))
		}
		// A password the policy refuses: the step fails, nothing is queued.
		if err := act(activation.Given{NewPass: ptr("short")}); activation.ErrorCode(err) != activation.EPOLICY {
			t.Fatalf("weak password: %v", err)
		}
		if len(h.Provisions(t)) != 0 {
			t.Fatalf("a refused step queued a job: %q", h.Provisions(t))
		}
		if err := act(activation.Given{NewPass: ptr("Vert-Galet-Orage-73")}); err != nil {
			t.Fatalf("step 7: %v", err)
		}
	}

	t.Run("provisioning: activation and redirect changes queue a directory write", func(t *testing.T) {
		h, now := setup(t, true)
		activate(t, h, now)
		want := []string{"jean.dupont:activated"}
		if got := h.Provisions(t); !slices.Equal(got, want) {
			t.Fatalf("after step 7: %q, want %q", got, want)
		}
		// Redirect to the recovery email: applied at once, queued.
		if _, err := h.Service.SetRedirect(ctx, "jean.dupont", "jean@example.org", true, now); err != nil {
			t.Fatal(err)
		}
		// Another address: pending its 6-2 link, nothing to write yet.
		if _, err := h.Service.SetRedirect(ctx, "jean.dupont", "jd@example.net", false, now); activation.ErrorCode(err) != activation.EPAUSED {
			t.Fatalf("redirect elsewhere: %v", err)
		}
		want = append(want, "jean.dupont:redirect")
		if got := h.Provisions(t); !slices.Equal(got, want) {
			t.Fatalf("after set-redirect: %q, want %q", got, want)
		}
		// The link followed: the new redirect is queued.
		if _, err := h.Service.VerifyToken(ctx, lastLink(t, h, "jd@example.net"), now); err != nil {
			t.Fatal(err)
		}
		// No redirect any more: queued too.
		if _, err := h.Service.SetRedirect(ctx, "jean.dupont", "", false, now); err != nil {
			t.Fatal(err)
		}
		want = append(want, "jean.dupont:redirect", "jean.dupont:redirect")
		if got := h.Provisions(t); !slices.Equal(got, want) {
			t.Fatalf("after the 6-2 link and --off: %q, want %q", got, want)
		}
	})

	t.Run("provisioning off: nothing is queued", func(t *testing.T) {
		h, now := setup(t, false)
		activate(t, h, now)
		if _, err := h.Service.SetRedirect(ctx, "jean.dupont", "", false, now); err != nil {
			t.Fatal(err)
		}
		if got := h.Provisions(t); len(got) != 0 {
			t.Fatalf("provisioning off queued %q", got)
		}
	})
}
