// Package ldaptest starts a throwaway OpenLDAP slapd for a test: its own
// slapd.conf (mdb backend; core, cosine, nis, inetorgperson and a small
// test schema for the SUPANN and mail attributes; the argon2 password
// module loaded) on a free port and a private ldapi socket, as the
// unprivileged openldap user when the test runs as root. It is stopped
// when the test ends. Without slapd the test is skipped, unless CI is set:
// then it fails (make test installs slapd through scripts/ensure-tools.sh).
package ldaptest

import (
	_ "embed"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"
)

// Names of the test directory.
const (
	Suffix      = "dc=example,dc=org"
	People      = "ou=people," + Suffix
	RootDN      = "cn=admin," + Suffix
	RootPW      = "root-secret"
	WriterDN    = "cn=scolpass,ou=system," + Suffix // may write people's entries
	WriterPW    = "writer-secret"
	ReaderDN    = "cn=reader,ou=system," + Suffix // may only read
	ReaderPW    = "reader-secret"
	TestClasses = "inetOrgPerson shadowAccount scolpassTestAccount"
	// PeerCred matches the identity of a local process bound with SASL
	// EXTERNAL over ldapi://: it may write ou=people like WriterDN.
	PeerCred = `^gidNumber=[0-9]+\\+uidNumber=[0-9]+,cn=peercred,cn=external,cn=auth$`
)

// Schema defines the attributes scolpass writes that Debian's schemas do
// not hold (SUPANN's supannMailPerso, the mail routing attributes, the
// charter) under OpenLDAP's experimental OID arc, and an auxiliary class
// that allows them. scripts/bench-provision.sh uses the same file.
//
//go:embed scolpass-test.schema
var Schema string

const confTemplate = `include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/nis.schema
include /etc/ldap/schema/inetorgperson.schema
include {{dir}}/scolpass-test.schema
modulepath /usr/lib/ldap
moduleload back_mdb
moduleload argon2
pidfile {{dir}}/slapd.pid
argsfile {{dir}}/slapd.args

database mdb
maxsize 67108864
suffix "` + Suffix + `"
rootdn "` + RootDN + `"
rootpw ` + RootPW + `
directory {{dir}}/data
# throwaway: no sync to disk; the indexes a real directory has
dbnosync
index objectClass,uid eq
access to attrs=userPassword
	by dn.exact="` + WriterDN + `" write
	by dn.regex="` + PeerCred + `" write
	by anonymous auth
	by * none
access to dn.subtree="` + People + `"
	by dn.exact="` + WriterDN + `" write
	by dn.regex="` + PeerCred + `" write
	by * read
access to * by * read
`

// Server is a running (or stopped) slapd of one test.
type Server struct {
	t      testing.TB
	dir    string
	port   int
	cmd    *exec.Cmd
	exited chan error
	owner  *user.User
	// URL is ldap://127.0.0.1:PORT; LDAPI the ldapi:// URL of its socket.
	URL, LDAPI string
	// With TLS (StartTLS): LDAPS is ldaps://127.0.0.1:PORT2, and CAFile
	// the PEM file of the CA that signed the server's certificate.
	LDAPS, CAFile string
	tlsPort       int
}

