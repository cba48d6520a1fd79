package web_test

// The hostile review's findings (issue 17), each replayed against the site
// running the real activation service on the in-memory store.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/umontpellier/scolpass/internal/activation"
	"github.com/umontpellier/scolpass/internal/activation/memstore"
	"github.com/umontpellier/scolpass/internal/activation/storetest"
	"github.com/umontpellier/scolpass/internal/web"
)

const secPassword = "K7QM-X4TP-9CWD-3R"

// secSite is the site over activation.Service and memstore, with its log.
type secSite struct {
	t     *testing.T
	h     *web.Server
	st    *memstore.Store
	svc   *activation.Service
	log   *secLog
	clock time.Time
}

type secLog struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *secLog) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *secLog) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func newSecSite(t *testing.T, mod ...func(*web.Options)) *secSite {
	t.Helper()
	s := &secSite{t: t, st: memstore.New("2026-1"), log: &secLog{},
		clock: time.Date(2026, 9, 1, 9, 30, 0, 0, activation.Zone())}
	s.svc = &activation.Service{Store: s.st, Config: storetest.Config()}
	o := web.Options{Engine: s.svc, Now: func() time.Time { return s.clock },
		Logger: slog.New(slog.NewTextHandler(s.log, nil))}
	for _, m := range mod {
		m(&o)
	}
	h, err := web.New(o)
	if err != nil {
		t.Fatal(err)
	}
	s.h = h
	return s
}

// student adds an issued student whose provisional password is secPassword.
func (s *secSite) student(no, login string) *activation.Account {
	return s.st.Add(activation.Account{StudentNo: no, Login: login, FirstName: "Anne", LastName: "Alpha", Program: "L1INFO",
		State: activation.StateIssued, Provisional: &activation.Provisional{Hash: activation.HashProvisional(secPassword),
			IssuedAt: s.clock.Add(-time.Hour), ExpiresAt: s.clock.Add(120 * 24 * time.Hour)}})
}

type secResp struct {
	*http.Response
	body string
}

// serve sends req from remote (host:port) through the site.
func (s *secSite) serve(req *http.Request, remote string) *secResp {
	s.t.Helper()
	if remote != "" {
		req.RemoteAddr = remote
	}
	rec := httptest.NewRecorder()
	s.h.ServeHTTP(rec, req)
	res := rec.Result()
	b, _ := io.ReadAll(res.Body)
	return &secResp{Response: res, body: string(b)}
}

func (s *secSite) get(target string, cookies ...*http.Cookie) *secResp {
	req := httptest.NewRequest(http.MethodGet, target, nil)
	for _, c := range cookies {
		req.AddCookie(c)
	}
	return s.serve(req, "192.0.2.10:5555")
}

