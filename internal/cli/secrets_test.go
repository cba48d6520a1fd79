package cli

import (
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func envOf(vars map[string]string) *Env {
	return &Env{Getenv: func(k string) string { return vars[k] }}
}

func writeSecret(t *testing.T, path, value string, mode os.FileMode) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(value), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestSecretsComeFromCredentialsThenFiles: the systemd credential wins over
// the *_FILE variable; the variable is used when the service manager passed
// no such credential.
func TestSecretsComeFromCredentialsThenFiles(t *testing.T) {
	dir := t.TempDir()
	creds := filepath.Join(dir, "creds")
	for _, s := range secretSpecs {
		t.Run(s.Name, func(t *testing.T) {
			file := writeSecret(t, filepath.Join(dir, s.Name+".file"), "from-file-"+s.Name+"\n", 0o600)
			env := envOf(map[string]string{s.FileVar: file, "CREDENTIALS_DIRECTORY": creds})
			v, ok, err := env.secret(s)
			if err != nil || !ok || v != "from-file-"+s.Name {
				t.Fatalf("without the credential: %q %v %v, want the file's value", v, ok, err)
			}
			writeSecret(t, filepath.Join(creds, s.Name), "from-credential-"+s.Name, 0o400)
			v, ok, err = env.secret(s)
			if err != nil || !ok || v != "from-credential-"+s.Name {
				t.Fatalf("with the credential: %q %v %v, want the credential's value", v, ok, err)
			}
			if _, ok, _ := envOf(nil).secret(s); ok {
				t.Fatal("a secret configured nowhere is reported configured")
			}
		})
	}
}

// TestUnsafeSecretFilesAreRefused: a secret file readable by group or
// others, empty, or missing is refused with a message naming it.
func TestUnsafeSecretFilesAreRefused(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name    string
		mode    os.FileMode
		content string
		want    string
	}{
		{"group-readable", 0o640, "pw", "readable by group or others (mode 0640): chmod 600"},
		{"world-readable", 0o644, "pw", "readable by group or others (mode 0644)"},
		{"empty", 0o600, "\n", "is empty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := writeSecret(t, filepath.Join(dir, tc.name), tc.content, tc.mode)
			for _, s := range secretSpecs {
				_, _, err := envOf(map[string]string{s.FileVar: p}).secret(s)
				if err == nil || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), s.FileVar) || !strings.Contains(err.Error(), tc.want) {
					t.Errorf("%s: got %v, want an error naming %s and %s, saying %q", s.Name, err, p, s.FileVar, tc.want)
				}
			}
		})
	}
	// A credential with loose permissions is refused too, naming it.
	creds := filepath.Join(dir, "creds")
	writeSecret(t, filepath.Join(creds, "smtp-password"), "pw", 0o644)
	_, _, err := envOf(map[string]string{"CREDENTIALS_DIRECTORY": creds}).secret(secretSMTPPassword)
	if err == nil || !strings.Contains(err.Error(), "credential smtp-password") {
		t.Errorf("loose credential: %v", err)
	}
	missing := filepath.Join(dir, "nope")
	_, _, err = envOf(map[string]string{"SCOLPASS_DATABASE_PASSWORD_FILE": missing}).secret(secretDatabasePassword)
	if err == nil || !strings.Contains(err.Error(), missing+" (SCOLPASS_DATABASE_PASSWORD_FILE) does not exist") {
		t.Errorf("missing file: %v", err)
	}
}

// TestSecretsReachTheirURLs: the database and SMTP passwords are added to
// the URLs that name only the user.
func TestSecretsReachTheirURLs(t *testing.T) {
	dir := t.TempDir()
	pw := `p@ss w0rd/'é\`
	writeSecret(t, filepath.Join(dir, "database-password"), pw+"\n", 0o600)
	writeSecret(t, filepath.Join(dir, "smtp-password"), pw, 0o600)
	env := envOf(map[string]string{"CREDENTIALS_DIRECTORY": dir, "SCOLPASS_SMTP_URL": "smtp://relay@mail.example:587"})

	got, err := env.withDatabasePassword("postgres://scolpass@db.example:5432/scolpass?sslmode=verify-full")
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(got)
	if err != nil {
		t.Fatal(err)
	}
	if p, _ := u.User.Password(); p != pw || u.User.Username() != "scolpass" || u.Host != "db.example:5432" || u.RawQuery != "sslmode=verify-full" {
		t.Errorf("database URL %q lost something", got)
	}
	kv, err := env.withDatabasePassword("host=/run/postgresql dbname=scolpass")
	if err != nil {
		t.Fatal(err)
	}
	if want := `host=/run/postgresql dbname=scolpass password='p@ss w0rd/\'é\\'`; kv != want {
		t.Errorf("key=value: %s, want %s", kv, want)
	}

	smtpURL, _, err := env.mailSettings()
	if err != nil {
		t.Fatal(err)
	}
	u, _ = url.Parse(smtpURL)
	if p, _ := u.User.Password(); p != pw || u.User.Username() != "relay" {
		t.Errorf("SMTP URL %q lost the password", smtpURL)
	}
	// A password without a user to go with it is a mistake, said so.
	env = envOf(map[string]string{"CREDENTIALS_DIRECTORY": dir, "SCOLPASS_SMTP_URL": "smtp://mail.example:587"})
	if _, _, err := env.mailSettings(); err == nil || !strings.Contains(err.Error(), "names no user") {
		t.Errorf("SMTP password without a user: %v", err)
	}
}

// TestLDAPBindPasswordFromCredential: the directory's bind password comes
// from the credential, and a bind DN without any password is refused.
func TestLDAPBindPasswordFromCredential(t *testing.T) {
	dir := t.TempDir()
	writeSecret(t, filepath.Join(dir, "ldap-bind-password"), "writer-pw\n", 0o400)
	vars := map[string]string{"SCOLPASS_LDAP_URL": "ldap://127.0.0.1:389", "SCOLPASS_LDAP_BASE_DN": "ou=people,dc=example,dc=org",
		"SCOLPASS_LDAP_BIND_DN": "cn=writer,dc=example,dc=org", "CREDENTIALS_DIRECTORY": dir}
	c, err := envOf(vars).directoryConfig()
	if err != nil || c.BindPassword != "writer-pw" {
		t.Fatalf("got %v, %v", c, err)
	}
	delete(vars, "CREDENTIALS_DIRECTORY")
	if _, err := envOf(vars).directoryConfig(); err == nil || !strings.Contains(err.Error(), "ldap-bind-password") {
		t.Errorf("no password: %v", err)
	}
}

func TestProvisionalKeyLength(t *testing.T) {
	dir := t.TempDir()
	p := writeSecret(t, filepath.Join(dir, "k"), "short\n", 0o600)
	if _, err := envOf(map[string]string{"SCOLPASS_PROVISIONAL_KEY_FILE": p}).provisionalKey(); err == nil || !strings.Contains(err.Error(), "at least 32") {
		t.Errorf("short key: %v", err)
	}
	writeSecret(t, p, strings.Repeat("k", 48), 0o600)
	if k, err := envOf(map[string]string{"SCOLPASS_PROVISIONAL_KEY_FILE": p}).provisionalKey(); err != nil || len(k) != 48 {
		t.Errorf("key: %d bytes, %v", len(k), err)
	}
	if k, err := envOf(nil).provisionalKey(); err != nil || k != nil {
		t.Errorf("no key: %v %v", k, err)
	}
}
