package mail

import (
	"strings"
	"testing"
	"time"
)

// A name that holds a link (imported before the roster refused them) does
// not reach the email: the greeting names no one, the only link is the
// university's.
func TestHostileNameIsNotGreeted(t *testing.T) {
	full := func() Data {
		d := sampleData()
		d.PageURL = "https://scolpass.umontpellier.fr/activation/forgot-password"
		d.ChangedAt = d.ValidUntil.Add(-time.Hour)
		d.Logins = []string{"heloise.lefevre@etu.umontpellier.fr"}
		return d
	}
	for _, kind := range Kinds {
		d := full()
		d.FirstName = "Click https://evil.example/verify/XYZ now"
		_, body, err := Render(kind, d)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(body, "evil.example") {
			t.Errorf("%s: the name reaches the email:\n%s", kind, body)
		}
		if !strings.Contains(body, "Bonjour,\n") || !strings.Contains(body, "Hello,\n") {
			t.Errorf("%s: the greeting is not plain:\n%s", kind, body)
		}
		if kind == KindLoginReminder {
			continue // it may list several accounts: it greets no one
		}
		d = full()
		if _, body, _ = Render(kind, d); !strings.Contains(body, "Bonjour Héloïse Lefèvre,\n") {
			t.Errorf("%s: a real name is not greeted:\n%s", kind, body)
		}
	}
}
