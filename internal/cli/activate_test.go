package cli

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/umontpellier/scolpass/internal/activation"
)

const testPW = "K7QM-X4TP-9CWD-3R"

// lastLink is the link of the newest email in the outbox.
func (c *cliRun) lastLink(t *testing.T) string {
	t.Helper()
	mails := c.store.Outbox()
	if len(mails) == 0 {
		t.Fatal("no email in the outbox")
	}
	l := regexp.MustCompile(`https?://\S+/verify/[A-Za-z0-9_-]+`).FindString(mails[len(mails)-1].Body)
	if l == "" {
		t.Fatalf("no link in the email:\n%s", mails[len(mails)-1].Body)
	}
	return l
}

// TestActivateScripted runs a scripted activation from the sheet to step
// 8, on the in-memory store: answers files, the pause for the link,
// verify-token from stdin, the confirmation, and the audit channel.
func TestActivateScripted(t *testing.T) {
	c := newCLI(t)
	a := c.store.add("1", "Jean", "Dupont", "jean.dupont", "L1INFO", "", testNow)
	c.store.issue(t, a, testPW, testNow)

	f := c.file(t, "a.json", `{"provisional_password": "`+testPW+`", "recovery_email": "jean@example.org"}`)
	r := c.run(t, "activate", "jean.dupont@etu.umontpellier.fr", "--answers", f)
	r.want(t, ExitPaused, `Link sent to jean@example.org, valid until 01/09/2026 23:59 \(Paris time\)`, `paused: `)

	link := c.lastLink(t)
	c.stdin = link + "\n"
	c.run(t, "verify-token", "-").want(t, ExitOK, `State:\s+recovery_verified`)
	c.run(t, "verify-token", link).want(t, ExitToken) // a link works once
	c.run(t, "verify-token", "-").want(t, ExitUsage, "nothing on stdin")

	c.stdin = `{"provisional_password": "` + testPW + `", "accept_charter": true, "new_password": "Vert-Galet-Orage-73"}`
	r = c.run(t, "activate", "jean.dupont", "--answers", "-", "-o", "json")
	r.want(t, ExitOK)
	var out struct {
		State        string
		Step         string
		Confirmation struct{ Login, Mailbox, RedirectTo string }
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("%v:\n%s", err, r.stdout)
	}
	if out.State != "active" || out.Confirmation.Login != "jean.dupont@etu.umontpellier.fr" || out.Confirmation.RedirectTo != "" {
		t.Errorf("-o json = %+v", out)
	}
	if strings.Contains(r.stdout, testPW) || strings.Contains(r.stdout, "Vert-Galet") {
		t.Error("a secret was printed")
	}
	for _, e := range c.store.Events(a.StudentID) {
		if e.Actor.Channel != "script" {
			t.Errorf("event %s on channel %q, want script", e.Action, e.Actor.Channel)
		}
	}
	r = c.run(t, "activate", "jean.dupont", "--answers", c.file(t, "b.json", `{"provisional_password": "`+testPW+`"}`))
	r.want(t, ExitRefused, `already active`)
}

// TestActivateTableConfirmation: step 8 in table form names the redirect
// and whether a copy is kept.
func TestActivateTableConfirmation(t *testing.T) {
	c := newCLI(t)
	a := c.store.add("1", "Jean", "Dupont", "jean.dupont", "L1INFO", "", testNow)
	c.store.issue(t, a, testPW, testNow)
	c.stdin = `{"provisional_password": "` + testPW + `", "recovery_email": "jean@example.org"}`
	c.run(t, "activate", "jean.dupont", "--answers", "-").want(t, ExitPaused)
	c.stdin = c.lastLink(t)
	c.run(t, "verify-token", "-").want(t, ExitOK)
	c.stdin = `{"provisional_password": "` + testPW + `", "accept_charter": true, "redirect_to": "jean@example.org", "keep_copy": true, "new_password": "Vert-Galet-Orage-73"}`
	r := c.run(t, "activate", "jean.dupont", "--answers", "-")
	r.want(t, ExitOK, `Steps done:`, `Step 8`, `Redirect / redirection:\s+jean@example.org \(a copy is kept`)
}

// TestActivateRefusals: what is wrong with the command line or the answers
// is named, with the exit code of the contract.
func TestActivateRefusals(t *testing.T) {
	c := newCLI(t)
	a := c.store.add("1", "Jean", "Dupont", "jean.dupont", "L1INFO", "", testNow)
	c.store.issue(t, a, testPW, testNow)
	cases := []struct {
		name  string
		args  []string
		stdin string
		code  ExitCode
		says  string
	}{
		{"no login", []string{"activate"}, "", ExitUsage, `activate needs LOGIN`},
		{"two logins", []string{"activate", "a", "b"}, "", ExitUsage, `takes LOGIN only`},
		{"no answers, no terminal", []string{"activate", "jean.dupont"}, "", ExitUsage, `stdin is not a terminal`},
		{"no such file", []string{"activate", "jean.dupont", "--answers", "/nonexistent/a.json"}, "", ExitUsage, `no such file`},
		{"unknown key", []string{"activate", "jean.dupont", "--answers", "-"}, `{"new_pasword": "x"}`, ExitUsage, `unknown field "new_pasword" \(known: provisional_password`},
		{"not JSON", []string{"activate", "jean.dupont", "--answers", "-"}, `provisional_password=secret`, ExitUsage, `not a JSON object of answers`},
		{"wrong password", []string{"activate", "jean.dupont", "--answers", "-"}, `{"provisional_password": "AAAA-AAAA-AAAA-AA"}`, ExitAuth, ``},
		{"unknown login", []string{"activate", "nobody", "--answers", "-"}, `{"provisional_password": "AAAA-AAAA-AAAA-AA"}`, ExitAuth, ``},
		{"bad email", []string{"activate", "jean.dupont", "--answers", "-"}, `{"provisional_password": "` + testPW + `", "recovery_email": "not-an-address"}`, ExitPolicy, ``},
		{"bad output", []string{"activate", "jean.dupont", "-o", "xml"}, "", ExitUsage, `--output must be table, json or csv, not "xml"`},
		{"bad flag", []string{"activate", "jean.dupont", "--nope"}, "", ExitUsage, `unknown flag: --nope`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c.stdin = tc.stdin
			r := c.run(t, tc.args...)
			r.want(t, tc.code, tc.says)
			if strings.Contains(r.stderr, "secret") {
				t.Errorf("the answers document was echoed: %s", r.stderr)
			}
		})
	}
	// Answers that run out: exit 0, the next step named.
	c.stdin = `{"provisional_password": "` + testPW + `"}`
	c.run(t, "activate", "jean.dupont", "--answers", "-").want(t, ExitOK, `Next:\s+step 3`)
	if got := c.store.Account(a.StudentID).State; got != activation.StateAuthenticated {
		t.Errorf("state %s, want authenticated", got)
	}
}
