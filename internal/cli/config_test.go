package cli

import (
	"strings"
	"testing"
)

// A message that quotes a connection string, or a piece a parser cut
// from it, shows no password.
func TestRedactSecrets(t *testing.T) {
	for _, c := range []struct{ setting, msg string }{
		{"postgres://scolpass:Tr0ub4dor3xyz/abc@db.example:5432/scol",
			`parse "postgres://scolpass:Tr0ub4dor3xyz/abc@db.example:5432/scol": invalid port ":Tr0ub4dor3xyz" after host`},
		{"postgres://u:p%40ss%2Fw0rd@h/db", `connecting as u with "p@ss/w0rd" to postgres://u:p%40ss%2Fw0rd@h/db`},
		{"host=h user=u password='Tr0ub 4dor' dbname=d", `bad dsn "host=h user=u password='Tr0ub 4dor' dbname=d"`},
		{"", `failed: smtp://mailer:S3cretPass@mail.example:587 refused`},
		{"", `dsn host=h password=S3cretPass dbname=d`},
	} {
		env := &Env{Getenv: func(k string) string {
			if k == "DATABASE_URL" {
				return c.setting
			}
			return ""
		}}
		got := env.redactSecrets(c.msg)
		for _, secret := range []string{"Tr0ub", "4dor", "p@ss", "w0rd", "p%40ss", "S3cretPass"} {
			if strings.Contains(got, secret) {
				t.Errorf("redactSecrets(%q) = %q: %q shows", c.msg, got, secret)
			}
		}
		if !strings.Contains(got, "xxxxx") {
			t.Errorf("redactSecrets(%q) = %q: nothing hidden", c.msg, got)
		}
	}
	// A password that a message quotes only through SCOLPASS_SMTP_URL.
	env := &Env{Getenv: func(k string) string {
		return map[string]string{"SCOLPASS_SMTP_URL": "smtp://mailer:Zq9-Secret@mail.example:587"}[k]
	}}
	if got := env.redactSecrets(`535 authentication failed for Zq9-Secret`); strings.Contains(got, "Zq9-Secret") {
		t.Errorf("SMTP password shows: %q", got)
	}
}
