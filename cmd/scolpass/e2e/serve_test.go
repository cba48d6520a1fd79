package e2e

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/lib/pq"

	"github.com/umontpellier/scolpass/internal/activation"
	"github.com/umontpellier/scolpass/internal/cli"
	"github.com/umontpellier/scolpass/internal/cli/servetest"
)

// These tests run the real scolpass serve on a real PostgreSQL with the
// in-process SMTP server (make test starts the database).

func TestServeWholeFlow(t *testing.T) {
	s := newStack(t)
	pw := s.passwords["heloise.lefevre"]
	c := s.client()
	must(t, c.get("/"), http.StatusFound)
	must(t, c.get("/activation"), 200, "Étapes 1 et 2 sur 8")
	r := c.submit("/activation/login", url.Values{"identifier": {"heloise.lefevre@etu.umontpellier.fr"}, "password": {pw}})
	must(t, r, 200, "Étape 3 sur 8", "Saisie du mail de secours")
	r = c.submit("/activation/recovery", url.Values{"email": {"heloise@example.org"}})
	must(t, r, 200, "Étape 4 sur 8", "heloise@example.org", "23:59")
	link := s.LastLink("heloise@example.org", 0)

	// A mail scanner opens the link: nothing changes.
	scanner := s.client()
	must(t, scanner.get(link), 200, "Confirmer", "heloise.lefevre@etu.umontpellier.fr")
	must(t, scanner.get(link), 200, "Confirmer")
	if st := s.state("heloise.lefevre"); st != "recovery_pending" {
		t.Fatalf("GET /verify moved the account to %s", st)
	}
	// The phone: another browser, no session, confirms.
	phone := s.client()
	phone.lang = "en"
	must(t, phone.submit(link, nil), 200, "Your recovery email is confirmed (step 4)")
	// The first tab, refreshed, is at step 5.
	r = c.get("/activation")
	must(t, r, 200, "Étape 5 sur 8", "version 2026-1")
	must(t, c.get("/activation/charter?v=2026-1"), 200, "Version 2026-1")
	must(t, c.submit("/activation/charter", url.Values{}), 422, "Cochez la case")
	r = c.submit("/activation/charter", url.Values{"accept": {"yes"}})
	must(t, r, 200, "Étape 6-1 sur 8", `value="heloise@example.org"`)
	r = c.submit("/activation/mailbox", url.Values{"redirect": {"yes"}, "redirect_to": {"h.lefevre@laposte.net"}, "keep_copy": {"yes"}})
	must(t, r, 200, "Étape 6-2 sur 8", "h.lefevre@laposte.net")
	link2 := s.LastLink("h.lefevre@laposte.net", 0)
	must(t, c.get(link2), 200, "Une copie des mails sera conservée")
	must(t, c.submit(link2, nil), 200, "adresse de redirection est confirmée")
	r = c.get("/activation")
	must(t, r, 200, "Étape 7 sur 8", "au moins 12 caractères")
	for bad, says := range map[string]string{
		"Court-1a":          "au moins 12 caractères",
		"Heloise-Vert-2026": "prénom",
		pw:                  "provisoire",
		"Azerty123456!":     "trop courant",
		"toutenminuscules":  "pas assez robuste",
	} {
		r = c.submit("/activation/password", url.Values{"new_password": {bad}, "confirm_password": {bad}})
		must(t, r, 422, says, `href="#new_password"`)
	}
	r = c.submit("/activation/password", url.Values{"new_password": {"Vert-Galet-Orage-73"}, "confirm_password": {"Vert-Galet-Orage-73"}})
	must(t, r, 200, "Étape 8 sur 8", "activé", "heloise.lefevre@etu.umontpellier.fr", "h.lefevre@laposte.net")
	if st := s.state("heloise.lefevre"); st != "active" {
		t.Fatalf("state %s", st)
	}
	// Refreshing step 8 still shows it; the old link says it was used.
	must(t, c.get("/activation"), 200, "Étape 8 sur 8")
	must(t, scanner.get(link), 410, "déjà été utilisé")
	// The audit trail says web; no secret is stored or logged.
	if ch := s.query(`SELECT DISTINCT channel FROM audit_events e JOIN students s ON s.id = e.student_id WHERE s.login = 'heloise.lefevre' AND e.at > now() - interval '1 hour' AND action NOT IN ('import', 'issue', 'issue-scolpass')`); strings.Join(ch, ",") != "web" {
		t.Fatalf("channels %v", ch)
	}
	secrets := []string{pw, strings.ReplaceAll(pw, "-", ""), "Vert-Galet-Orage-73", link[strings.LastIndex(link, "/")+1:], link2[strings.LastIndex(link2, "/")+1:], c.cookie["__Host-scolpass"]}
	for _, q := range []string{`SELECT t::text FROM students t`, `SELECT t::text FROM audit_events t`, `SELECT t::text FROM web_sessions t`,
		`SELECT t::text FROM tokens t`, `SELECT coalesce(body, '') FROM outbox WHERE sent_at IS NOT NULL`} {
		for _, row := range s.query(q) {
			for _, sec := range secrets {
				if sec != "" && strings.Contains(row, sec) {
					t.Fatalf("secret %q stored: %s", sec, row)
				}
			}
		}
	}
	for _, sec := range secrets {
		if strings.Contains(s.logs.String(), sec) {
			t.Fatalf("secret %q in the log", sec)
		}
	}
}

