package cli

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/umontpellier/scolpass/internal/postgres/pgtest"
)

// startServe runs scolpass serve with args on a fresh database and returns
// the lines it printed up to "listening on", and a function that stops it
// and returns its exit code.
func startServe(t *testing.T, args ...string) (printed string, stop func() ExitCode) {
	t.Helper()
	url := pgtest.NewDatabase(t)
	getenv := func(k string) string { return map[string]string{"DATABASE_URL": url}[k] }
	var out strings.Builder
	if code := Run(context.Background(), &Env{Stdout: &out, Stderr: &out, Getenv: getenv}, []string{"migrate"}); code != 0 {
		t.Fatalf("migrate: %d %s", code, out.String())
	}
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	env := &Env{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: pw, Getenv: getenv}
	done := make(chan ExitCode, 1)
	go func() {
		done <- Run(ctx, env, append([]string{"serve", "--no-mail", "--no-provision", "--listen", "127.0.0.1:0"}, args...))
		pw.Close()
	}()
	var b strings.Builder
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		b.WriteString(sc.Text() + "\n")
		if strings.Contains(sc.Text(), "listening on") {
			break
		}
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	stopped := false
	stop = func() ExitCode {
		if stopped {
			return 0
		}
		stopped = true
		cancel()
		select {
		case code := <-done:
			return code
		case <-time.After(30 * time.Second):
			t.Fatal("serve did not stop")
		}
		return 0
	}
	t.Cleanup(func() { stop() })
	return b.String(), stop
}

var (
	listeningRE = regexp.MustCompile(`listening on (http://\S+)`)
	metricsRE   = regexp.MustCompile(`metrics on (http://\S+)`)
)

func httpGet(t *testing.T, url string) (int, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// Issue 17, defect 2: metrics are served on their own listener (loopback
// by default), never on the students' address.
func TestServeMetricsOnTheirOwnListener(t *testing.T) {
	if def := newServeCmd(&Env{}).Flags().Lookup("metrics-listen").DefValue; def != "127.0.0.1:9464" {
		t.Fatalf("--metrics-listen defaults to %q, want loopback", def)
	}
	printed, stop := startServe(t, "--metrics-listen", "127.0.0.1:0")
	site, metrics := listeningRE.FindStringSubmatch(printed), metricsRE.FindStringSubmatch(printed)
	if site == nil || metrics == nil {
		t.Fatalf("serve printed:\n%s", printed)
	}
	if code, body := httpGet(t, site[1]+"/metrics"); code != http.StatusNotFound || strings.Contains(body, "scolpass_") {
		t.Fatalf("the students' site serves metrics: %d\n%s", code, body)
	}
	if code, _ := httpGet(t, site[1]+"/activation"); code != http.StatusOK {
		t.Fatalf("the site: %d", code)
	}
	if code, body := httpGet(t, metrics[1]); code != http.StatusOK || !strings.Contains(body, `scolpass_http_requests_total{route="GET /activation",status="200"} 1`) {
		t.Fatalf("metrics: %d\n%s", code, body)
	}
	if code, _ := httpGet(t, strings.TrimSuffix(metrics[1], "/metrics")+"/activation"); code != http.StatusNotFound {
		t.Fatalf("the metrics listener serves the site: %d", code)
	}
	if code := stop(); code != 0 {
		t.Fatalf("serve exited %d", code)
	}

	printed, _ = startServe(t, "--metrics-listen", "")
	if metricsRE.MatchString(printed) {
		t.Fatalf("--metrics-listen '' still serves metrics:\n%s", printed)
	}
}

func TestServeRefusesABadIPv6Prefix(t *testing.T) {
	for _, v := range []string{"0", "129", "-1"} {
		var out strings.Builder
		code := Run(context.Background(), &Env{Stdout: &out, Stderr: &out, Getenv: func(string) string { return "" }},
			[]string{"serve", "--ipv6-prefix", v})
		if code != ExitUsage || !strings.Contains(out.String(), "--ipv6-prefix "+v+" must be between 1 and 128") {
			t.Errorf("--ipv6-prefix %s: exit %d\n%s", v, code, out.String())
		}
	}
}
