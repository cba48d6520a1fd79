package directory

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/umontpellier/scolpass/internal/activation"
)

// Entry is what the directory receives for one account.
type Entry struct {
	Login             string // the value of the search attribute
	FirstName         string // for a created entry (cn, givenName)
	LastName          string // for a created entry (cn, sn)
	Mail              string // the university mailbox, for a created entry
	PasswordHash      string // argon2id PHC string ($argon2id$v=19$…)
	PasswordSetAt     time.Time
	Recovery          string
	Redirect          string
	KeepCopy          bool
	CharterVersion    string
	CharterAcceptedAt time.Time
}

// EntryOf is the entry of an active account; mail is its university
// mailbox.
func EntryOf(a *activation.Account, mail string) Entry {
	return Entry{Login: a.Login, FirstName: a.FirstName, LastName: a.LastName, Mail: mail,
		PasswordHash: a.PasswordHash, PasswordSetAt: a.PasswordSetAt, Recovery: a.RecoveryEmail,
		Redirect: a.RedirectTo, KeepCopy: a.KeepCopy, CharterVersion: a.CharterVersion, CharterAcceptedAt: a.CharterAcceptedAt}
}

// Error is a failed write. Permanent errors cannot succeed by trying again
// (no such entry, insufficient access, schema or constraint violation);
// the others (directory down, busy, timeout) can.
type Error struct {
	Permanent bool
	Err       error
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// IsPermanent reports whether err is a refusal that no retry can change.
func IsPermanent(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Permanent
}

// permanentCodes are the LDAP results that say the write can never succeed
// as configured: the entry, the rights or the schema must change first.
var permanentCodes = map[uint16]bool{
	ldap.LDAPResultNoSuchObject:              true,
	ldap.LDAPResultInsufficientAccessRights:  true,
	ldap.LDAPResultObjectClassViolation:      true,
	ldap.LDAPResultConstraintViolation:       true,
	ldap.LDAPResultUndefinedAttributeType:    true,
	ldap.LDAPResultInvalidAttributeSyntax:    true,
	ldap.LDAPResultInappropriateMatching:     true,
	ldap.LDAPResultNamingViolation:           true,
	ldap.LDAPResultInvalidDNSyntax:           true,
	ldap.LDAPResultNotAllowedOnNonLeaf:       true,
	ldap.LDAPResultNotAllowedOnRDN:           true,
	ldap.LDAPResultObjectClassModsProhibited: true,
	ldap.LDAPResultAttributeOrValueExists:    true,
}

// Writer writes entries over one connection, opened on first use and again
// after a failure. It is not safe for concurrent use.
type Writer struct {
	cfg  Config
	tls  *tls.Config
	conn *ldap.Conn
}

// NewWriter checks cfg (URL scheme, base DN, CA file) without connecting.
func NewWriter(cfg Config) (*Writer, error) {
	scheme, rest, _ := strings.Cut(cfg.URL, "://")
	switch scheme {
	case "ldap", "ldaps", "ldapi":
	default:
		return nil, fmt.Errorf("LDAP URL %q: the scheme must be ldap://, ldaps:// or ldapi://", cfg.URL)
	}
	host := ""
	if scheme != "ldapi" {
		u, err := url.Parse(cfg.URL)
		if err != nil || u.Hostname() == "" {
			return nil, fmt.Errorf("LDAP URL %q is not ldap[s]://host[:port]", cfg.URL)
		}
		host = u.Hostname()
	} else if strings.Contains(rest, "/") {
		return nil, fmt.Errorf("LDAP URL %q: the socket path of ldapi:// is written with %%2F for each /", cfg.URL)
	}
	if _, err := ldap.ParseDN(cfg.BaseDN); err != nil || cfg.BaseDN == "" {
		return nil, fmt.Errorf("LDAP base DN %q is not a DN (e.g. ou=people,dc=umontpellier,dc=fr)", cfg.BaseDN)
	}
	if cfg.Map.Search == "" {
		cfg.Map = DefaultMapping()
	}
	if cfg.ConnectTimeout <= 0 {
		cfg.ConnectTimeout = DefaultConnectTimeout
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	tc := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: host}
	if cfg.CAFile != "" {
		pem, err := os.ReadFile(cfg.CAFile)
		if err != nil {
			return nil, fmt.Errorf("LDAP CA file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("LDAP CA file %s holds no PEM certificate", cfg.CAFile)
		}
		tc.RootCAs = pool
	}
	return &Writer{cfg: cfg, tls: tc}, nil
}

// Config returns the configuration in use (defaults filled in).
func (w *Writer) Config() Config { return w.cfg }

// Close closes the connection, if any.
func (w *Writer) Close() {
	if w.conn != nil {
		w.conn.Close()
		w.conn = nil
	}
}

// connect dials, secures (StartTLS on ldap:// when the server offers it)
// and binds.
func (w *Writer) connect() (*ldap.Conn, error) {
	if w.conn != nil && !w.conn.IsClosing() {
		return w.conn, nil
	}
	w.Close()
	conn, err := w.dial()
	if err != nil {
		return nil, err
	}
	if strings.HasPrefix(w.cfg.URL, "ldap://") {
		if err := conn.StartTLS(w.tls); err != nil {
			conn.Close()
			var le *ldap.Error
			// A result from the server means it does not offer StartTLS:
			// go on in clear unless TLS is required. Anything else (a TLS
			// handshake that failed, a timeout) ends here.
			if !errors.As(err, &le) || le.ResultCode >= ldap.ErrorNetwork || w.cfg.RequireStartTLS {
				return nil, fmt.Errorf("StartTLS with %s: %w", w.cfg.URL, err)
			}
			// go-ldap leaves a connection unusable after a refused StartTLS.
			if conn, err = w.dial(); err != nil {
				return nil, err
			}
		}
	}
	switch {
	case w.cfg.BindDN != "":
		err = conn.Bind(w.cfg.BindDN, w.cfg.BindPassword)
	case strings.HasPrefix(w.cfg.URL, "ldapi://"):
		err = conn.ExternalBind()
	}
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("bind to %s as %q: %w", w.cfg.URL, w.cfg.BindDN, err)
	}
	w.conn = conn
	return conn, nil
}

func (w *Writer) dial() (*ldap.Conn, error) {
	dialer := &net.Dialer{Timeout: w.cfg.ConnectTimeout}
	conn, err := ldap.DialURL(w.cfg.URL, ldap.DialWithDialer(dialer), ldap.DialWithTLSConfig(w.tls))
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", w.cfg.URL, err)
	}
	conn.SetTimeout(w.cfg.Timeout)
	return conn, nil
}

