package e2e

import (
	"context"
	"database/sql"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/lib/pq"

	"github.com/umontpellier/scolpass/internal/cli"
	"github.com/umontpellier/scolpass/internal/cli/servetest"
	"github.com/umontpellier/scolpass/internal/mail/smtptest"
	"github.com/umontpellier/scolpass/internal/postgres/pgtest"
)

// stack is a real scolpass serve (the cli's own command, in this process)
// on a fresh PostgreSQL database, delivering its outbox to an in-process
// SMTP server, with students imported and SCOL'PASS sheets printed the way
// the scolarité office does it.
type stack struct {
	t         testing.TB
	URL       string // http://127.0.0.1:PORT
	DBURL     string
	SMTP      *smtptest.Server
	passwords map[string]string // login → provisional password read from the PDF sheet
	mu        sync.Mutex
	vars      map[string]string
	serve     *servetest.Serve
	logs      *servetest.Logs
}

// students of the stack's import (a Pégase-like export).
const studentsCSV = "numero_etudiant;nom;prenom;formation\n" +
	"22600001;Dupont;Jean;L1INFO\n" +
	"22600002;Lefèvre;Héloïse;L1INFO\n" +
	"22600003;Martin;Léa;L1MATH\n" +
	"22600004;Durand;Paul;L1MATH\n" +
	"22600005;N'Diaye;Aïcha;L1MATH\n" +
	"22600006;Bœuf;Œdipe;L1MATH\n"

func freePort(t testing.TB) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func (s *stack) getenv(k string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.vars[k]
}

// SetNow sets SCOLPASS_NOW for the commands and the running site.
func (s *stack) SetNow(t time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.vars["SCOLPASS_NOW"] = t.Format(time.RFC3339)
}

// run runs one scolpass command line against the stack's database.
func (s *stack) run(args ...string) (string, cli.ExitCode) {
	var out, errb strings.Builder
	env := &cli.Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: s.getenv}
	code := cli.Run(context.Background(), env, args)
	return out.String() + errb.String(), code
}

func newStack(t testing.TB, extraServe ...string) *stack {
	t.Helper()
	return newStackWith(t, nil, extraServe...)
}

// newStackWith is newStack with more environment (the directory's settings).
func newStackWith(t testing.TB, vars map[string]string, extraServe ...string) *stack {
	t.Helper()
	s := &stack{t: t, DBURL: pgtest.NewDatabase(t), SMTP: smtptest.Start(t), passwords: map[string]string{}, logs: &servetest.Logs{}}
	addr := freePort(t)
	s.URL = "http://" + addr
	s.vars = map[string]string{
		"DATABASE_URL":               s.DBURL,
		"SCOLPASS_SMTP_URL":          s.SMTP.URL(),
		"SCOLPASS_BASE_URL":          s.URL,
		"SCOLPASS_OPERATOR":          "test",
		"SCOLPASS_ARGON2_MEMORY_KIB": "1024",
		"SCOLPASS_ARGON2_TIME":       "1",
		"SCOLPASS_ARGON2_THREADS":    "1",
	}
	for k, v := range vars {
		s.vars[k] = v
	}
	dir := t.TempDir()
	csv := filepath.Join(dir, "students.csv")
	if err := os.WriteFile(csv, []byte(studentsCSV), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"migrate"}, {"import-students", csv}, {"issue-scolpass", "--all", "--out", filepath.Join(dir, "sheets.pdf")}} {
		if out, code := s.run(args...); code != 0 {
			t.Fatalf("scolpass %v: exit %d\n%s", args, code, out)
		}
	}
	s.readSheets(filepath.Join(dir, "sheets.pdf"))
	s.start(addr, extraServe...)
	return s
}

var (
	provisionalRE = regexp.MustCompile(`\b[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{2}\b`)
	loginRE       = regexp.MustCompile(`\b([a-z0-9-]+\.[a-z0-9-]+\d*)@etu\.umontpellier\.fr\b`)
	linkRE        = regexp.MustCompile(`https?://\S+/verify/[A-Za-z0-9_-]+`)
)