func loginRequest(identifier, password string) *http.Request {
	form := url.Values{"identifier": {identifier}, "password": {password}}
	req := httptest.NewRequest(http.MethodPost, "/activation/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return req
}

func cookieOf(r *secResp, name string) *http.Cookie {
	for _, c := range r.Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// Defect 9: whatever the route and the case, the access log shows no
// token.
func TestAccessLogHidesTokensAnyRouteAnyCase(t *testing.T) {
	s := newSecSite(t)
	token, _, err := activation.NewToken()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/verify/", "/Verify/", "/VERIFY/", "/activation/", "/ACTIVATION/", "/", "/static/", "/activation/verify/"} {
		s.get(p + token)
	}
	log := s.log.String()
	if strings.Contains(log, token[:16]) {
		t.Fatalf("the access log shows a token:\n%s", log)
	}
	if n := strings.Count(log, "[hidden]"); n < 8 {
		t.Fatalf("%d paths redacted, want 8:\n%s", n, log)
	}
}

// Defect 10: /readyz tells the client "not ready" and the log the cause.
func TestReadyzSaysNotReadyAndLogsTheCause(t *testing.T) {
	cause := `pq: database "scol" is not currently accepting connections (55000)`
	s := newSecSite(t, func(o *web.Options) {
		o.Ready = func(context.Context) error { return errors.New(cause) }
	})
	r := s.get("/readyz")
	if r.StatusCode != http.StatusServiceUnavailable || r.body != "not ready\n" {
		t.Fatalf("readyz: %d %q", r.StatusCode, r.body)
	}
	if !strings.Contains(s.log.String(), "accepting connections") {
		t.Fatalf("the cause is not logged:\n%s", s.log.String())
	}
}

var langLinkRE = regexp.MustCompile(`class="lang" href="([^"]*)"`)

// Defect 7: the language switch of every page, the 404 page included,
// leads to the site's own pages, whatever the request path.
func TestLanguageLinkIsBuiltFromTheRoute(t *testing.T) {
	s := newSecSite(t)
	token, _, _ := activation.NewToken()
	for _, c := range []struct{ path, want string }{
		{"/%2F%2Fevil.example", "/activation?lang=en"},
		{"/%2F%2Fevil.example/", "/activation?lang=en"},
		{"/%5C%5Cevil.example", "/activation?lang=en"},
		{"/%2F%5Cevil.example?lang=fr", "/activation?lang=en"},
		{"/%2F%2Fevil.example%2Factivation", "/activation?lang=en"},
		{"/activation/%2F%2Fevil.example", "/activation?lang=en"},
		{"/verify/%2F%2Fevil.example", "/activation?lang=en"},
		{"/verify/" + token, "/verify/" + token + "?lang=en"},
		{"/activation?x=%2F%2Fevil", "/activation?lang=en"},
		{"/activation/charter?v=2026-1", "/activation/charter?lang=en&amp;v=2026-1"},
	} {
		r := s.get(c.path)
		m := langLinkRE.FindStringSubmatch(r.body)
		if m == nil {
			t.Errorf("GET %s (%d): no language link", c.path, r.StatusCode)
			continue
		}
		if m[1] != c.want {
			t.Errorf("GET %s (%d): language link %q, want %q", c.path, r.StatusCode, m[1], c.want)
		}
	}
}

// login opens a session for login from remote and returns its cookie.
func (s *secSite) login(identifier, remote string) *http.Cookie {
	s.t.Helper()
	r := s.serve(loginRequest(identifier, secPassword), remote)
	c := cookieOf(r, "__Host-scolpass")
	if r.StatusCode != http.StatusSeeOther || c == nil {
		s.t.Fatalf("login %s: %d %s", identifier, r.StatusCode, r.body)
	}
	return c
}

func (s *secSite) postForm(target string, form url.Values, remote string, cookies ...*http.Cookie) *secResp {
	req := httptest.NewRequest(http.MethodPost, target, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for _, c := range cookies {
		req.AddCookie(c)
	}
	return s.serve(req, remote)
}

var verifyLinkRE = regexp.MustCompile(`/verify/([A-Za-z0-9_-]+)`)

// Defect 12: opening an expired link (a GET) leaves the browser's session
// cookie alone; only the button's POST forgets it.
func TestExpiredLinkOpenedKeepsTheSessionCookie(t *testing.T) {
	s := newSecSite(t)
	s.student("21000001", "anne.alpha")
	ses := s.login("anne.alpha", "192.0.2.10:5555")
	r := s.postForm("/activation/recovery", url.Values{"email": {"anne@example.org"}}, "192.0.2.10:5555", ses)
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("recovery: %d %s", r.StatusCode, r.body)
	}
	out := s.st.Outbox()
	m := verifyLinkRE.FindStringSubmatch(out[len(out)-1].Body)
	if m == nil {
		t.Fatalf("no link in %q", out[len(out)-1].Body)
	}
	s.clock = s.clock.Add(24 * time.Hour) // the link expired at 23:59
	r = s.get("/verify/"+m[1], ses)
	if r.StatusCode != http.StatusGone {
		t.Fatalf("expired link: %d %s", r.StatusCode, r.body)
	}
	if c := cookieOf(r, "__Host-scolpass"); c != nil {
		t.Fatalf("GET of an expired link sets the session cookie: %+v", c)
	}
	r = s.postForm("/verify/"+m[1], nil, "192.0.2.10:5555", ses)
	if c := cookieOf(r, "__Host-scolpass"); r.StatusCode != http.StatusGone || c == nil || c.MaxAge >= 0 {
		t.Fatalf("POST of an expired link: %d, cookie %+v", r.StatusCode, c)
	}
}

// Defect 12: /static/ lists nothing; its files are served.
func TestStaticDirectoriesAreNotListed(t *testing.T) {
	s := newSecSite(t)
	for _, p := range []string{"/static/", "/static/nothing/"} {
		// A listing links the files by their bare names.
		if r := s.get(p); r.StatusCode != http.StatusNotFound || strings.Contains(r.body, `href="site.`) {
			t.Errorf("GET %s: %d\n%s", p, r.StatusCode, r.body)
		}
	}
	if r := s.get("/static/site.css"); r.StatusCode != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/css") {
		t.Errorf("GET /static/site.css: %d %s", r.StatusCode, r.Header.Get("Content-Type"))
	}
}

