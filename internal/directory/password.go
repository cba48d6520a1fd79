package directory

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/go-ldap/ldap/v3"
)

// Revoke takes the password out of the entry of login (reset --reissue of
// an active account): nobody binds with it until the student activates
// again. An entry that does not exist has nothing to revoke. It returns the
// entry's DN and nil or an *Error.
func (w *Writer) Revoke(ctx context.Context, login string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", &Error{Err: err}
	}
	dn, err := w.find(login)
	if err != nil || dn == "" {
		return dn, err
	}
	conn, err := w.connect()
	if err != nil {
		return "", w.fail(err)
	}
	mod := ldap.NewModifyRequest(dn, nil)
	mod.Replace(w.cfg.Map.Password, nil)
	if err := conn.Modify(mod); err != nil {
		return dn, w.fail(fmt.Errorf("revoke the password of %s: %w", dn, err))
	}
	return dn, nil
}

// find returns the DN of login's entry, "" when there is none.
func (w *Writer) find(login string) (string, error) {
	conn, err := w.connect()
	if err != nil {
		return "", w.fail(err)
	}
	res, err := conn.Search(ldap.NewSearchRequest(w.cfg.BaseDN, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 2,
		int(w.cfg.Timeout/time.Second), false, w.filter(login), []string{"1.1"}, nil))
	if err != nil && !ldap.IsErrorWithCode(err, ldap.LDAPResultSizeLimitExceeded) {
		return "", w.fail(fmt.Errorf("search %s under %s: %w", w.filter(login), w.cfg.BaseDN, err))
	}
	switch {
	case res == nil || len(res.Entries) == 0:
		return "", nil
	case len(res.Entries) > 1:
		return "", &Error{Permanent: true, Err: fmt.Errorf("more than one entry has %s under %s", w.filter(login), w.cfg.BaseDN)}
	}
	return res.Entries[0].DN, nil
}

// CheckPassword tells whether password is login's password in the
// directory: a bind as the student's entry, on a connection of its own (the
// writer's stays bound as the writer). A refused bind is false, nil; a
// directory that cannot answer is an error.
func (w *Writer) CheckPassword(ctx context.Context, login, password string) (bool, error) {
	if password == "" {
		return false, nil // an empty password would be an anonymous bind
	}
	if err := ctx.Err(); err != nil {
		return false, err
	}
	dn, err := w.find(login)
	if err != nil {
		return false, err
	}
	if dn == "" {
		return false, nil
	}
	conn, err := w.dial()
	if err != nil {
		return false, err
	}
	defer conn.Close()
	if strings.HasPrefix(w.cfg.URL, "ldap://") {
		if err := conn.StartTLS(w.tls); err != nil {
			var le *ldap.Error
			if !errors.As(err, &le) || le.ResultCode >= ldap.ErrorNetwork || w.cfg.RequireStartTLS {
				return false, fmt.Errorf("StartTLS with %s: %w", w.cfg.URL, err)
			}
			conn.Close()
			if conn, err = w.dial(); err != nil {
				return false, err
			}
		}
	}
	if err := conn.Bind(dn, password); err != nil {
		if ldap.IsErrorWithCode(err, ldap.LDAPResultInvalidCredentials) {
			return false, nil
		}
		return false, fmt.Errorf("bind to %s as the student: %w", w.cfg.URL, err)
	}
	return true, nil
}

// PasswordChecker checks students' passwords by binds (CheckPassword) for
// a site serving many requests at once: one search connection, shared
// under a lock.
type PasswordChecker struct {
	mu sync.Mutex
	w  *Writer
}

// NewPasswordChecker checks cfg without connecting.
func NewPasswordChecker(cfg Config) (*PasswordChecker, error) {
	w, err := NewWriter(cfg)
	if err != nil {
		return nil, err
	}
	return &PasswordChecker{w: w}, nil
}

// Check is Writer.CheckPassword, safe for concurrent use.
func (c *PasswordChecker) Check(ctx context.Context, login, password string) (bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.w.CheckPassword(ctx, login, password)
}