// Write applies e to its entry: the entry whose search attribute is
// e.Login under the base DN, changed by one Modify that replaces every
// mapped attribute (idempotent: writing twice changes nothing more). A
// missing entry is created when the configuration says so, else it is a
// permanent error. It returns the entry's DN and nil or an *Error.
func (w *Writer) Write(ctx context.Context, e Entry) (string, error) {
	if e.PasswordHash == "" || !strings.HasPrefix(e.PasswordHash, "$argon2id$") {
		return "", &Error{Permanent: true, Err: errors.New("the account has no argon2id password hash to write")}
	}
	if err := ctx.Err(); err != nil {
		return "", &Error{Err: err}
	}
	conn, err := w.connect()
	if err != nil {
		return "", w.fail(err)
	}
	m := w.cfg.Map
	res, err := conn.Search(ldap.NewSearchRequest(w.cfg.BaseDN, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 2,
		int(w.cfg.Timeout/time.Second), false, w.filter(e.Login), []string{"1.1"}, nil))
	if err != nil && !ldap.IsErrorWithCode(err, ldap.LDAPResultSizeLimitExceeded) {
		return "", w.fail(fmt.Errorf("search %s under %s: %w", w.filter(e.Login), w.cfg.BaseDN, err))
	}
	switch {
	case res != nil && len(res.Entries) > 1:
		return "", &Error{Permanent: true, Err: fmt.Errorf("more than one entry has %s under %s", w.filter(e.Login), w.cfg.BaseDN)}
	case res == nil || len(res.Entries) == 0:
		if !w.cfg.Create {
			return "", &Error{Permanent: true, Err: fmt.Errorf("no entry has %s under %s (creating entries is off: --create or SCOLPASS_LDAP_CREATE=1)", w.filter(e.Login), w.cfg.BaseDN)}
		}
		dn := w.NewDN(e.Login)
		add := ldap.NewAddRequest(dn, nil)
		add.Attribute("objectClass", m.ObjectClasses)
		add.Attribute(m.Search, []string{e.Login})
		add.Attribute("cn", []string{strings.TrimSpace(e.FirstName + " " + e.LastName)})
		add.Attribute("sn", []string{e.LastName})
		if e.FirstName != "" {
			add.Attribute("givenName", []string{e.FirstName})
		}
		if e.Mail != "" {
			add.Attribute("mail", []string{e.Mail})
		}
		for _, a := range w.attributes(e) {
			if len(a.Vals) > 0 {
				add.Attribute(a.Type, a.Vals)
			}
		}
		if err := conn.Add(add); err != nil {
			return dn, w.fail(fmt.Errorf("create %s: %w", dn, err))
		}
		return dn, nil
	}
	dn := res.Entries[0].DN
	mod := ldap.NewModifyRequest(dn, nil)
	for _, a := range w.attributes(e) {
		mod.Replace(a.Type, a.Vals)
	}
	if err := conn.Modify(mod); err != nil {
		return dn, w.fail(fmt.Errorf("modify %s: %w", dn, err))
	}
	return dn, nil
}

