package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/umontpellier/scolpass/internal/activation"
	"github.com/umontpellier/scolpass/internal/postgres/pgtest"
)

// TestServeAuditLog runs scolpass serve --audit-log FILE on a real
// database: a sign-in attempt on the site appends its event to the file,
// with the client's address, as the same line scolpass audit -o json
// prints; the database holds the address too.
func TestServeAuditLog(t *testing.T) {
	dbURL := pgtest.NewDatabase(t)
	dir := t.TempDir()
	csvPath := filepath.Join(dir, "students.csv")
	if err := os.WriteFile(csvPath, []byte("student_no;last_name;first_name\n1;Dupont;Jean\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{"DATABASE_URL": dbURL, "SCOLPASS_OPERATOR": "test"}
	getenv := func(k string) string { return vars[k] }
	for _, args := range [][]string{{"migrate"}, {"import-students", csvPath}, {"issue-scolpass", "--all", "--out", filepath.Join(dir, "s.pdf")}} {
		var out bytes.Buffer
		env := &Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &out, Getenv: getenv}
		if code := Run(context.Background(), env, args); code != ExitOK {
			t.Fatalf("%v: exit %d: %s", args, code, out.String())
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	logPath := filepath.Join(dir, "audit.jsonl")
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan ExitCode, 1)
	go func() {
		env := &Env{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: pw, Getenv: getenv}
		done <- Run(ctx, env, []string{"serve", "--listen", addr, "--no-mail", "--audit-log", logPath})
		pw.Close()
	}()
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(pr)
		closed := false
		for sc.Scan() {
			if !closed && strings.Contains(sc.Text(), "listening on") {
				close(ready)
				closed = true
			}
		}
	}()
	select {
	case <-ready:
	case code := <-done:
		t.Fatalf("serve exited %d", code)
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not start")
	}
	defer func() {
		cancel()
		<-done
	}()
	if b, err := os.ReadFile(logPath); err != nil || len(b) != 0 {
		t.Fatalf("audit log before any event: %q, %v", b, err)
	}
	form := url.Values{"identifier": {"jean.dupont@etu.umontpellier.fr"}, "password": {"AAAA-BBBB-CCCC-DD"}}
	req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/activation/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "http://"+addr)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	// The event is written before the answer leaves (after the commit).
	b, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 1 {
		t.Fatalf("audit log: %q, want one line", b)
	}
	var rec activation.AuditRecord
	if err := json.Unmarshal([]byte(lines[0]), &rec); err != nil {
		t.Fatal(err)
	}
	if rec.Event != "authenticate" || rec.Login != "jean.dupont" || rec.Channel != "web" || rec.Client != "127.0.0.1" || rec.Outcome != "failed" {
		t.Errorf("audit log line: %s", lines[0])
	}
	if strings.Contains(lines[0], "AAAA-BBBB") {
		t.Error("the password typed is in the audit log")
	}
	var out bytes.Buffer
	env := &Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: io.Discard, Getenv: getenv}
	if code := Run(context.Background(), env, []string{"audit", "--channel", "web", "-o", "json"}); code != ExitOK {
		t.Fatalf("audit: exit %d", code)
	}
	if strings.TrimSpace(out.String()) != lines[0] {
		t.Errorf("audit -o json:\n%s\naudit log:\n%s", out.String(), lines[0])
	}
}
