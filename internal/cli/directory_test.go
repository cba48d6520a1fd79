package cli

import (
	"bytes"
	"errors"
	"math"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/umontpellier/scolpass/internal/activation"
)

// TestDirectoryConfig: the directory settings, read from the environment,
// each refusal naming the setting.
func TestDirectoryConfig(t *testing.T) {
	dir := t.TempDir()
	pwFile := filepath.Join(dir, "bind.pw")
	empty := filepath.Join(dir, "empty.pw")
	os.WriteFile(pwFile, []byte("s3cret\n"), 0o600)
	os.WriteFile(empty, []byte("\n"), 0o600)
	base := map[string]string{"SCOLPASS_LDAP_URL": "ldap://localhost", "SCOLPASS_LDAP_BASE_DN": "ou=people,dc=x"}
	with := func(kv ...string) func(string) string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	for _, tc := range []struct {
		getenv func(string) string
		says   string
	}{
		{with("SCOLPASS_LDAP_BASE_DN", ""), `SCOLPASS_LDAP_BASE_DN is not set`},
		{with("SCOLPASS_LDAP_BIND_DN", "cn=scolpass"), `SCOLPASS_LDAP_BIND_DN is set but its password is not: give the credential ldap-bind-password or SCOLPASS_LDAP_BIND_PASSWORD_FILE`},
		{with("SCOLPASS_LDAP_BIND_PASSWORD_FILE", filepath.Join(dir, "none")), `(SCOLPASS_LDAP_BIND_PASSWORD_FILE) does not exist`},
		{with("SCOLPASS_LDAP_BIND_PASSWORD_FILE", empty), `(SCOLPASS_LDAP_BIND_PASSWORD_FILE) is empty`},
		{with("SCOLPASS_LDAP_TIMEOUT", "soon"), `SCOLPASS_LDAP_TIMEOUT="soon" must be a duration`},
		{with("SCOLPASS_LDAP_CONNECT_TIMEOUT", "-1s"), `SCOLPASS_LDAP_CONNECT_TIMEOUT="-1s" must be a duration`},
		{with("SCOLPASS_LDAP_CREATE", "maybe"), `SCOLPASS_LDAP_CREATE must be 1 or 0`},
		{with("SCOLPASS_LDAP_REQUIRE_STARTTLS", "2"), `SCOLPASS_LDAP_REQUIRE_STARTTLS must be 1 or 0`},
		{with("SCOLPASS_LDAP_ATTRIBUTES", filepath.Join(dir, "none.map")), `SCOLPASS_LDAP_ATTRIBUTES: `},
	} {
		_, err := (&Env{Getenv: tc.getenv}).directoryConfig()
		if err == nil || !strings.Contains(err.Error(), strings.Split(tc.says, ".*")[0]) {
			t.Errorf("got %v, want %q", err, tc.says)
		}
		if err != nil && strings.Contains(err.Error(), "s3cret") {
			t.Errorf("the bind password is in the message: %v", err)
		}
	}
	c, err := (&Env{Getenv: with("SCOLPASS_LDAP_BIND_DN", "cn=scolpass", "SCOLPASS_LDAP_BIND_PASSWORD_FILE", pwFile,
		"SCOLPASS_LDAP_TIMEOUT", "2s", "SCOLPASS_LDAP_CREATE", "yes", "SCOLPASS_LDAP_REQUIRE_STARTTLS", "1")}).directoryConfig()
	if err != nil {
		t.Fatal(err)
	}
	if c.BindPassword != "s3cret" || c.Timeout != 2*time.Second || !c.Create || !c.RequireStartTLS {
		t.Errorf("config: %+v", c)
	}
	if c, err := (&Env{Getenv: func(string) string { return "" }}).directoryConfig(); c != nil || err != nil {
		t.Errorf("no SCOLPASS_LDAP_URL: %v, %v (want provisioning off)", c, err)
	}
}

// TestReportJob: what a command tells on stderr of a directory job it
// just tried.
func TestReportJob(t *testing.T) {
	at := testNow
	for _, tc := range []struct {
		job  activation.Job
		says string
	}{
		{activation.Job{Login: "jean.dupont", DoneAt: &at, Target: "uid=jean.dupont"}, "directory: jean.dupont written to uid=jean.dupont\n"},
		{activation.Job{Login: "jean.dupont", DoneAt: &at, LastError: "nothing to write"}, "directory: jean.dupont nothing to write\n"},
		{activation.Job{ID: 3, Login: "jean.dupont", FailedAt: &at, LastError: "no such object"}, "directory: jean.dupont REFUSED for good (job 3): no such object\n"},
		{activation.Job{ID: 4, Login: "jean.dupont", Attempts: 1, NextAttemptAt: at, LastError: "timeout"}, "directory: jean.dupont not written yet (job 4, attempt 1), retry after 01/09/2026 10:00: timeout\n"},
	} {
		var b bytes.Buffer
		reportJob(&Env{Stderr: &b}, tc.job)
		if b.String() != tc.says {
			t.Errorf("got %q, want %q", b.String(), tc.says)
		}
	}
	if got := messageOf(usagef("bad %s", "flag")); got != "bad flag" {
		t.Errorf("messageOf(usage) = %q", got)
	}
	if got := messageOf(activation.Errorf(activation.ENOTFOUND, "no such student")); got != "no such student" {
		t.Errorf("messageOf(domain) = %q", got)
	}
	if got := messageOf(errors.New("boom")); got == "" {
		t.Error("messageOf(plain) is empty")
	}
}

// TestUsageBeforeDatabase: the commands that work on the database alone
// refuse a wrong command line before opening it (exit 2, the flag named).
func TestUsageBeforeDatabase(t *testing.T) {
	// import-students turns the collector off for its process.
	t.Cleanup(func() { debug.SetGCPercent(100); debug.SetMemoryLimit(math.MaxInt64) })
	c := newCLI(t)
	for _, tc := range []struct {
		args []string
		says string
	}{
		{[]string{"mail", "list", "--status", "lost"}, `--status must be queued, sent or failed`},
		{[]string{"mail", "show", "twelve"}, `"twelve" is not an email ID`},
		{[]string{"mail", "show"}, `scolpass mail show needs ID`},
		{[]string{"mail", "send", "--watch", "-5s"}, `--watch must be a positive interval`},
		{[]string{"provision", "list", "--status", "lost"}, `--status must be pending, done or failed`},
		{[]string{"provision", "show", "twelve"}, `"twelve" is not a job ID`},
		{[]string{"provision", "run", "--every", "0s"}, `--every must be a positive duration`},
		{[]string{"provision", "retry"}, `give either a job ID or --all-failed`},
		{[]string{"provision", "retry", "3", "--all-failed"}, `give either a job ID or --all-failed`},
		{[]string{"provision", "retry", "x"}, `"x" is not a job ID`},
		{[]string{"provision", "queue"}, `give either logins or --unqueued`},
		{[]string{"import-students", filepath.Join(c.dir, "none.csv")}, `cannot read .*none.csv: no such file`},
		{[]string{"import-students"}, `import-students needs`},
		{[]string{"serve", "--trusted-proxy", "proxy.example"}, `--trusted-proxy "proxy.example" is neither an address nor a CIDR`},
		{[]string{"migrate", "x"}, `migrate takes no argument`},
		{[]string{"verify-token"}, `verify-token needs TOKEN, URL or -`},
	} {
		c.run(t, tc.args...).want(t, ExitUsage, tc.says)
	}
}
