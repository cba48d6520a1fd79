package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/umontpellier/scolpass/internal/web"
	"github.com/umontpellier/scolpass/internal/web/webtest"
)

// TestBrowserLegalPages opens the personal-data and accessibility pages in
// headless Chromium, in French and in English, reached from the footer of
// the activation page by the keyboard: axe-core finds no serious
// violation, nothing is wider than a 320 px screen, and the screenshots
// go with the others (make demo). Self-contained: it needs chromium and
// axe-core (SCOLPASS_AXE_JS, scripts/ensure-axe.sh), nothing else.
func TestBrowserLegalPages(t *testing.T) {
	chromium := chromiumPath(t)
	axe := axeSource(t)
	shots := artifactDir(t)
	h, err := web.New(web.Options{Engine: webtest.New().Service, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()

	// Not t.TempDir: chromium's helpers may still write in the profile as
	// it stops, and a failed cleanup would fail the test.
	profile, err := os.MkdirTemp("", "scolpass-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(profile)
	alloc, cancel := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromium), chromedp.UserDataDir(profile),
		chromedp.Flag("headless", true), chromedp.Flag("no-sandbox", true), chromedp.Flag("disable-gpu", true),
		chromedp.Flag("no-first-run", true), chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-background-networking", true), chromedp.WindowSize(1280, 900))
	defer cancel()
	ctx, cancel2 := chromedp.NewContext(alloc)
	defer cancel2()
	ctx, cancel3 := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel3()
	run := func(actions ...chromedp.Action) {
		t.Helper()
		if err := chromedp.Run(ctx, actions...); err != nil {
			t.Fatalf("chromium: %v", err)
		}
	}
	for _, c := range []struct{ lang, privacy, a11y string }{
		{"fr", "Données personnelles", "Accessibilité"},
		{"en", "Personal data", "Accessibility"},
	} {
		for _, page := range []struct{ path, link, title string }{{"/privacy", c.privacy, c.privacy}, {"/accessibility", c.a11y, c.a11y}} {
			name := c.lang + "-" + strings.TrimPrefix(page.path, "/")
			// From the activation page's footer, with the keyboard: Tab
			// until the link has the focus, then Enter.
			var title string
			run(chromedp.EmulateViewport(1280, 900), chromedp.Navigate(srv.URL+"/activation?lang="+c.lang))
			found := false
			for range 40 {
				var focused string
				run(chromedp.KeyEvent("\t"), chromedp.Evaluate(`document.activeElement ? document.activeElement.textContent : ""`, &focused))
				if strings.HasPrefix(focused, page.link) {
					found = true
					break
				}
			}
			if !found {
				t.Fatalf("%s: no footer link %q reached with Tab", c.lang, page.link)
			}
			run(chromedp.KeyEvent("\r"), chromedp.WaitVisible("main h1", chromedp.ByQuery), chromedp.Text("main h1", &title, chromedp.ByQuery))
			var loc string
			run(chromedp.Location(&loc))
			if !strings.HasSuffix(loc, page.path) || title != page.title {
				t.Fatalf("%s: Enter on the footer link led to %s, %q", name, loc, title)
			}
			var raw string
			script := axe + `;axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}, resultTypes: ['violations']}).then(r => JSON.stringify(r.violations))`
			run(chromedp.Evaluate(script, &raw, func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }))
			var violations []struct {
				ID, Impact, Help string
				Nodes            []struct{ HTML string }
			}
			if err := json.Unmarshal([]byte(raw), &violations); err != nil {
				t.Fatalf("axe on %s: %v", name, err)
			}
			for _, v := range violations {
				if v.Impact == "serious" || v.Impact == "critical" {
					t.Errorf("axe on %s: %s (%s): %s %v", name, v.ID, v.Impact, v.Help, v.Nodes)
				}
			}
			for _, w := range []struct {
				suffix        string
				width, height int64
			}{{"desktop", 1280, 900}, {"320", 320, 640}} {
				var png []byte
				var overflow bool
				run(chromedp.EmulateViewport(w.width, w.height, chromedp.EmulateScale(1)),
					chromedp.Evaluate(`document.documentElement.scrollWidth > document.documentElement.clientWidth`, &overflow),
					chromedp.FullScreenshot(&png, 100))
				if overflow {
					t.Errorf("%s: wider than a %d px screen", name, w.width)
				}
				if err := os.WriteFile(filepath.Join(shots, fmt.Sprintf("%s-%s.png", name, w.suffix)), png, 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
}
