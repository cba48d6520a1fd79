package storetest

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/umontpellier/scolpass/internal/activation"
)

var resetLinkRE = regexp.MustCompile(`https?://\S+/reset/\S+`)

// lastResetLink is the token of the newest lost-password link mailed to to.
func lastResetLink(t *testing.T, h Harness, to string) string {
	t.Helper()
	mails := h.Mails(t)
	for i := len(mails) - 1; i >= 0; i-- {
		if strings.EqualFold(mails[i].To, to) && mails[i].Kind == activation.MailResetLink {
			if l := resetLinkRE.FindString(mails[i].Body); l != "" {
				return activation.TokenFromInput(l)
			}
		}
	}
	t.Fatalf("no lost-password link mailed to %s", to)
	return ""
}

func mailKinds(t *testing.T, h Harness, from int) []string {
	var out []string
	for _, m := range h.Mails(t)[from:] {
		out = append(out, m.Kind+">"+m.To)
	}
	return out
}

// currentPassword reports whether pw is the stored password of login.
func currentPassword(t *testing.T, h Harness, login, pw string) bool {
	t.Helper()
	a, err := h.Service.Store.Load(context.Background(), login)
	if err != nil {
		t.Fatal(err)
	}
	ok, err := activation.VerifyPassword(pw, a.PasswordHash)
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

// runReset is the contract of the paths after the activation: the
// lost-password link, the lost login, the change of a known password.
func runReset(t *testing.T, newHarness func(t *testing.T) Harness) {
	ctx := context.Background()
	const first = "Vert-Galet-Orage-73"
	const second = "Rouge-Caillou-Nuage-58"
	// activeAt makes login an active account (recovery addr, password first).
	activeAt := func(t *testing.T, h Harness, firstName, lastName, login, addr string, now time.Time) {
		t.Helper()
		h.AddIssued(t, firstName, lastName, login, pw, now.Add(-24*time.Hour), now.Add(120*24*time.Hour))
		act := func(g activation.Given) error {
			g.Provisional = ptr(pw)
			_, err := h.Service.ActivateWith(ctx, login, &g, activation.ActivateOptions{}, now)
			return err
		}
		if err := act(activation.Given{Recovery: ptr(addr)}); activation.ErrorCode(err) != activation.EPAUSED {
			t.Fatalf("step 3: %v", err)
		}
		if _, err := h.Service.VerifyToken(ctx, lastLink(t, h, addr), now); err != nil {
			t.Fatalf("step 4: %v", err)
		}
		if err := act(activation.Given{Charter: ptr(true), RedirectTo: ptr(""), NewPass: ptr(first)}); err != nil {
			t.Fatalf("steps 5-7: %v", err)
		}
		wantState(t, h, login, activation.StateActive)
	}
	setup := func(t *testing.T) (Harness, time.Time) {
		h := newHarness(t)
		now := Paris(t, "2026-09-14 10:00:00")
		activeAt(t, h, "Jean", "Dupont", "jean.dupont", "jean@example.org", now)
		return h, now
	}

	t.Run("reset: a lost-password link changes the password, once, and tells the owner", func(t *testing.T) {
		h, now := setup(t)
		if h.Provisions != nil {
			h.Service.Config.Provision = true
		}
		before := len(h.Mails(t))
		if err := h.Service.RequestReset(ctx, " Jean.Dupont@ETU.umontpellier.fr ", now); err != nil {
			t.Fatal(err)
		}
		if got := mailKinds(t, h, before); !slices.Equal(got, []string{"reset_link>jean@example.org"}) {
			t.Fatalf("mails: %q", got)
		}
		tok := lastResetLink(t, h, "jean@example.org")
		info, err := h.Service.InspectResetLink(ctx, tok, now.Add(59*time.Minute))
		if err != nil || info.Login != "jean.dupont@etu.umontpellier.fr" || !info.ExpiresAt.Equal(now.Add(time.Hour)) {
			t.Fatalf("inspect: %+v, %v", info, err)
		}
		// An activation link's checks refuse it: it needs a new password.
		_, err = h.Service.VerifyToken(ctx, tok, now)
		wantCode(t, err, activation.EINVALID, "")
		_, err = h.Service.FollowLink(ctx, tok, nil, now)
		wantCode(t, err, activation.EINVALID, "")
		// The policy and "not the current one", the link still valid after.
		_, err = h.Service.ResetPassword(ctx, tok, "short", now)
		wantCode(t, err, activation.EPOLICY, activation.ReasonPasswordTooShort)
		_, err = h.Service.ResetPassword(ctx, tok, first, now)
		wantCode(t, err, activation.EPOLICY, activation.ReasonPasswordSame)
		before = len(h.Mails(t))
		out, err := h.Service.FollowLink(ctx, "https://scolpass.umontpellier.fr/reset/"+tok, ptr(second), now.Add(time.Minute))
		if err != nil || out.State != activation.StateActive {
			t.Fatalf("reset: %+v, %v", out, err)
		}
		if !currentPassword(t, h, "jean.dupont", second) || currentPassword(t, h, "jean.dupont", first) {
			t.Fatal("the stored password is not the new one")
		}
		want := []string{"password_changed>jean@example.org", "password_changed>jean.dupont@etu.umontpellier.fr"}
		if got := mailKinds(t, h, before); !slices.Equal(got, want) {
			t.Fatalf("notices: %q, want %q", got, want)
		}
		for _, m := range h.Mails(t)[before:] {
			if strings.Contains(m.Body, "/reset/") || strings.Contains(m.Body, "/verify/") {
				t.Fatalf("the notice carries a link that acts: %q", m.Body)
			}
		}
		_, err = h.Service.ResetPassword(ctx, tok, "Autre-Chemin-Vallee-91", now.Add(2*time.Minute))
		wantCode(t, err, activation.ETOKEN, activation.ReasonTokenUsed)
		acts := h.Actions(t, "jean.dupont")
		for _, w := range []string{"reset-link:ok:active>active", "password-reset:ok:active>active", "password-reset:refused:active>active"} {
			if !slices.Contains(acts, w) {
				t.Fatalf("audit lacks %q: %q", w, acts)
			}
		}
		if h.Provisions != nil {
			if got := h.Provisions(t); !slices.Contains(got, "jean.dupont:password") {
				t.Fatalf("provisioning: %q", got)
			}
		}
	})

	t.Run("reset: nothing is sent, and nothing told, for unknown or not active logins", func(t *testing.T) {
		h, now := setup(t)
		h.AddIssued(t, "Anne", "Alpha", "anne.alpha", pw, now.Add(-time.Hour), now.Add(time.Hour*24))
		before := len(h.Mails(t))
		for _, id := range []string{"nobody.here", "anne.alpha", "", "x@example.org"} {
			if err := h.Service.RequestReset(ctx, id, now); err != nil {
				t.Fatalf("%q: %v", id, err)
			}
		}
		if got := mailKinds(t, h, before); len(got) != 0 {
			t.Fatalf("mails: %q", got)
		}
		_, err := h.Service.SendResetLink(ctx, "anne.alpha", now)
		wantCode(t, err, activation.ESTATE, activation.ReasonNotActive)
		if m := activation.ErrorMessage(err); !strings.Contains(m, "--restart") || !strings.Contains(m, "--reissue") {
			t.Fatalf("message does not say what to do: %s", m)
		}
		_, err = h.Service.SendResetLink(ctx, "nobody.here", now)
		wantCode(t, err, activation.ENOTFOUND, "")
	})

	t.Run("reset: the helpdesk is told where the link went, masked", func(t *testing.T) {
		h, now := setup(t)
		out, err := h.Service.SendResetLink(ctx, "jean.dupont", now)
		if err != nil || out.LinkSentTo != "j•••@e•••.org" || !out.LinkValidUntil.Equal(now.Add(time.Hour)) {
			t.Fatalf("send-link: %+v, %v", out, err)
		}
		if strings.Contains(out.Message, "jean@example.org") {
			t.Fatalf("message spells the address out: %s", out.Message)
		}
	})

	t.Run("reset: a newer link replaces the older, links expire after an hour, the daily cap holds", func(t *testing.T) {
		h, now := setup(t)
		h.Service.RequestReset(ctx, "jean.dupont", now)
		old := lastResetLink(t, h, "jean@example.org")
		h.Service.RequestReset(ctx, "jean.dupont", now.Add(time.Minute))
		newer := lastResetLink(t, h, "jean@example.org")
		_, err := h.Service.InspectResetLink(ctx, old, now.Add(2*time.Minute))
		wantCode(t, err, activation.ETOKEN, activation.ReasonTokenReplaced)
		_, err = h.Service.ResetPassword(ctx, newer, second, now.Add(time.Minute+time.Hour+time.Second))
		wantCode(t, err, activation.ETOKEN, activation.ReasonTokenExpired)
		wantState(t, h, "jean.dupont", activation.StateActive)
		// Step 4's link and these two: 3 of 5 today.
		h.Service.RequestReset(ctx, "jean.dupont", now.Add(3*time.Minute))
		h.Service.RequestReset(ctx, "jean.dupont", now.Add(4*time.Minute))
		before := len(h.Mails(t))
		if err := h.Service.RequestReset(ctx, "jean.dupont", now.Add(5*time.Minute)); err != nil {
			t.Fatal(err)
		}
		if n := len(h.Mails(t)) - before; n != 0 {
			t.Fatalf("the daily cap let %d more links through", n)
		}
		_, err = h.Service.SendResetLink(ctx, "jean.dupont", now.Add(6*time.Minute))
		wantCode(t, err, activation.EPOLICY, activation.ReasonLinkCap)
	})

	t.Run("reset: a changed password ends every open link, and a reset lifts a lock", func(t *testing.T) {
		h, now := setup(t)
		// A pending 6-2 link of the active account.
		if _, err := h.Service.SetRedirect(ctx, "jean.dupont", "jean.pro@example.com", false, now); activation.ErrorCode(err) != activation.EPAUSED {
			t.Fatalf("redirect: %v", err)
		}
		redirect := lastLink(t, h, "jean.pro@example.com")
		for i := 0; i < 5; i++ {
			_, err := h.Service.ChangePassword(ctx, "jean.dupont", "Wrong-Password-000", second, now)
			wantCode(t, err, activation.EAUTH, activation.ReasonChangeAuthFailed)
		}
		if a := wantState(t, h, "jean.dupont", activation.StateActive); !a.LockedAt(now) {
			t.Fatal("five wrong current passwords did not lock the account")
		}
		_, err := h.Service.ChangePassword(ctx, "jean.dupont", first, second, now)
		wantCode(t, err, activation.EAUTH, activation.ReasonChangeAuthFailed)
		h.Service.RequestReset(ctx, "jean.dupont", now)
		if _, err := h.Service.ResetPassword(ctx, lastResetLink(t, h, "jean@example.org"), second, now); err != nil {
			t.Fatal(err)
		}
		if a := wantState(t, h, "jean.dupont", activation.StateActive); a.LockedAt(now) || a.FailedAttempts != 0 {
			t.Fatalf("still locked after a reset: %+v", a)
		}
		_, err = h.Service.VerifyToken(ctx, redirect, now)
		wantCode(t, err, activation.ETOKEN, activation.ReasonTokenReplaced)
	})

	t.Run("change: a known password, checked, counted, and told", func(t *testing.T) {
		h, now := setup(t)
		_, err := h.Service.ChangePassword(ctx, "nobody.here", first, second, now)
		wantCode(t, err, activation.EAUTH, activation.ReasonChangeAuthFailed)
		_, err = h.Service.ChangePassword(ctx, "jean.dupont", first, first, now)
		wantCode(t, err, activation.EPOLICY, activation.ReasonPasswordSame)
		_, err = h.Service.ChangePassword(ctx, "jean.dupont", first, "jean.dupont-2026!", now)
		wantCode(t, err, activation.EPOLICY, "")
		before := len(h.Mails(t))
		out, err := h.Service.ChangePassword(ctx, "JEAN.DUPONT@etu.umontpellier.fr", first, second, now)
		if err != nil || out.State != activation.StateActive {
			t.Fatalf("change: %+v, %v", out, err)
		}
		if !currentPassword(t, h, "jean.dupont", second) {
			t.Fatal("the password did not change")
		}
		want := []string{"password_changed>jean@example.org", "password_changed>jean.dupont@etu.umontpellier.fr"}
		if got := mailKinds(t, h, before); !slices.Equal(got, want) {
			t.Fatalf("notices: %q", got)
		}
		// The directory's word wins when there is one.
		h.Service.Config.CheckPassword = func(_ context.Context, login, pw string) (bool, error) {
			return login == "jean.dupont" && pw == "Changed-Elsewhere-42", nil
		}
		_, err = h.Service.ChangePassword(ctx, "jean.dupont", second, "Encore-Un-Autre-Mot-7", now)
		wantCode(t, err, activation.EAUTH, activation.ReasonChangeAuthFailed)
		if _, err := h.Service.ChangePassword(ctx, "jean.dupont", "Changed-Elsewhere-42", "Encore-Un-Autre-Mot-7", now); err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(h.Actions(t, "jean.dupont"), "password-change:ok:active>active") {
			t.Fatalf("audit: %q", h.Actions(t, "jean.dupont"))
		}
	})

	t.Run("lost login: one email listing each login of a confirmed address", func(t *testing.T) {
		h, now := setup(t)
		activeAt(t, h, "Paul", "Dupont", "paul.dupont", "JEAN@example.org", now) // a brother sharing the address
		h.AddIssued(t, "Anne", "Alpha", "anne.alpha", pw, now.Add(-time.Hour), now.Add(24*time.Hour))
		// Anne gave the address at step 3 but never confirmed it.
		if _, err := h.Service.ActivateWith(ctx, "anne.alpha", &activation.Given{Provisional: ptr(pw), Recovery: ptr("jean@example.org")}, activation.ActivateOptions{}, now); activation.ErrorCode(err) != activation.EPAUSED {
			t.Fatal(err)
		}
		before := len(h.Mails(t))
		for _, addr := range []string{"nobody@example.org", "not an address", ""} {
			if err := h.Service.RemindLogins(ctx, addr, now); err != nil {
				t.Fatalf("%q: %v", addr, err)
			}
		}
		if n := len(h.Mails(t)) - before; n != 0 {
			t.Fatalf("%d mails for unknown addresses", n)
		}
		if err := h.Service.RemindLogins(ctx, " Jean@Example.org ", now); err != nil {
			t.Fatal(err)
		}
		mails := h.Mails(t)[before:]
		if len(mails) != 1 || mails[0].Kind != activation.MailLoginReminder || !strings.EqualFold(mails[0].To, "jean@example.org") {
			t.Fatalf("mails: %+v", mails)
		}
		body := mails[0].Body
		if !strings.Contains(body, "jean.dupont@etu.umontpellier.fr") || !strings.Contains(body, "paul.dupont@etu.umontpellier.fr") || strings.Contains(body, "anne.alpha") {
			t.Fatalf("logins listed: %q", body)
		}
	})

	t.Run("lost login: at most LinksPerDay emails an address a day", func(t *testing.T) {
		h, now := setup(t)
		limit := h.Service.Config.LinksPerDay
		before := len(h.Mails(t))
		for i := 0; i < limit+2; i++ {
			if err := h.Service.RemindLogins(ctx, "jean@example.org", now.Add(time.Duration(i)*time.Minute)); err != nil {
				t.Fatalf("reminder %d: %v", i+1, err)
			}
		}
		if n := len(h.Mails(t)) - before; n != limit {
			t.Fatalf("%d lost-login emails in a day, want %d (LinksPerDay)", n, limit)
		}
		var ok, refused int
		for _, a := range h.Actions(t, "jean.dupont") {
			switch {
			case strings.HasPrefix(a, "login-reminder:ok:"):
				ok++
			case strings.HasPrefix(a, "login-reminder:refused:"):
				refused++
			}
		}
		if ok != limit || refused != 2 {
			t.Fatalf("audit: %d sent, %d refused, want %d and 2: %q", ok, refused, limit, h.Actions(t, "jean.dupont"))
		}
		// The next Paris day, the address gets its logins again.
		if err := h.Service.RemindLogins(ctx, "jean@example.org", activation.LinkDayStart(now).Add(25*time.Hour)); err != nil {
			t.Fatal(err)
		}
		if n := len(h.Mails(t)) - before; n != limit+1 {
			t.Fatalf("the next day: %d emails in all, want %d", n, limit+1)
		}
	})

	t.Run("reissue of an active account takes its password out of the directory", func(t *testing.T) {
		h, now := setup(t)
		if h.Provisions == nil {
			t.Skip("this store's harness cannot read provisioning jobs")
		}
		h.Service.Config.Provision = true
		_, err := h.Service.Reissue(ctx, "jean.dupont", true, 24*time.Hour, now, func([]activation.NewSheet) error { return nil })
		if err != nil {
			t.Fatal(err)
		}
		if got := h.Provisions(t); !slices.Equal(got, []string{"jean.dupont:revoked"}) {
			t.Fatalf("provisioning: %q", got)
		}
	})
}
