package e2e

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/umontpellier/scolpass/internal/activation"
)

// TestBrowserWholeFlow walks a student from the sheet's address to the
// confirmation, in French and in English, the links opened on a second
// device, every page and error state audited by axe-core.
func TestBrowserWholeFlow(t *testing.T) {
	b := newBrowser(t)
	s := newStack(t)
	for _, tc := range []struct {
		lang, login, recovery, redirect                       string
		step3, step5, step61, step62, step7, step8, confirmed string
	}{
		{"fr", "jean.dupont", "jean@example.org", "jean.d@laposte.net", "Étape 3 sur 8", "Étape 5 sur 8", "Étape 6-1 sur 8", "Étape 6-2 sur 8", "Étape 7 sur 8", "Étape 8 sur 8", "confirmé"},
		{"en", "heloise.lefevre", "heloise@example.org", "h.lefevre@laposte.net", "Step 3 of 8", "Step 5 of 8", "Step 6-1 of 8", "Step 6-2 of 8", "Step 7 of 8", "Step 8 of 8", "confirmed"},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			b.t = t
			ctx := b.tab()
			name := func(n string) string { return tc.lang + "-" + n }
			b.run(ctx, chromedp.Navigate(s.URL+"/activation"))
			if tc.lang == "en" {
				// The visible switch.
				b.load(ctx, `setTimeout(() => document.querySelector("a.lang").click(), 0)`)
				b.expect(ctx, "Steps 1 and 2 of 8")
			} else {
				b.expect(ctx, "Étapes 1 et 2 sur 8")
			}
			b.check(ctx, name("1-login"))
			b.submit(ctx, "form")
			b.check(ctx, name("1-login-errors"))
			b.run(ctx, chromedp.SetValue("#identifier", "nobody.here", chromedp.ByID), chromedp.SetValue("#password", "AAAA-BBBB-CCCC-DD", chromedp.ByID))
			b.submit(ctx, "form")
			b.check(ctx, name("1-login-refused"))
			b.run(ctx, chromedp.SetValue("#identifier", tc.login+"@etu.umontpellier.fr", chromedp.ByID), chromedp.SetValue("#password", s.passwords[tc.login], chromedp.ByID))
			b.submit(ctx, "form")
			b.expect(ctx, tc.step3)
			b.check(ctx, name("3-recovery"))
			b.run(ctx, chromedp.SetValue("#email", "not-an-address", chromedp.ByID))
			b.submit(ctx, "form[action$=recovery]")
			b.check(ctx, name("3-recovery-error"))
			b.run(ctx, chromedp.SetValue("#email", tc.recovery, chromedp.ByID))
			b.submit(ctx, "form[action$=recovery]")
			b.expect(ctx, tc.recovery)
			b.check(ctx, name("4-waiting"))

			// The phone: another browser context opens the link from the mail.
			phone := b.tab()
			link := s.LastLink(tc.recovery, 0)
			b.run(phone, chromedp.Navigate(link+"?lang="+tc.lang))
			b.check(phone, name("4-verify"))
			if st := s.state(tc.login); st != "recovery_pending" {
				t.Fatalf("opening the link changed the state to %s", st)
			}
			b.submit(phone, "form")
			b.expect(phone, tc.confirmed)
			b.check(phone, name("4-verified"))

			// The first tab, refreshed, moves on.
			b.reload(ctx)
			b.expect(ctx, tc.step5)
			b.check(ctx, name("5-charter"))
			b.submit(ctx, "form[action$=charter]")
			b.check(ctx, name("5-charter-error"))
			b.run(ctx, chromedp.Click("#accept", chromedp.ByID))
			b.submit(ctx, "form[action$=charter]")
			b.expect(ctx, tc.step61)
			b.check(ctx, name("6-1-mailbox"))
			b.run(ctx, chromedp.Click("#redirect", chromedp.ByID), chromedp.SetValue("#redirect_to", tc.redirect, chromedp.ByID), chromedp.Click("#keep_copy", chromedp.ByID))
			b.submit(ctx, "form[action$=mailbox]")
			b.expect(ctx, tc.step62)
			b.check(ctx, name("6-2-waiting"))
			link2 := s.LastLink(tc.redirect, 0)
			b.run(phone, chromedp.Navigate(link2+"?lang="+tc.lang))
			b.check(phone, name("6-2-verify"))
			b.submit(phone, "form")
			b.expect(phone, tc.confirmed)
			b.reload(ctx)
			b.expect(ctx, tc.step7)
			b.check(ctx, name("7-password"))
			b.run(ctx, chromedp.SetValue("#new_password", "Azerty123456!", chromedp.ByID), chromedp.SetValue("#confirm_password", "Azerty123456!", chromedp.ByID))
			b.submit(ctx, "form[action$=password]")
			b.check(ctx, name("7-password-error"))
			// The show-password box (progressive enhancement) shows it.
			var typ string
			b.run(ctx, chromedp.SetValue("#new_password", "Vert-Galet-Orage-73", chromedp.ByID), chromedp.Click("#new_password-show", chromedp.ByID),
				chromedp.Evaluate(`document.getElementById("new_password").type`, &typ))
			if typ != "text" {
				t.Errorf("show password: type %q", typ)
			}
			b.run(ctx, chromedp.SetValue("#confirm_password", "Vert-Galet-Orage-73", chromedp.ByID))
			b.submit(ctx, "form[action$=password]")
			b.expect(ctx, tc.step8)
			b.expect(ctx, tc.redirect)
			b.check(ctx, name("8-done"))
			if st := s.state(tc.login); st != "active" {
				t.Fatalf("state %s", st)
			}
			// A used link says so, in the student's language.
			b.run(phone, chromedp.Navigate(link+"?lang="+tc.lang))
			b.check(phone, name("link-used"))
		})
	}
}

