package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/umontpellier/scolpass/internal/activation"
	"github.com/umontpellier/scolpass/internal/postgres/pgtest"
)

// auditHistory fills a database with a generated history of n events
// over students students: every channel, operators, web client addresses,
// details holding commas, quotes, line breaks and a link, events of no
// student, and runs of 5,000 events sharing one time (more than a page).
// It returns the database URL.
func auditHistory(t *testing.T, students, n int) string {
	t.Helper()
	url := pgtest.NewDatabase(t)
	db := pgtest.Open(t, url)
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, `INSERT INTO students (student_no, last_name, first_name, login_base, login_seq, login, created_at, updated_at, state_since)
		SELECT 'S' || i, 'Nom', 'Prenom', 'prenom.nom', i, 'prenom.nom' || CASE WHEN i = 1 THEN '' ELSE i::text END, now(), now(), now()
		FROM generate_series(1, $1) AS i`, students); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO audit_events (at, clock, operator, channel, student_id, action, from_state, to_state, outcome, detail, client_addr)
		SELECT timestamptz '2026-01-01 00:00:00+00' + (i / 5000) * interval '1 hour',
			CASE WHEN i % 97 = 0 THEN 'SCOLPASS_NOW=2026-01-01T00:00:00Z' ELSE 'system' END,
			CASE i % 3 WHEN 0 THEN 'web' WHEN 1 THEN 'agent.' || (i % 7) ELSE 'cron' END,
			CASE i % 4 WHEN 0 THEN 'web' WHEN 1 THEN 'helpdesk' WHEN 2 THEN 'script' ELSE 'bulk' END,
			CASE WHEN i % 50 = 0 THEN NULL ELSE 1 + i % $2 END,
			CASE i % 5 WHEN 0 THEN 'authenticate' WHEN 1 THEN 'recovery-email' WHEN 2 THEN 'import' WHEN 3 THEN 'activate' ELSE 'verify-token' END,
			'issued', CASE WHEN i % 2 = 0 THEN 'authenticated' END,
			CASE WHEN i % 11 = 0 THEN 'failed' ELSE 'ok' END,
			CASE i % 6 WHEN 0 THEN 'link sent to "a, b"@example.org' WHEN 1 THEN E'two\nlines' WHEN 2 THEN '=1+2'
				WHEN 3 THEN 'https://scolpass.example/verify/abcdefghijklmnopqrstuvwxyz012345' ELSE '' END,
			CASE WHEN i % 4 = 0 THEN ('10.' || (i % 250) || '.0.' || (i % 200))::inet END
		FROM generate_series(1, $1) AS i`, n, students); err != nil {
		t.Fatal(err)
	}
	return url
}

// runCLI runs one command line against url with SCOLPASS_NOW fixed and
// returns stdout, stderr and the exit code.
func runCLI(t *testing.T, url string, stdout io.Writer, args ...string) (string, ExitCode) {
	t.Helper()
	var errb bytes.Buffer
	env := &Env{Stdin: strings.NewReader(""), Stdout: stdout, Stderr: &errb, Getenv: func(k string) string {
		switch k {
		case "DATABASE_URL":
			return url
		case "SCOLPASS_NOW":
			return "2026-03-01T00:00:00Z"
		}
		return ""
	}}
	code := Run(context.Background(), env, args)
	return errb.String(), code
}

// TestAuditJSONMatchesCSV prints a large generated history as JSON lines
// and as CSV: the same events, in the same order (time, then id, across
// pages of events sharing one time), field for field; no token in either.
func TestAuditJSONMatchesCSV(t *testing.T) {
	const n = 60000
	url := auditHistory(t, 5000, n)
	var js, cs bytes.Buffer
	if msg, code := runCLI(t, url, &js, "audit", "-o", "json"); code != ExitOK {
		t.Fatalf("audit -o json: exit %d: %s", code, msg)
	}
	if msg, code := runCLI(t, url, &cs, "audit", "-o", "csv"); code != ExitOK {
		t.Fatalf("audit -o csv: exit %d: %s", code, msg)
	}
	for _, out := range []string{js.String(), cs.String()} {
		if strings.Contains(out, "abcdefghijklmnopqrstuvwxyz012345") {
			t.Fatal("a link's token is printed")
		}
	}
	cr := csv.NewReader(&cs)
	header, err := cr.Read()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(header, ",") != strings.Join(auditCSVHeader, ",") {
		t.Fatalf("CSV header %v", header)
	}
	sc := bufio.NewScanner(&js)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	var lines int
	var prev activation.AuditRecord
	for sc.Scan() {
		lines++
		var r activation.AuditRecord
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&r); err != nil {
			t.Fatalf("line %d: %v: %s", lines, err, sc.Text())
		}
		row, err := cr.Read()
		if err != nil {
			t.Fatalf("CSV row %d: %v", lines, err)
		}
		want := auditCSVRow(r)
		for i := range want {
			want[i] = csvCell(want[i])
		}
		if strings.Join(row, "\x00") != strings.Join(want, "\x00") {
			t.Fatalf("event %d:\n JSON %q\n CSV  %q", lines, want, row)
		}
		if lines > 1 && (r.Time.Before(prev.Time) || r.Time.Equal(prev.Time) && r.ID <= prev.ID) {
			t.Fatalf("event %d (id %d) comes after id %d: not in (time, id) order", lines, r.ID, prev.ID)
		}
		if r.Channel != "web" && r.Client != "" || r.Channel == "web" && r.Client == "" && r.ID%4 == 0 {
			t.Fatalf("event %d: channel %s, client %q", r.ID, r.Channel, r.Client)
		}
		prev = r
	}
	if lines != n {
		t.Fatalf("%d JSON lines, want %d", lines, n)
	}
	if _, err := cr.Read(); err != io.EOF {
		t.Fatalf("CSV has more rows than JSON lines (%v)", err)
	}
}

// TestAuditFilters: each filter gives the events the SQL says.
func TestAuditFilters(t *testing.T) {
	url := auditHistory(t, 100, 3000)
	db := pgtest.Open(t, url)
	count := func(q string) int {
		var n int
		if err := db.GetContext(context.Background(), &n, `SELECT count(*) FROM audit_events a LEFT JOIN students s ON s.id = a.student_id WHERE `+q); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for _, c := range []struct {
		args  []string
		where string
	}{
		{[]string{"--login", "prenom.nom7"}, "s.login = 'prenom.nom7'"},
		{[]string{"--login", "S7"}, "s.student_no = 'S7'"},
		{[]string{"--operator", "agent.3"}, "a.operator = 'agent.3'"},
		{[]string{"--event", "authenticate"}, "a.action = 'authenticate'"},
		{[]string{"--channel", "cli"}, "a.channel IN ('bulk', 'script')"},
		{[]string{"--channel", "assisted"}, "a.channel = 'helpdesk'"},
		{[]string{"--since", "2026-01-01T00:00:00Z", "--until", "2026-01-01T00:00:01Z"}, "a.at = '2026-01-01 00:00:00+00'"},
		// SCOLPASS_NOW is 2026-03-01: 24h back is after the whole history.
		{[]string{"--since", "24h"}, "false"},
		{[]string{"--since", "12mo", "--event", "import", "--operator", "cron"}, "a.action = 'import' AND a.operator = 'cron'"},
	} {
		var out bytes.Buffer
		msg, code := runCLI(t, url, &out, append([]string{"audit", "-o", "json"}, c.args...)...)
		if code != ExitOK {
			t.Fatalf("audit %v: exit %d: %s", c.args, code, msg)
		}
		got := strings.Count(out.String(), "\n")
		if want := count(c.where); got != want || want == 0 && c.where != "false" {
			t.Errorf("audit %v: %d events, want %d", c.args, got, want)
		}
	}
	for _, c := range []struct {
		args []string
		code ExitCode
		msg  string
	}{
		{[]string{"--since", "yesterday"}, ExitUsage, "--since"},
		{[]string{"--since", "1d", "--until", "2d"}, ExitUsage, "must come after"},
		{[]string{"--channel", "mail"}, ExitUsage, "web, cli or assisted"},
		{[]string{"--login", "nobody.here"}, ExitNotFound, "nobody.here"},
	} {
		msg, code := runCLI(t, url, io.Discard, append([]string{"audit"}, c.args...)...)
		if code != c.code || !strings.Contains(msg, c.msg) {
			t.Errorf("audit %v: exit %d, %q; want exit %d naming %q", c.args, code, msg, c.code, c.msg)
		}
	}
}

// TestAuditLogFollowsCommits: serve --audit-log's hook gets the events of
// a step once committed, as the JSON lines audit prints.
func TestAuditLogLines(t *testing.T) {
	var b bytes.Buffer
	l := &auditLog{w: &b, enc: json.NewEncoder(&b)}
	at := time.Date(2026, 9, 1, 8, 0, 0, 0, time.UTC)
	if err := l.Write([]activation.AuditRecord{{ID: 1, Time: at, Event: "authenticate", Login: "jean.dupont", Channel: "web", Operator: "web", Client: "192.0.2.1", Outcome: "ok"}}); err != nil {
		t.Fatal(err)
	}
	want := `{"id":1,"time":"2026-09-01T08:00:00Z","event":"authenticate","login":"jean.dupont","channel":"web","operator":"web","client":"192.0.2.1","outcome":"ok"}` + "\n"
	if b.String() != want {
		t.Errorf("line:\n%s want\n%s", b.String(), want)
	}
}