// Find returns the slapd binary, or skips the test (fails it under CI).
func Find(t testing.TB) string {
	t.Helper()
	for _, p := range []string{"slapd", "/usr/sbin/slapd"} {
		if path, err := exec.LookPath(p); err == nil {
			if _, err := os.Stat("/usr/lib/ldap/argon2.so"); err == nil {
				return path
			}
		}
	}
	msg := "slapd with its argon2 module is not installed (scripts/ensure-tools.sh slapd:slapd ldapmodify:ldap-utils)"
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// Start starts a slapd with the base entries: the suffix, ou=people,
// ou=system with a writer account (WriterDN, may write ou=people) and a
// reader account (ReaderDN).
func Start(t testing.TB) *Server {
	t.Helper()
	return start(t, false)
}

// StartTLS starts a slapd like Start that also offers StartTLS on URL and
// listens on LDAPS, with a certificate for localhost signed by a CA of its
// own (CAFile).
func StartTLS(t testing.TB) *Server {
	t.Helper()
	return start(t, true)
}

func start(t testing.TB, withTLS bool) *Server {
	t.Helper()
	Find(t)
	parent := ""
	if os.Geteuid() == 0 {
		parent = "/tmp" // the openldap user must reach it, whatever TMPDIR is
	}
	dir, err := os.MkdirTemp(parent, "slapd-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	ports := freePorts(t, 2)
	s := &Server{t: t, dir: dir, port: ports[0]}
	s.URL = fmt.Sprintf("ldap://127.0.0.1:%d", s.port)
	s.LDAPI = "ldapi://" + url.QueryEscape(filepath.Join(dir, "ldapi"))
	if err := os.MkdirAll(filepath.Join(dir, "data"), 0o700); err != nil {
		t.Fatal(err)
	}
	conf := strings.ReplaceAll(confTemplate, "{{dir}}", dir)
	if withTLS {
		s.tlsPort = ports[1]
		s.LDAPS = fmt.Sprintf("ldaps://127.0.0.1:%d", s.tlsPort)
		s.CAFile = filepath.Join(dir, "ca.pem")
		if err := writeCertificates(dir); err != nil {
			t.Fatal(err)
		}
		conf = "TLSCertificateFile " + filepath.Join(dir, "server.pem") + "\nTLSCertificateKeyFile " + filepath.Join(dir, "server.key") + "\n" + conf
	}
	if err := os.WriteFile(filepath.Join(dir, "slapd.conf"), []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "scolpass-test.schema"), []byte(Schema), 0o644); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() == 0 {
		// Not as root: as the openldap user Debian's package creates.
		if u, err := user.Lookup("openldap"); err == nil {
			s.owner = u
			uid, _ := strconv.Atoi(u.Uid)
			gid, _ := strconv.Atoi(u.Gid)
			_ = filepath.Walk(dir, func(p string, _ os.FileInfo, err error) error {
				if err == nil {
					err = os.Chown(p, uid, gid)
				}
				return err
			})
		}
	}
	s.Start()
	t.Cleanup(s.Stop)
	c := s.Dial(RootDN, RootPW)
	defer c.Close()
	for _, e := range []struct {
		dn    string
		attrs map[string][]string
	}{
		{Suffix, map[string][]string{"objectClass": {"dcObject", "organization"}, "dc": {"example"}, "o": {"Example"}}},
		{People, map[string][]string{"objectClass": {"organizationalUnit"}, "ou": {"people"}}},
		{"ou=system," + Suffix, map[string][]string{"objectClass": {"organizationalUnit"}, "ou": {"system"}}},
		{WriterDN, map[string][]string{"objectClass": {"organizationalRole", "simpleSecurityObject"}, "cn": {"scolpass"}, "userPassword": {WriterPW}}},
		{ReaderDN, map[string][]string{"objectClass": {"organizationalRole", "simpleSecurityObject"}, "cn": {"reader"}, "userPassword": {ReaderPW}}},
	} {
		add := ldap.NewAddRequest(e.dn, nil)
		for k, v := range e.attrs {
			add.Attribute(k, v)
		}
		if err := c.Add(add); err != nil {
			t.Fatalf("slapd: add %s: %v", e.dn, err)
		}
	}
	return s
}

// freePorts returns n distinct ports free now (all held open until every
// one is chosen).
func freePorts(t testing.TB, n int) []int {
	var ports []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports
}

// Start starts the server again after Stop (same data, same port); it
// waits until slapd answers.
func (s *Server) Start() {
	t := s.t
	t.Helper()
	urls := s.URL + "/ " + s.LDAPI
	if s.LDAPS != "" {
		urls += fmt.Sprintf(" ldaps://127.0.0.1:%d/", s.tlsPort)
	}
	args := []string{"-f", filepath.Join(s.dir, "slapd.conf"), "-h", urls, "-d", "0"}
	if s.owner != nil {
		args = append(args, "-u", s.owner.Username, "-g", "openldap")
	}
	s.cmd = exec.Command(Find(t), args...)
	log, err := os.OpenFile(filepath.Join(s.dir, "slapd.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	s.cmd.Stdout, s.cmd.Stderr = log, log
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("start slapd: %v", err)
	}
	exited := make(chan error, 1)
	s.exited = exited
	go func(cmd *exec.Cmd) { exited <- cmd.Wait() }(s.cmd)
	deadline := time.Now().Add(15 * time.Second)
	for {
		c, err := ldap.DialURL(s.URL, ldap.DialWithDialer(&net.Dialer{Timeout: time.Second}))
		if err == nil {
			c.Close()
			return
		}
		select {
		case err := <-exited:
			b, _ := os.ReadFile(filepath.Join(s.dir, "slapd.log"))
			t.Fatalf("slapd exited (%v):\n%s", err, b)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("slapd did not answer on %s within 15 s", s.URL)
		}
	}
}

// Stop stops the server (SIGTERM, then SIGKILL after 10 s); the data stays.
func (s *Server) Stop() {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
	s.cmd = nil
	// slapd removes its socket on exit; make sure the port is free again.
	for i := 0; i < 100; i++ {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", s.port), 100*time.Millisecond)
		if err != nil {
			return
		}
		c.Close()
		time.Sleep(50 * time.Millisecond)
	}
}

// Dial connects and binds as dn (RootDN, WriterDN, a student…), failing
// the test on error.
func (s *Server) Dial(dn, pw string) *ldap.Conn {
	s.t.Helper()
	c, err := ldap.DialURL(s.URL)
	if err != nil {
		s.t.Fatalf("dial %s: %v", s.URL, err)
	}
	if err := c.Bind(dn, pw); err != nil {
		c.Close()
		s.t.Fatalf("bind %s: %v", dn, err)
	}
	return c
}

// Bind reports whether dn binds with pw (the test of a written password).
func (s *Server) Bind(dn, pw string) error {
	c, err := ldap.DialURL(s.URL)
	if err != nil {
		return err
	}
	defer c.Close()
	return c.Bind(dn, pw)
}

// StudentDN is the DN of a student entry made by AddStudent.
func StudentDN(login string) string { return "uid=" + ldap.EscapeDN(login) + "," + People }

// AddStudent creates the entry of a student, as the university's identity
// management would before scolpass writes to it.
func (s *Server) AddStudent(login, first, last string) string {
	s.t.Helper()
	c := s.Dial(RootDN, RootPW)
	defer c.Close()
	dn := StudentDN(login)
	add := ldap.NewAddRequest(dn, nil)
	add.Attribute("objectClass", strings.Fields(TestClasses))
	add.Attribute("uid", []string{login})
	add.Attribute("cn", []string{first + " " + last})
	add.Attribute("sn", []string{last})
	if err := c.Add(add); err != nil {
		s.t.Fatalf("add %s: %v", dn, err)
	}
	return dn
}

// Entry returns the attributes of dn (every user attribute), read as root.
func (s *Server) Entry(dn string) map[string][]string {
	s.t.Helper()
	c := s.Dial(RootDN, RootPW)
	defer c.Close()
	res, err := c.Search(ldap.NewSearchRequest(dn, ldap.ScopeBaseObject, ldap.NeverDerefAliases, 0, 0, false, "(objectClass=*)", []string{"*"}, nil))
	if err != nil {
		if ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchObject) {
			return nil
		}
		s.t.Fatalf("read %s: %v", dn, err)
	}
	out := map[string][]string{}
	for _, a := range res.Entries[0].Attributes {
		out[a.Name] = a.Values
	}
	return out
}

// Count returns how many entries under base match filter.
func (s *Server) Count(base, filter string) int {
	s.t.Helper()
	c := s.Dial(RootDN, RootPW)
	defer c.Close()
	res, err := c.Search(ldap.NewSearchRequest(base, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 0, 0, false, filter, []string{"1.1"}, nil))
	if err != nil {
		s.t.Fatalf("search %s: %v", filter, err)
	}
	return len(res.Entries)
}

// Dir is the server's directory (slapd.conf, slapd.log, data).
func (s *Server) Dir() string { return s.dir }
