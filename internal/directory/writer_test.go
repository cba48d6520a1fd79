package directory_test

import (
	"context"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/umontpellier/scolpass/internal/activation"
	"github.com/umontpellier/scolpass/internal/directory"
	"github.com/umontpellier/scolpass/internal/directory/ldaptest"
)

var ctx = context.Background()

var cheap = activation.Argon2Params{Memory: 1024, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}

func hash(t *testing.T, pw string) string {
	t.Helper()
	h, err := activation.HashPassword(pw, cheap)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func testMapping() directory.Mapping {
	m := directory.DefaultMapping()
	m.ObjectClasses = strings.Fields(ldaptest.TestClasses)
	return m
}

func writer(t *testing.T, s *ldaptest.Server, change func(c *directory.Config)) *directory.Writer {
	t.Helper()
	cfg := directory.Config{URL: s.URL, BindDN: ldaptest.WriterDN, BindPassword: ldaptest.WriterPW, BaseDN: ldaptest.People,
		Map: testMapping(), ConnectTimeout: 2 * time.Second, Timeout: 5 * time.Second}
	if change != nil {
		change(&cfg)
	}
	w, err := directory.NewWriter(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Close)
	return w
}

func entry(t *testing.T, login, pw string) directory.Entry {
	at := time.Date(2026, 9, 14, 10, 0, 0, 0, time.UTC)
	return directory.Entry{Login: login, FirstName: "Jean", LastName: "Dupont", Mail: login + "@etu.umontpellier.fr",
		PasswordHash: hash(t, pw), PasswordSetAt: at, Recovery: "jean@example.org", Redirect: "jd@example.net", KeepCopy: true,
		CharterVersion: "2026-1", CharterAcceptedAt: at.Add(-time.Hour)}
}

func want(t *testing.T, got map[string][]string, attr string, vals ...string) {
	t.Helper()
	g := slices.Clone(got[attr])
	slices.Sort(g)
	vals = slices.Clone(vals)
	slices.Sort(vals)
	if !slices.Equal(g, vals) {
		t.Errorf("%s = %q, want %q", attr, got[attr], vals)
	}
}

// The student binds with the new password (the {ARGON2} value written is
// verified by slapd's argon2 module), not with another; the attributes hold
// what was chosen; a second write replaces, and an empty choice removes.
func TestWriteBindsWithNewPassword(t *testing.T) {
	s := ldaptest.Start(t)
	dn := s.AddStudent("jean.dupont", "Jean", "Dupont")
	w := writer(t, s, nil)
	e := entry(t, "jean.dupont", "Vert-Galet-Orage-73")
	got, err := w.Write(ctx, e)
	if err != nil || got != dn {
		t.Fatalf("write: %q, %v", got, err)
	}
	if err := s.Bind(dn, "Vert-Galet-Orage-73"); err != nil {
		t.Fatalf("bind with the new password: %v", err)
	}
	if err := s.Bind(dn, "Vert-Galet-Orage-74"); !ldap.IsErrorWithCode(err, ldap.LDAPResultInvalidCredentials) {
		t.Fatalf("bind with a wrong password: %v", err)
	}
	a := s.Entry(dn)
	if len(a["userPassword"]) != 1 || !strings.HasPrefix(a["userPassword"][0], "{ARGON2}$argon2id$v=19$m=1024,t=1,p=1$") {
		t.Errorf("userPassword = %q", a["userPassword"])
	}
	want(t, a, "shadowLastChange", "20710") // 2026-09-14
	want(t, a, "supannMailPerso", "jean@example.org")
	want(t, a, "mailForwardingAddress", "jd@example.net")
	want(t, a, "mailDeliveryOption", "mailbox", "forward")
	want(t, a, "scolpassCharterVersion", "2026-1")
	want(t, a, "scolpassCharterAcceptedAt", "20260914090000Z")

	// Idempotent: the same write again changes nothing.
	if _, err := w.Write(ctx, e); err != nil {
		t.Fatal(err)
	}
	if b := s.Entry(dn); !slices.Equal(b["userPassword"], a["userPassword"]) {
		t.Fatal("a second write changed the password")
	}
	// The redirect removed later: the attribute goes, delivery is local.
	e.Redirect, e.KeepCopy = "", false
	if _, err := w.Write(ctx, e); err != nil {
		t.Fatal(err)
	}
	a = s.Entry(dn)
	want(t, a, "mailForwardingAddress")
	want(t, a, "mailDeliveryOption", "mailbox")
	e.Redirect = "jd@example.net"
	if _, err := w.Write(ctx, e); err != nil {
		t.Fatal(err)
	}
	want(t, s.Entry(dn), "mailDeliveryOption", "forward")
	if err := s.Bind(dn, "Vert-Galet-Orage-73"); err != nil {
		t.Fatalf("bind after the redirect changes: %v", err)
	}
}

// Every attribute name comes from the mapping; an attribute mapped to ""
// is not written; the login may sit in another attribute.
func TestWriteFollowsTheMapping(t *testing.T) {
	s := ldaptest.Start(t)
	dn := s.AddStudent("jean.dupont", "Jean", "Dupont")
	m, err := directory.ParseMapping(strings.NewReader(`# our schema
search: cn            # the login is in cn here
recovery_email: mail
redirect:             # not written
delivery_option:
charter_version: description
charter_accepted_at:
object_classes: inetOrgPerson shadowAccount
`), "map.txt")
	if err != nil {
		t.Fatal(err)
	}
	w := writer(t, s, func(c *directory.Config) { c.Map = m })
	e := entry(t, "Jean Dupont", "Vert-Galet-Orage-73")
	if got, err := w.Write(ctx, e); err != nil || got != dn {
		t.Fatalf("write: %q, %v", got, err)
	}
	a := s.Entry(dn)
	want(t, a, "mail", "jean@example.org")
	want(t, a, "description", "2026-1")
	want(t, a, "mailForwardingAddress")
	want(t, a, "supannMailPerso")
	want(t, a, "mailDeliveryOption")
	if err := s.Bind(dn, "Vert-Galet-Orage-73"); err != nil {
		t.Fatal(err)
	}
}

func TestParseMappingErrors(t *testing.T) {
	for _, tc := range []struct{ in, msg string }{
		{"serach: uid", `m:1: unknown key "serach"`},
		{"\nrecovery_email: supann Mail", `m:2: "supann Mail" is not an attribute name`},
		{"redirect: x)(uid=*", "is not an attribute name"},
		{"search:", "search cannot be empty"},
		{"just words", `is not "key: attribute"`},
	} {
		_, err := directory.ParseMapping(strings.NewReader(tc.in), "m")
		if err == nil || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%q: %v, want %q", tc.in, err, tc.msg)
		}
	}
}