// Defect 12: behind a trusted TLS proxy the language cookie is Secure; an
// untrusted peer's X-Forwarded-Proto is not believed.
func TestLanguageCookieSecureBehindTLSProxy(t *testing.T) {
	s := newSecSite(t, func(o *web.Options) { o.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("10.0.0.5/32")} })
	for _, c := range []struct {
		remote, proto string
		secure        bool
	}{
		{"10.0.0.5:4000", "https", true},
		{"10.0.0.5:4000", "http", false},
		{"10.0.0.5:4000", "", false},
		{"192.0.2.10:5555", "https", false},
	} {
		req := httptest.NewRequest(http.MethodGet, "/activation?lang=en", nil)
		req.Header.Set("X-Forwarded-For", "198.51.100.7")
		if c.proto != "" {
			req.Header.Set("X-Forwarded-Proto", c.proto)
		}
		lc := cookieOf(s.serve(req, c.remote), "scolpass_lang")
		if lc == nil || lc.Secure != c.secure {
			t.Errorf("from %s, X-Forwarded-Proto %q: cookie %+v, want Secure=%v", c.remote, c.proto, lc, c.secure)
		}
	}
}

// Defect 2: the students' site serves no metrics; lockouts are counted on
// the operators' handler (serve --metrics-listen).
func TestMetricsAreNotOnTheStudentsSite(t *testing.T) {
	s := newSecSite(t)
	s.student("21000001", "anne.alpha")
	for range 6 {
		s.serve(loginRequest("anne.alpha", "AAAA-BBBB-CCCC-DD"), "192.0.2.10:5555")
	}
	for _, p := range []string{"/metrics", "/metrics/", "/Metrics"} {
		if r := s.get(p); r.StatusCode != http.StatusNotFound || strings.Contains(r.body, "scolpass_") {
			t.Errorf("GET %s on the site: %d\n%s", p, r.StatusCode, r.body)
		}
	}
	rec := httptest.NewRecorder()
	s.h.Metrics().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if !strings.Contains(rec.Body.String(), "scolpass_lockouts_total 1\n") {
		t.Fatalf("the operators' metrics miss the lockout:\n%s", rec.Body.String())
	}
}

// logins sends n wrong logins from the addresses addr(i), through the
// trusted proxy 10.0.0.5, and counts the answers by status.
func (s *secSite) logins(n int, addr func(i int) string) map[int]int {
	got := map[int]int{}
	for i := range n {
		req := loginRequest(fmt.Sprintf("nobody%d.nowhere", i), "AAAA-BBBB-CCCC-DD")
		req.Header.Set("X-Forwarded-For", addr(i))
		got[s.serve(req, "10.0.0.5:4000").StatusCode]++
	}
	return got
}

