//go:build linux

package cli

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/umontpellier/scolpass/internal/activation"
	"github.com/umontpellier/scolpass/internal/login"
	"github.com/umontpellier/scolpass/internal/postgres"
	"github.com/umontpellier/scolpass/internal/postgres/pgtest"
	"github.com/umontpellier/scolpass/internal/roster"
)

// openPTY returns the two ends of a new pseudo-terminal.
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminal here: %v", err)
	}
	fd := int(m.Fd())
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(); m.Close() })
	return m, s
}

// screen collects what the terminal shows.
type screen struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *screen) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

// waitFor blocks until the terminal shows text (after position from).
func (s *screen) waitFor(t *testing.T, text string, from int) int {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if i := strings.Index(s.String()[from:], text); i >= 0 {
			return from + i + len(text)
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("the terminal never showed %q; it shows:\n%s", text, s.String())
	return 0
}

// TestAssistedActivation runs activate at a real (pseudo-)terminal as a
// helpdesk agent does: prompts step by step, passwords not echoed.
func TestAssistedActivation(t *testing.T) {
	url := pgtest.NewDatabase(t)
	db := pgtest.Open(t, url)
	ctx := context.Background()
	now := time.Date(2026, 9, 1, 10, 0, 0, 0, activation.Zone())
	actor := activation.Actor{Operator: "test", Channel: "bulk", Clock: "system"}
	base, _ := login.Derive("Anne", "Alpha")
	if _, err := db.ImportStudents(ctx, []roster.Student{{Line: 2, StudentNo: "1", FirstName: "Anne", LastName: "Alpha", LoginBase: base}}, postgres.ImportOptions{}, actor, now); err != nil {
		t.Fatal(err)
	}
	var provisional string
	svc := &activation.Service{Store: &postgres.AccountStore{DB: db, Actor: actor}, Config: activation.DefaultConfig()}
	if _, err := svc.Issue(ctx, activation.IssueSelection{All: true}, 30*24*time.Hour, now, func(s []activation.NewSheet) error {
		provisional = s[0].Password
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	master, slave := openPTY(t)
	var scr screen
	go func() {
		b := make([]byte, 4096)
		for {
			n, err := master.Read(b)
			scr.mu.Lock()
			scr.buf.Write(b[:n])
			scr.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	var stdout bytes.Buffer
	env := &Env{Stdin: slave, Stdout: &stdout, Stderr: slave, Getenv: func(k string) string {
		return map[string]string{"DATABASE_URL": url, "SCOLPASS_NOW": now.Format(time.RFC3339)}[k]
	}}
	code := make(chan ExitCode, 1)
	go func() { code <- Run(ctx, env, []string{"activate", "anne.alpha", "--operator", "agent.desk"}) }()

	at := scr.waitFor(t, "mot de passe provisoire: ", 0)
	waitNoEcho(t, slave) // the prompt is printed just before echo goes off
	typeLine(master, provisional)
	scr.waitFor(t, "mail de secours: ", at)
	typeLine(master, "anne@example.org")
	var got ExitCode
	select {
	case got = <-code:
	case <-time.After(30 * time.Second):
		t.Fatalf("activate did not finish; the terminal shows:\n%s", scr.String())
	}
	if got != ExitPaused {
		t.Errorf("exit code %d, want %d (paused at step 4); terminal:\n%s", got, ExitPaused, scr.String())
	}
	if strings.Contains(scr.String(), provisional) || strings.Contains(stdout.String(), provisional) {
		t.Errorf("the provisional password was echoed:\n%s", scr.String())
	}
	if !strings.Contains(scr.String(), "anne@example.org") {
		t.Errorf("the recovery email typed should be echoed:\n%s", scr.String())
	}
	if !strings.Contains(stdout.String(), "Link sent to anne@example.org") {
		t.Errorf("stdout lacks where the link went:\n%s", stdout.String())
	}
	var channel, operator string
	if err := db.QueryRowContext(ctx, `SELECT channel, operator FROM audit_events WHERE action = 'recovery-email'`).Scan(&channel, &operator); err != nil {
		t.Fatal(err)
	}
	if channel != "helpdesk" || operator != "agent.desk" {
		t.Errorf("audit says channel %q operator %q, want helpdesk and agent.desk", channel, operator)
	}
}

func typeLine(master *os.File, s string) { master.WriteString(s + "\r") }

// waitNoEcho waits until the terminal stops echoing (a hidden prompt).
func waitNoEcho(t *testing.T, tty *os.File) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		tio, err := unix.IoctlGetTermios(int(tty.Fd()), unix.TCGETS)
		if err != nil {
			t.Fatal(err)
		}
		if tio.Lflag&unix.ECHO == 0 {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatal("the password prompt never turned echo off")
}
