package e2e

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestServeLogsCarryRequestIDsAndNoSecret walks an activation through the
// real serve with --log-format json and text: every request's line carries
// the id of its X-Request-Id header, and no password, token or session
// secret appears in either format.
func TestServeLogsCarryRequestIDsAndNoSecret(t *testing.T) {
	for _, format := range []string{"json", "text"} {
		t.Run(format, func(t *testing.T) {
			// The proxy is named by the flag (json) or by the setting the
			// systemd unit uses (text).
			var s *stack
			if format == "json" {
				s = newStack(t, "--log-format", format, "--trusted-proxy", "127.0.0.1")
			} else {
				s = newStackWith(t, map[string]string{"SCOLPASS_TRUSTED_PROXY": "10.9.9.9,127.0.0.1/32", "SCOLPASS_LOG_FORMAT": "text"})
			}
			pw := s.passwords["jean.dupont"]
			c := s.client()
			var ids []string
			keep := func(r *resp) *resp {
				t.Helper()
				id := r.Header.Get("X-Request-Id")
				if len(id) != 32 {
					t.Fatalf("X-Request-Id %q is not a fresh 128-bit id", id)
				}
				ids = append(ids, id)
				return r
			}
			must(t, keep(c.submit("/activation/login", url.Values{"identifier": {"jean.dupont"}, "password": {"ZZZZ-ZZZZ-ZZZZ-ZZ"}})), 401)
			must(t, keep(c.submit("/activation/login", url.Values{"identifier": {"jean.dupont"}, "password": {pw}})), 200, "Étape 3 sur 8")
			session := c.cookie["__Host-scolpass"]
			must(t, keep(c.submit("/activation/recovery", url.Values{"email": {"jean@example.org"}})), 200, "Étape 4 sur 8")
			link := s.LastLink("jean@example.org", 0)
			token := link[strings.LastIndex(link, "/")+1:]
			must(t, keep(c.get(link)), 200)
			must(t, keep(c.submit(link, nil)), 200)
			must(t, keep(c.submit("/activation/charter", url.Values{"accept": {"yes"}})), 200, "Étape 6-1 sur 8")
			must(t, keep(c.submit("/activation/mailbox", url.Values{"redirect": {"no"}})), 200, "Étape 7 sur 8")
			const newPW = "Vert-Galet-Orage-73"
			must(t, keep(c.submit("/activation/password", url.Values{"new_password": {newPW}, "confirm_password": {newPW}})), 200, "Étape 8 sur 8")

			// A trusted proxy's id is kept; a forged one (a line break) is not.
			r := c.do(http.MethodGet, "/healthz", nil, map[string]string{"X-Request-Id": "nginx-4f2a9c"})
			if got := r.Header.Get("X-Request-Id"); got != "nginx-4f2a9c" {
				t.Errorf("the proxy's request id became %q", got)
			}
			r = c.do(http.MethodGet, "/healthz", nil, map[string]string{"X-Request-Id": "x\" injected=1"})
			if got := r.Header.Get("X-Request-Id"); len(got) != 32 {
				t.Errorf("a forged request id was kept: %q", got)
			}

			var logs string
			deadline := time.Now().Add(10 * time.Second)
			for time.Now().Before(deadline) {
				if logs = s.logs.String(); strings.Contains(logs, ids[len(ids)-1]) {
					break
				}
				time.Sleep(20 * time.Millisecond)
			}
			for _, secret := range []string{pw, strings.ReplaceAll(pw, "-", ""), token, session, newPW, "ZZZZ-ZZZZ"} {
				if secret != "" && strings.Contains(logs, secret) {
					t.Errorf("the %s log holds a secret %q:\n%s", format, secret, logs)
				}
			}
			if !strings.Contains(logs, "/verify/[") {
				t.Errorf("the link's path is not logged redacted:\n%s", logs)
			}
			byID := map[string]string{}
			for _, line := range strings.Split(strings.TrimSpace(logs), "\n") {
				if !strings.Contains(line, "request") || strings.HasPrefix(line, "scolpass serve:") {
					continue
				}
				if format == "json" {
					var rec map[string]any
					if err := json.Unmarshal([]byte(line), &rec); err != nil {
						t.Fatalf("not a JSON line: %q: %v", line, err)
					}
					if rec["msg"] == "request" {
						id, _ := rec["request_id"].(string)
						if id == "" {
							t.Errorf("request line without request_id: %s", line)
						}
						byID[id] = line
					}
					continue
				}
				if i := strings.Index(line, "request_id="); i >= 0 && strings.Contains(line, "msg=request") {
					byID[strings.Fields(line[i+len("request_id="):])[0]] = line
				}
			}
			for _, id := range ids {
				if byID[id] == "" {
					t.Errorf("no %s log line for X-Request-Id %s:\n%s", format, id, logs)
				}
			}
		})
	}
}
