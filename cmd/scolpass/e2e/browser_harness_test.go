package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
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
		out, err := exec.Command("../../../scripts/ensure-axe.sh").Output()
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
		d = filepath.Join("..", "..", "..", "out", "test", "web")
	}
	if err := os.MkdirAll(d, 0o755); err != nil {
		t.Fatal(err)
	}
	return d
}

// tabTimeout bounds everything a tab does: 3 minutes, or
// SCOLPASS_BROWSER_TIMEOUT (a Go duration) on a machine too loaded for it.
func tabTimeout(t *testing.T) time.Duration {
	v := os.Getenv("SCOLPASS_BROWSER_TIMEOUT")
	if v == "" {
		return 3 * time.Minute
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		t.Fatalf("SCOLPASS_BROWSER_TIMEOUT=%q: want a positive duration such as 10m", v)
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
	ctx, cancel3 := context.WithTimeout(ctx, tabTimeout(b.t))
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
