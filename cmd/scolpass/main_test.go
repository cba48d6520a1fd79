package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	_ "github.com/lib/pq"
	"github.com/rogpeppe/go-internal/testscript"

	"github.com/umontpellier/scolpass/internal/cli"
	"github.com/umontpellier/scolpass/internal/directory/ldaptest"
	"github.com/umontpellier/scolpass/internal/mail/smtptest"
	"github.com/umontpellier/scolpass/internal/postgres/pgtest"
)

// TestMain lets testscript run this test binary as the scolpass command:
// each script runs `scolpass …` as a real process with its own arguments,
// environment, stdin, stdout, stderr and exit code.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"scolpass": func() { os.Exit(int(cli.Main())) },
	})
}

// TestScripts runs testdata/script/*.txtar, each against a fresh database
// and a fresh in-process SMTP server.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		// UPDATE_SCRIPTS=1 go test ./cmd/scolpass rewrites the expected
		// files of `cmp stdout FILE` from what the commands print.
		UpdateScripts:       os.Getenv("UPDATE_SCRIPTS") != "",
		RequireExplicitExec: false,
		Setup: func(e *testscript.Env) error {
			tb, ok := e.T().(testing.TB)
			if !ok {
				return fmt.Errorf("testscript did not give a testing.TB")
			}
			url := pgtest.NewDatabase(tb)
			srv := smtptest.Start(tb)
			e.Setenv("DATABASE_URL", url)
			e.Setenv("SCOLPASS_SMTP_URL", srv.URL())
			// Cheap argon2id in tests; the defaults are measured by benchmarks.
			e.Setenv("SCOLPASS_ARGON2_MEMORY_KIB", "1024")
			e.Setenv("SCOLPASS_ARGON2_TIME", "1")
			e.Setenv("SCOLPASS_ARGON2_THREADS", "1")
			e.Setenv("TZ", "America/New_York")
			e.Values["smtp"] = srv
			e.Values["t"] = tb
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"sql":         cmdSQL,
			"pdftext":     cmdPDFText,
			"pdfpassword": cmdPDFPassword,
			"answers":     cmdAnswers,
			"mailbox":     cmdMailbox,
			"lastlink":    cmdLastLink,
			"smtpfail":    cmdSMTPFail,
			"jsonfield":   cmdJSONField,
			"exit":        cmdExit,
			"pdfpages":    cmdPDFPages,
			"linktoken":   cmdLinkToken,
			"maxwidth":    cmdMaxWidth,
			"nosecret":    cmdNoSecret,
			"slapd":       cmdSlapd,
			"waitsql":     cmdWaitSQL,
		},
	})
}

func dbOf(ts *testscript.TestScript) *sql.DB {
	db, err := sql.Open("postgres", ts.Getenv("DATABASE_URL"))
	ts.Check(err)
	return db
}

// sql QUERY: prints the rows, tab-separated, to stdout.
func cmdSQL(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: sql QUERY")
	}
	db := dbOf(ts)
	defer db.Close()
	rows, err := db.QueryContext(context.Background(), args[0])
	if neg {
		if err == nil {
			rows.Close()
			ts.Fatalf("query succeeded unexpectedly")
		}
		return
	}
	ts.Check(err)
	defer rows.Close()
	cols, err := rows.Columns()
	ts.Check(err)
	var out strings.Builder
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		ts.Check(rows.Scan(ptrs...))
		for i, v := range vals {
			if i > 0 {
				out.WriteByte('\t')
			}
			if v.Valid {
				out.WriteString(v.String)
			} else {
				out.WriteString("NULL")
			}
		}
		out.WriteByte('\n')
	}
	ts.Check(rows.Err())
	ts.Stdout().Write([]byte(out.String()))
}

// secretTables are the rows nosecret searches: every table, and of the
// outbox everything but the body of an email still waiting (it carries its
// link until delivered, the one exception of the contract).
var secretTables = []string{
	`SELECT t::text FROM students t`,
	`SELECT t::text FROM accounts t`,
	`SELECT t::text FROM provisional_credentials t`,
	`SELECT t::text FROM tokens t`,
	`SELECT t::text FROM audit_events t`,
	`SELECT (t.id, t.student_id, t.kind, t.to_addr, t.subject, t.last_error)::text FROM outbox t`,
	`SELECT t.body FROM outbox t WHERE t.sent_at IS NOT NULL AND t.body IS NOT NULL`,
}

