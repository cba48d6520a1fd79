package web

import (
	"bytes"
	"embed"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/umontpellier/scolpass/internal/activation"
	"github.com/umontpellier/scolpass/internal/web/form"
)

// assets are the page templates, the catalogues and the static files.
//
//go:embed templates
var assets embed.FS

// pageSet holds one template per page, each with the shared layout.
type pageSet struct{ byName map[string]*template.Template }

func parsePages() (*pageSet, error) {
	names, err := fs.Glob(assets, "templates/html/page_*.html")
	if err != nil {
		return nil, err
	}
	ps := &pageSet{byName: map[string]*template.Template{}}
	for _, n := range names {
		t, err := template.New("layout.html").ParseFS(assets, "templates/html/layout.html", n)
		if err != nil {
			return nil, err
		}
		name := strings.TrimSuffix(strings.TrimPrefix(n, "templates/html/page_"), ".html")
		ps.byName[name] = t
	}
	return ps, nil
}

// fieldError is a message about one field, for the error summary and the
// field itself.
type fieldError struct {
	Field   string
	Message string
}

// page is what every template receives.
type page struct {
	L       *locale
	Title   string // catalogue key of the <title> and <h1>
	Step    string // "1-2", "3", …, "6-1", "6-2", "8"; "" outside the steps
	Errors  []fieldError
	Alert   string // a general problem, said at the top
	Notice  string // a confirmation (role=status)
	LangURL string // the same page in the other language
	Act     string // the activation path
	Session bool   // the browser holds a session (offer "leave")
	Domain  string // the identifiers' domain

	Out     *activation.Outcome
	Values  map[string]string // fields to fill again after a refusal
	Checked map[string]bool
	Policy  []string // step 7's rules, said up front
	Charter string   // step 5: version
	Blocks  []block  // the charter's text
	Link    *activation.LinkInfo
	Token   string // the POST address of a verify page carries it
	Message string // error pages
	Status  int
	Legal   template.HTML // the personal-data and accessibility pages' text (legal.go)
	A11y    string        // the RGAA status for the footer: full, partial or none
}

// StepLabel is "Étape 3 sur 8" / "Step 3 of 8".
func (p *page) StepLabel() string {
	switch p.Step {
	case "":
		return ""
	case "1-2":
		return p.L.T("step.label.12")
	}
	return p.L.T("step.label", p.Step)
}

// StepNumber is the step's first number, for the progress bar.
func (p *page) StepNumber() int {
	n := 0
	for _, c := range p.Step {
		if c < '0' || c > '9' {
			break
		}
		n = n*10 + int(c-'0')
	}
	return n
}

// ErrorFor is the message about field, "" if none.
func (p *page) ErrorFor(field string) string {
	for _, e := range p.Errors {
		if e.Field == field {
			return e.Message
		}
	}
	return ""
}

// Value is a field's value to show again.
func (p *page) Value(field string) string { return p.Values[field] }

// IsChecked tells whether a box is ticked.
func (p *page) IsChecked(field string) bool { return p.Checked[field] }

// When formats a time in Paris.
func (p *page) When(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.In(activation.Zone()).Format(p.L.T("format.datetime"))
}

// WhenTime is When for a value.
func (p *page) WhenTime(t time.Time) string { return p.When(&t) }

func (s *Server) newPage(r *http.Request, title, step string) *page {
	l := localeOf(r)
	return &page{L: l, Title: title, Step: step, Act: s.opt.ActivationPath, LangURL: s.selfURL(r, l.Other()),
		Domain: s.opt.MailDomain, Values: map[string]string{}, Checked: map[string]bool{}, Session: sessionSecret(r) != "",
		A11y: s.opt.Legal.A11yStatus}
}

// selfURL is the page a request shows, in lang: built from the route the
// request matched and the site's own paths, never from the raw request
// path (GET /%2F%2Fevil.example must not link to //evil.example). An
// unknown address, a wrong method and every POST lead to the activation
// page, where the student is; an emailed link's page to itself; any other
// page at a fixed GET route to that route.
func (s *Server) selfURL(r *http.Request, lang string) string {
	a, v := s.opt.ActivationPath, s.opt.VerifyPath
	q := url.Values{"lang": {lang}}
	path := a
	switch r.Pattern {
	case "GET /{$}":
		path = "/"
	case "GET " + a + "/charter":
		path = a + "/charter"
		if ver := r.URL.Query().Get("v"); ver != "" {
			q.Set("v", ver)
		}
	case "GET " + v + "/{token}", "POST " + v + "/{token}":
		if t := r.PathValue("token"); activation.PlausibleToken(t) {
			path = v + "/" + t
		}
	default:
		// Any other page shown by GET at a fixed route (the personal-data
		// and accessibility pages…) links to its own route.
		if p, ok := strings.CutPrefix(r.Pattern, "GET "); ok && !strings.Contains(p, "{") && p != "/" {
			path = p
		}
	}
	return path + "?" + q.Encode()
}

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// render writes a page with status.
func (s *Server) render(w http.ResponseWriter, status int, name string, p *page) {
	b := s.renderBytes(name, p)
	if b == nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// renderBytes executes a page's template; nil if it failed (logged).
func (s *Server) renderBytes(name string, p *page) []byte {
	t := s.pages.byName[name]
	if t == nil {
		s.opt.Logger.Error("no such page template", "page", name)
		return nil
	}
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer bufPool.Put(buf)
	if err := t.Execute(buf, p); err != nil {
		s.opt.Logger.Error("render page", "page", name, "err", err)
		return nil
	}
	return bytes.Clone(buf.Bytes())
}

// errorPage writes the error page: key is the message, key+".title" its
// heading.
func (s *Server) errorPage(w http.ResponseWriter, r *http.Request, status int, key string, args ...any) {
	p := s.newPage(r, key+".title", "")
	p.Message = p.L.T(key, args...)
	p.Status = status
	s.render(w, status, "error", p)
}

// formErrors turns the form's problems into messages.
func formErrors(l *locale, errs form.Errors) []fieldError {
	out := make([]fieldError, 0, len(errs))
	for _, e := range errs {
		out = append(out, fieldError{Field: e.Field, Message: l.T(e.Key)})
	}
	return out
}

// parseForm reads a POST body; a body too large, not UTF-8 or with an
// oversized field gets its error page and ok=false.
func (s *Server) parseForm(w http.ResponseWriter, r *http.Request) (map[string][]string, bool) {
	v, err := form.Parse(r)
	switch err {
	case nil:
		return v, true
	case form.ErrTooLarge:
		s.errorPage(w, r, http.StatusRequestEntityTooLarge, "error.too_large")
	default:
		s.errorPage(w, r, http.StatusBadRequest, "error.bad_request")
	}
	return nil, false
}

// seeOther sends the browser to the activation page (post/redirect/get).
func (s *Server) seeOther(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, s.opt.ActivationPath, http.StatusSeeOther)
}
