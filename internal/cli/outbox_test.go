package cli

import (
	"bytes"
	"context"
	"encoding/base64"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/umontpellier/scolpass/internal/activation"
	"github.com/umontpellier/scolpass/internal/login"
	"github.com/umontpellier/scolpass/internal/mail/smtptest"
	"github.com/umontpellier/scolpass/internal/postgres"
	"github.com/umontpellier/scolpass/internal/postgres/pgtest"
)

// serverLog returns what the PostgreSQL server has logged so far: the file
// of scripts/pg.sh's cluster (SCOLPASS_PG_DIR/pg.log, or pg.log beside the
// data directory, read by the server itself).
func serverLog(t *testing.T, db *postgres.DB) string {
	t.Helper()
	if dir := os.Getenv("SCOLPASS_PG_DIR"); dir != "" {
		b, err := os.ReadFile(filepath.Join(dir, "pg.log"))
		if err == nil {
			return string(b)
		}
	}
	var data string
	if err := db.GetContext(context.Background(), &data, `SELECT current_setting('data_directory')`); err != nil {
		t.Fatal(err)
	}
	var text string
	if err := db.GetContext(context.Background(), &text, `SELECT pg_read_file($1)`, filepath.Join(filepath.Dir(data), "pg.log")); err != nil {
		t.Skipf("the server's log cannot be read (a cluster of scripts/pg.sh logs to pg.log beside its data): %v", err)
	}
	return text
}

func pgDump(t *testing.T, dbURL string, args ...string) string {
	t.Helper()
	bin, err := exec.LookPath("pg_dump")
	if err != nil {
		m, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pg_dump")
		if len(m) == 0 {
			t.Fatal("pg_dump not found (install postgresql-client)")
		}
		bin = m[len(m)-1]
	}
	out, err := exec.Command(bin, append([]string{"--data-only", "--dbname=" + dbURL}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("pg_dump: %v\n%s", err, out)
	}
	return string(out)
}

// With every statement logged (log_statement = 'all'), the links of an
// activation reach neither the server's log nor a dump of the outbox taken
// before delivery: the body is sealed before it is written. Once
// delivered, the body is gone. With an outbox key file, the same holds
// and the database's key is not used.
func TestNoLinkInStatementLogNorDump(t *testing.T) {
	for _, processKey := range []bool{false, true} {
		name := "database key"
		if processKey {
			name = "SCOLPASS_OUTBOX_KEY_FILE"
		}
		t.Run(name, func(t *testing.T) { testNoLinkInLog(t, processKey) })
	}
}

func testNoLinkInLog(t *testing.T, processKey bool) {
	ctx := context.Background()
	dbURL := pgtest.NewDatabase(t)
	db := pgtest.Open(t, dbURL)
	u, _ := url.Parse(dbURL)
	if _, err := db.ExecContext(ctx, `ALTER DATABASE `+strings.TrimPrefix(u.Path, "/")+` SET log_statement = 'all'`); err != nil {
		t.Fatalf("log every statement (the tests run as a superuser): %v", err)
	}
	now := time.Date(2026, 9, 1, 10, 0, 0, 0, activation.Zone())
	actor := activation.Actor{Operator: "test", Channel: "bulk", Clock: "system"}
	var students []activation.ImportRecord
	for i, n := range [][2]string{{"Anne", "Alpha"}, {"Bruno", "Beta"}} {
		base, _ := login.Derive(n[0], n[1])
		students = append(students, activation.ImportRecord{Line: i + 2, StudentNo: string(rune('1' + i)), FirstName: n[0], LastName: n[1], LoginBase: base})
	}
	if _, err := db.ImportStudents(ctx, students, postgres.ImportOptions{}, actor, now); err != nil {
		t.Fatal(err)
	}
	provisional := map[string]string{}
	svc := &activation.Service{Store: &postgres.AccountStore{DB: db, Actor: actor}, Config: activation.DefaultConfig()}
	if _, err := svc.Issue(ctx, activation.IssueSelection{All: true}, 30*24*time.Hour, now, func(s []activation.NewSheet) error {
		for _, sh := range s {
			provisional[sh.Account.Login] = sh.Password
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	srv := smtptest.Start(t)
	vars := map[string]string{"DATABASE_URL": dbURL, "SCOLPASS_NOW": now.Format(time.RFC3339), "SCOLPASS_SMTP_URL": srv.URL(),
		"SCOLPASS_ARGON2_MEMORY_KIB": "1024", "SCOLPASS_ARGON2_TIME": "1", "SCOLPASS_ARGON2_THREADS": "1"}
	if processKey {
		keyFile := filepath.Join(t.TempDir(), "outbox-key")
		if err := os.WriteFile(keyFile, []byte(base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32))+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		vars["SCOLPASS_OUTBOX_KEY_FILE"] = keyFile
		if _, err := db.ExecContext(ctx, `DELETE FROM outbox_key`); err != nil { // not used: would fail if it were
			t.Fatal(err)
		}
	}
	run := func(want ExitCode, args ...string) string {
		t.Helper()
		var out, errOut bytes.Buffer
		env := &Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut, Getenv: func(k string) string { return vars[k] }}
		if got := Run(ctx, env, args); got != want {
			t.Fatalf("scolpass %s: exit %d, want %d\n%s%s", strings.Join(args, " "), got, want, out.String(), errOut.String())
		}
		return out.String() + errOut.String()
	}
	dir := t.TempDir()
	for _, l := range []string{"anne.alpha", "bruno.beta"} {
		f := filepath.Join(dir, l+".json")
		if err := os.WriteFile(f, []byte(`{"provisional_password":"`+provisional[l]+`","recovery_email":"`+l+`@example.org"}`), 0o600); err != nil {
			t.Fatal(err)
		}
		run(ExitPaused, "activate", l, "--answers", f)
		run(ExitPaused, "activate", l, "--answers", f) // a second link replaces the first
	}
	dump := pgDump(t, dbURL, "--table=outbox")
	shown := run(ExitOK, "mail", "show", "1")
	run(ExitOK, "mail", "send")

	linkRE := regexp.MustCompile(`/verify/([A-Za-z0-9_-]{20,})`)
	var tokens []string
	for _, m := range srv.Messages() {
		body, err := m.DecodedBody()
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range linkRE.FindAllStringSubmatch(body, -1) {
			tokens = append(tokens, s[1])
		}
	}
	if len(tokens) != 4 {
		t.Fatalf("%d links delivered, want 4", len(tokens))
	}
	logText := serverLog(t, db)
	// The log and the dump do hold the statements and the rows: the test
	// looks where the links would be.
	if !strings.Contains(logText, "INSERT INTO outbox") || !strings.Contains(dump, "anne.alpha@example.org") || !strings.Contains(shown, "verify/[hidden]") {
		t.Fatalf("the statement log, the dump or mail show miss the outbox:\nlog has INSERT: %v\ndump:\n%s\nshow:\n%s",
			strings.Contains(logText, "INSERT INTO outbox"), dump, shown)
	}
	for _, tok := range tokens {
		for what, text := range map[string]string{"statement log": logText, "dump of the outbox": dump, "mail show": shown,
			"dump after delivery": pgDump(t, dbURL)} {
			if strings.Contains(text, tok) {
				t.Errorf("the token %s… is in the %s", tok[:6], what)
			}
		}
	}
	var left int
	if err := db.GetContext(ctx, &left, `SELECT count(*) FROM outbox WHERE body IS NOT NULL`); err != nil {
		t.Fatal(err)
	}
	if left != 0 {
		t.Errorf("%d bodies left after delivery", left)
	}
}