// TestBrowserKeyboardOnly completes steps 1-2 with the keyboard alone.
func TestBrowserKeyboardOnly(t *testing.T) {
	b := newBrowser(t)
	s := newStack(t)
	ctx := b.tab()
	b.run(ctx, chromedp.Navigate(s.URL+"/activation"))
	b.expect(ctx, "Étapes 1 et 2 sur 8")
	focusOn := func(id string) {
		t.Helper()
		for range 12 {
			var active string
			b.run(ctx, chromedp.Evaluate(`document.activeElement ? document.activeElement.id : ""`, &active))
			if active == id {
				return
			}
			b.run(ctx, chromedp.KeyEvent("\t"))
		}
		t.Fatalf("Tab never reaches #%s", id)
	}
	focusOn("identifier")
	b.run(ctx, chromedp.KeyEvent("lea.martin"))
	focusOn("password")
	b.run(ctx, chromedp.KeyEvent(s.passwords["lea.martin"]))
	b.load(ctx, "", chromedp.KeyEvent("\r"))
	b.expect(ctx, "Étape 3 sur 8")
	// The focus is visible: the stylesheet draws an outline.
	focusOn("email")
	var outline string
	b.run(ctx, chromedp.Evaluate(`getComputedStyle(document.activeElement).outlineStyle`, &outline))
	if outline == "none" || outline == "" {
		t.Errorf("no visible focus (outline %q)", outline)
	}
}

// TestBrowserCrossOriginPostRefused: a form on another site that posts to
// the activation site is refused with 403.
func TestBrowserCrossOriginPostRefused(t *testing.T) {
	b := newBrowser(t)
	s := newStack(t)
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `<!DOCTYPE html><html lang="en"><title>evil</title><form method="post" action="%s/activation/login">
<input name="identifier" value="jean.dupont"><input name="password" value="%s"><button id="go">go</button></form>`, s.URL, s.passwords["jean.dupont"])
	}))
	defer evil.Close()
	ctx := b.tab()
	// localhost and 127.0.0.1 are two origins.
	b.run(ctx, chromedp.Navigate(strings.Replace(evil.URL, "127.0.0.1", "localhost", 1)))
	b.load(ctx, `setTimeout(() => document.getElementById('go').click(), 0)`)
	b.expect(ctx, "Requête refusée")
	if n := s.query(`SELECT count(*)::text FROM web_sessions`); n[0] != "0" {
		t.Fatal("the cross-origin POST opened a session")
	}
}

