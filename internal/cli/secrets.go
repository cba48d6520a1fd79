package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// secretSpec is one secret scolpass reads: from the systemd credential
// NAME ($CREDENTIALS_DIRECTORY/NAME, LoadCredential=NAME in the unit) when
// the service manager passed it, else from the file named by FileVar.
// Secrets are never read from argv or from a variable holding the value in
// clear.
type secretSpec struct {
	Name    string // systemd credential name
	FileVar string // environment variable naming a file
	Meaning string
}

// The secrets of scolpass (README "Installing on a server").
var (
	secretDatabasePassword = secretSpec{"database-password", "SCOLPASS_DATABASE_PASSWORD_FILE", "password of the PostgreSQL role (the URL names the role, not the password)"}
	secretSMTPPassword     = secretSpec{"smtp-password", "SCOLPASS_SMTP_PASSWORD_FILE", "password of the SMTP user named in SCOLPASS_SMTP_URL"}
	secretLDAPBindPassword = secretSpec{"ldap-bind-password", "SCOLPASS_LDAP_BIND_PASSWORD_FILE", "password of SCOLPASS_LDAP_BIND_DN"}
	secretProvisionalKey   = secretSpec{"provisional-key", "SCOLPASS_PROVISIONAL_KEY_FILE", "server key of the provisional passwords (at least 32 random bytes)"}
	secretOutboxKey        = secretSpec{"outbox-key", "SCOLPASS_OUTBOX_KEY_FILE", "key sealing the bodies of queued emails: 32 random bytes in base64, the same in every process (default: the database's own)"}
	secretSpecs            = []secretSpec{secretDatabasePassword, secretSMTPPassword, secretLDAPBindPassword, secretProvisionalKey, secretOutboxKey}
)

// secretSource says where a secret comes from: its file and how it was
// named; path is "" when the secret is not configured.
type secretSource struct {
	spec secretSpec
	path string
	via  string // "credential NAME" or "SCOLPASS_…_FILE"
}

// secretSource finds where spec is configured, without reading it.
func (env *Env) secretSource(spec secretSpec) secretSource {
	if dir := strings.TrimSpace(env.Getenv("CREDENTIALS_DIRECTORY")); dir != "" {
		p := filepath.Join(dir, spec.Name)
		if _, err := os.Lstat(p); err == nil {
			return secretSource{spec: spec, path: p, via: "credential " + spec.Name}
		}
	}
	if f := strings.TrimSpace(env.Getenv(spec.FileVar)); f != "" {
		return secretSource{spec: spec, path: f, via: spec.FileVar}
	}
	return secretSource{spec: spec}
}

// secretFileError is a secret file that cannot be used; the message names
// the file, how it was configured and what to do.
type secretFileError struct{ msg string }

func (e *secretFileError) Error() string { return e.msg }

// check refuses a secret file that is missing, not a regular
// file, or readable (or writable) by group or others.
func (s secretSource) check() error {
	fi, err := os.Stat(s.path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return &secretFileError{fmt.Sprintf("secret file %s (%s) does not exist", s.path, s.via)}
	case err != nil:
		return &secretFileError{fmt.Sprintf("secret file %s (%s): %v", s.path, s.via, unwrapPathError(err))}
	case !fi.Mode().IsRegular():
		return &secretFileError{fmt.Sprintf("secret file %s (%s) is not a regular file", s.path, s.via)}
	case fi.Mode().Perm()&0o077 != 0:
		return &secretFileError{fmt.Sprintf("secret file %s (%s) is readable by group or others (mode %04o): chmod 600 %s",
			s.path, s.via, fi.Mode().Perm(), s.path)}
	}
	return nil
}

// read returns the secret without its trailing line break; a missing,
// unsafe or empty file is an error naming it.
func (s secretSource) read() (string, error) {
	if err := s.check(); err != nil {
		return "", err
	}
	b, err := os.ReadFile(s.path)
	if err != nil {
		return "", &secretFileError{fmt.Sprintf("secret file %s (%s): %v", s.path, s.via, unwrapPathError(err))}
	}
	v := strings.TrimRight(string(b), "\r\n")
	if v == "" {
		return "", &secretFileError{fmt.Sprintf("secret file %s (%s) is empty", s.path, s.via)}
	}
	return v, nil
}

func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// secret reads spec; ok is false when it is not configured.
func (env *Env) secret(spec secretSpec) (value string, ok bool, err error) {
	src := env.secretSource(spec)
	if src.path == "" {
		return "", false, nil
	}
	v, err := src.read()
	if err != nil {
		return "", true, usagef("%s", err)
	}
	return v, true, nil
}

// provisionalKey is the server key of the provisional passwords
// (credential provisional-key or SCOLPASS_PROVISIONAL_KEY_FILE); nil when
// none is configured. A key shorter than 32 bytes is refused.
func (env *Env) provisionalKey() ([]byte, error) {
	v, ok, err := env.secret(secretProvisionalKey)
	if err != nil || !ok {
		return nil, err
	}
	if len(v) < 32 {
		return nil, usagef("the provisional-password key (%s) is %d bytes long: it needs at least 32 random bytes (head -c 48 /dev/urandom | base64)",
			env.secretSource(secretProvisionalKey).via, len(v))
	}
	return []byte(v), nil
}

// withDatabasePassword adds the database-password secret, when configured,
// to dsn (a postgres:// URL, a key=value string, or "" for libpq's PG*
// variables).
func (env *Env) withDatabasePassword(dsn string) (string, error) {
	pw, ok, err := env.secret(secretDatabasePassword)
	if err != nil || !ok {
		return dsn, err
	}
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return dsn, usagef("the database URL is not a URL (a password in it must be percent-encoded): set it without the password and use the database-password credential")
		}
		user := ""
		if u.User != nil {
			user = u.User.Username()
		}
		if user == "" {
			user = env.Getenv("PGUSER")
		}
		u.User = url.UserPassword(user, pw)
		return u.String(), nil
	}
	quoted := "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(pw) + "'"
	return strings.TrimSpace(dsn + " password=" + quoted), nil
}

// withSMTPPassword adds the smtp-password secret, when configured, to the
// user of an SMTP URL (smtp://user@host:port).
func (env *Env) withSMTPPassword(raw string) (string, error) {
	pw, ok, err := env.secret(secretSMTPPassword)
	if err != nil || !ok {
		return raw, err
	}
	u, err := url.Parse(raw)
	if err != nil || u.User == nil || u.User.Username() == "" {
		return raw, usagef("%s is set but SCOLPASS_SMTP_URL names no user (smtp://USER@host:port)", env.secretSource(secretSMTPPassword).via)
	}
	u.User = url.UserPassword(u.User.Username(), pw)
	return u.String(), nil
}

// passwordInURL reports whether a URL carries a password in clear.
func passwordInURL(raw string) bool {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return strings.Contains(raw, "@") && strings.Contains(raw, "://")
	}
	if u.User != nil {
		_, set := u.User.Password()
		return set
	}
	return u.Query().Get("password") != ""
}

// secretsHelp lists the secrets for --help.
func secretsHelp() string {
	var b strings.Builder
	for _, s := range secretSpecs {
		fmt.Fprintf(&b, "  %-20s or %-34s %s\n", s.Name, s.FileVar, s.Meaning)
	}
	return strings.TrimRight(b.String(), "\n")
}
