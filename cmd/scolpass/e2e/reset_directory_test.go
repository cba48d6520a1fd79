package e2e

import (
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/umontpellier/scolpass/internal/directory/ldaptest"
)

// TestServeChangePasswordAsksTheDirectory: with SCOLPASS_LDAP_URL set, the
// current password is checked by a bind to the directory as the student
// (it may have been changed there since), not against the stored hash;
// the new one reaches the directory and the old one stops working there.
func TestServeChangePasswordAsksTheDirectory(t *testing.T) {
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
	}, "--provision-every", "200ms", "--link-rate", "600")
	s.activate(t, "jean.dupont", "jean@example.org", "Vert-Galet-Orage-73")
	waitBind := func(pw string) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for srv.Bind(dn, pw) != nil {
			if time.Now().After(deadline) {
				t.Fatalf("%q does not open the directory entry; serve's log:\n%s", pw, s.logs.String())
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	waitBind("Vert-Galet-Orage-73")
	// Changed in the directory, elsewhere.
	c := srv.Dial(ldaptest.RootDN, ldaptest.RootPW)
	mod := ldap.NewModifyRequest(dn, nil)
	mod.Replace("userPassword", []string{"Changed-Elsewhere-42"})
	if err := c.Modify(mod); err != nil {
		t.Fatal(err)
	}
	c.Close()

	web := s.client()
	form := func(current, pw string) url.Values {
		return url.Values{"identifier": {"jean.dupont"}, "current_password": {current}, "new_password": {pw}, "confirm_password": {pw}}
	}
	// The stored hash would accept it; the directory does not.
	must(t, web.submit("/activation/change-password", form("Vert-Galet-Orage-73", "Granit-Fougere-Vent-27")), 401)
	must(t, web.submit("/activation/change-password", form("Changed-Elsewhere-42", "Granit-Fougere-Vent-27")), 200, "Mot de passe changé")
	waitBind("Granit-Fougere-Vent-27")
	if srv.Bind(dn, "Changed-Elsewhere-42") == nil {
		t.Fatal("the old password still opens the directory entry")
	}
}
