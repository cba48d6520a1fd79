// Package storetest is the contract every activation.Store must keep: the
// rules of the activation guide, run through activation.Service on a
// store. The domain runs it on the in-memory store (seconds, no database)
// and package postgres on PostgreSQL, so both stores are held to the same
// behaviour.
package storetest

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/umontpellier/scolpass/internal/activation"
)

// Harness is a fresh store behind a service, with what the contract needs
// to set up accounts and read what happened.
type Harness struct {
	Service *activation.Service
	// AddIssued stores a student whose SCOL'PASS (provisional password pw,
	// valid until expires) was issued at issuedAt.
	AddIssued func(t *testing.T, first, last, login, pw string, issuedAt, expires time.Time)
	// AddImported stores a student with no SCOL'PASS yet.
	AddImported func(t *testing.T, first, last, login string)
	// Publish makes version the charter in force from at.
	Publish func(t *testing.T, version string, at time.Time)
	// Mails returns the queued emails, oldest first.
	Mails func(t *testing.T) []activation.Email
	// Actions returns the audit trail of login as "action:outcome:from>to".
	Actions func(t *testing.T, login string) []string
	// Provisions returns the queued directory writes as "login:reason",
	// oldest first (see provision.go).
	Provisions func(t *testing.T) []string
}

// Config is the configuration the contract runs under: the defaults, cheap
// argon2id, and a renderer that puts the link in the body.
func Config() activation.Config {
	cfg := activation.DefaultConfig()
	cfg.Argon2 = activation.Argon2Params{Memory: 1024, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}
	cfg.RenderMail = func(kind string, d activation.MailData) (string, string, error) {
		return kind, kind + " for " + d.Login + " " + d.Link + strings.Join(d.Logins, " "), nil
	}
	return cfg
}