// A missing entry is a permanent failure naming the search, unless
// entries are created; a refusal of the directory (rights, schema) is
// permanent and carries the directory's own message.
func TestRefusals(t *testing.T) {
	s := ldaptest.Start(t)
	w := writer(t, s, nil)
	_, err := w.Write(ctx, entry(t, "anne.alpha", "Vert-Galet-Orage-73"))
	if !directory.IsPermanent(err) || !strings.Contains(err.Error(), "no entry has (uid=anne.alpha) under "+ldaptest.People) {
		t.Fatalf("missing entry: %v", err)
	}
	if s.Count(ldaptest.People, "(uid=anne.alpha)") != 0 {
		t.Fatal("an entry was created with creation off")
	}

	c := writer(t, s, func(c *directory.Config) { c.Create = true })
	dn, err := c.Write(ctx, entry(t, "anne.alpha", "Vert-Galet-Orage-73"))
	if err != nil || dn != ldaptest.StudentDN("anne.alpha") {
		t.Fatalf("create: %q, %v", dn, err)
	}
	if err := s.Bind(dn, "Vert-Galet-Orage-73"); err != nil {
		t.Fatalf("bind to the created entry: %v", err)
	}
	a := s.Entry(dn)
	want(t, a, "cn", "Jean Dupont")
	want(t, a, "mail", "anne.alpha@etu.umontpellier.fr")
	want(t, a, "supannMailPerso", "jean@example.org")

	// Schema: a created entry whose classes do not allow the attributes.
	bad := writer(t, s, func(c *directory.Config) { c.Create = true; c.Map.ObjectClasses = []string{"inetOrgPerson"} })
	_, err = bad.Write(ctx, entry(t, "bruno.beta", "Vert-Galet-Orage-73"))
	if !directory.IsPermanent(err) || !strings.Contains(err.Error(), "Object Class Violation") {
		t.Fatalf("schema violation: %v", err)
	}

	// Rights: a bind account that may only read.
	s.AddStudent("chloe.gamma", "Chloé", "Gamma")
	ro := writer(t, s, func(c *directory.Config) { c.BindDN, c.BindPassword = ldaptest.ReaderDN, ldaptest.ReaderPW })
	_, err = ro.Write(ctx, entry(t, "chloe.gamma", "Vert-Galet-Orage-73"))
	if !directory.IsPermanent(err) || !strings.Contains(err.Error(), "Insufficient Access Rights") {
		t.Fatalf("rights refusal: %v", err)
	}

	// A wrong bind password is not the job's fault: retried, not failed.
	wrong := writer(t, s, func(c *directory.Config) { c.BindPassword = "nope" })
	_, err = wrong.Write(ctx, entry(t, "chloe.gamma", "Vert-Galet-Orage-73"))
	if err == nil || directory.IsPermanent(err) || !strings.Contains(err.Error(), "Invalid Credentials") {
		t.Fatalf("wrong bind password: %v", err)
	}
}