// filter finds the entry of a login; the login is escaped (RFC 4515).
func (w *Writer) filter(login string) string {
	return "(" + w.cfg.Map.Search + "=" + ldap.EscapeFilter(login) + ")"
}

// NewDN is the DN of a created entry: search attribute = login (escaped,
// RFC 4514) under the base DN.
func (w *Writer) NewDN(login string) string {
	return w.cfg.Map.Search + "=" + ldap.EscapeDN(login) + "," + w.cfg.BaseDN
}

// attributes are the mapped attributes with their values; an empty value
// list removes the attribute (no recovery address, no redirect).
func (w *Writer) attributes(e Entry) []ldap.PartialAttribute {
	m := w.cfg.Map
	var out []ldap.PartialAttribute
	add := func(name string, vals ...string) {
		if name == "" {
			return
		}
		var vs []string
		for _, v := range vals {
			if v != "" {
				vs = append(vs, v)
			}
		}
		out = append(out, ldap.PartialAttribute{Type: name, Vals: vs})
	}
	add(m.Password, "{ARGON2}"+e.PasswordHash)
	if !e.PasswordSetAt.IsZero() {
		add(m.PasswordChanged, strconv.FormatInt(e.PasswordSetAt.Unix()/86400, 10))
	}
	add(m.Recovery, e.Recovery)
	add(m.Redirect, e.Redirect)
	switch {
	case e.Redirect == "":
		add(m.DeliveryOption, "mailbox")
	case e.KeepCopy:
		add(m.DeliveryOption, "mailbox", "forward")
	default:
		add(m.DeliveryOption, "forward")
	}
	add(m.CharterVersion, e.CharterVersion)
	if !e.CharterAcceptedAt.IsZero() {
		add(m.CharterAcceptedAt, e.CharterAcceptedAt.UTC().Format("20060102150405Z"))
	} else {
		add(m.CharterAcceptedAt)
	}
	return out
}

// fail classifies err: a refusal of the directory that no retry can change
// is permanent; anything else (network, timeout, busy) is not, and drops
// the connection so that the next write starts afresh.
func (w *Writer) fail(err error) error {
	var le *ldap.Error
	if errors.As(err, &le) && permanentCodes[le.ResultCode] {
		return &Error{Permanent: true, Err: err}
	}
	w.Close()
	return &Error{Err: err}
}