func TestServeTwoProcessesShareASession(t *testing.T) {
	s := newStack(t)
	other := freePort(t)
	second := &stack{t: t, URL: "http://" + other, DBURL: s.DBURL, SMTP: s.SMTP, vars: s.vars, logs: &servetest.Logs{}}
	second.startProcess(other) // a process of its own; both deliver the outbox
	a, b := s.client(), second.client()
	r := a.submit("/activation/login", url.Values{"identifier": {"jean.dupont"}, "password": {s.passwords["jean.dupont"]}})
	must(t, r, 200, "Étape 3 sur 8")
	b.cookie = a.cookie // the load balancer sends the next request elsewhere
	must(t, b.submit("/activation/recovery", url.Values{"email": {"jean@example.org"}}), 200, "Étape 4 sur 8")
	link := s.LastLink("jean@example.org", 0)
	must(t, a.submit(link, nil), 200, "confirmé")
	must(t, b.get("/activation"), 200, "Étape 5 sur 8")
	must(t, a.submit("/activation/charter", url.Values{"accept": {"yes"}}), 200, "Étape 6-1 sur 8")
	// One email for one link, whatever the number of instances.
	time.Sleep(500 * time.Millisecond)
	n := 0
	for _, m := range s.SMTP.Messages() {
		if m.To[0] == "jean@example.org" {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d emails for one link", n)
	}
}

func TestServeExpiredLinkAtMidnightParis(t *testing.T) {
	s := newStack(t)
	s.SetNow(time.Date(2026, 10, 25, 23, 40, 0, 0, activation.Zone())) // the night clocks go back
	c := s.client()
	c.submit("/activation/login", url.Values{"identifier": {"lea.martin"}, "password": {s.passwords["lea.martin"]}})
	must(t, c.submit("/activation/recovery", url.Values{"email": {"lea@example.org"}}), 200, "25/10/2026 à 23:59")
	link := s.LastLink("lea@example.org", 0)
	s.SetNow(time.Date(2026, 10, 26, 0, 0, 0, 0, activation.Zone()))
	phone := s.client()
	must(t, phone.get(link), 410, "Lien expiré", "étape 1")
	phone.lang = "en"
	must(t, phone.get(link), 410, "Link expired", "step 1")
	if st := s.state("lea.martin"); st != "recovery_pending" {
		t.Fatalf("GET changed the state to %s", st)
	}
	must(t, phone.submit(link, nil), 410, "Link expired")
	if st := s.state("lea.martin"); st != "issued" {
		t.Fatalf("state %s after the expired link", st)
	}
	// The first tab: back to steps 1-2.
	must(t, c.get("/activation"), 401, "Étapes 1 et 2 sur 8")
}

func TestServeLockoutAndUnknownLogin(t *testing.T) {
	s := newStack(t)
	c := s.client()
	wrong := c.submit("/activation/login", url.Values{"identifier": {"paul.durand"}, "password": {"AAAA-BBBB-CCCC-DD"}})
	unknown := c.submit("/activation/login", url.Values{"identifier": {"nobody.nowhere"}, "password": {"AAAA-BBBB-CCCC-DD"}})
	must(t, wrong, 401, "Identifiant ou mot de passe provisoire incorrect")
	if unknown.StatusCode != wrong.StatusCode || strings.ReplaceAll(unknown.body, "nobody.nowhere", "paul.durand") != wrong.body {
		t.Fatal("an unknown login is told apart from a wrong password")
	}
	for range 4 {
		c.submit("/activation/login", url.Values{"identifier": {"paul.durand"}, "password": {"AAAA-BBBB-CCCC-DD"}})
	}
	must(t, c.submit("/activation/login", url.Values{"identifier": {"paul.durand"}, "password": {s.passwords["paul.durand"]}}), 401, "temporairement bloqué")
	must(t, c.get("/metrics"), 404) // on --metrics-listen only (issue 17, defect 2)
	if out, code := s.run("reset", "paul.durand", "--unlock"); code != 0 {
		t.Fatal(out)
	}
	must(t, c.submit("/activation/login", url.Values{"identifier": {"paul.durand"}, "password": {s.passwords["paul.durand"]}}), 200, "Étape 3 sur 8")
}

func TestServeRefusesCrossOriginAndReady(t *testing.T) {
	s := newStack(t)
	c := s.client()
	r := c.do(http.MethodPost, "/activation/login", url.Values{"identifier": {"jean.dupont"}, "password": {s.passwords["jean.dupont"]}},
		map[string]string{"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"})
	must(t, r, 403, "Requête refusée")
	if st := s.query(`SELECT count(*)::text FROM web_sessions`); st[0] != "0" {
		t.Fatal("a cross-origin POST opened a session")
	}
	must(t, c.get("/readyz"), 200, "ready")
	must(t, c.get("/healthz"), 200)
	must(t, c.get("/metrics"), 404) // on --metrics-listen only
}

// TestMailSendWatch: serve without its own delivery, and mail send --watch
// beside it, delivering within seconds until stopped.
func TestMailSendWatch(t *testing.T) {
	s := newStack(t, "--no-mail")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan cli.ExitCode, 1)
	go func() {
		env := &cli.Env{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: io.Discard, Getenv: s.getenv}
		done <- cli.Run(ctx, env, []string{"mail", "send", "--watch", "100ms"})
	}()
	c := s.client()
	c.submit("/activation/login", url.Values{"identifier": {"jean.dupont"}, "password": {s.passwords["jean.dupont"]}})
	must(t, c.submit("/activation/recovery", url.Values{"email": {"jean@example.org"}}), 200, "Étape 4 sur 8")
	if link := s.LastLink("jean@example.org", 0); link == "" {
		t.Fatal("no link")
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("mail send --watch exited %d", code)
	}
}