// nosecret VALUE...: fails if any value (a password, a token), as given or
// without its dashes, is stored anywhere in the database.
func cmdNoSecret(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: nosecret VALUE...")
	}
	for _, v := range args {
		if len(v) < 8 {
			ts.Fatalf("nosecret: %q is too short to be a secret (unset variable?)", v)
		}
	}
	db := dbOf(ts)
	defer db.Close()
	for _, q := range secretTables {
		rows, err := db.QueryContext(context.Background(), q)
		ts.Check(err)
		for rows.Next() {
			var row sql.NullString
			ts.Check(rows.Scan(&row))
			for _, v := range args {
				if strings.Contains(row.String, v) || strings.Contains(row.String, strings.ReplaceAll(v, "-", "")) {
					rows.Close()
					ts.Fatalf("secret %q found by %s: %s", v, q, row.String)
				}
			}
		}
		ts.Check(rows.Err())
		rows.Close()
	}
}

func pdfText(ts *testscript.TestScript, file string) string {
	out, err := exec.Command("pdftotext", "-layout", "-enc", "UTF-8", ts.MkAbs(file), "-").Output()
	if err != nil {
		ts.Fatalf("pdftotext %s: %v (install poppler-utils: scripts/ensure-tools.sh)", file, err)
	}
	return string(out)
}

// pdftext FILE: prints the text of a PDF to stdout.
func cmdPDFText(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: pdftext FILE")
	}
	ts.Stdout().Write([]byte(pdfText(ts, args[0])))
}

var provisionalRE = regexp.MustCompile(`\b[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{2}\b`)

// pdfpassword FILE VAR [N]: sets $VAR to the provisional password printed
// on page N (default 1) of FILE.
func cmdPDFPassword(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 2 {
		ts.Fatalf("usage: pdfpassword FILE VAR [PAGE]")
	}
	page := 1
	if len(args) == 3 {
		page, _ = strconv.Atoi(args[2])
	}
	pages := strings.Split(pdfText(ts, args[0]), "\f")
	if page > len(pages) {
		ts.Fatalf("%s has %d pages", args[0], len(pages))
	}
	m := provisionalRE.FindString(pages[page-1])
	if m == "" {
		ts.Fatalf("no provisional password on page %d of %s", page, args[0])
	}
	ts.Setenv(args[1], m)
}

// pdfpages FILE: prints how many pages FILE has and how many of them carry
// a provisional password: "pages 3\npasswords 3\n".
func cmdPDFPages(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: pdfpages FILE")
	}
	pages := strings.Split(pdfText(ts, args[0]), "\f")
	if n := len(pages); n > 0 && strings.TrimSpace(pages[n-1]) == "" {
		pages = pages[:n-1] // pdftotext ends every page with a form feed
	}
	withPassword := 0
	for _, p := range pages {
		if provisionalRE.MatchString(p) {
			withPassword++
		}
	}
	fmt.Fprintf(ts.Stdout(), "pages %d\npasswords %d\n", len(pages), withPassword)
}

// answers FILE key=value...: writes a JSON answers object; true/false are
// booleans, everything else a string.
func cmdAnswers(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 1 {
		ts.Fatalf("usage: answers FILE key=value...")
	}
	obj := map[string]any{}
	for _, kv := range args[1:] {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			ts.Fatalf("%q is not key=value", kv)
		}
		switch v {
		case "true":
			obj[k] = true
		case "false":
			obj[k] = false
		default:
			obj[k] = v
		}
	}
	b, err := json.Marshal(obj)
	ts.Check(err)
	ts.Check(os.WriteFile(ts.MkAbs(args[0]), b, 0o600))
}

func server(ts *testscript.TestScript) *smtptest.Server {
	return ts.Value("smtp").(*smtptest.Server)
}

