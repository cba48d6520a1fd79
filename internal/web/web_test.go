package web_test

import (
	"bytes"
	"context"
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
	"github.com/umontpellier/scolpass/internal/web"
	"github.com/umontpellier/scolpass/internal/web/webtest"
)

// now is the tests' clock: a Tuesday morning in Paris.
var now = time.Date(2026, 9, 1, 9, 30, 0, 0, activation.Zone())

type site struct {
	t      *testing.T
	h      http.Handler
	env    *webtest.Env // the real service on the in-memory store
	log    *bytes.Buffer
	clock  time.Time
	mu     sync.Mutex
	cookie map[string]string
	lang   string
	remote string
}

func newSite(t *testing.T, mod ...func(*web.Options)) *site {
	t.Helper()
	s := &site{t: t, env: webtest.New(), log: &bytes.Buffer{}, clock: now, cookie: map[string]string{}, remote: "192.0.2.10:5555"}
	s.env.AddIssued("jean.dupont", "Jean", "Dupont", "K7QM-X4TP-9CWD-3R", now)
	o := web.Options{Engine: s.env.Service, Now: func() time.Time { s.mu.Lock(); defer s.mu.Unlock(); return s.clock },
		Logger: slog.New(slog.NewTextHandler(&lockedWriter{w: s.log}, nil))}
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

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

type resp struct {
	*http.Response
	body string
}

func (s *site) do(req *http.Request) *resp {
	s.t.Helper()
	req.RemoteAddr = s.remote
	for k, v := range s.cookie {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	if s.lang != "" {
		req.Header.Set("Accept-Language", s.lang)
	}
	rec := httptest.NewRecorder()
	s.h.ServeHTTP(rec, req)
	res := rec.Result()
	for _, c := range res.Cookies() {
		if c.MaxAge < 0 {
			delete(s.cookie, c.Name)
		} else {
			s.cookie[c.Name] = c.Value
		}
	}
	b, _ := io.ReadAll(res.Body)
	return &resp{Response: res, body: string(b)}
}

func (s *site) get(path string) *resp {
	return s.do(httptest.NewRequest(http.MethodGet, path, nil))
}

func (s *site) post(path string, form url.Values) *resp {
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return s.do(req)
}

// follow posts and, on 303, gets the page it leads to.
func (s *site) follow(path string, form url.Values) *resp {
	s.t.Helper()
	r := s.post(path, form)
	if r.StatusCode == http.StatusSeeOther {
		return s.get(r.Header.Get("Location"))
	}
	return r
}

func must(t *testing.T, r *resp, status int, contains ...string) {
	t.Helper()
	if r.StatusCode != status {
		t.Fatalf("status %d, want %d; body:\n%s", r.StatusCode, status, r.body)
	}
	for _, c := range contains {
		if !strings.Contains(r.body, c) {
			t.Fatalf("page lacks %q; body:\n%s", c, r.body)
		}
	}
}

// events is jean.dupont's audit trail.
func (s *site) events() []memstore.Event {
	return s.env.Store.Events(s.env.Account("jean.dupont").StudentID)
}

func (s *site) login() {
	s.t.Helper()
	r := s.follow("/activation/login", url.Values{"identifier": {"jean.dupont@etu.umontpellier.fr"}, "password": {"k7qm-x4tp-9cwd-3r"}})
	must(s.t, r, 200, "Étape 3 sur 8")
}

func tokenOf(link string) string { return link[strings.LastIndex(link, "/")+1:] }

func TestWholeFlowInFrench(t *testing.T) {
	s := newSite(t)
	r := s.get("/activation")
	must(t, r, 200, `<html lang="fr">`, "Étapes 1 et 2 sur 8", `autocomplete="username"`, `autocomplete="current-password"`, "Suivant")
	s.login()
	if c := s.cookie["__Host-scolpass"]; len(c) != activation.SessionSecretLength {
		t.Fatalf("session cookie %q", c)
	}
	r = s.follow("/activation/recovery", url.Values{"email": {"jean@example.org"}})
	must(t, r, 200, "Étape 4 sur 8", "jean@example.org", "01/09/2026 à 23:59")
	link := s.env.LastLink("jean@example.org")

	// The link, opened (by a mail scanner or the student): nothing happens.
	other := &site{t: t, h: s.h, env: s.env, cookie: map[string]string{}, remote: "198.51.100.7:1"}
	events := len(s.events())
	r = other.get("/verify/" + tokenOf(link))
	must(t, r, 200, "Étape 4 sur 8", "jean@example.org", "jean.dupont@etu.umontpellier.fr", "Confirmer")
	if len(s.events()) != events || s.env.Account("jean.dupont").State != activation.StateRecoveryPending {
		t.Fatal("GET /verify acted")
	}
	// The button, on the phone (no session).
	r = other.post("/verify/"+tokenOf(link), nil)
	must(t, r, 200, "mail de secours est confirmé", `role="status"`)
	// The first tab, refreshed, moves on.
	r = s.get("/activation")
	must(t, r, 200, "Étape 5 sur 8", "charte", "2026-1", `href="/activation/charter?v=2026-1"`)
	r = s.get("/activation/charter?v=2026-1")
	must(t, r, 200)
	// Not ticked: the service's refusal, next to the box.
	r = s.follow("/activation/charter", url.Values{})
	must(t, r, 422, "Cochez la case", `href="#accept"`, `aria-invalid="true"`)
	r = s.follow("/activation/charter", url.Values{"accept": {"yes"}})
	must(t, r, 200, "Étape 6-1 sur 8", `value="jean@example.org"`)
	r = s.follow("/activation/mailbox", url.Values{"redirect": {"yes"}, "redirect_to": {"jean.d@laposte.net"}, "keep_copy": {"yes"}})
	must(t, r, 200, "Étape 6-2 sur 8", "jean.d@laposte.net")
	link2 := s.env.LastLink("jean.d@laposte.net")
	r = s.get("/verify/" + tokenOf(link2))
	must(t, r, 200, "Étape 6-2 sur 8", "Une copie des mails sera conservée")
	r = s.post("/verify/"+tokenOf(link2), nil)
	must(t, r, 200, "adresse de redirection est confirmée")
	r = s.get("/activation")
	must(t, r, 200, "Étape 7 sur 8", "au moins 12 caractères", `autocomplete="new-password"`)
	r = s.follow("/activation/password", url.Values{"new_password": {"Vert-Galet-Orage-73"}, "confirm_password": {"Vert-Galet-Orage-7"}})
	must(t, r, 422, "Les deux mots de passe saisis sont différents", `href="#confirm_password"`)
	r = s.follow("/activation/password", url.Values{"new_password": {"Court1!"}, "confirm_password": {"Court1!"}})
	must(t, r, 422, "au moins 12 caractères", `href="#new_password"`)
	r = s.follow("/activation/password", url.Values{"new_password": {"Vert-Galet-Orage-73"}, "confirm_password": {"Vert-Galet-Orage-73"}})
	must(t, r, 200, "Étape 8 sur 8", "Votre compte informatique est à présent activé", "jean.dupont@etu.umontpellier.fr", "jean.d@laposte.net")
	if a := s.env.Account("jean.dupont"); a.State != activation.StateActive || !strings.HasPrefix(a.PasswordHash, "$argon2id$") {
		t.Fatalf("account %+v", a)
	}
	// A used link says so.
	r = other.get("/verify/" + tokenOf(link))
	must(t, r, 410, "déjà été utilisé")
	// No secret in the log; the verify path redacted.
	for _, secret := range []string{tokenOf(link), tokenOf(link2), "Vert-Galet-Orage-73", "K7QM", "k7qm", s.cookie["__Host-scolpass"]} {
		if strings.Contains(s.log.String(), secret) {
			t.Fatalf("log holds a secret %q:\n%s", secret, s.log)
		}
	}
	if !strings.Contains(s.log.String(), "/verify/[hidden]") {
		t.Fatalf("log:\n%s", s.log)
	}
}

func TestEnglish(t *testing.T) {
	s := newSite(t)
	s.lang = "en-GB,en;q=0.9,fr;q=0.5"
	must(t, s.get("/activation"), 200, `<html lang="en">`, "Steps 1 and 2 of 8", "Provisional password", `hreflang="fr"`)
	s.lang = ""
	// The visible switch, kept in a cookie.
	r := s.get("/activation?lang=en")
	must(t, r, 200, `<html lang="en">`)
	must(t, s.get("/activation"), 200, `<html lang="en">`)
	r = s.follow("/activation/login", url.Values{"identifier": {"jean.dupont"}, "password": {"K7QMX4TP9CWD3R"}})
	must(t, r, 200, "Step 3 of 8", "Recovery email")
	must(t, s.get("/activation?lang=fr"), 200, `<html lang="fr">`, "Étape 3 sur 8")
}

func TestWrongPasswordAndUnknownLoginLookAlike(t *testing.T) {
	s := newSite(t)
	a := s.post("/activation/login", url.Values{"identifier": {"jean.dupont"}, "password": {"AAAA-BBBB-CCCC-DD"}})
	b := s.post("/activation/login", url.Values{"identifier": {"nobody.here"}, "password": {"AAAA-BBBB-CCCC-DD"}})
	must(t, a, 401, "Identifiant ou mot de passe provisoire incorrect")
	if a.StatusCode != b.StatusCode || strings.Replace(a.body, "jean.dupont", "nobody.here", -1) != b.body {
		t.Fatalf("unknown login and wrong password differ:\n%s\n----\n%s", a.body, b.body)
	}
	if _, ok := s.cookie["__Host-scolpass"]; ok {
		t.Fatal("a session after a failure")
	}
	// Five in a row lock the account: the same page, even with the right password.
	for range 4 {
		s.post("/activation/login", url.Values{"identifier": {"jean.dupont"}, "password": {"AAAA-BBBB-CCCC-DD"}})
	}
	r := s.post("/activation/login", url.Values{"identifier": {"jean.dupont"}, "password": {"K7QM-X4TP-9CWD-3R"}})
	must(t, r, 401, "temporairement bloqué")
}

func TestSecurityHeaders(t *testing.T) {
	s := newSite(t)
	for _, p := range []string{"/activation", "/verify/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "/nope", "/healthz"} {
		r := s.get(p)
		for k, want := range map[string]string{
			"Content-Security-Policy": "frame-ancestors 'none'",
			"Referrer-Policy":         "no-referrer",
			"X-Content-Type-Options":  "nosniff",
			"Cache-Control":           "no-store",
		} {
			if got := r.Header.Get(k); !strings.Contains(got, want) {
				t.Errorf("%s: %s = %q, want %q", p, k, got, want)
			}
		}
		if strings.Contains(r.Header.Get("Content-Security-Policy"), "unsafe-inline") {
			t.Errorf("%s: CSP allows inline", p)
		}
	}
	s.login()
	must(t, s.get("/activation"), 200, "Étape 3 sur 8")
	req := httptest.NewRequest(http.MethodPost, "/activation/login", strings.NewReader("identifier=jean.dupont&password=K7QM-X4TP-9CWD-3R"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	s.h.ServeHTTP(rec, req)
	set := rec.Header().Get("Set-Cookie")
	for _, want := range []string{"__Host-scolpass=", "Path=/", "HttpOnly", "Secure", "SameSite=Lax"} {
		if !strings.Contains(set, want) {
			t.Errorf("Set-Cookie %q lacks %s", set, want)
		}
	}
	if strings.Contains(set, "Domain=") {
		t.Errorf("Set-Cookie %q has a Domain", set)
	}
}

func TestErrorPages(t *testing.T) {
	s := newSite(t)
	check := func(name string, r *resp, status int, contains ...string) {
		t.Helper()
		if r.StatusCode != status {
			t.Errorf("%s: status %d, want %d", name, r.StatusCode, status)
		}
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
			t.Errorf("%s: Content-Type %q", name, ct)
		}
		for _, c := range append(contains, `<html lang="fr">`, "</html>") {
			if !strings.Contains(r.body, c) {
				t.Errorf("%s: page lacks %q:\n%s", name, c, r.body)
			}
		}
		if strings.Contains(r.body, "goroutine") || strings.Contains(r.body, ".go:") {
			t.Errorf("%s: a stack trace", name)
		}
	}
	check("unknown route", s.get("/wp-admin"), 404, "Page introuvable")
	r := s.do(httptest.NewRequest(http.MethodDelete, "/activation", nil))
	check("wrong method", r, 405, "Action impossible")
	if r.Header.Get("Allow") == "" {
		t.Error("405 without Allow")
	}
	check("GET on a POST route", s.get("/activation/login"), 405, "Action impossible")
	big := url.Values{"identifier": {strings.Repeat("a", 20000)}, "password": {"x"}}
	check("oversized body", s.post("/activation/login", big), 413, "Saisie trop longue")
	chunked := httptest.NewRequest(http.MethodPost, "/activation/login", io.MultiReader(strings.NewReader("identifier="), strings.NewReader(strings.Repeat("a", 20000))))
	chunked.ContentLength = -1
	chunked.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	check("oversized body without length", s.do(chunked), 413, "Saisie trop longue")
	check("oversized field", s.post("/activation/login", url.Values{"identifier": {strings.Repeat("a", 2000)}, "password": {"x"}}), 400, "Saisie illisible")
	bad := httptest.NewRequest(http.MethodPost, "/activation/login", strings.NewReader("identifier=%ff%fe&password=x"))
	bad.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	check("invalid UTF-8", s.do(bad), 400, "Saisie illisible")
	cross := httptest.NewRequest(http.MethodPost, "/activation/login", strings.NewReader("identifier=jean.dupont&password=K7QM-X4TP-9CWD-3R"))
	cross.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	cross.Header.Set("Sec-Fetch-Site", "cross-site")
	check("cross-origin POST", s.do(cross), 403, "Requête refusée")
	cross2 := httptest.NewRequest(http.MethodPost, "/activation/login", strings.NewReader("identifier=jean.dupont&password=K7QM-X4TP-9CWD-3R"))
	cross2.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	cross2.Header.Set("Origin", "https://evil.example")
	check("cross-origin POST (Origin)", s.do(cross2), 403, "Requête refusée")
	if len(s.events()) != 0 || s.env.Store.UnknownIdentifierFailures() != 0 {
		t.Error("a refused request reached the service")
	}
	check("missing fields", s.post("/activation/login", url.Values{}), 422, `href="#identifier"`, `href="#password"`, "Il y a un problème")
	check("unknown link", s.get("/verify/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"), 404, "Lien non reconnu")
	check("not a token", s.get("/verify/%3Cscript%3E"), 404, "Lien non reconnu")
	check("step without session", s.post("/activation/recovery", url.Values{"email": {"a@example.org"}}), 401, "session a expiré")
}

func TestRateLimits(t *testing.T) {
	s := newSite(t, func(o *web.Options) { o.LoginRate = web.Rate{PerMinute: 6, Burst: 3} })
	for range 3 {
		r := s.post("/activation/login", url.Values{"identifier": {"x.y"}, "password": {"AAAA"}})
		must(t, r, 401)
	}
	r := s.post("/activation/login", url.Values{"identifier": {"x.y"}, "password": {"AAAA"}})
	must(t, r, 429, "Trop de tentatives")
	if ra := r.Header.Get("Retry-After"); ra == "" || ra == "0" {
		t.Fatalf("Retry-After %q", ra)
	}
	// Another address is not limited.
	s.remote = "192.0.2.11:1"
	must(t, s.post("/activation/login", url.Values{"identifier": {"x.y"}, "password": {"AAAA"}}), 401)
}

func TestForwardedForOnlyFromTrustedProxies(t *testing.T) {
	s := newSite(t, func(o *web.Options) {
		o.LoginRate = web.Rate{PerMinute: 1, Burst: 1}
		o.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	})
	post := func(remote, xff string) int {
		req := httptest.NewRequest(http.MethodPost, "/activation/login", strings.NewReader("identifier=a.b&password=c"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if xff != "" {
			req.Header.Set("X-Forwarded-For", xff)
		}
		s.remote = remote
		return s.do(req).StatusCode
	}
	// Through the proxy, two students are two addresses.
	if post("10.0.0.1:1", "203.0.113.1") != 401 || post("10.0.0.1:1", "203.0.113.2") != 401 {
		t.Fatal("students behind the proxy share a limit")
	}
	if post("10.0.0.1:1", "203.0.113.1") != 429 {
		t.Fatal("the limit does not follow X-Forwarded-For")
	}
	// Not from the proxy: X-Forwarded-For is a lie and is ignored.
	if post("192.0.2.50:1", "203.0.113.3") != 401 || post("192.0.2.50:1", "203.0.113.4") != 429 {
		t.Fatal("X-Forwarded-For believed from an untrusted peer")
	}
	// A spoofed first hop through the proxy: the proxy's own addition counts.
	if post("10.0.0.1:1", "203.0.113.2, 203.0.113.9") != 401 {
		t.Fatal("the leftmost X-Forwarded-For was believed")
	}
}

func TestLinks(t *testing.T) {
	s := newSite(t)
	s.login()
	s.follow("/activation/recovery", url.Values{"email": {"jean@example.org"}})
	first := tokenOf(s.env.LastLink("jean@example.org"))
	r := s.follow("/activation/resend", nil)
	must(t, r, 200, "Étape 4 sur 8")
	second := tokenOf(s.env.LastLink("jean@example.org"))
	if first == second {
		t.Fatal("no new link")
	}
	must(t, s.get("/verify/"+first), 410, "Lien remplacé", "dernier mail")
	// The next day at 00:00 Paris, the link has expired: the page says so and
	// the activation is back at step 1.
	s.mu.Lock()
	s.clock = time.Date(2026, 9, 2, 0, 0, 0, 0, activation.Zone())
	s.mu.Unlock()
	must(t, s.get("/verify/"+second), 410, "Lien expiré", "étape 1")
	if st := s.env.Account("jean.dupont").State; st != activation.StateRecoveryPending {
		t.Fatalf("GET changed the state to %s", st)
	}
	s.lang = "en"
	must(t, s.post("/verify/"+second, nil), 410, "Link expired", "step 1")
	if st := s.env.Account("jean.dupont").State; st != activation.StateIssued {
		t.Fatalf("state %s after an expired link", st)
	}
}

func TestEmailRefusalsAndFormErrors(t *testing.T) {
	s := newSite(t)
	s.login()
	must(t, s.follow("/activation/recovery", url.Values{"email": {"pas-une-adresse"}}), 422, "pas valide", `href="#email"`)
	must(t, s.follow("/activation/recovery", url.Values{"email": {"x@umontpellier.fr"}}), 422, "pas une adresse de l&#39;université", `value="x@umontpellier.fr"`)
	must(t, s.follow("/activation/recovery", url.Values{"email": {" "}}), 422, "Saisissez votre mail de secours")
}

func TestSessionExpires(t *testing.T) {
	s := newSite(t)
	s.login()
	s.mu.Lock()
	s.clock = s.clock.Add(31 * time.Minute)
	s.mu.Unlock()
	r := s.get("/activation")
	must(t, r, 401, "session a expiré", "Étapes 1 et 2 sur 8")
	if _, ok := s.cookie["__Host-scolpass"]; ok {
		t.Fatal("expired session cookie kept")
	}
}

func TestLogout(t *testing.T) {
	s := newSite(t)
	s.login()
	must(t, s.post("/activation/logout", nil), 200, "Vous avez quitté", `role="status"`)
	if _, ok := s.cookie["__Host-scolpass"]; ok {
		t.Fatal("cookie kept")
	}
}

// panicky is the service with a Resume that panics.
type panicky struct{ web.Engine }

func (p *panicky) Resume(context.Context, string, time.Time) (*activation.Outcome, error) {
	panic("boom")
}

func TestPanicIsAnErrorPage(t *testing.T) {
	s := newSite(t)
	p := &panicky{Engine: s.env.Service}
	h, err := web.New(web.Options{Engine: p, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	s.h = h
	s.cookie["__Host-scolpass"] = strings.Repeat("a", activation.SessionSecretLength)
	must(t, s.get("/activation"), 500, "Service momentanément indisponible")
}

func TestHealthAndMetrics(t *testing.T) {
	ready := error(nil)
	s := newSite(t, func(o *web.Options) {
		o.Ready = func(context.Context) error { return ready }
	})
	must(t, s.get("/healthz"), 200, "ok")
	must(t, s.get("/readyz"), 200, "ready")
	ready = activation.Errorf(activation.ESCHEMA, "run scolpass migrate")
	must(t, s.get("/readyz"), 503, "not ready")
	s.login()
	s.follow("/activation/recovery", url.Values{"email": {"jean@example.org"}})
	must(t, s.get("/metrics"), 404) // served on its own listener (Server.Metrics)
	rec := httptest.NewRecorder()
	s.h.(*web.Server).Metrics().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	r := &resp{Response: rec.Result(), body: rec.Body.String()}
	must(t, r, 200, `scolpass_http_requests_total{route="POST /activation/login",status="303"} 1`,
		`scolpass_steps_completed_total{step="1-2"} 1`, `scolpass_steps_completed_total{step="3"} 1`,
		`scolpass_links_sent_total{step="4"} 1`, "scolpass_http_request_duration_seconds_bucket")
}

func TestStaticAssets(t *testing.T) {
	s := newSite(t)
	r := s.get("/static/site.css")
	must(t, r, 200, "font-family")
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "text/css") {
		t.Fatal(r.Header.Get("Content-Type"))
	}
	must(t, s.get("/static/nope.css"), 404)
}

// hashCounter is the service with a final step that counts how many run
// at once (and a Resume that puts every session at step 7).
type hashCounter struct {
	web.Engine
	mu       sync.Mutex
	cur, max int
}

func (h *hashCounter) Continue(ctx context.Context, secret string, ans activation.Answers, opts activation.ActivateOptions, now time.Time) (*activation.Outcome, error) {
	h.mu.Lock()
	h.cur++
	h.max = max(h.max, h.cur)
	h.mu.Unlock()
	time.Sleep(20 * time.Millisecond)
	h.mu.Lock()
	h.cur--
	h.mu.Unlock()
	return nil, activation.Errorf(activation.ESTATE, "x")
}

func (h *hashCounter) Resume(ctx context.Context, secret string, now time.Time) (*activation.Outcome, error) {
	return &activation.Outcome{State: activation.StateMailboxReady, Login: "a@b"}, nil
}

func TestFinalStepsQueue(t *testing.T) {
	hc := &hashCounter{Engine: webtest.New().Service}
	h, err := web.New(web.Options{Engine: hc, HashSlots: 2, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req := httptest.NewRequest(http.MethodPost, "/activation/password", strings.NewReader("new_password=Aaaaaaaaaaa1!&confirm_password=Aaaaaaaaaaa1!"))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.AddCookie(&http.Cookie{Name: "__Host-scolpass", Value: strings.Repeat("a", activation.SessionSecretLength)})
			h.ServeHTTP(httptest.NewRecorder(), req)
		}()
	}
	wg.Wait()
	if hc.max > 2 {
		t.Fatalf("%d final steps at once with 2 slots", hc.max)
	}
}

var keyUse = regexp.MustCompile(`\.L\.(?:T|HTML) "([^"]+)"`)

// TestCatalogues: French and English have the same keys, and every key a
// template names exists.
func TestCatalogues(t *testing.T) {
	fr, en := web.Catalogue("fr"), web.Catalogue("en")
	for k := range fr {
		if _, ok := en[k]; !ok {
			t.Errorf("%q is in French, not in English", k)
		}
	}
	for k := range en {
		if _, ok := fr[k]; !ok {
			t.Errorf("%q is in English, not in French", k)
		}
	}
	for name, text := range web.TemplateTexts() {
		for _, m := range keyUse.FindAllStringSubmatch(text, -1) {
			if _, ok := fr[m[1]]; !ok {
				t.Errorf("%s uses %q, in no catalogue", name, m[1])
			}
		}
	}
	for _, reason := range []string{activation.ReasonAuthFailed, activation.ReasonProvisionalExpired, activation.ReasonAlreadyActive,
		activation.ReasonSessionExpired, activation.ReasonPasswordProvisional, activation.ReasonPasswordTooShort, activation.ReasonPasswordTooLong,
		activation.ReasonPasswordClasses, activation.ReasonPasswordFirstName, activation.ReasonPasswordLastName, activation.ReasonPasswordLogin,
		activation.ReasonPasswordWeak, activation.ReasonEmailInvalid, activation.ReasonEmailUniversity, activation.ReasonCharterRefused,
		activation.ReasonLinkCap, activation.ReasonTokenUnknown, activation.ReasonTokenUsed, activation.ReasonTokenReplaced,
		activation.ReasonTokenExpired, activation.ReasonTokenMismatch, activation.ReasonWrongStep, activation.ReasonConflict} {
		if _, ok := fr["reason."+reason]; !ok {
			t.Errorf("reason %q has no message", reason)
		}
	}
}

func TestFinalStepTooLongAQueueIsBusy(t *testing.T) {
	hc := &hashCounter{Engine: webtest.New().Service}
	h, err := web.New(web.Options{Engine: hc, HashSlots: 1, HashWait: 5 * time.Millisecond, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	codes := make(chan *httptest.ResponseRecorder, 4)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req := httptest.NewRequest(http.MethodPost, "/activation/password", strings.NewReader("new_password=Aaaaaaaaaaa1!&confirm_password=Aaaaaaaaaaa1!"))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.AddCookie(&http.Cookie{Name: "__Host-scolpass", Value: strings.Repeat("a", activation.SessionSecretLength)})
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			codes <- rec
		}()
	}
	wg.Wait()
	close(codes)
	busy := 0
	for rec := range codes {
		if rec.Code == http.StatusServiceUnavailable {
			busy++
			if rec.Header().Get("Retry-After") == "" || !strings.Contains(rec.Body.String(), "Site très sollicité") {
				t.Fatalf("busy page: %v\n%s", rec.Header(), rec.Body)
			}
		}
	}
	if busy == 0 {
		t.Fatal("no request was told the site is busy")
	}
}

// TestSessionIdleBoundary: the session ends 30 minutes after the last
// request, at that instant (the domain's rule, not a copy of it).
func TestSessionIdleBoundary(t *testing.T) {
	s := newSite(t)
	s.login()
	idle := s.env.Service.Config.SessionIdle
	s.mu.Lock()
	s.clock = s.clock.Add(idle - time.Second)
	s.mu.Unlock()
	must(t, s.get("/activation"), 200, "Étape 3 sur 8")
	s.mu.Lock()
	s.clock = s.clock.Add(idle)
	s.mu.Unlock()
	must(t, s.get("/activation"), 401, "session a expiré")
}

// TestConcurrentWrongLoginsLookLikeAnUnknownLogin: wrong passwords sent
// at once for an existing login all get the page an unknown login gets
// (never "changed meanwhile"), and each counts once towards the lockout.
func TestConcurrentWrongLoginsLookLikeAnUnknownLogin(t *testing.T) {
	const n = 16
	s := newSite(t, func(o *web.Options) { o.LoginRate = web.Rate{PerMinute: 1e6, Burst: 1e6} })
	s.env.Service.Config.MaxFailures = 1000
	send := func(login string) []*resp {
		out := make([]*resp, n)
		var wg sync.WaitGroup
		for i := range out {
			wg.Go(func() {
				c := &site{t: t, h: s.h, env: s.env, cookie: map[string]string{}, remote: "192.0.2.10:5555"}
				out[i] = c.post("/activation/login", url.Values{"identifier": {login}, "password": {"AAAA-BBBB-CCCC-DD"}})
			})
		}
		wg.Wait()
		return out
	}
	unknown := send("nobody.here")
	for i, r := range send("jean.dupont") {
		must(t, r, 401)
		if strings.ReplaceAll(r.body, "jean.dupont", "nobody.here") != unknown[i].body || unknown[i].StatusCode != 401 {
			t.Fatalf("attempt %d: the existing login's answer differs from the unknown one's:\n%s\n----\n%s", i, r.body, unknown[i].body)
		}
	}
	if a := s.env.Account("jean.dupont"); a.FailedAttempts != n {
		t.Fatalf("%d failures counted for %d wrong passwords", a.FailedAttempts, n)
	}
	if u := s.env.Store.UnknownIdentifierFailures(); u != n {
		t.Fatalf("%d unknown-identifier failures counted for %d attempts", u, n)
	}
}

// TestEndedSessionStaysEndedAfterReissue: the cookie of a session that
// ended at the activation does not come back to life when the account is
// re-issued and activated again (step 8 of the new activation is not
// shown to the old cookie).
func TestEndedSessionStaysEndedAfterReissue(t *testing.T) {
	s := newSite(t)
	activate := func(c *site, pw string) {
		t.Helper()
		r := c.follow("/activation/login", url.Values{"identifier": {"jean.dupont"}, "password": {pw}})
		must(t, r, 200, "Étape 3 sur 8")
		c.follow("/activation/recovery", url.Values{"email": {"jean@example.org"}})
		must(t, c.post("/verify/"+tokenOf(s.env.LastLink("jean@example.org")), nil), 200)
		c.follow("/activation/charter", url.Values{"accept": {"yes"}})
		c.follow("/activation/mailbox", url.Values{})
		r = c.follow("/activation/password", url.Values{"new_password": {"Vert-Galet-Orage-73"}, "confirm_password": {"Vert-Galet-Orage-73"}})
		must(t, r, 200, "Étape 8 sur 8")
	}
	activate(s, "K7QM-X4TP-9CWD-3R")
	old := s.cookie["__Host-scolpass"]
	var fresh string
	// Five minutes later the helpdesk re-issues; the student activates again
	// at once, on another device.
	s.mu.Lock()
	s.clock = s.clock.Add(5 * time.Minute)
	s.mu.Unlock()
	_, err := s.env.Service.Reissue(context.Background(), "jean.dupont", true, 120*24*time.Hour, s.clock, func(sheets []activation.NewSheet) error {
		fresh = sheets[0].Password
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	s.clock = s.clock.Add(time.Minute)
	s.mu.Unlock()
	other := &site{t: t, h: s.h, env: s.env, cookie: map[string]string{}, remote: "198.51.100.7:1"}
	activate(other, fresh)
	s.cookie = map[string]string{"__Host-scolpass": old}
	must(t, s.get("/activation"), 401, "session a expiré")
}
