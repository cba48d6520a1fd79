package cli

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"
)

// TestCheckWithNothingReachable runs the pre-flight with every service
// pointing at a closed port, an http base URL and an unsafe secret file:
// one failing line each, what to fix, exit 1; the table and the JSON say
// the same, and no password is printed.
func TestCheckWithNothingReachable(t *testing.T) {
	c := newCLI(t)
	key := c.file(t, "provisional.key", strings.Repeat("k", 40))
	if err := os.Chmod(key, 0o644); err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{
		"DATABASE_URL":                  "postgres://scolpass:s3cret@127.0.0.1:1/scolpass?connect_timeout=2&sslmode=disable",
		"SCOLPASS_SMTP_URL":             "smtp://127.0.0.1:1",
		"SCOLPASS_MAIL_FROM":            "no-reply",
		"SCOLPASS_LDAP_URL":             "ldap://127.0.0.1:1",
		"SCOLPASS_LDAP_BASE_DN":         "ou=people,dc=example,dc=org",
		"SCOLPASS_BASE_URL":             "http://activation.example.org",
		"SCOLPASS_PROVISIONAL_KEY_FILE": key,
	} {
		c.env[k] = v
	}
	r := c.run(t, "check", "--timeout", "3s")
	r.want(t, ExitError, `database`, `SMTP`, `directory`, `base URL`, `is not https`, `readable by group or others`, `Europe/Paris`)
	if strings.Contains(r.stdout+r.stderr, "s3cret") {
		t.Errorf("check printed the database password:\n%s%s", r.stdout, r.stderr)
	}
	j := c.run(t, "check", "--timeout", "3s", "-o", "json")
	if j.code != ExitError {
		t.Fatalf("check -o json: exit %d\n%s", j.code, j.stderr)
	}
	var rep struct {
		Ready  bool
		Checks []struct{ Check, Status, Detail, Fix string }
	}
	if err := json.Unmarshal([]byte(j.stdout), &rep); err != nil {
		t.Fatalf("check -o json: %v\n%s", err, j.stdout)
	}
	if rep.Ready {
		t.Error("check -o json says ready")
	}
	lines := rep.Checks
	failed := map[string]bool{}
	for _, l := range lines {
		if l.Status == "fail" {
			failed[l.Check] = true
			if l.Fix == "" {
				t.Errorf("%s fails without saying what to fix", l.Check)
			}
		}
	}
	for _, want := range []string{"base URL", "secret provisional-key"} {
		if !failed[want] {
			t.Errorf("%q does not fail: %+v", want, lines)
		}
	}
}

// TestCheckBaseURL: https, or http on loopback for rehearsals.
func TestCheckBaseURL(t *testing.T) {
	for _, tc := range []struct {
		base, status string
	}{
		{"https://activation.umontpellier.fr", "ok"},
		{"http://127.0.0.1:8080", "ok"},
		{"http://localhost:8080", "ok"},
		{"http://[::1]:8080", "ok"},
		{"http://activation.umontpellier.fr", "fail"},
		{"activation.umontpellier.fr", "fail"},
	} {
		c := newCLI(t)
		c.env["SCOLPASS_BASE_URL"] = tc.base
		conf, err := (&Env{Getenv: func(k string) string { return c.env[k] }}).config()
		if err != nil {
			t.Fatal(err)
		}
		if got := checkBaseURL(conf, false); got.Status != tc.status {
			t.Errorf("%s: %s (%s), want %s", tc.base, got.Status, got.Detail, tc.status)
		}
	}
}

// TestManPages: every command's help becomes a man page's Markdown: a
// paragraph of indented lines stays literal, the others are escaped.
func TestManPages(t *testing.T) {
	root := ManCommand()
	if !root.DisableAutoGenTag {
		t.Error("the man pages would carry a generation date")
	}
	serve, _, err := root.Find([]string{"serve"})
	if err != nil || serve.Name() != "serve" {
		t.Fatalf("no serve command: %v", err)
	}
	md := manMarkdown("Set SCOLPASS_*_FILE or [this].\n\n  SCOLPASS_LISTEN   address\n  SCOLPASS_BASE_URL links")
	if !strings.Contains(md, `SCOLPASS\_\*\_FILE`) || !strings.Contains(md, `\[this]`) {
		t.Errorf("prose not escaped:\n%s", md)
	}
	if !strings.Contains(md, "```\n  SCOLPASS_LISTEN   address\n  SCOLPASS_BASE_URL links\n```") {
		t.Errorf("indented lines not kept literal:\n%s", md)
	}
}

// TestAuditAndPurgeRefuseBadSettings: a bad period or filter is a usage
// error naming it, before any database is opened.
func TestAuditAndPurgeRefuseBadSettings(t *testing.T) {
	c := newCLI(t)
	c.run(t, "audit", "--since", "yesterday-ish").want(t, ExitUsage, `--since "yesterday-ish" is neither a duration`)
	c.run(t, "audit", "--channel", "fax").want(t, ExitUsage, `fax`)
	c.env["SCOLPASS_RETAIN_AUDIT"] = "forever"
	c.run(t, "purge", "--dry-run").want(t, ExitUsage, `SCOLPASS_RETAIN_AUDIT`)
	c.run(t, "export-student").want(t, ExitUsage)

	now := time.Date(2026, 9, 1, 10, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Time{
		"":                     {},
		"24h":                  now.Add(-24 * time.Hour),
		"2026-08-01T00:00:00Z": time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC),
		"2026-08-01":           time.Date(2026, 7, 31, 22, 0, 0, 0, time.UTC), // midnight in Paris
		"12mo":                 now.AddDate(-1, 0, 0),
	} {
		got, err := parseWhen("since", in, now)
		if err != nil || !got.Equal(want) {
			t.Errorf("parseWhen(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
}