// TestServeConcurrentWrongLogins: wrong passwords sent at once for an
// existing login get, every one, the page an unknown login gets (never
// "changed meanwhile"), and each counts once: five lock the account, the
// later ones are refused as locked.
func TestServeConcurrentWrongLogins(t *testing.T) {
	const n = 12
	s := newStack(t, "--login-rate", "100000")
	send := func(login string) []*resp {
		out := make([]*resp, n)
		var wg sync.WaitGroup
		for i := range out {
			wg.Go(func() {
				out[i] = s.client().submit("/activation/login", url.Values{"identifier": {login}, "password": {"AAAA-BBBB-CCCC-DD"}})
			})
		}
		wg.Wait()
		return out
	}
	unknown := send("nobody.nowhere")
	for i, r := range send("paul.durand") {
		must(t, r, 401)
		if unknown[i].StatusCode != 401 || strings.ReplaceAll(r.body, "paul.durand", "nobody.nowhere") != unknown[i].body {
			t.Fatalf("attempt %d: the existing login is told apart:\n%s\n----\n%s", i, r.body, unknown[i].body)
		}
	}
	got := s.query(`SELECT e.outcome FROM audit_events e JOIN students s ON s.id = e.student_id
		WHERE s.login = 'paul.durand' AND e.action = 'authenticate' ORDER BY e.id`)
	failed, refused := 0, 0
	for _, o := range got {
		switch o {
		case "failed":
			failed++
		case "refused":
			refused++
		}
	}
	if failed != 5 || refused != n-5 {
		t.Fatalf("audited %d failures and %d refusals for %d attempts, want 5 and %d: %v", failed, refused, n, n-5, got)
	}
	if locked := s.query(`SELECT (locked_until IS NOT NULL)::text FROM students WHERE login = 'paul.durand'`); locked[0] != "true" {
		t.Fatal("not locked")
	}
	if u := s.query(`SELECT coalesce(sum(failures), 0)::text FROM unknown_identifier_failures`); u[0] != fmt.Sprint(n) {
		t.Fatalf("%s unknown-identifier failures counted, want %d", u[0], n)
	}
}