// mailbox: prints every received email (to, subject, decoded body).
func cmdMailbox(ts *testscript.TestScript, neg bool, args []string) {
	var b bytes.Buffer
	for _, m := range server(ts).Messages() {
		body, err := m.DecodedBody()
		ts.Check(err)
		fmt.Fprintf(&b, "To: %s\nSubject: %s\nMessage-Id: %s\n\n%s\n----\n", strings.Join(m.To, ","), m.Subject(), m.MessageID(), body)
	}
	ts.Stdout().Write(b.Bytes())
}

var linkRE = regexp.MustCompile(`https?://\S+/(?:verify|reset)/[A-Za-z0-9_-]+`)

// lastlink ADDR FILE: writes the newest link received by ADDR to FILE.
func cmdLastLink(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: lastlink ADDR FILE")
	}
	var link string
	for _, m := range server(ts).Messages() {
		for _, to := range m.To {
			if strings.EqualFold(to, args[0]) {
				body, err := m.DecodedBody()
				ts.Check(err)
				if l := linkRE.FindString(body); l != "" {
					link = l
				}
			}
		}
	}
	if link == "" {
		ts.Fatalf("no link received by %s", args[0])
	}
	ts.Check(os.WriteFile(ts.MkAbs(args[1]), []byte(link+"\n"), 0o600))
}

// linktoken FILE VAR: sets $VAR to the token carried by the link in FILE
// (as written by lastlink), to check that it never shows anywhere.
func cmdLinkToken(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: linktoken FILE VAR")
	}
	link := strings.TrimSpace(ts.ReadFile(args[0]))
	i := strings.LastIndex(link, "/")
	if i < 0 || !linkRE.MatchString(link) {
		ts.Fatalf("%s holds no link", args[0])
	}
	ts.Setenv(args[1], link[i+1:])
}

// maxwidth FILE: prints the width, in characters, of the longest line of
// FILE (a table must fit in an 80-column terminal).
func cmdMaxWidth(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: maxwidth FILE")
	}
	max := 0
	for _, line := range strings.Split(ts.ReadFile(args[0]), "\n") {
		if n := utf8.RuneCountInString(line); n > max {
			max = n
		}
	}
	fmt.Fprintf(ts.Stdout(), "%d\n", max)
}

// smtpfail on|off: the SMTP server refuses (451) or accepts messages.
func cmdSMTPFail(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: smtpfail on|off")
	}
	server(ts).SetFailing(args[0] == "on")
}

// jsonfield FILE PATH VAR: sets $VAR to a field of a JSON file (dotted path).
func cmdJSONField(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 3 {
		ts.Fatalf("usage: jsonfield FILE PATH VAR")
	}
	var v any
	ts.Check(json.Unmarshal([]byte(ts.ReadFile(args[0])), &v))
	for _, k := range strings.Split(args[1], ".") {
		switch x := v.(type) {
		case map[string]any:
			v = x[k]
		case []any:
			i, err := strconv.Atoi(k)
			ts.Check(err)
			v = x[i]
		default:
			ts.Fatalf("no %s in %s", args[1], args[0])
		}
	}
	ts.Setenv(args[2], fmt.Sprint(v))
}

// exit N CMD ARGS...: runs CMD like exec and checks its exit status is N
// (the exit codes are a contract with scripts).
func cmdExit(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 2 {
		ts.Fatalf("usage: exit N CMD [ARGS...]")
	}
	want, err := strconv.Atoi(args[0])
	ts.Check(err)
	got := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			ts.Fatalf("%s: %v", args[1], err)
		}
		got = ee.ExitCode()
	}
	if got != want {
		ts.Fatalf("%s exited with status %d, want %d", args[1], got, want)
	}
}

