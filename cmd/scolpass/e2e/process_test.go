package e2e

import (
	"bufio"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestServeProcessDrainsOnSIGTERM: a request in flight when SIGTERM comes
// is answered, then serve exits 0.
func TestServeProcessDrainsOnSIGTERM(t *testing.T) {
	s := newStack(t)
	s.stop() // the in-process serve is not needed
	addr := freePort(t)
	cmd := exec.Command(os.Args[0], "serve", "--listen", addr, "--no-mail")
	cmd.Env = append(os.Environ(), "SCOLPASS_TEST_AS_CLI=1", "DATABASE_URL="+s.DBURL)
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		if strings.Contains(sc.Text(), "listening on") {
			break
		}
	}
	go func() {
		for sc.Scan() {
		}
	}()
	// A slow client: the request's body arrives after SIGTERM.
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/activation/login", pr)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			done <- -1
			return
		}
		res.Body.Close()
		done <- res.StatusCode
	}()
	pw.Write([]byte("identifier=jean.dupont&"))
	time.Sleep(300 * time.Millisecond)
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	pw.Write([]byte("password=AAAA-BBBB-CCCC-DD"))
	pw.Close()
	if code := <-done; code != http.StatusUnauthorized {
		t.Fatalf("the request in flight got %d", code)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("serve after SIGTERM: %v", err)
	}
}

// startProcess runs scolpass serve as a process of its own on addr (this
// test binary as the CLI), stopped with SIGTERM when the test ends.
func (s *stack) startProcess(addr string, extra ...string) {
	s.t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"serve", "--listen", addr, "--mail-every", "100ms"}, extra...)...)
	cmd.Env = append(os.Environ(), "SCOLPASS_TEST_AS_CLI=1")
	s.mu.Lock()
	for k, v := range s.vars {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	s.mu.Unlock()
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		if strings.Contains(sc.Text(), "listening on") {
			break
		}
	}
	go func() {
		for sc.Scan() {
			s.logs.Write([]byte(sc.Text() + "\n"))
		}
	}()
	s.t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		if err := cmd.Wait(); err != nil {
			s.t.Errorf("serve process after SIGTERM: %v", err)
		}
	})
}
