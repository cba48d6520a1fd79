package e2e

import (
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/umontpellier/scolpass/internal/directory/ldaptest"
)

// TestServeWritesTheDirectory: with SCOLPASS_LDAP_URL set, an account
// activated on the site reaches the directory within seconds, written by
// serve itself: the student binds with the new password.
func TestServeWritesTheDirectory(t *testing.T) {
	srv := ldaptest.Start(t)
	dn := srv.AddStudent("jean.dupont", "Jean", "Dupont")
	dir := t.TempDir()
	pwFile, mapFile := filepath.Join(dir, "ldap.pw"), filepath.Join(dir, "ldap.map")
	if err := os.WriteFile(pwFile, []byte(ldaptest.WriterPW+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(mapFile, []byte("object_classes: "+ldaptest.TestClasses+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s := newStackWith(t, map[string]string{
		"SCOLPASS_LDAP_URL":                srv.URL,
		"SCOLPASS_LDAP_BIND_DN":            ldaptest.WriterDN,
		"SCOLPASS_LDAP_BIND_PASSWORD_FILE": pwFile,
		"SCOLPASS_LDAP_BASE_DN":            ldaptest.People,
		"SCOLPASS_LDAP_ATTRIBUTES":         mapFile,
	}, "--provision-every", "200ms")
	c := s.client()
	must(t, c.submit("/activation/login", url.Values{"identifier": {"jean.dupont"}, "password": {s.passwords["jean.dupont"]}}), 200, "Étape 3 sur 8")
	must(t, c.submit("/activation/recovery", url.Values{"email": {"jean@example.org"}}), 200, "Étape 4 sur 8")
	must(t, c.submit(s.LastLink("jean@example.org", 0), nil), 200)
	must(t, c.submit("/activation/charter", url.Values{"accept": {"yes"}}), 200, "Étape 6-1 sur 8")
	must(t, c.submit("/activation/mailbox", url.Values{}), 200, "Étape 7 sur 8")
	must(t, c.submit("/activation/password", url.Values{"new_password": {"Vert-Galet-Orage-73"}, "confirm_password": {"Vert-Galet-Orage-73"}}), 200, "Étape 8 sur 8")
	deadline := time.Now().Add(30 * time.Second)
	for srv.Bind(dn, "Vert-Galet-Orage-73") != nil {
		if time.Now().After(deadline) {
			t.Fatalf("the new password does not open the directory entry 30 s after step 7; serve's log:\n%s", s.logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	if e := srv.Entry(dn); len(e["supannMailPerso"]) != 1 || e["supannMailPerso"][0] != "jean@example.org" {
		t.Fatalf("entry: %v", e)
	}
}