// slapd start|stop|student LOGIN FIRST LAST|bind LOGIN PASSWORD|entry LOGIN|hang VAR:
// a throwaway OpenLDAP for the script (internal/directory/ldaptest).
// "start" starts it (again, after "stop") and points the SCOLPASS_LDAP_*
// variables at it; "student" adds a student's entry; "bind" checks a
// student's password; "entry" prints the entry's attributes, sorted, the
// password shortened to its scheme and algorithm; "hang" sets $VAR to the
// URL of a directory that accepts connections and never answers.
func cmdSlapd(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) == 0 {
		ts.Fatalf("usage: slapd start|stop|student|bind|entry|hang ...")
	}
	slapdsMu.Lock()
	srv := slapds[ts.Getenv("WORK")]
	slapdsMu.Unlock()
	if args[0] != "start" && args[0] != "hang" && srv == nil {
		ts.Fatalf("slapd start first")
	}
	switch args[0] {
	case "start":
		if srv != nil {
			srv.Start()
			return
		}
		tb := ts.Value("t").(testing.TB)
		srv = ldaptest.Start(tb)
		ts.Setenv("SLAPD_URL", srv.URL)
		// The server lives as long as the script: kept in a package map
		// keyed by the script's work directory.
		slapdsMu.Lock()
		slapds[ts.Getenv("WORK")] = srv
		slapdsMu.Unlock()
		ts.Check(os.WriteFile(ts.MkAbs("ldap.pw"), []byte(ldaptest.WriterPW+"\n"), 0o600))
		ts.Check(os.WriteFile(ts.MkAbs("ldap.map"), []byte("# test schema\nobject_classes: "+ldaptest.TestClasses+"\n"), 0o600))
		ts.Setenv("SCOLPASS_LDAP_URL", srv.URL)
		ts.Setenv("SCOLPASS_LDAP_BIND_DN", ldaptest.WriterDN)
		ts.Setenv("SCOLPASS_LDAP_BIND_PASSWORD_FILE", ts.MkAbs("ldap.pw"))
		ts.Setenv("SCOLPASS_LDAP_BASE_DN", ldaptest.People)
		ts.Setenv("SCOLPASS_LDAP_ATTRIBUTES", ts.MkAbs("ldap.map"))
		ts.Setenv("SCOLPASS_LDAP_CONNECT_TIMEOUT", "2s")
		ts.Setenv("SCOLPASS_LDAP_TIMEOUT", "5s")
	case "stop":
		srv.Stop()
	case "student":
		if len(args) != 4 {
			ts.Fatalf("usage: slapd student LOGIN FIRST LAST")
		}
		srv.AddStudent(args[1], args[2], args[3])
	case "bind":
		if len(args) != 3 {
			ts.Fatalf("usage: slapd bind LOGIN PASSWORD")
		}
		err := srv.Bind(ldaptest.StudentDN(args[1]), args[2])
		if neg && err == nil {
			ts.Fatalf("%s binds with that password", args[1])
		}
		if !neg && err != nil {
			ts.Fatalf("%s cannot bind: %v", args[1], err)
		}
	case "entry":
		if len(args) != 2 {
			ts.Fatalf("usage: slapd entry LOGIN")
		}
		e := srv.Entry(ldaptest.StudentDN(args[1]))
		if e == nil {
			ts.Fatalf("no entry for %s", args[1])
		}
		var lines []string
		for k, vs := range e {
			for _, v := range vs {
				if k == "userPassword" {
					v, _, _ = strings.Cut(v, "$v=")
				}
				lines = append(lines, k+": "+v)
			}
		}
		slices.Sort(lines)
		fmt.Fprintln(ts.Stdout(), strings.Join(lines, "\n"))
	case "hang":
		if len(args) != 2 {
			ts.Fatalf("usage: slapd hang VAR")
		}
		l, err := net.Listen("tcp", "127.0.0.1:0")
		ts.Check(err)
		ts.Defer(func() { l.Close() })
		go func() {
			var held []net.Conn
			defer func() {
				for _, c := range held {
					c.Close()
				}
			}()
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				held = append(held, c) // never answered
			}
		}()
		ts.Setenv(args[1], "ldap://"+l.Addr().String())
	default:
		ts.Fatalf("unknown slapd command %q", args[0])
	}
}

// slapds are the scripts' servers, by work directory.
var (
	slapdsMu sync.Mutex
	slapds   = map[string]*ldaptest.Server{}
)

// waitsql QUERY WANT: waits (10 s at most) until QUERY's single value is WANT.
func cmdWaitSQL(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: waitsql QUERY WANT")
	}
	db := dbOf(ts)
	defer db.Close()
	var got string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		ts.Check(db.QueryRowContext(context.Background(), args[0]).Scan(&got))
		if got == args[1] {
			return
		}
	}
	ts.Fatalf("%s: %q after 10 s, want %q", args[0], got, args[1])
}
