package directory

import (
	"context"
	"fmt"
	"time"

	"github.com/go-ldap/ldap/v3"
)

// ProbeStep names what Probe was doing when it failed.
type ProbeStep string

// The steps of Probe, in order.
const (
	ProbeBind    ProbeStep = "bind"    // connect, StartTLS, bind as the service account
	ProbeBaseDN  ProbeStep = "base DN" // the base DN exists and can be read
	ProbeStudent ProbeStep = "student" // an entry carries the search attribute
)

// ProbeError is a failed Probe: the step and the directory's answer.
type ProbeError struct {
	Step ProbeStep
	Err  error
}

func (e *ProbeError) Error() string { return e.Err.Error() }
func (e *ProbeError) Unwrap() error { return e.Err }

// Probe checks, without writing anything, that the directory is ready for
// the provisioning jobs: it connects and binds as configured (StartTLS as
// Write does), reads the base DN, and finds one entry under it that has
// the search attribute (the students' logins). It returns the DN of that
// entry, or a *ProbeError.
func (w *Writer) Probe(ctx context.Context) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", &ProbeError{ProbeBind, err}
	}
	conn, err := w.connect()
	if err != nil {
		return "", &ProbeError{ProbeBind, err}
	}
	secs := int(w.cfg.Timeout / time.Second)
	if _, err := conn.Search(ldap.NewSearchRequest(w.cfg.BaseDN, ldap.ScopeBaseObject, ldap.NeverDerefAliases, 1, secs, false,
		"(objectClass=*)", []string{"1.1"}, nil)); err != nil {
		if ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchObject) {
			return "", &ProbeError{ProbeBaseDN, fmt.Errorf("base DN %s does not exist", w.cfg.BaseDN)}
		}
		return "", &ProbeError{ProbeBaseDN, fmt.Errorf("read base DN %s: %w", w.cfg.BaseDN, err)}
	}
	filter := "(" + w.cfg.Map.Search + "=*)"
	res, err := conn.Search(ldap.NewSearchRequest(w.cfg.BaseDN, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 1, secs, false,
		filter, []string{"1.1"}, nil))
	if err != nil && !ldap.IsErrorWithCode(err, ldap.LDAPResultSizeLimitExceeded) {
		return "", &ProbeError{ProbeStudent, fmt.Errorf("search %s under %s: %w", filter, w.cfg.BaseDN, err)}
	}
	if res == nil || len(res.Entries) == 0 {
		return "", &ProbeError{ProbeStudent, fmt.Errorf("no entry under %s has the attribute %s (or the bind account may not read it)", w.cfg.BaseDN, w.cfg.Map.Search)}
	}
	return res.Entries[0].DN, nil
}
