package e2e

import (
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserRecovery walks the three journeys after the activation in
// Chromium, in French and in English: a forgotten password (the form, the
// emailed link opened on another device, the new password), a forgotten
// login, a change of a known password. Every page and error state is
// audited by axe-core and shot at 360 px and desktop widths (make demo
// keeps the screenshots).
func TestBrowserRecovery(t *testing.T) {
	b := newBrowser(t)
	s := newStack(t, "--link-rate", "600")
	for _, tc := range []struct {
		lang, accept, login, recovery            string
		forgotLink, sent, title, changed, refuse string
	}{
		{"fr", "fr-FR,fr", "jean.dupont", "jean@example.org", "Mot de passe oublié ?", "Demande enregistrée", "Nouveau mot de passe", "Mot de passe changé", "mot de passe actuel incorrect"},
		{"en", "en-GB,en", "heloise.lefevre", "heloise@example.org", "Forgot your password?", "Request received", "New password", "Password changed", "current password"},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			b.t = t
			s.activate(t, tc.login, tc.recovery, "Vert-Galet-Orage-73")
			name := func(n string) string { return tc.lang + "-recover-" + n }
			ctx := b.tab(tc.accept)

			// Forgotten password, from the start page's link.
			b.run(ctx, chromedp.Navigate(s.URL+"/activation"))
			b.expect(ctx, tc.forgotLink)
			b.load(ctx, `setTimeout(() => document.querySelector('a[href$="/forgot-password"]').click(), 0)`)
			b.check(ctx, name("forgot-password"))
			b.submit(ctx, "form")
			b.check(ctx, name("forgot-password-error"))
			b.run(ctx, chromedp.SetValue("#identifier", tc.login, chromedp.ByID))
			b.submit(ctx, "form")
			b.expect(ctx, tc.sent)
			b.check(ctx, name("forgot-password-sent"))

			// The link, opened on the phone.
			mails := s.mailsTo(tc.recovery, 3)
			link := resetLinkRE.FindString(mails[len(mails)-1])
			if link == "" {
				t.Fatalf("no lost-password link in %q", mails[len(mails)-1])
			}
			phone := b.tab(tc.accept)
			b.run(phone, chromedp.Navigate(link))
			b.expect(phone, tc.title)
			b.expect(phone, tc.login+"@etu.umontpellier.fr")
			b.check(phone, name("reset"))
			b.run(phone, chromedp.SetValue("#new_password", "Vert-Galet-Orage-73", chromedp.ByID), chromedp.SetValue("#confirm_password", "Vert-Galet-Orage-73", chromedp.ByID))
			b.submit(phone, "form")
			b.check(phone, name("reset-error"))
			b.run(phone, chromedp.SetValue("#new_password", "Granit-Fougere-Vent-27", chromedp.ByID), chromedp.SetValue("#confirm_password", "Granit-Fougere-Vent-27", chromedp.ByID))
			b.submit(phone, "form")
			b.expect(phone, tc.changed)
			b.check(phone, name("reset-done"))
			b.run(phone, chromedp.Navigate(link))
			b.check(phone, name("reset-link-used"))

			// Forgotten login.
			b.run(ctx, chromedp.Navigate(s.URL+"/activation/forgot-login"))
			b.check(ctx, name("forgot-login"))
			b.run(ctx, chromedp.SetValue("#email", tc.recovery, chromedp.ByID))
			b.submit(ctx, "form")
			b.expect(ctx, tc.sent)
			b.check(ctx, name("forgot-login-sent"))

			// Change of a known password.
			b.run(ctx, chromedp.Navigate(s.URL+"/activation/change-password"))
			b.check(ctx, name("change"))
			fill := func(current, pw string) {
				b.run(ctx, chromedp.SetValue("#identifier", tc.login, chromedp.ByID), chromedp.SetValue("#current_password", current, chromedp.ByID),
					chromedp.SetValue("#new_password", pw, chromedp.ByID), chromedp.SetValue("#confirm_password", pw, chromedp.ByID))
			}
			fill("Vert-Galet-Orage-73", "Rouge-Caillou-Nuage-58") // the old password: refused
			b.submit(ctx, "form")
			b.expect(ctx, tc.refuse)
			b.check(ctx, name("change-refused"))
			fill("Granit-Fougere-Vent-27", "Rouge-Caillou-Nuage-58")
			b.submit(ctx, "form")
			b.expect(ctx, tc.changed)
			b.check(ctx, name("change-done"))
		})
	}
}
