package web_test

// The hostile review's findings (issue 17), each replayed against the site
// running the real activation service on the in-memory store.

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
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
