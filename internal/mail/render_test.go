package mail

import (
	"strings"
	"testing"
	"time"

	"github.com/umontpellier/scolpass/internal/activation"
)

func sampleData() Data {
	issued := time.Date(2026, 9, 14, 8, 30, 0, 0, time.UTC) // 10:30 in Paris
	return Data{
		FirstName:  "Héloïse",
		LastName:   "Lefèvre",
		Login:      "heloise.lefevre@etu.umontpellier.fr",
		Mailbox:    "heloise.lefevre@etu.umontpellier.fr",
		RedirectTo: "heloise.perso@example.org",
		Link:       "https://scolpass.umontpellier.fr/verify/Zm9vYmFyYmF6cXV4",
		ValidUntil: activation.LinkExpiry(issued),
	}
}

func TestRender(t *testing.T) {
	tests := []struct {
		kind     string
		mutate   func(*Data)
		subject  []string // pieces, in order
		fr, en   []string // pieces of the French part, of the English part
		notIn    []string
		withLink bool
	}{
		{
			kind:     KindRecoveryLink,
			subject:  []string{"SCOL'PASS", "confirmez votre adresse de secours", "/", "confirm your recovery address"},
			fr:       []string{"Bonjour Héloïse Lefèvre", "Votre identifiant : heloise.lefevre@etu.umontpellier.fr", "lundi 14 septembre 2026 à 23h59 (heure de Paris)", "étape 1"},
			en:       []string{"Hello Héloïse Lefèvre", "Your login: heloise.lefevre@etu.umontpellier.fr", "until 23:59 (Paris time) on Monday 14 September 2026", "step 1"},
			notIn:    []string{"heloise.perso@example.org"},
			withLink: true,
		},
		{
			kind:     KindRedirectLink,
			subject:  []string{"SCOL'PASS", "confirmez votre adresse de redirection", "/", "confirm your forwarding address"},
			fr:       []string{"Votre identifiant : heloise.lefevre@etu.umontpellier.fr", "redirigés vers cette adresse : heloise.perso@example.org", "Aucune copie", "23h59"},
			en:       []string{"Your login: heloise.lefevre@etu.umontpellier.fr", "forwarded to this address: heloise.perso@example.org", "No copy", "23:59"},
			withLink: true,
		},
		{
			kind:     KindRedirectLink,
			mutate:   func(d *Data) { d.KeepCopy = true },
			subject:  []string{"redirection", "forwarding"},
			fr:       []string{"Une copie de chaque message sera gardée"},
			en:       []string{"A copy of each message will be kept"},
			withLink: true,
		},
		{
			kind:    KindActivated,
			subject: []string{"SCOL'PASS", "votre compte est activé", "/", "your account is active"},
			fr:      []string{"Identifiant : heloise.lefevre@etu.umontpellier.fr", "Votre adresse mail universitaire : heloise.lefevre@etu.umontpellier.fr", "Vos messages sont redirigés vers : heloise.perso@example.org", "Aucune copie"},
			en:      []string{"Login: heloise.lefevre@etu.umontpellier.fr", "Your university email address: heloise.lefevre@etu.umontpellier.fr", "Your messages are forwarded to: heloise.perso@example.org", "No copy"},
			notIn:   []string{"verify/"},
		},
		{
			kind:    KindActivated,
			mutate:  func(d *Data) { d.RedirectTo, d.KeepCopy, d.Link = "", false, "" },
			subject: []string{"activé", "active"},
			fr:      []string{"Identifiant : heloise.lefevre@etu.umontpellier.fr", "Aucune redirection"},
			en:      []string{"Login: heloise.lefevre@etu.umontpellier.fr", "No forwarding"},
			notIn:   []string{"example.org"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.kind, func(t *testing.T) {
			d := sampleData()
			if tt.mutate != nil {
				tt.mutate(&d)
			}
			subject, body, err := Render(tt.kind, d)
			if err != nil {
				t.Fatal(err)
			}
			if strings.ContainsAny(subject, "\r\n") || len([]rune(subject)) > 100 {
				t.Errorf("subject %q: want one short line", subject)
			}
			inOrder(t, "subject", subject, tt.subject)
			sep := "\n----"
			i := strings.Index(body, sep)
			if i < 0 {
				t.Fatalf("no separator between French and English:\n%s", body)
			}
			fr, en := body[:i], body[i:]
			if !strings.HasPrefix(body, "(English version below)") {
				t.Errorf("body does not announce the English version:\n%s", body)
			}
			for _, want := range tt.fr {
				if !strings.Contains(fr, want) {
					t.Errorf("French part lacks %q:\n%s", want, fr)
				}
			}
			for _, want := range tt.en {
				if !strings.Contains(en, want) {
					t.Errorf("English part lacks %q:\n%s", want, en)
				}
			}
			for _, part := range []string{fr, en} {
				if !strings.Contains(part, d.Login) {
					t.Errorf("login missing from a part:\n%s", part)
				}
				if tt.withLink && !strings.Contains(part, "\n"+d.Link+"\n") {
					t.Errorf("link missing (or not alone on its line) in a part:\n%s", part)
				}
				if !strings.Contains(part, DefaultUniversity) {
					t.Errorf("university missing from a part")
				}
			}
			for _, bad := range tt.notIn {
				if strings.Contains(body, bad) {
					t.Errorf("body contains %q", bad)
				}
			}
			if strings.Contains(body, "{{") || strings.Contains(body, "<no value>") {
				t.Errorf("unrendered template in body:\n%s", body)
			}
			if !strings.HasSuffix(body, "\n") || strings.HasSuffix(body, "\n\n") {
				t.Errorf("body must end with exactly one newline")
			}
		})
	}
}

func inOrder(t *testing.T, what, s string, pieces []string) {
	t.Helper()
	rest := s
	for _, p := range pieces {
		i := strings.Index(rest, p)
		if i < 0 {
			t.Errorf("%s %q lacks %q (in order)", what, s, p)
			return
		}
		rest = rest[i+len(p):]
	}
}

func TestRenderValidUntilInParis(t *testing.T) {
	// Issued 23:30 UTC on 24 October: already the 25th (a DST day) in Paris.
	d := sampleData()
	d.ValidUntil = activation.LinkExpiry(time.Date(2026, 10, 24, 23, 30, 0, 0, time.UTC))
	d.ValidUntil = d.ValidUntil.UTC() // the zone it carries must not matter
	_, body, err := Render(KindRecoveryLink, d)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"dimanche 25 octobre 2026 à 23h59", "23:59 (Paris time) on Sunday 25 October 2026"} {
		if !strings.Contains(body, want) {
			t.Errorf("body lacks %q", want)
		}
	}
	d.ValidUntil = activation.LinkExpiry(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	_, body, _ = Render(KindRecoveryLink, d)
	if !strings.Contains(body, "dimanche 1er mars 2026") {
		t.Errorf("first of the month not written 1er:\n%s", body)
	}
}

func TestRenderUniversity(t *testing.T) {
	d := sampleData()
	d.University = "Université Paul-Valéry"
	_, body, err := Render(KindActivated, d)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(body, "Université Paul-Valéry") || strings.Contains(body, DefaultUniversity) {
		t.Errorf("university not used:\n%s", body)
	}
}

func TestRenderErrors(t *testing.T) {
	tests := []struct {
		name, kind string
		mutate     func(*Data)
		want       string
	}{
		{"unknown kind", "welcome", nil, "unknown email kind"},
		{"no login", KindActivated, func(d *Data) { d.Login = "" }, "missing login"},
		{"no link", KindRecoveryLink, func(d *Data) { d.Link = "" }, "missing link"},
		{"no validity", KindRedirectLink, func(d *Data) { d.ValidUntil = time.Time{} }, "missing validity"},
		{"no redirect", KindRedirectLink, func(d *Data) { d.RedirectTo = "" }, "missing redirect address"},
	}
	for _, tt := range tests {
		d := sampleData()
		if tt.mutate != nil {
			tt.mutate(&d)
		}
		_, _, err := Render(tt.kind, d)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want %q", tt.name, err, tt.want)
		}
	}
}

func TestActivationRenderer(t *testing.T) {
	r := ActivationRenderer("")
	d := sampleData()
	s, b, err := r(KindRecoveryLink, activation.MailData{
		FirstName: d.FirstName, LastName: d.LastName, Login: d.Login, Mailbox: d.Mailbox,
		Link: d.Link, ValidUntil: d.ValidUntil,
	})
	if err != nil || !strings.Contains(s, "secours") || !strings.Contains(b, d.Link) {
		t.Fatalf("ActivationRenderer: %q, %v", s, err)
	}
}

func TestSplitSubject(t *testing.T) {
	for _, bad := range []string{"", "Hello\n\nbody", "Subject: x\nbody", "Subject: \n\nbody"} {
		if _, _, err := splitSubject("x", bad); err == nil {
			t.Errorf("splitSubject(%q) accepted", bad)
		}
	}
	s, b, err := splitSubject("x", "Subject: Hi\r\n\r\n\r\nbody\r\n\r\n")
	if err != nil || s != "Hi" || b != "body\n" {
		t.Errorf("splitSubject = %q, %q, %v", s, b, err)
	}
}