// readSheets reads each student's identifier and provisional password off
// the printed sheets, as the student does.
func (s *stack) readSheets(pdf string) {
	out, err := exec.Command("pdftotext", "-layout", "-enc", "UTF-8", pdf, "-").Output()
	if err != nil {
		s.t.Fatalf("pdftotext: %v (scripts/ensure-tools.sh installs poppler-utils)", err)
	}
	for _, page := range strings.Split(string(out), "\f") {
		l, p := loginRE.FindStringSubmatch(page), provisionalRE.FindString(page)
		if l != nil && p != "" {
			s.passwords[l[1]] = p
		}
	}
	if len(s.passwords) == 0 {
		s.t.Fatalf("no password read from the sheets:\n%s", out)
	}
}

// start runs scolpass serve on addr until the test ends.
func (s *stack) start(addr string, extra ...string) {
	s.serve = servetest.Start(s.t, s.logs, s.getenv, append([]string{"--listen", addr, "--mail-every", "100ms"}, extra...)...)
}

// stop stops serve now (a test that runs its own).
func (s *stack) stop() { s.serve.Stop() }

// LastLink waits for the last email to addr and returns its link.
func (s *stack) LastLink(addr string, after int) string {
	s.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		var links []string
		for _, m := range s.SMTP.Messages() {
			for _, to := range m.To {
				if strings.EqualFold(to, addr) {
					body, err := m.DecodedBody()
					if err != nil {
						s.t.Fatal(err)
					}
					if l := linkRE.FindString(body); l != "" {
						links = append(links, l)
					}
				}
			}
		}
		if len(links) > after {
			return links[len(links)-1]
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.t.Fatalf("no link #%d received by %s", after+1, addr)
	return ""
}

// client is a browser without a browser: cookies by name (the session
// cookie is Secure, which net/http/cookiejar keeps off plain http), no
// redirect followed by itself.
type client struct {
	t      testing.TB
	base   string
	c      *http.Client
	cookie map[string]string
	lang   string
}

func (s *stack) client() *client {
	return &client{t: s.t, base: s.URL, cookie: map[string]string{},
		c: &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (c *client) do(method, path string, form url.Values, hdr map[string]string) *resp {
	c.t.Helper()
	if strings.HasPrefix(path, "http") {
		u, _ := url.Parse(path)
		path = u.RequestURI()
	}
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	if c.lang != "" {
		req.Header.Set("Accept-Language", c.lang)
	}
	for k, v := range c.cookie {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	res, err := c.c.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	for _, ck := range res.Cookies() {
		if ck.MaxAge < 0 {
			delete(c.cookie, ck.Name)
		} else {
			c.cookie[ck.Name] = ck.Value
		}
	}
	b, _ := io.ReadAll(res.Body)
	return &resp{Response: res, body: string(b)}
}

func (c *client) get(path string) *resp { return c.do(http.MethodGet, path, nil, nil) }

// submit posts a form as a browser on the site would, and follows a 303.
func (c *client) submit(path string, form url.Values) *resp {
	c.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	r := c.do(http.MethodPost, path, form, map[string]string{"Origin": c.base, "Sec-Fetch-Site": "same-origin"})
	if r.StatusCode == http.StatusSeeOther {
		return c.get(r.Header.Get("Location"))
	}
	return r
}

// state is the account's state as PostgreSQL holds it.
func (s *stack) state(login string) string {
	s.t.Helper()
	db, err := sql.Open("postgres", s.DBURL)
	if err != nil {
		s.t.Fatal(err)
	}
	defer db.Close()
	var st string
	if err := db.QueryRow(`SELECT state FROM students WHERE login = $1`, login).Scan(&st); err != nil {
		s.t.Fatal(err)
	}
	return st
}

func (s *stack) query(q string, args ...any) []string {
	s.t.Helper()
	db, err := sql.Open("postgres", s.DBURL)
	if err != nil {
		s.t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(q, args...)
	if err != nil {
		s.t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v sql.NullString
		if err := rows.Scan(&v); err != nil {
			s.t.Fatal(err)
		}
		out = append(out, v.String)
	}
	return out
}

// resp is an answer with its body read.
type resp struct {
	*http.Response
	body string
}

// must checks an answer's status and that its body contains each string.
func must(t testing.TB, r *resp, status int, contains ...string) {
	t.Helper()
	if r.StatusCode != status {
		t.Fatalf("status %d, want %d; body:\n%s", r.StatusCode, status, r.body)
	}
	for _, c := range contains {
		if !strings.Contains(r.body, c) {
			t.Fatalf("page lacks %q; body:\n%s", c, r.body)
		}
	}
}
