package cli

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/umontpellier/scolpass/internal/activation"
)

func keysOf(t *testing.T, b []byte) []string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// mail show and provision show print from one shape, keeping each
// command's JSON keys; an email's body never reaches JSON, and its links'
// tokens never reach the screen.
func TestOneJobShape(t *testing.T) {
	at := time.Date(2026, 9, 1, 8, 0, 0, 0, time.UTC)
	email := activation.Job{ID: 2, Queue: "mail", Login: "bruno.beta", Kind: "recovery_link", To: "bruno@example.org", Subject: "Lien",
		CreatedAt: at, Attempts: 1, NextAttemptAt: at.Add(time.Minute), LastError: "451 try later"}
	sent := email
	sent.DoneAt, sent.LastError = &at, ""
	dirJob := activation.Job{ID: 3, Queue: "directory", Login: "bruno.beta", Kind: "activated", CreatedAt: at, Attempts: 2,
		NextAttemptAt: at, DoneAt: &at, Target: "uid=bruno.beta,ou=people"}
	body := "Bonjour\nhttps://scolpass.example/verify/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n"
	tests := []struct {
		j    activation.Job
		keys string
		text []string
	}{
		{email, "attempts created_at id kind last_error login next_attempt_at status subject to",
			[]string{"To:       bruno@example.org", "Status:   queued (1 attempt(s))", "Error:    451 try later", "verify/[hidden]"}},
		{sent, "attempts created_at id kind login next_attempt_at sent_at status subject to",
			[]string{"Status:   sent (1 attempt(s))"}},
		{dirJob, "attempts created_at dn done_at id login next_attempt_at reason status",
			[]string{"Reason:   activated", "Status:   done (2 attempt(s))", "Done:     01/09/2026 10:00:00", "Entry:    uid=bruno.beta,ou=people"}},
	}
	for _, tt := range tests {
		var js, text bytes.Buffer
		if err := writeJob(&Env{Stdout: &js, Output: "json"}, tt.j, body, tt.j.Queue == "mail"); err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(keysOf(t, js.Bytes()), " "); got != tt.keys {
			t.Errorf("job %d: JSON keys %q, want %q", tt.j.ID, got, tt.keys)
		}
		if strings.Contains(js.String(), "verify") {
			t.Errorf("job %d: the body is in JSON: %s", tt.j.ID, js.String())
		}
		if err := writeJob(&Env{Stdout: &text}, tt.j, body, tt.j.Queue == "mail" && tt.j.DoneAt == nil); err != nil {
			t.Fatal(err)
		}
		for _, want := range tt.text {
			if !strings.Contains(text.String(), want) {
				t.Errorf("job %d: %q not in\n%s", tt.j.ID, want, text.String())
			}
		}
		if strings.Contains(text.String(), "AAAAAAAAAAAAAAAAAAAA") {
			t.Errorf("job %d: a token is shown:\n%s", tt.j.ID, text.String())
		}
	}
	// The status words of each queue, and what --status accepts.
	for _, c := range []struct {
		queue, word string
		ok          bool
	}{{"mail", "queued", true}, {"mail", "sent", true}, {"mail", "pending", false}, {"directory", "pending", true}, {"directory", "sent", false}} {
		if _, ok := jobStatusOf(c.queue, c.word); ok != c.ok {
			t.Errorf("%s --status %s: ok %v", c.queue, c.word, ok)
		}
	}
}