// Defect 4: behind the trusted proxy, the addresses of one IPv6 /64 are one
// client for the limits; IPv4 addresses and other /64s are not grouped.
func TestRateLimitsKeyIPv6ByPrefix(t *testing.T) {
	proxy := func(o *web.Options) { o.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("10.0.0.5/32")} }
	s := newSecSite(t, proxy)
	got := s.logins(40, func(i int) string { return fmt.Sprintf("2001:db8:1:2::%x", i+1) })
	if got[http.StatusTooManyRequests] == 0 {
		t.Fatalf("40 logins from one /64: %v, want 429s", got)
	}
	s = newSecSite(t, proxy)
	if got := s.logins(40, func(i int) string { return fmt.Sprintf("2001:db8:1:%x::1", i+1) }); got[http.StatusTooManyRequests] != 0 {
		t.Fatalf("40 logins from 40 /64s: %v, want no 429", got)
	}
	s = newSecSite(t, proxy)
	if got := s.logins(40, func(i int) string { return fmt.Sprintf("198.51.100.%d", i+1) }); got[http.StatusTooManyRequests] != 0 {
		t.Fatalf("40 logins from 40 IPv4 addresses: %v, want no 429", got)
	}
	s = newSecSite(t, proxy, func(o *web.Options) { o.IPv6Prefix = 128 })
	if got := s.logins(40, func(i int) string { return fmt.Sprintf("2001:db8:1:2::%x", i+1) }); got[http.StatusTooManyRequests] != 0 {
		t.Fatalf("IPv6Prefix 128: %v, want no 429", got)
	}
	s = newSecSite(t, proxy, func(o *web.Options) { o.IPv6Prefix = 48 })
	if got := s.logins(40, func(i int) string { return fmt.Sprintf("2001:db8:1:%x::1", i+1) }); got[http.StatusTooManyRequests] == 0 {
		t.Fatalf("IPv6Prefix 48, 40 /64s of one /48: %v, want 429s", got)
	}
}

// Defect 11, the choice: the site takes the login only. A script walking
// the (sequential) student numbers of a cohort, five wrong passwords each,
// locks no one; the student who types a number is told to type the login.
// The lock still guards each login against guessing.
func TestCohortLockoutByStudentNumbersLocksNoOne(t *testing.T) {
	s := newSecSite(t, func(o *web.Options) { o.LoginRate = web.Rate{PerMinute: 6000, Burst: 1000} })
	var ids []int64
	for i := range 30 {
		ids = append(ids, s.student(fmt.Sprintf("2100%04d", i+1), fmt.Sprintf("anne%d.alpha", i+1)).StudentID)
	}
	for i := range 30 {
		for range 5 {
			r := s.serve(loginRequest(fmt.Sprintf("2100%04d", i+1), "AAAA-BBBB-CCCC-DD"), "192.0.2.10:5555")
			if r.StatusCode != http.StatusUnauthorized || !strings.Contains(r.body, "non votre numéro d&#39;étudiant") {
				t.Fatalf("student number: %d\n%s", r.StatusCode, r.body)
			}
		}
	}
	for _, id := range ids {
		if a := s.st.Account(id); a.FailedAttempts != 0 || a.LockedAt(s.clock) {
			t.Fatalf("%s counted or locked through its student number: %+v", a.Login, a)
		}
	}
	// Even the right password with the number: the login is asked for.
	if r := s.serve(loginRequest("21000001", secPassword), "192.0.2.10:5555"); r.StatusCode != http.StatusUnauthorized {
		t.Fatalf("student number with the right password: %d", r.StatusCode)
	}
	s.login("anne1.alpha@etu.umontpellier.fr", "192.0.2.10:5555")

	// By login, five wrong passwords lock the account as before, with the
	// answer an unknown login gets.
	for range 5 {
		s.serve(loginRequest("anne2.alpha", "AAAA-BBBB-CCCC-DD"), "192.0.2.10:5555")
	}
	if a := s.st.Account(ids[1]); !a.LockedAt(s.clock) {
		t.Fatalf("five wrong passwords by login did not lock: %+v", a)
	}
	locked := s.serve(loginRequest("anne2.alpha", secPassword), "192.0.2.10:5555")
	unknown := s.serve(loginRequest("nobody.nowhere", secPassword), "192.0.2.10:5555")
	if locked.StatusCode != http.StatusUnauthorized || strings.ReplaceAll(unknown.body, "nobody.nowhere", "anne2.alpha") != locked.body {
		t.Fatalf("a locked account is told apart from an unknown login: %d\n%s", locked.StatusCode, locked.body)
	}
}
