// Package directory writes active accounts to the university directory
// (LDAP): the argon2id hash scolpass already keeps, as a {ARGON2} value that
// OpenLDAP's argon2 module verifies, the recovery address, the redirect and
// the charter, by one Modify (replace) of the student's entry. Runner
// applies the provisioning jobs that the activation steps queue in their
// own transaction, from a queue it knows by an interface (Queue, of package
// jobs), retrying while the directory is down. It does not know the store.
package directory

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"sync"
	"time"
)

// Config is how to reach the directory and what to write there.
type Config struct {
	URL             string // ldap://host[:port], ldaps://host[:port] or ldapi://%2Fpath%2Fto%2Fsocket
	BindDN          string // "" with ldapi://: SASL EXTERNAL; "" otherwise: anonymous
	BindPassword    string // read from a file, never from argv or the environment
	BaseDN          string // where entries are searched (and created)
	Map             Mapping
	ConnectTimeout  time.Duration // dialing, TLS included
	Timeout         time.Duration // each LDAP operation
	RequireStartTLS bool          // ldap://: refuse to go on in clear when StartTLS fails
	CAFile          string        // PEM file of the CAs to trust for ldaps:// and StartTLS ("": the system's)
	Create          bool          // create a missing entry (else: a failed job)
}

// Default timeouts.
const (
	DefaultConnectTimeout = 5 * time.Second
	DefaultTimeout        = 10 * time.Second
)

// Mapping names the directory attributes scolpass writes. An attribute
// mapped to "" is not written. Search is the attribute holding the login.
type Mapping struct {
	Search            string   // the entry is the one whose Search attribute is the login (uid)
	Password          string   // {ARGON2}<PHC string>
	PasswordChanged   string   // days since 1970-01-01 (shadowLastChange)
	Recovery          string   // recovery email
	Redirect          string   // redirect address (absent: no redirect)
	DeliveryOption    string   // "mailbox" and/or "forward" (see README)
	CharterVersion    string   // the charter version accepted
	CharterAcceptedAt string   // when, as GeneralizedTime (UTC)
	ObjectClasses     []string // of an entry created with Create
}

// DefaultMapping is the SUPANN-flavoured default: an OpenLDAP with the
// nis (shadowLastChange), SUPANN (supannMailPerso) and a mail schema
// holding mailForwardingAddress and mailDeliveryOption. The charter
// attributes have no standard name: map them to yours, or to "".
func DefaultMapping() Mapping {
	return Mapping{
		Search:            "uid",
		Password:          "userPassword",
		PasswordChanged:   "shadowLastChange",
		Recovery:          "supannMailPerso",
		Redirect:          "mailForwardingAddress",
		DeliveryOption:    "mailDeliveryOption",
		CharterVersion:    "scolpassCharterVersion",
		CharterAcceptedAt: "scolpassCharterAcceptedAt",
		ObjectClasses:     []string{"inetOrgPerson", "shadowAccount"},
	}
}

// mapKeys are the keys of a mapping file, in the order of the README.
var mapKeys = []string{"search", "password", "password_changed", "recovery_email", "redirect", "delivery_option",
	"charter_version", "charter_accepted_at", "object_classes"}

func (m *Mapping) field(key string) *string {
	switch key {
	case "search":
		return &m.Search
	case "password":
		return &m.Password
	case "password_changed":
		return &m.PasswordChanged
	case "recovery_email":
		return &m.Recovery
	case "redirect":
		return &m.Redirect
	case "delivery_option":
		return &m.DeliveryOption
	case "charter_version":
		return &m.CharterVersion
	case "charter_accepted_at":
		return &m.CharterAcceptedAt
	}
	return nil
}

// attrNameRE is an attribute description: a name or an OID, with options.
var attrNameRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^([A-Za-z][A-Za-z0-9-]*|[0-9]+(\.[0-9]+)+)(;[A-Za-z0-9-]+)*$`)
})

// ParseMapping reads a mapping file over the defaults: one "key: attribute"
// a line, "#" starts a comment, an empty value means "do not write it".
// Keys: search, password, password_changed, recovery_email, redirect,
// delivery_option, charter_version, charter_accepted_at, object_classes
// (space-separated). An unknown key, a bad attribute name or an empty
// search is an error naming the line.
func ParseMapping(r io.Reader, name string) (Mapping, error) {
	m := DefaultMapping()
	sc := bufio.NewScanner(r)
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		key, val, ok := strings.Cut(line, ":")
		if !ok {
			return m, fmt.Errorf("%s:%d: %q is not \"key: attribute\"", name, n, line)
		}
		key, val = strings.ToLower(strings.TrimSpace(key)), strings.TrimSpace(val)
		if key == "object_classes" {
			m.ObjectClasses = strings.Fields(val)
			for _, oc := range m.ObjectClasses {
				if !attrNameRE().MatchString(oc) {
					return m, fmt.Errorf("%s:%d: %q is not an object class name", name, n, oc)
				}
			}
			continue
		}
		f := m.field(key)
		if f == nil {
			return m, fmt.Errorf("%s:%d: unknown key %q (known: %s)", name, n, key, strings.Join(mapKeys, ", "))
		}
		if val != "" && !attrNameRE().MatchString(val) {
			return m, fmt.Errorf("%s:%d: %q is not an attribute name", name, n, val)
		}
		*f = val
	}
	if err := sc.Err(); err != nil {
		return m, fmt.Errorf("%s: %w", name, err)
	}
	if m.Search == "" {
		return m, fmt.Errorf("%s: search cannot be empty: it names the attribute that holds the login", name)
	}
	return m, nil
}

// LoadMapping reads a mapping file (see ParseMapping).
func LoadMapping(path string) (Mapping, error) {
	f, err := os.Open(path)
	if err != nil {
		return Mapping{}, err
	}
	defer f.Close()
	return ParseMapping(f, path)
}