// Logins and DNs are escaped: a filter or DN made of a hostile login never
// reaches another entry, and a created entry stays under the base DN.
func TestInjectionIsEscaped(t *testing.T) {
	s := ldaptest.Start(t)
	victim := s.AddStudent("jean.dupont", "Jean", "Dupont")
	before := s.Entry(victim)
	w := writer(t, s, nil)
	for _, login := range []string{"*", "jean*", "jean.dupont)(uid=*", "*)(|(uid=*", "jean.dupont\x00", `jean.dupont\2a`, "(uid=jean.dupont)"} {
		_, err := w.Write(ctx, entry(t, login, "Evil-Password-666!"))
		if !directory.IsPermanent(err) || !strings.Contains(err.Error(), "no entry has") {
			t.Errorf("login %q: %v, want no entry", login, err)
		}
	}
	if after := s.Entry(victim); !slices.Equal(after["userPassword"], before["userPassword"]) || len(after["userPassword"]) != 0 {
		t.Fatalf("the victim's entry was written: %q", after["userPassword"])
	}
	if err := s.Bind(victim, "Evil-Password-666!"); err == nil {
		t.Fatal("the hostile password opens the victim's entry")
	}
	c := writer(t, s, func(c *directory.Config) { c.Create = true })
	for _, login := range []string{"evil,ou=system", "evil+cn=admin", `evil\`, " evil#", "a=b,dc=example,dc=org"} {
		dn, err := c.Write(ctx, entry(t, login, "Evil-Password-666!"))
		if err != nil {
			t.Fatalf("create %q: %v", login, err)
		}
		parsed, err := ldap.ParseDN(dn)
		if err != nil || len(parsed.RDNs) != 4 || len(parsed.RDNs[0].Attributes) != 1 || parsed.RDNs[0].Attributes[0].Value != login {
			t.Fatalf("created %q for %q: not one RDN under %s", dn, login, ldaptest.People)
		}
		if s.Count(ldaptest.People, "(uid="+ldap.EscapeFilter(login)+")") != 1 {
			t.Fatalf("%q: not found back under %s", login, ldaptest.People)
		}
	}
	if n := s.Count("ou=system,"+ldaptest.Suffix, "(uid=*)"); n != 0 {
		t.Fatalf("%d entries created outside the people branch", n)
	}
}

// A directory that accepts connections and never answers is cut by the
// timeout, as an error worth retrying; so is one that is down.
func TestTimeoutAndDown(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			defer c.Close() // held open, never answered
		}
	}()
	w, err := directory.NewWriter(directory.Config{URL: "ldap://" + l.Addr().String(), BindDN: "cn=x", BindPassword: "y",
		BaseDN: ldaptest.People, ConnectTimeout: time.Second, Timeout: 700 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	start := time.Now()
	_, err = w.Write(ctx, entry(t, "jean.dupont", "Vert-Galet-Orage-73"))
	took := time.Since(start)
	if err == nil || directory.IsPermanent(err) || took > 3*time.Second {
		t.Fatalf("hanging directory: %v after %v", err, took)
	}
	t.Logf("hanging directory cut after %v: %v", took.Round(time.Millisecond), err)

	addr := l.Addr().String()
	l.Close()
	w2, _ := directory.NewWriter(directory.Config{URL: "ldap://" + addr, BaseDN: ldaptest.People, ConnectTimeout: time.Second})
	if _, err := w2.Write(ctx, entry(t, "jean.dupont", "Vert-Galet-Orage-73")); err == nil || directory.IsPermanent(err) {
		t.Fatalf("directory down: %v", err)
	}
}

// ldapi:// reaches the server's socket; StartTLS required against a server
// without TLS refuses to go on in clear.
func TestSchemes(t *testing.T) {
	s := ldaptest.Start(t)
	dn := s.AddStudent("jean.dupont", "Jean", "Dupont")
	w := writer(t, s, func(c *directory.Config) { c.URL = s.LDAPI })
	if got, err := w.Write(ctx, entry(t, "jean.dupont", "Vert-Galet-Orage-73")); err != nil || got != dn {
		t.Fatalf("ldapi: %q, %v", got, err)
	}
	// ldapi:// without a bind DN: SASL EXTERNAL, as the local user.
	ext := writer(t, s, func(c *directory.Config) { c.URL, c.BindDN, c.BindPassword = s.LDAPI, "", "" })
	if got, err := ext.Write(ctx, entry(t, "jean.dupont", "Vert-Galet-Orage-74")); err != nil || got != dn {
		t.Fatalf("ldapi with SASL EXTERNAL: %q, %v", got, err)
	}
	if err := s.Bind(dn, "Vert-Galet-Orage-74"); err != nil {
		t.Fatal(err)
	}
	req := writer(t, s, func(c *directory.Config) { c.RequireStartTLS = true })
	if _, err := req.Write(ctx, entry(t, "jean.dupont", "Vert-Galet-Orage-73")); err == nil || !strings.Contains(err.Error(), "StartTLS") {
		t.Fatalf("StartTLS required without TLS: %v", err)
	}
	for _, u := range []string{"http://x", "ldap//x", "x"} {
		if _, err := directory.NewWriter(directory.Config{URL: u, BaseDN: ldaptest.People}); err == nil {
			t.Errorf("%q accepted", u)
		}
	}
	if _, err := directory.NewWriter(directory.Config{URL: s.URL, BaseDN: "not a dn"}); err == nil {
		t.Error("a base DN that is not a DN accepted")
	}
}

// ldaps:// and StartTLS against a slapd with a certificate: the write goes
// over TLS (required, it succeeds); a certificate the writer cannot verify
// stops it, as an error worth retrying once the configuration is fixed.
func TestTLS(t *testing.T) {
	s := ldaptest.StartTLS(t)
	dn := s.AddStudent("jean.dupont", "Jean", "Dupont")
	for _, tc := range []struct {
		name string
		cfg  func(c *directory.Config)
	}{
		{"ldaps", func(c *directory.Config) { c.URL, c.CAFile = s.LDAPS, s.CAFile }},
		{"StartTLS required", func(c *directory.Config) { c.CAFile, c.RequireStartTLS = s.CAFile, true }},
	} {
		w := writer(t, s, tc.cfg)
		if got, err := w.Write(ctx, entry(t, "jean.dupont", "Vert-Galet-Orage-73")); err != nil || got != dn {
			t.Fatalf("%s: %q, %v", tc.name, got, err)
		}
	}
	if err := s.Bind(dn, "Vert-Galet-Orage-73"); err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{s.LDAPS, s.URL} {
		w := writer(t, s, func(c *directory.Config) { c.URL = u })
		_, err := w.Write(ctx, entry(t, "jean.dupont", "Vert-Galet-Orage-73"))
		if err == nil || directory.IsPermanent(err) || !strings.Contains(err.Error(), "certificate") {
			t.Fatalf("%s with an unknown CA: %v", u, err)
		}
	}
}
