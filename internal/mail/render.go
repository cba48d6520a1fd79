package mail

import (
	"bytes"
	"fmt"
	"io/fs"
	"strings"
	"sync"
	"text/template"
	"time"

	"github.com/umontpellier/scolpass/internal/activation"
	"github.com/umontpellier/scolpass/templates"
)

// The kinds of email, one template file each: templates/mail/<kind>.txt.
// The domain defines them (activation.MailKinds); these are their names here.
const (
	KindRecoveryLink = activation.MailRecoveryLink // step 4: confirm the recovery address
	KindRedirectLink = activation.MailRedirectLink // step 6-2: confirm the redirect address
	KindActivated    = activation.MailActivated    // step 8: the account is active

	KindResetLink       = activation.MailResetLink       // lost password: the link to choose a new one
	KindPasswordChanged = activation.MailPasswordChanged // the notice of a changed password
	KindLoginReminder   = activation.MailLoginReminder   // lost login: the logins of a recovery address
)

// Kinds lists every kind of email, in the order of the guide.
var Kinds = activation.MailKinds

// DefaultUniversity is the name used when Data.University is empty.
const DefaultUniversity = "Université de Montpellier"

// Data is what the templates may print.
type Data struct {
	FirstName, LastName string
	Login               string    // full identifier: prenom.nom@etu.umontpellier.fr
	Mailbox             string    // university mailbox address
	RedirectTo          string    // redirect address, "" for none
	Link                string    // the link to follow (link kinds only)
	ValidUntil          time.Time // last instant the link works (activation.LinkExpiry)
	KeepCopy            bool      // a copy stays in the university mailbox
	University          string    // "" means DefaultUniversity
	ChangedAt           time.Time // password_changed: when
	Logins              []string  // login_reminder: one line each
	PageURL             string    // the lost-password page (reset_link, password_changed, login_reminder)
}

// Render returns the subject and the plain-text body of an email of the given
// kind. Both are French first, then English; the body reminds the login. It
// fails if kind is unknown or if a field the kind needs is empty: Login
// always, Link and ValidUntil for the link kinds, RedirectTo for
// redirect_link. Dates are printed in Europe/Paris whatever the zone of
// d.ValidUntil.
func Render(kind string, d Data) (subject, body string, err error) {
	set, err := parsed()
	if err != nil {
		return "", "", err
	}
	t, ok := set[kind]
	if !ok {
		return "", "", fmt.Errorf("unknown email kind %q (want one of %s)", kind, strings.Join(Kinds, ", "))
	}
	if err := d.check(kind); err != nil {
		return "", "", err
	}
	if d.University == "" {
		d.University = DefaultUniversity
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, d); err != nil {
		return "", "", fmt.Errorf("email %s: %w", kind, err)
	}
	return splitSubject(kind, buf.String())
}

func (d Data) check(kind string) error {
	var missing []string
	if d.Login == "" && kind != KindLoginReminder {
		missing = append(missing, "login")
	}
	if kind == KindLoginReminder && len(d.Logins) == 0 {
		missing = append(missing, "logins")
	}
	if kind == KindPasswordChanged && d.ChangedAt.IsZero() {
		missing = append(missing, "time of the change")
	}
	if (kind == KindResetLink || kind == KindPasswordChanged || kind == KindLoginReminder) && d.PageURL == "" {
		missing = append(missing, "page address")
	}
	if kind == KindRecoveryLink || kind == KindRedirectLink || kind == KindResetLink {
		if d.Link == "" {
			missing = append(missing, "link")
		}
		if d.ValidUntil.IsZero() {
			missing = append(missing, "validity")
		}
	}
	if kind == KindRedirectLink && d.RedirectTo == "" {
		missing = append(missing, "redirect address")
	}
	if len(missing) > 0 {
		return fmt.Errorf("email %s: missing %s", kind, strings.Join(missing, ", "))
	}
	return nil
}

// splitSubject cuts the rendered text into its "Subject: " line and the body
// after the blank line that follows it.
func splitSubject(kind, text string) (subject, body string, err error) {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	first, rest, _ := strings.Cut(text, "\n")
	subject, ok := strings.CutPrefix(first, "Subject: ")
	if !ok || strings.TrimSpace(subject) == "" {
		return "", "", fmt.Errorf("template mail/%s.txt: the first line must be \"Subject: …\"", kind)
	}
	if !strings.HasPrefix(rest, "\n") {
		return "", "", fmt.Errorf("template mail/%s.txt: a blank line must follow the subject", kind)
	}
	body = strings.TrimLeft(rest, "\n")
	body = strings.TrimRight(body, "\n \t") + "\n"
	return strings.TrimSpace(subject), body, nil
}

// parsed holds the templates of every kind, parsed once.
var parsed = sync.OnceValues(func() (map[string]*template.Template, error) {
	set := make(map[string]*template.Template, len(Kinds))
	for _, kind := range Kinds {
		name := "mail/" + kind + ".txt"
		src, err := fs.ReadFile(templates.FS, name)
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", name, err)
		}
		t, err := template.New(name).Funcs(funcs).Option("missingkey=error").Parse(string(src))
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", name, err)
		}
		set[kind] = t
	}
	return set, nil
})

var (
	frDays   = [...]string{"dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"}
	frMonths = [...]string{"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"}
)

// funcs are the functions templates may call; all print in Europe/Paris.
var funcs = template.FuncMap{
	// frDate: "lundi 14 septembre 2026"
	"frDate": func(t time.Time) string {
		p := t.In(activation.Zone())
		day := fmt.Sprint(p.Day())
		if p.Day() == 1 {
			day = "1er"
		}
		return fmt.Sprintf("%s %s %s %d", frDays[p.Weekday()], day, frMonths[p.Month()-1], p.Year())
	},
	// frClock: "23h59"
	"frClock": func(t time.Time) string { return t.In(activation.Zone()).Format("15h04") },
	// enDate: "Monday 14 September 2026"
	"enDate": func(t time.Time) string { return t.In(activation.Zone()).Format("Monday 2 January 2006") },
	// enClock: "23:59"
	"enClock": func(t time.Time) string { return t.In(activation.Zone()).Format("15:04") },
}

// ActivationRenderer adapts Render to the activation service's
// MailRenderer, with the given university name ("" for DefaultUniversity).
func ActivationRenderer(university string) activation.MailRenderer {
	return func(kind string, d activation.MailData) (string, string, error) {
		return Render(kind, Data{
			FirstName:  d.FirstName,
			LastName:   d.LastName,
			Login:      d.Login,
			Mailbox:    d.Mailbox,
			RedirectTo: d.RedirectTo,
			Link:       d.Link,
			ValidUntil: d.ValidUntil,
			KeepCopy:   d.KeepCopy,
			University: university,
			ChangedAt:  d.ChangedAt,
			Logins:     d.Logins,
			PageURL:    d.PageURL,
		})
	}
}

// Greeting is the student's name for "Bonjour …,": first and last name,
// or "" when either could pass for text of the university (a link, an
// address, an overlong name: activation.NameProblem), so that a hostile
// name imported before the rule existed greets no one rather than reading
// as a link in the email.
func (d Data) Greeting() string {
	if activation.NameProblem("first name", d.FirstName) != "" || activation.NameProblem("last name", d.LastName) != "" {
		return ""
	}
	return strings.TrimSpace(d.FirstName + " " + d.LastName)
}