// TestBrowserLockout: five wrong passwords, then the lock page (the same
// page as a wrong password: it does not tell a lock from a mistake).
func TestBrowserLockout(t *testing.T) {
	b := newBrowser(t)
	s := newStack(t)
	ctx := b.tab()
	b.run(ctx, chromedp.Navigate(s.URL+"/activation?lang=en"))
	for range 5 {
		b.run(ctx, chromedp.SetValue("#identifier", "paul.durand", chromedp.ByID), chromedp.SetValue("#password", "AAAA-BBBB-CCCC-DD", chromedp.ByID))
		b.submit(ctx, "form")
		b.expect(ctx, "Wrong identifier or provisional password")
	}
	b.run(ctx, chromedp.SetValue("#identifier", "paul.durand", chromedp.ByID), chromedp.SetValue("#password", s.passwords["paul.durand"], chromedp.ByID))
	b.submit(ctx, "form")
	b.expect(ctx, "temporarily locked")
	b.check(ctx, "en-locked")
	_ = page.CaptureScreenshotFormatPng
}

// TestBrowserOtherPages audits the pages off the main path, in both
// languages: unknown page, unknown and expired links, the charter's text,
// the page after leaving, a cross-site form refused.
func TestBrowserOtherPages(t *testing.T) {
	b := newBrowser(t)
	s := newStack(t)
	for _, lang := range []string{"fr", "en"} {
		ctx := b.tab()
		b.run(ctx, chromedp.Navigate(s.URL+"/nope?lang="+lang))
		b.check(ctx, lang+"-error-404")
		b.run(ctx, chromedp.Navigate(s.URL+"/verify/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"))
		b.check(ctx, lang+"-link-unknown")
		b.run(ctx, chromedp.Navigate(s.URL+"/activation/charter"))
		b.check(ctx, lang+"-5-charter-text")
		b.run(ctx, chromedp.Navigate(s.URL+"/activation"), chromedp.SetValue("#identifier", "paul.durand", chromedp.ByID),
			chromedp.SetValue("#password", s.passwords["paul.durand"], chromedp.ByID))
		b.submit(ctx, "form")
		b.submit(ctx, "form.leave")
		b.check(ctx, lang+"-left")
	}
}

// TestBrowserExpiredLinkAtMidnight: a link sent at 23:40 on the night the
// clocks go back, opened on the phone at 00:00 Paris: the page says it
// expired and what to do (in the student's language), opening it changed
// nothing, and the first tab is back at steps 1-2 when refreshed.
func TestBrowserExpiredLinkAtMidnight(t *testing.T) {
	b := newBrowser(t)
	s := newStack(t)
	s.SetNow(time.Date(2026, 10, 25, 23, 40, 0, 0, activation.Zone()))
	ctx := b.tab()
	b.run(ctx, chromedp.Navigate(s.URL+"/activation"))
	b.run(ctx, chromedp.SetValue("#identifier", "lea.martin", chromedp.ByID), chromedp.SetValue("#password", s.passwords["lea.martin"], chromedp.ByID))
	b.submit(ctx, "form")
	b.expect(ctx, "Étape 3 sur 8")
	b.run(ctx, chromedp.SetValue("#email", "lea@example.org", chromedp.ByID))
	b.submit(ctx, "form[action$=recovery]")
	b.expect(ctx, "25/10/2026 à 23:59")
	link := s.LastLink("lea@example.org", 0)

	s.SetNow(time.Date(2026, 10, 26, 0, 0, 0, 0, activation.Zone()))
	phone := b.tab("en-GB,en")
	b.run(phone, chromedp.Navigate(link))
	b.expect(phone, "Link expired")
	b.expect(phone, "step 1")
	b.check(phone, "en-link-expired")
	if st := s.state("lea.martin"); st != "recovery_pending" {
		t.Fatalf("opening the expired link moved the account to %s", st)
	}
	fr := b.tab()
	b.run(fr, chromedp.Navigate(link))
	b.expect(fr, "Lien expiré")
	b.check(fr, "fr-link-expired")
	// The first tab, refreshed, is back at steps 1-2: the account went back
	// to step 1 (the guide), its recovery address forgotten.
	b.reload(ctx)
	b.expect(ctx, "Étapes 1 et 2 sur 8")
	if st := s.state("lea.martin"); st != "issued" {
		t.Fatalf("state %s once the link's day was over", st)
	}
}
