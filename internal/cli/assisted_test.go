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
	ctx := context.Background()
	now := testNow
	st := newMemStore()
	provisional := testPW
	st.issue(t, st.add("1", "Anne", "Alpha", "anne.alpha", "L1INFO", "", now), provisional, now)

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
		return map[string]string{"SCOLPASS_NOW": now.Format(time.RFC3339)}[k]
	}, OpenStore: func(context.Context) (Store, error) { return st, nil }}
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
	// The recovery email typed is echoed (the terminal may show it after
	// the command has ended).
	scr.waitFor(t, "anne@example.org", at)
	if strings.Contains(scr.String(), provisional) || strings.Contains(stdout.String(), provisional) {
		t.Errorf("the provisional password was echoed:\n%s", scr.String())
	}
	if !strings.Contains(stdout.String(), "Link sent to anne@example.org") {
		t.Errorf("stdout lacks where the link went:\n%s", stdout.String())
	}
	var seen bool
	for _, e := range st.Events(1) {
		if e.Action != "recovery-email" {
			continue
		}
		seen = true
		if e.Actor.Channel != "helpdesk" || e.Actor.Operator != "agent.desk" {
			t.Errorf("audit says channel %q operator %q, want helpdesk and agent.desk", e.Actor.Channel, e.Actor.Operator)
		}
	}
	if !seen {
		t.Error("no recovery-email event in the audit trail")
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

// TestAssistedToStep8 takes an account from step 5 to step 8 at the
// terminal: the charter shown and accepted, the redirect to the recovery
// address offered by default, a password the policy refuses, two that
// differ, then the confirmation.
func TestAssistedToStep8(t *testing.T) {
	ctx := context.Background()
	st := newMemStore()
	a := st.add("1", "Anne", "Alpha", "anne.alpha", "L1INFO", "", testNow)
	st.issue(t, a, testPW, testNow)
	acc := st.Account(a.StudentID)
	acc.State, acc.RecoveryEmail = "recovery_verified", "anne@example.org"
	if err := st.Store.Update(ctx, a.StudentID, -1, testNow, func(tx activation.Tx, _ *activation.Account) error { return tx.SaveAccount(acc) }); err != nil {
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
		return map[string]string{"SCOLPASS_ARGON2_MEMORY_KIB": "1024", "SCOLPASS_ARGON2_TIME": "1", "SCOLPASS_ARGON2_THREADS": "1"}[k]
	}, Clock: func() time.Time { return testNow }, OpenStore: func(context.Context) (Store, error) { return st, nil }}
	code := make(chan ExitCode, 1)
	go func() { code <- Run(ctx, env, []string{"activate", "anne.alpha"}) }()

	at := scr.waitFor(t, "mot de passe provisoire: ", 0)
	waitNoEcho(t, slave)
	typeLine(master, testPW)
	at = scr.waitFor(t, "IT charter, version 2026-09", at)
	at = scr.waitFor(t, "accepte la charte ? [y/N]: ", at)
	typeLine(master, "oui")
	at = scr.waitFor(t, "rediriger les mails ? [y/N]: ", at)
	typeLine(master, "y")
	at = scr.waitFor(t, "Redirect address [anne@example.org]: ", at)
	typeLine(master, "")
	at = scr.waitFor(t, "conserver une copie ? [y/N]: ", at)
	typeLine(master, "")
	at = scr.waitFor(t, "at least 12 characters; strong enough (80 bits", at)
	for _, step := range []struct{ prompt, answer string }{
		{"nouveau mot de passe: ", "short"},
		{"nouveau mot de passe: ", "Vert-Galet-Orage-73"},
		{"confirmez: ", "Vert-Galet-Orage-74"},
		{"nouveau mot de passe: ", "Vert-Galet-Orage-73"},
		{"confirmez: ", "Vert-Galet-Orage-73"},
	} {
		at = scr.waitFor(t, step.prompt, at)
		waitNoEcho(t, slave)
		typeLine(master, step.answer)
	}
	var got ExitCode
	select {
	case got = <-code:
	case <-time.After(30 * time.Second):
		t.Fatalf("activate did not finish; the terminal shows:\n%s", scr.String())
	}
	if got != ExitOK {
		t.Fatalf("exit code %d, want 0; terminal:\n%s\nstdout:\n%s", got, scr.String(), stdout.String())
	}
	scr.waitFor(t, "the two passwords differ; again", 0)
	if !strings.Contains(stdout.String(), "Step 8") || !strings.Contains(stdout.String(), "anne@example.org (no copy kept") {
		t.Errorf("stdout lacks the confirmation:\n%s", stdout.String())
	}
	if strings.Contains(scr.String(), "Vert-Galet") || strings.Contains(scr.String(), testPW) {
		t.Errorf("a password was echoed:\n%s", scr.String())
	}
	if got := st.Account(a.StudentID); got.State != activation.StateActive || got.RedirectTo != "anne@example.org" || got.KeepCopy {
		t.Errorf("account: %+v", got)
	}
}