// Paris parses a wall-clock time in Europe/Paris ("2026-09-14 10:00:00").
func Paris(t *testing.T, s string) time.Time {
	t.Helper()
	tm, err := time.ParseInLocation("2006-01-02 15:04:05.999999999", s, activation.Zone())
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

const pw = "K7QM-X4TP-9CWD-3R"

var linkRE = regexp.MustCompile(`https?://\S+/verify/\S+`)

// lastLink is the token of the newest email to addr.
func lastLink(t *testing.T, h Harness, to string) string {
	t.Helper()
	mails := h.Mails(t)
	for i := len(mails) - 1; i >= 0; i-- {
		if strings.EqualFold(mails[i].To, to) {
			if l := linkRE.FindString(mails[i].Body); l != "" {
				return activation.TokenFromInput(l)
			}
		}
	}
	t.Fatalf("no link mailed to %s", to)
	return ""
}

func ptr[T any](v T) *T { return &v }

func wantCode(t *testing.T, err error, code, reason string) {
	t.Helper()
	if activation.ErrorCode(err) != code || (reason != "" && activation.Reason(err) != reason) {
		t.Fatalf("error = %v (code %q, reason %q), want code %q reason %q", err, activation.ErrorCode(err), activation.Reason(err), code, reason)
	}
}

func wantState(t *testing.T, h Harness, login string, want activation.State) *activation.Account {
	t.Helper()
	a, err := h.Service.Store.Load(context.Background(), login)
	if err != nil {
		t.Fatal(err)
	}
	if a.State != want {
		t.Fatalf("%s is %s, want %s", login, a.State, want)
	}
	return a
}

// Run runs the contract on stores made by newHarness (one per subtest).
func Run(t *testing.T, newHarness func(t *testing.T) Harness) {
	ctx := context.Background()
	t0 := func(t *testing.T) time.Time { return Paris(t, "2026-09-14 10:00:00") }
	setup := func(t *testing.T) (Harness, time.Time) {
		h := newHarness(t)
		now := t0(t)
		h.AddIssued(t, "Jean", "Dupont", "jean.dupont", pw, now.Add(-24*time.Hour), now.Add(120*24*time.Hour))
		return h, now
	}
	act := func(t *testing.T, h Harness, g activation.Given, now time.Time) (*activation.Outcome, error) {
		t.Helper()
		if g.Provisional == nil {
			g.Provisional = ptr(pw)
		}
		return h.Service.ActivateWith(ctx, "jean.dupont", &g, activation.ActivateOptions{}, now)
	}
	// toMailbox takes jean to mailbox_ready with recovery jean@example.org.
	toMailbox := func(t *testing.T, h Harness, now time.Time) {
		t.Helper()
		if _, err := act(t, h, activation.Given{Recovery: ptr("jean@example.org")}, now); activation.ErrorCode(err) != activation.EPAUSED {
			t.Fatalf("step 3: %v", err)
		}
		if _, err := h.Service.VerifyToken(ctx, lastLink(t, h, "jean@example.org"), now); err != nil {
			t.Fatalf("step 4: %v", err)
		}
		if _, err := act(t, h, activation.Given{Charter: ptr(true), RedirectTo: ptr("")}, now); err != nil {
			t.Fatalf("steps 5-6: %v", err)
		}
		wantState(t, h, "jean.dupont", activation.StateMailboxReady)
	}

	t.Run("whole guide, step by step", func(t *testing.T) {
		h, now := setup(t)
		out, err := act(t, h, activation.Given{}, now)
		if err != nil || out.State != activation.StateAuthenticated || out.Step != "3" {
			t.Fatalf("steps 1-2: %+v, %v", out, err)
		}
		out, err = act(t, h, activation.Given{Recovery: ptr(" Jean@Example.ORG ")}, now)
		wantCode(t, err, activation.EPAUSED, "")
		if out.LinkSentTo != "Jean@example.org" || !out.LinkValidUntil.Equal(Paris(t, "2026-09-14 23:59:59.999999")) {
			t.Fatalf("step 4 outcome: %+v", out)
		}
		// A second run waits for the link: nothing is sent again.
		_, err = act(t, h, activation.Given{}, now)
		wantCode(t, err, activation.EPAUSED, "")
		if n := len(h.Mails(t)); n != 1 {
			t.Fatalf("%d mails, want 1", n)
		}
		out, err = h.Service.VerifyToken(ctx, "https://scolpass.umontpellier.fr/verify/"+lastLink(t, h, "jean@example.org")+" trailing text", now)
		if err != nil || out.State != activation.StateRecoveryVerified || out.Charter != "2026-1" {
			t.Fatalf("step 4: %+v, %v", out, err)
		}
		out, err = act(t, h, activation.Given{Charter: ptr(true)}, now)
		if err != nil || out.State != activation.StateCharterAccepted {
			t.Fatalf("step 5: %+v, %v", out, err)
		}
		out, err = act(t, h, activation.Given{RedirectTo: ptr("jean@example.org"), KeepCopy: true}, now)
		if err != nil || out.State != activation.StateMailboxReady {
			t.Fatalf("step 6-1 to the recovery email: %+v, %v", out, err)
		}
		out, err = act(t, h, activation.Given{NewPass: ptr("Vert-Galet-Orage-73")}, now)
		if err != nil || out.State != activation.StateActive || out.Step != "8" {
			t.Fatalf("step 7: %+v, %v", out, err)
		}
		c := out.Confirmation
		if c == nil || c.Login != "jean.dupont@etu.umontpellier.fr" || c.Mailbox != c.Login || c.RedirectTo != "jean@example.org" || !c.KeepCopy {
			t.Fatalf("step 8: %+v", c)
		}
		a := wantState(t, h, "jean.dupont", activation.StateActive)
		if a.PasswordHash == "" || a.Provisional.UsedAt.IsZero() || a.CharterVersion != "2026-1" {
			t.Fatalf("active account: %+v", a)
		}
		mails := h.Mails(t)
		if len(mails) != 2 || mails[1].Kind != activation.MailActivated {
			t.Fatalf("mails: %+v", mails)
		}
		// Once active, the provisional password no longer opens anything.
		_, err = act(t, h, activation.Given{}, now)
		wantCode(t, err, activation.ESTATE, activation.ReasonAlreadyActive)
		_, err = act(t, h, activation.Given{Provisional: ptr("WRNG-WRNG-WRNG-WR")}, now)
		wantCode(t, err, activation.EAUTH, activation.ReasonAuthFailed)
		want := []string{"authenticate:ok:issued>authenticated", "recovery-email:ok:authenticated>recovery_pending",
			"verify-token:ok:recovery_pending>recovery_verified", "accept-charter:ok:recovery_verified>charter_accepted",
			"redirect:ok:charter_accepted>mailbox_ready", "new-password:ok:mailbox_ready>active", "authenticate:failed:active>active"}
		if got := h.Actions(t, "jean.dupont"); !slices.Equal(got, want) {
			t.Fatalf("audit:\n got %q\nwant %q", got, want)
		}
	})

	t.Run("steps out of order are refused, naming the step", func(t *testing.T) {
		h, now := setup(t)
		h.AddImported(t, "Anne", "Alpha", "anne.alpha")
		_, err := h.Service.SetRedirect(ctx, "jean.dupont", "", false, now)
		wantCode(t, err, activation.ESTATE, activation.ReasonWrongStep)
		if !strings.Contains(activation.ErrorMessage(err), "step 1") {
			t.Fatalf("message does not name the step: %v", err)
		}
		_, err = h.Service.Restart(ctx, "anne.alpha", now)
		wantCode(t, err, activation.ESTATE, "")
		_, err = h.Service.ActivateWith(ctx, "anne.alpha", &activation.Given{Provisional: ptr(pw)}, activation.ActivateOptions{}, now)
		wantCode(t, err, activation.EAUTH, activation.ReasonAuthFailed)
		toMailbox(t, h, now)
		// A recovery link of an account past step 4 does nothing.
		_, err = h.Service.VerifyToken(ctx, lastLink(t, h, "jean@example.org"), now)
		wantCode(t, err, activation.ETOKEN, activation.ReasonTokenUsed)
		_, err = act(t, h, activation.Given{NewPass: ptr("Vert-Galet-Orage-73")}, now)
		if err != nil {
			t.Fatal(err)
		}
		_, err = h.Service.Restart(ctx, "jean.dupont", now)
		wantCode(t, err, activation.ESTATE, "")
		_, err = h.Service.VerifyToken(ctx, "not-a-token", now)
		wantCode(t, err, activation.ETOKEN, activation.ReasonTokenUnknown)
	})

	t.Run("unknown login, wrong password and lock get one answer; the lock lasts LockFor", func(t *testing.T) {
		h, now := setup(t)
		_, errUnknown := h.Service.ActivateWith(ctx, "nobody.here", &activation.Given{Provisional: ptr(pw)}, activation.ActivateOptions{}, now)
		wantCode(t, errUnknown, activation.EAUTH, activation.ReasonAuthFailed)
		for i := 0; i < 5; i++ {
			_, err := act(t, h, activation.Given{Provisional: ptr("WRNG-WRNG-WRNG-WR")}, now.Add(time.Duration(i)*time.Second))
			wantCode(t, err, activation.EAUTH, activation.ReasonAuthFailed)
			if activation.ErrorMessage(err) != activation.ErrorMessage(errUnknown) {
				t.Fatalf("wrong password says %q, unknown login %q", activation.ErrorMessage(err), activation.ErrorMessage(errUnknown))
			}
			if activation.LockedOut(err) != (i == 4) {
				t.Fatalf("attempt %d: LockedOut = %v", i+1, activation.LockedOut(err))
			}
		}
		a := wantState(t, h, "jean.dupont", activation.StateIssued)
		if !a.LockedAt(now.Add(5*time.Second)) || a.LockedAt(now.Add(4*time.Second+15*time.Minute)) {
			t.Fatalf("locked until %s", a.LockedUntil)
		}
		_, err := act(t, h, activation.Given{}, now.Add(time.Minute))
		wantCode(t, err, activation.EAUTH, activation.ReasonAuthFailed)
		if _, err := act(t, h, activation.Given{}, now.Add(16*time.Minute)); err != nil {
			t.Fatalf("after the lock: %v", err)
		}
		// Unlock lifts a lock at once.
		h2, now2 := setup(t)
		for i := 0; i < 5; i++ {
			_, _ = act(t, h2, activation.Given{Provisional: ptr("WRNG-WRNG-WRNG-WR")}, now2)
		}
		if _, err := h2.Service.Unlock(ctx, "jean.dupont@etu.umontpellier.fr", now2); err != nil {
			t.Fatal(err)
		}
		if _, err := act(t, h2, activation.Given{}, now2); err != nil {
			t.Fatalf("after unlock: %v", err)
		}
	})

	t.Run("concurrent wrong passwords each answer as a refusal and count once", func(t *testing.T) {
		const n = 16
		h, now := setup(t)
		h.Service.Config.MaxFailures = 1000
		_, _, errUnknown := h.Service.StartSession(ctx, "nobody.here", "WRNG-WRNG-WRNG-WR", now)
		wantCode(t, errUnknown, activation.EAUTH, activation.ReasonAuthFailed)
		try := func(h Harness, login string, at time.Time) []error {
			errs := make([]error, 2*n)
			var wg sync.WaitGroup
			for i := range errs {
				wg.Go(func() {
					if i%2 == 0 {
						_, _, errs[i] = h.Service.StartSession(ctx, login, "WRNG-WRNG-WRNG-WR", at)
					} else {
						_, errs[i] = h.Service.ActivateWith(ctx, login, &activation.Given{Provisional: ptr("WRNG-WRNG-WRNG-WR")}, activation.ActivateOptions{}, at)
					}
				})
			}
			wg.Wait()
			return errs
		}
		for _, login := range []string{"jean.dupont", "nobody.here"} {
			for i, err := range try(h, login, now) {
				wantCode(t, err, activation.EAUTH, activation.ReasonAuthFailed)
				if activation.ErrorMessage(err) != activation.ErrorMessage(errUnknown) || activation.LockedOut(err) {
					t.Fatalf("%s, attempt %d: %v (locked out: %v)", login, i, err, activation.LockedOut(err))
				}
			}
		}
		if a := wantState(t, h, "jean.dupont", activation.StateIssued); a.FailedAttempts != 2*n {
			t.Fatalf("%d failures counted for %d attempts", a.FailedAttempts, 2*n)
		}
		// With the default lockout, the MaxFailures-th attempt locks the
		// account (once); the later ones are refused as locked.
		h, now = setup(t)
		locks := 0
		for _, err := range try(h, "jean.dupont", now) {
			wantCode(t, err, activation.EAUTH, activation.ReasonAuthFailed)
			if activation.LockedOut(err) {
				locks++
			}
		}
		a := wantState(t, h, "jean.dupont", activation.StateIssued)
		if locks != 1 || !a.LockedAt(now) || a.FailedAttempts != 0 {
			t.Fatalf("%d lockouts, account %+v", locks, a)
		}
		var failed, refused int
		for _, act := range h.Actions(t, "jean.dupont") {
			switch act {
			case "authenticate:failed:issued>issued":
				failed++
			case "authenticate:refused:issued>issued":
				refused++
			}
		}
		if failed != h.Service.Config.MaxFailures || refused != 2*n-failed {
			t.Fatalf("%d failures and %d refusals audited, want %d and %d: %v", failed, refused, h.Service.Config.MaxFailures, 2*n-h.Service.Config.MaxFailures, h.Actions(t, "jean.dupont"))
		}
	})

	t.Run("the outcome says whether this run emailed a link", func(t *testing.T) {
		h, now := setup(t)
		svc := h.Service
		sec, _, err := svc.StartSession(ctx, "jean.dupont", pw, now)
		if err != nil {
			t.Fatal(err)
		}
		cont := func(g activation.Given, opts activation.ActivateOptions) *activation.Outcome {
			t.Helper()
			out, err := svc.Continue(ctx, sec, &g, opts, now)
			wantCode(t, err, activation.EPAUSED, "")
			return out
		}
		if out := cont(activation.Given{Recovery: ptr("jean@example.org")}, activation.ActivateOptions{}); !out.LinkSent || out.LinkSentTo != "jean@example.org" {
			t.Fatalf("step 3: %+v", out)
		}
		if out, err := svc.Resume(ctx, sec, now); err != nil || out.LinkSent || out.LinkSentTo != "jean@example.org" {
			t.Fatalf("the waiting page: %+v %v", out, err)
		}
		if out := cont(activation.Given{Recovery: ptr("JEAN@example.org")}, activation.ActivateOptions{}); out.LinkSent {
			t.Fatalf("the same address again sent a link: %+v", out)
		}
		if out := cont(activation.Given{}, activation.ActivateOptions{Resend: true}); !out.LinkSent {
			t.Fatalf("resend: %+v", out)
		}
		if out := cont(activation.Given{Recovery: ptr("jean@example.net")}, activation.ActivateOptions{}); !out.LinkSent || out.LinkSentTo != "jean@example.net" {
			t.Fatalf("another address: %+v", out)
		}
		if out, err := act(t, h, activation.Given{}, now); activation.ErrorCode(err) != activation.EPAUSED || out.LinkSent {
			t.Fatalf("activate while waiting: %+v %v", out, err)
		}
		if n := len(h.Mails(t)); n != 3 {
			t.Fatalf("%d emails, want the 3 runs that said they sent one", n)
		}
	})

	t.Run("expired provisional password", func(t *testing.T) {
		h := newHarness(t)
		now := t0(t)
		h.AddIssued(t, "Jean", "Dupont", "jean.dupont", pw, now.Add(-200*24*time.Hour), now)
		_, err := act(t, h, activation.Given{}, now)
		wantCode(t, err, activation.EAUTH, activation.ReasonProvisionalExpired)
		_, err = act(t, h, activation.Given{}, now.Add(-time.Microsecond))
		if err != nil {
			t.Fatalf("one microsecond before expiry: %v", err)
		}
	})

	for _, tc := range []struct {
		name, sent, followed string
		inTime               bool
	}{
		{"ordinary day, 23:59:59.999", "2026-09-14 10:00:00", "2026-09-14 23:59:59.999", true},
		{"ordinary day, 00:00", "2026-09-14 10:00:00", "2026-09-15 00:00:00", false},
		{"spring forward (23 h day), 23:59:59.999", "2026-03-29 00:30:00", "2026-03-29 23:59:59.999", true},
		{"spring forward (23 h day), 00:00", "2026-03-29 00:30:00", "2026-03-30 00:00:00", false},
		{"fall back (25 h day), 23:59:59.999", "2026-10-25 00:30:00", "2026-10-25 23:59:59.999", true},
		{"fall back (25 h day), 00:00", "2026-10-25 00:30:00", "2026-10-26 00:00:00", false},
	} {
		t.Run("link followed "+tc.name, func(t *testing.T) {
			h := newHarness(t)
			sent, followed := Paris(t, tc.sent), Paris(t, tc.followed)
			h.AddIssued(t, "Jean", "Dupont", "jean.dupont", pw, sent.Add(-time.Hour), sent.Add(120*24*time.Hour))
			_, err := act(t, h, activation.Given{Recovery: ptr("jean@example.org")}, sent)
			wantCode(t, err, activation.EPAUSED, "")
			token := lastLink(t, h, "jean@example.org")
			info, err := h.Service.InspectLink(ctx, token, followed)
			if tc.inTime {
				if err != nil || info.Step != "4" || info.Email != "jean@example.org" {
					t.Fatalf("inspect: %+v %v", info, err)
				}
				if _, err := h.Service.VerifyToken(ctx, token, followed); err != nil {
					t.Fatalf("verify: %v", err)
				}
				wantState(t, h, "jean.dupont", activation.StateRecoveryVerified)
				return
			}
			wantCode(t, err, activation.ETOKEN, activation.ReasonTokenExpired)
			wantState(t, h, "jean.dupont", activation.StateRecoveryPending) // inspecting changes nothing
			_, err = h.Service.VerifyToken(ctx, token, followed)
			wantCode(t, err, activation.ETOKEN, activation.ReasonTokenExpired)
			a := wantState(t, h, "jean.dupont", activation.StateIssued)
			if a.RecoveryEmail != "" {
				t.Fatalf("recovery email kept: %q", a.RecoveryEmail)
			}
		})
	}

	t.Run("a run past the link's day goes back to step 1", func(t *testing.T) {
		h, now := setup(t)
		_, _ = act(t, h, activation.Given{Recovery: ptr("jean@example.org")}, now)
		out, err := act(t, h, activation.Given{}, Paris(t, "2026-09-15 08:00:00"))
		if err != nil || out.State != activation.StateAuthenticated {
			t.Fatalf("%+v %v", out, err)
		}
		if got := h.Actions(t, "jean.dupont"); !slices.Contains(got, "link-expired:ok:recovery_pending>issued") {
			t.Fatalf("audit: %q", got)
		}
	})

	t.Run("resend replaces the link; at most LinksPerDay a day", func(t *testing.T) {
		h, now := setup(t)
		_, _ = act(t, h, activation.Given{Recovery: ptr("jean@example.org")}, now)
		first := lastLink(t, h, "jean@example.org")
		for i := 2; i <= 5; i++ {
			_, err := h.Service.ActivateWith(ctx, "jean.dupont", &activation.Given{Provisional: ptr(pw)}, activation.ActivateOptions{Resend: true}, now.Add(time.Duration(i)*time.Minute))
			wantCode(t, err, activation.EPAUSED, "")
		}
		_, err := h.Service.ActivateWith(ctx, "jean.dupont", &activation.Given{Provisional: ptr(pw)}, activation.ActivateOptions{Resend: true}, now.Add(time.Hour))
		wantCode(t, err, activation.EPOLICY, activation.ReasonLinkCap)
		_, err = h.Service.VerifyToken(ctx, first, now.Add(time.Hour))
		wantCode(t, err, activation.ETOKEN, activation.ReasonTokenReplaced)
		// Another address while waiting also replaces it, and counts.
		_, err = act(t, h, activation.Given{Recovery: ptr("other@example.org")}, now.Add(time.Hour))
		wantCode(t, err, activation.EPOLICY, activation.ReasonLinkCap)
		// The next Paris day, links can be sent again.
		tomorrow := Paris(t, "2026-09-15 00:00:01")
		_, _ = act(t, h, activation.Given{}, tomorrow) // the pending link expired: back to step 1, then step 3
		_, err = act(t, h, activation.Given{Recovery: ptr("other@example.org")}, tomorrow)
		wantCode(t, err, activation.EPAUSED, "")
		if _, err := h.Service.VerifyToken(ctx, lastLink(t, h, "other@example.org"), tomorrow); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("redirects: loop guard, own link, recovery address", func(t *testing.T) {
		h, now := setup(t)
		_, err := act(t, h, activation.Given{Recovery: ptr("jean@etu.umontpellier.fr")}, now)
		wantCode(t, err, activation.EPOLICY, activation.ReasonEmailUniversity)
		_, err = act(t, h, activation.Given{Recovery: ptr("jean@@example")}, now)
		wantCode(t, err, activation.EPOLICY, activation.ReasonEmailInvalid)
		_, _ = act(t, h, activation.Given{Recovery: ptr("jean@example.org")}, now)
		_, _ = h.Service.VerifyToken(ctx, lastLink(t, h, "jean@example.org"), now)
		_, err = act(t, h, activation.Given{Charter: ptr(true), RedirectTo: ptr("x@umontpellier.fr")}, now)
		wantCode(t, err, activation.EPOLICY, activation.ReasonEmailUniversity)
		wantState(t, h, "jean.dupont", activation.StateCharterAccepted)
		out, err := act(t, h, activation.Given{RedirectTo: ptr("fwd@example.net"), KeepCopy: true}, now)
		wantCode(t, err, activation.EPAUSED, "")
		if out.LinkSentTo != "fwd@example.net" {
			t.Fatalf("%+v", out)
		}
		wantState(t, h, "jean.dupont", activation.StateRedirectPending)
		info, err := h.Service.InspectLink(ctx, lastLink(t, h, "fwd@example.net"), now)
		if err != nil || info.Step != "6-2" || !info.KeepCopy {
			t.Fatalf("%+v %v", info, err)
		}
		if _, err := h.Service.VerifyToken(ctx, lastLink(t, h, "fwd@example.net"), now); err != nil {
			t.Fatal(err)
		}
		a := wantState(t, h, "jean.dupont", activation.StateMailboxReady)
		if a.RedirectTo != "fwd@example.net" || !a.KeepCopy {
			t.Fatalf("%+v", a)
		}
	})

	t.Run("redirect link resent, and a redirect changed once active", func(t *testing.T) {
		h, now := setup(t)
		_, _ = act(t, h, activation.Given{Recovery: ptr("jean@example.org")}, now)
		_, _ = h.Service.VerifyToken(ctx, lastLink(t, h, "jean@example.org"), now)
		out, err := act(t, h, activation.Given{}, now)
		if err != nil || out.State != activation.StateRecoveryVerified || out.Charter != "2026-1" {
			t.Fatalf("stopped at step 5: %+v %v", out, err)
		}
		_, err = act(t, h, activation.Given{Charter: ptr(true), RedirectTo: ptr("fwd@example.net")}, now)
		wantCode(t, err, activation.EPAUSED, "")
		first := lastLink(t, h, "fwd@example.net")
		_, err = act(t, h, activation.Given{}, now) // waits
		wantCode(t, err, activation.EPAUSED, "")
		out, err = h.Service.ActivateWith(ctx, "jean.dupont", &activation.Given{Provisional: ptr(pw)}, activation.ActivateOptions{Resend: true}, now)
		wantCode(t, err, activation.EPAUSED, "")
		if out.LinkSentTo != "fwd@example.net" {
			t.Fatalf("%+v", out)
		}
		_, err = h.Service.VerifyToken(ctx, first, now)
		wantCode(t, err, activation.ETOKEN, activation.ReasonTokenReplaced)
		if _, err := h.Service.VerifyToken(ctx, lastLink(t, h, "fwd@example.net"), now); err != nil {
			t.Fatal(err)
		}
		if _, err := act(t, h, activation.Given{NewPass: ptr("Vert-Galet-Orage-73")}, now); err != nil {
			t.Fatal(err)
		}
		// Once active: a new redirect needs its own link, the account stays active.
		_, err = h.Service.SetRedirect(ctx, "jean.dupont", "new@example.com", true, now)
		wantCode(t, err, activation.EPAUSED, "")
		wantState(t, h, "jean.dupont", activation.StateActive)
		if _, err := h.Service.VerifyToken(ctx, lastLink(t, h, "new@example.com"), now); err != nil {
			t.Fatal(err)
		}
		if a := wantState(t, h, "jean.dupont", activation.StateActive); a.RedirectTo != "new@example.com" || !a.KeepCopy {
			t.Fatalf("%+v", a)
		}
		out, err = h.Service.SetRedirect(ctx, "jean.dupont", "", false, now)
		if err != nil || out.Message != "no redirect" {
			t.Fatalf("%+v %v", out, err)
		}
	})

	t.Run("the charter in force is the one accepted", func(t *testing.T) {
		h, now := setup(t)
		_, _ = act(t, h, activation.Given{Recovery: ptr("jean@example.org")}, now)
		h.Publish(t, "2027-1", now.Add(time.Minute))
		out, err := h.Service.VerifyToken(ctx, lastLink(t, h, "jean@example.org"), now.Add(2*time.Minute))
		if err != nil || out.Charter != "2027-1" {
			t.Fatalf("%+v %v", out, err)
		}
		_, err = act(t, h, activation.Given{Charter: ptr(false)}, now.Add(3*time.Minute))
		wantCode(t, err, activation.EPOLICY, activation.ReasonCharterRefused)
		if _, err := act(t, h, activation.Given{Charter: ptr(true)}, now.Add(3*time.Minute)); err != nil {
			t.Fatal(err)
		}
		if a := wantState(t, h, "jean.dupont", activation.StateCharterAccepted); a.CharterVersion != "2027-1" {
			t.Fatalf("accepted %q", a.CharterVersion)
		}
	})

	t.Run("password policy refusals name the rule", func(t *testing.T) {
		h, now := setup(t)
		toMailbox(t, h, now)
		for _, tc := range []struct{ pw, reason string }{
			{pw, activation.ReasonPasswordProvisional},
			{"Court-1a", activation.ReasonPasswordTooShort},
			{"toutenminuscules", activation.ReasonPasswordStrength}, // 75 bits by the CNIL's counting
			{"Jean-Galet-Orage-73", activation.ReasonPasswordFirstName},
			{"Dupont-Galet-Orage-73", activation.ReasonPasswordLastName},
			{"Azerty123456!", activation.ReasonPasswordWeak},
		} {
			_, err := act(t, h, activation.Given{NewPass: ptr(tc.pw)}, now)
			wantCode(t, err, activation.EPOLICY, tc.reason)
		}
		wantState(t, h, "jean.dupont", activation.StateMailboxReady)
	})

	t.Run("web sessions stand for steps 1-2", func(t *testing.T) {
		h, now := setup(t)
		svc := h.Service
		_, _, err := svc.StartSession(ctx, "jean.dupont@etu.umontpellier.fr", "WRNG-WRNG-WRNG-WR", now)
		wantCode(t, err, activation.EAUTH, activation.ReasonAuthFailed)
		_, _, errUnknown := svc.StartSession(ctx, "nobody.nowhere@etu.umontpellier.fr", pw, now)
		if activation.ErrorMessage(err) != activation.ErrorMessage(errUnknown) {
			t.Fatalf("unknown login told apart: %v / %v", err, errUnknown)
		}
		old, _, err := svc.StartSession(ctx, " Jean.Dupont@ETU.umontpellier.fr", pw, now)
		if err != nil {
			t.Fatal(err)
		}
		sec, out, err := svc.StartSession(ctx, "jean.dupont", pw, now.Add(time.Minute))
		if err != nil || out.State != activation.StateAuthenticated || len(sec) != activation.SessionSecretLength {
			t.Fatalf("%+v %v", out, err)
		}
		_, err = svc.Resume(ctx, old, now.Add(time.Minute))
		wantCode(t, err, activation.EAUTH, activation.ReasonSessionExpired) // replaced
		out, err = svc.Continue(ctx, sec, &activation.Given{Recovery: ptr("jean@example.org")}, activation.ActivateOptions{}, now.Add(2*time.Minute))
		wantCode(t, err, activation.EPAUSED, "")
		if out == nil || out.LinkSentTo != "jean@example.org" || out.State != activation.StateRecoveryPending {
			t.Fatalf("step 3 on the web: %+v", out)
		}
		out, err = svc.Resume(ctx, sec, now.Add(3*time.Minute))
		if err != nil || out.LinkSentTo != "jean@example.org" || out.LinkValidUntil == nil {
			t.Fatalf("%+v %v", out, err)
		}
		// The link, followed on another device, needs no session.
		if _, err := svc.VerifyToken(ctx, lastLink(t, h, "jean@example.org"), now.Add(4*time.Minute)); err != nil {
			t.Fatal(err)
		}
		out, err = svc.Resume(ctx, sec, now.Add(5*time.Minute))
		if err != nil || out.State != activation.StateRecoveryVerified || out.Charter == "" {
			t.Fatalf("%+v %v", out, err)
		}
		_, err = svc.Continue(ctx, sec, &activation.Given{Charter: ptr(true)}, activation.ActivateOptions{}, now.Add(6*time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		out, err = svc.Continue(ctx, sec, &activation.Given{RedirectTo: ptr("")}, activation.ActivateOptions{}, now.Add(7*time.Minute))
		if err != nil || out.State != activation.StateMailboxReady {
			t.Fatalf("%+v %v", out, err)
		}
		// The provisional password is refused at step 7 without being typed again.
		_, err = svc.Continue(ctx, sec, &activation.Given{NewPass: ptr(strings.ReplaceAll(pw, "-", ""))}, activation.ActivateOptions{}, now.Add(8*time.Minute))
		wantCode(t, err, activation.EPOLICY, activation.ReasonPasswordProvisional)
		out, err = svc.Continue(ctx, sec, &activation.Given{NewPass: ptr("Vert-Galet-Orage-73")}, activation.ActivateOptions{}, now.Add(9*time.Minute))
		if err != nil || out.State != activation.StateActive || out.Confirmation == nil {
			t.Fatalf("%+v %v", out, err)
		}
		// Step 8 still shows, read-only, until the session would go idle.
		out, err = svc.Resume(ctx, sec, now.Add(10*time.Minute))
		if err != nil || out.Confirmation == nil {
			t.Fatalf("%+v %v", out, err)
		}
		_, err = svc.Continue(ctx, sec, &activation.Given{RedirectTo: ptr("")}, activation.ActivateOptions{}, now.Add(10*time.Minute))
		if err == nil {
			if a := wantState(t, h, "jean.dupont", activation.StateActive); a.RedirectTo != "" {
				t.Fatal("changed")
			}
		}
		_, err = svc.Resume(ctx, sec, now.Add(9*time.Minute+svc.Config.SessionIdle))
		wantCode(t, err, activation.EAUTH, activation.ReasonSessionExpired)
	})

	t.Run("sessions end idle, too old, at restart, and at logout", func(t *testing.T) {
		h, now := setup(t)
		svc := h.Service
		sec, _, err := svc.StartSession(ctx, "jean.dupont", pw, now)
		if err != nil {
			t.Fatal(err)
		}
		idle := svc.Config.SessionIdle
		if _, err := svc.Resume(ctx, sec, now.Add(idle-time.Second)); err != nil {
			t.Fatal(err)
		}
		_, err = svc.Resume(ctx, sec, now.Add(2*idle-time.Second+time.Second))
		wantCode(t, err, activation.EAUTH, activation.ReasonSessionExpired)

		sec, _, _ = svc.StartSession(ctx, "jean.dupont", pw, now)
		for at := now; at.Before(now.Add(svc.Config.SessionLifetime)); at = at.Add(idle / 2) {
			if _, err := svc.Resume(ctx, sec, at); err != nil {
				t.Fatalf("at %s: %v", at, err)
			}
		}
		_, err = svc.Resume(ctx, sec, now.Add(svc.Config.SessionLifetime))
		wantCode(t, err, activation.EAUTH, activation.ReasonSessionExpired)

		sec, _, _ = svc.StartSession(ctx, "jean.dupont", pw, now)
		if _, err := svc.Restart(ctx, "jean.dupont", now); err != nil {
			t.Fatal(err)
		}
		_, err = svc.Resume(ctx, sec, now)
		wantCode(t, err, activation.EAUTH, activation.ReasonSessionExpired)

		sec, _, _ = svc.StartSession(ctx, "jean.dupont", pw, now)
		if err := svc.EndSession(ctx, sec, now); err != nil {
			t.Fatal(err)
		}
		_, err = svc.Resume(ctx, sec, now)
		wantCode(t, err, activation.EAUTH, activation.ReasonSessionExpired)
		_, err = svc.Resume(ctx, "short", now)
		wantCode(t, err, activation.EAUTH, activation.ReasonSessionExpired)
	})

	t.Run("a session ended by the activation stays ended after a re-issue and a new activation", func(t *testing.T) {
		h, now := setup(t)
		svc := h.Service
		// activateOnWeb walks the site's steps with a session and returns it.
		activateOnWeb := func(provisional string, at time.Time) string {
			t.Helper()
			sec, _, err := svc.StartSession(ctx, "jean.dupont", provisional, at)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := svc.Continue(ctx, sec, &activation.Given{Recovery: ptr("jean@example.org")}, activation.ActivateOptions{}, at); activation.ErrorCode(err) != activation.EPAUSED {
				t.Fatal(err)
			}
			if _, err := svc.VerifyToken(ctx, lastLink(t, h, "jean@example.org"), at); err != nil {
				t.Fatal(err)
			}
			out, err := svc.Continue(ctx, sec, &activation.Given{Charter: ptr(true), RedirectTo: ptr(""), NewPass: ptr("Vert-Galet-Orage-73")}, activation.ActivateOptions{}, at)
			if err != nil || out.State != activation.StateActive {
				t.Fatalf("%+v %v", out, err)
			}
			return sec
		}
		old := activateOnWeb(pw, now)
		if _, err := svc.Resume(ctx, old, now.Add(time.Minute)); err != nil {
			t.Fatalf("step 8 right after the activation: %v", err)
		}
		var fresh string
		_, err := svc.Reissue(ctx, "jean.dupont", true, 120*24*time.Hour, now.Add(2*time.Minute), func(sheets []activation.NewSheet) error {
			fresh = sheets[0].Password
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		activateOnWeb(fresh, now.Add(3*time.Minute))
		_, err = svc.Resume(ctx, old, now.Add(4*time.Minute))
		wantCode(t, err, activation.EAUTH, activation.ReasonSessionExpired)
		_, err = svc.Continue(ctx, old, &activation.Given{RedirectTo: ptr("")}, activation.ActivateOptions{}, now.Add(4*time.Minute))
		wantCode(t, err, activation.EAUTH, activation.ReasonSessionExpired)
	})

	t.Run("a session waiting for an expired link goes back to step 1", func(t *testing.T) {
		h, _ := setup(t)
		svc := h.Service
		sec, _, _ := svc.StartSession(ctx, "jean.dupont", pw, Paris(t, "2026-09-14 23:50:00"))
		_, err := svc.Continue(ctx, sec, &activation.Given{Recovery: ptr("jean@example.org")}, activation.ActivateOptions{}, Paris(t, "2026-09-14 23:55:00"))
		wantCode(t, err, activation.EPAUSED, "")
		_, err = svc.Resume(ctx, sec, Paris(t, "2026-09-15 00:00:00"))
		wantCode(t, err, activation.ETOKEN, activation.ReasonTokenExpired)
		wantState(t, h, "jean.dupont", activation.StateIssued)
		_, err = svc.Resume(ctx, sec, Paris(t, "2026-09-15 00:00:01"))
		wantCode(t, err, activation.EAUTH, activation.ReasonSessionExpired)
	})
	runProvision(t, newHarness)
	runReset(t, newHarness)
}
