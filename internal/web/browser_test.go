package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/umontpellier/scolpass/internal/activation"
)

// The browser tests drive Debian's chromium, headless, through chromedp,
// against a real scolpass serve (stack). make test installs chromium
// (scripts/ensure-tools.sh chromium:chromium) and axe-core
// (scripts/ensure-axe.sh, path in SCOLPASS_AXE_JS); outside make test,
// without chromium and without CI set, they are skipped.

func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("chromium is not installed (scripts/ensure-tools.sh chromium:chromium installs it); CI must run the browser tests")
	}
	t.Skip("chromium is not installed: the browser tests are skipped (make test installs it)")
	return ""
}

func axeSource(t *testing.T) string {
	t.Helper()
	p := os.Getenv("SCOLPASS_AXE_JS")
	if p == "" {
		out, err := exec.Command("../../scripts/ensure-axe.sh").Output()
		if err != nil {
			t.Fatalf("axe-core: scripts/ensure-axe.sh: %v", err)
		}
		p = strings.TrimSpace(string(out))
	}
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("axe-core: %v (scripts/ensure-axe.sh installs it)", err)
	}
	return string(b)
}

// artifactDir is where screenshots go: $SCOLPASS_WEB_ARTIFACTS, else
// out/test/web at the top of the repository.
func artifactDir(t *testing.T) string {
	d := os.Getenv("SCOLPASS_WEB_ARTIFACTS")
	if d == "" {
		d = filepath.Join("..", "..", "out", "test", "web")
	}
	if err := os.MkdirAll(d, 0o755); err != nil {
		t.Fatal(err)
	}
	return d
}

// browser starts headless chromiums, each with a fresh profile.
type browser struct {
	t     *testing.T
	path  string
	axe   string
	shots string
}

func newBrowser(t *testing.T) *browser {
	t.Helper()
	return &browser{t: t, path: chromiumPath(t), axe: axeSource(t), shots: artifactDir(t)}
}

// tab starts a chromium of its own (its own profile and cookies: another
// device) and returns its first tab.
func (b *browser) tab(lang ...string) context.Context {
	accept := "fr-FR,fr"
	if len(lang) > 0 {
		accept = lang[0]
	}
	profile, err := os.MkdirTemp("", "scolpass-chromium-")
	if err != nil {
		b.t.Fatal(err)
	}
	b.t.Cleanup(func() { _ = os.RemoveAll(profile) })
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(b.path),
		chromedp.UserDataDir(profile),
		chromedp.Flag("accept-lang", accept),
		chromedp.Flag("lang", strings.Split(accept, ",")[0]),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(1280, 900),
	}
	alloc, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	b.t.Cleanup(cancel)
	ctx, cancel2 := chromedp.NewContext(alloc)
	b.t.Cleanup(cancel2)
	ctx, cancel3 := context.WithTimeout(ctx, 3*time.Minute)
	b.t.Cleanup(cancel3)
	if err := chromedp.Run(ctx); err != nil {
		b.t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

func (b *browser) run(ctx context.Context, actions ...chromedp.Action) {
	b.t.Helper()
	if err := chromedp.Run(ctx, actions...); err != nil {
		b.t.Fatalf("chromium: %v", err)
	}
}

func (b *browser) text(ctx context.Context) string {
	var s string
	_ = chromedp.Run(ctx, chromedp.Evaluate(`document.body ? document.body.innerText : ""`, &s))
	return s
}

// load does what trigger (JavaScript) does, or act, and waits for the next
// page to be loaded.
func (b *browser) load(ctx context.Context, trigger string, act ...chromedp.Action) {
	b.t.Helper()
	var ig any
	b.run(ctx, chromedp.Evaluate(`window.__stale = true; `+trigger+`; true`, &ig))
	if len(act) > 0 {
		b.run(ctx, act...)
	}
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		var ok bool
		if err := chromedp.Run(ctx, chromedp.Evaluate(`!window.__stale && document.readyState === 'complete'`, &ok)); err == nil && ok {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	b.t.Fatalf("no new page after %s", trigger)
}

// expect waits for the page to say want.
func (b *browser) expect(ctx context.Context, want string) {
	b.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := b.text(ctx)
		if strings.Contains(got, want) {
			return
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("page does not say %q:\n%s", want, got)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

type axeResult struct {
	Violations []struct {
		ID     string `json:"id"`
		Impact string `json:"impact"`
		Help   string `json:"help"`
		Nodes  []struct {
			Target []any  `json:"target"`
			HTML   string `json:"html"`
		} `json:"nodes"`
	} `json:"violations"`
}

// audit runs axe-core on the page and fails on serious or critical
// violations (WCAG 2.1 A and AA rules, colour contrast included).
func (b *browser) audit(ctx context.Context, name string) {
	b.t.Helper()
	var raw string
	script := b.axe + `;axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}, resultTypes: ['violations']}).then(r => JSON.stringify(r))`
	b.run(ctx, chromedp.Evaluate(script, &raw, func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }))
	var res axeResult
	if err := json.Unmarshal([]byte(raw), &res); err != nil {
		b.t.Fatalf("axe on %s: %v", name, err)
	}
	for _, v := range res.Violations {
		if v.Impact == "serious" || v.Impact == "critical" {
			var where []string
			for _, n := range v.Nodes {
				where = append(where, fmt.Sprint(n.Target)+" "+n.HTML)
			}
			b.t.Errorf("axe on %s: %s (%s): %s\n  %s", name, v.ID, v.Impact, v.Help, strings.Join(where, "\n  "))
		}
	}
}

// check audits the page and saves screenshots at phone and desktop widths.
func (b *browser) check(ctx context.Context, name string) {
	b.t.Helper()
	b.audit(ctx, name)
	for _, w := range []struct {
		suffix string
		width  int64
		height int64
		mobile bool
	}{{"desktop", 1280, 900, false}, {"zoom200", 640, 450, false}, {"360", 360, 740, true}} {
		var png []byte
		emu := chromedp.EmulateViewport(w.width, w.height)
		if w.mobile {
			emu = chromedp.EmulateViewport(w.width, w.height, chromedp.EmulateScale(2), chromedp.EmulateMobile)
		}
		if w.suffix == "zoom200" {
			// A 1280 px window at 200 %: 640 CSS pixels.
			b.run(ctx, emu)
		} else {
			b.run(ctx, emu, chromedp.FullScreenshot(&png, 100))
			if err := os.WriteFile(filepath.Join(b.shots, name+"-"+w.suffix+".png"), png, 0o644); err != nil {
				b.t.Fatal(err)
			}
		}
		if w.mobile || w.suffix == "zoom200" {
			// At 360 px, and at 200 % zoom, nothing may be wider than the screen.
			var overflow bool
			b.run(ctx, chromedp.Evaluate(`document.documentElement.scrollWidth > document.documentElement.clientWidth`, &overflow))
			if overflow {
				b.t.Errorf("%s: wider than the screen at %d px", name, w.width)
			}
		}
	}
	b.run(ctx, chromedp.EmulateViewport(1280, 900))
}

// submit presses the submit button of the form (a CSS selector).
func (b *browser) submit(ctx context.Context, form string) {
	b.t.Helper()
	b.load(ctx, fmt.Sprintf(`setTimeout(() => document.querySelector(%q).click(), 0)`, form+` button[type=submit]`))
}

func (b *browser) reload(ctx context.Context) {
	b.t.Helper()
	b.load(ctx, `setTimeout(() => location.reload(), 0)`)
}

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
