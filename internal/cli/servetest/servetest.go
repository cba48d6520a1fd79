// Package servetest runs `scolpass serve` inside a test's process until the
// test ends: the site's end-to-end tests (cmd/scolpass/e2e) and the Debian
// package's TLS test (scripts/deb) drive it from a browser and a proxy.
package servetest

import (
	"bufio"
	"context"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/umontpellier/scolpass/internal/cli"
)

// startWait and stopWait bound how long serve may take to listen and to
// stop, on a loaded machine.
const (
	startWait = 30 * time.Second
	stopWait  = 40 * time.Second
)

// Logs is a log that serve (or anything else) writes while tests read it.
type Logs struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *Logs) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *Logs) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

// Serve is a running `scolpass serve`.
type Serve struct {
	t      testing.TB
	logs   *Logs
	cancel context.CancelFunc
	done   chan cli.ExitCode
	once   sync.Once
}

// Start runs `scolpass serve ARGS…` with getenv as its environment, its log
// written line by line to logs, and returns once it says it is listening.
// The test fails if serve exits first or is not listening within 30 s.
// Serve stops when the test ends, or at Stop; it must exit 0.
func Start(t testing.TB, logs *Logs, getenv func(string) string, args ...string) *Serve {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &Serve{t: t, logs: logs, cancel: cancel, done: make(chan cli.ExitCode, 1)}
	pr, pw := io.Pipe()
	env := &cli.Env{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: pw, Getenv: getenv}
	go func() {
		s.done <- cli.Run(ctx, env, append([]string{"serve"}, args...))
		pw.Close()
	}()
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(pr)
		once := sync.Once{}
		for sc.Scan() {
			logs.Write([]byte(sc.Text() + "\n"))
			if strings.Contains(sc.Text(), "listening on") {
				once.Do(func() { close(ready) })
			}
		}
	}()
	select {
	case <-ready:
	case code := <-s.done:
		cancel()
		t.Fatalf("serve exited %d:\n%s", code, logs)
	case <-time.After(startWait):
		cancel()
		t.Fatalf("serve did not start within %v:\n%s", startWait, logs)
	}
	t.Cleanup(s.Stop)
	return s
}

// Stop stops serve, once, and checks that it exited 0 within 40 s.
func (s *Serve) Stop() {
	s.once.Do(func() {
		s.cancel()
		select {
		case code := <-s.done:
			if code != 0 {
				s.t.Errorf("serve exited %d:\n%s", code, s.logs)
			}
		case <-time.After(stopWait):
			s.t.Errorf("serve did not stop within %v", stopWait)
		}
	})
}
