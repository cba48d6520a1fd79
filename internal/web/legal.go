package web

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/umontpellier/scolpass/internal/activation"
)

// Legal is what the personal-data and accessibility pages say about the
// institution (README "Personal data"). The texts are templates: the
// embedded defaults (templates/legal/NAME.LANG.html), or the files of the
// same name in PagesDir, which a university writes to replace them without
// rebuilding.
type Legal struct {
	Controller string // the controller (the university)
	Contact    string // how to reach the controller (postal address, email)
	DPOEmail   string // the data protection officer's address
	// Retention is what purge applies: the page says the same durations.
	Retention activation.Retention
	// PagesDir, when set, holds privacy.fr.html, privacy.en.html,
	// accessibility.fr.html, accessibility.en.html (any of them; the
	// others keep the default).
	PagesDir string
	// A11yStatus is the RGAA conformance: "full", "partial" or "none"
	// (default: none, until an audit of the 106 criteria is done).
	A11yStatus string
	// A11yDate is the date of the declaration (YYYY-MM-DD).
	A11yDate string
	// SiteURL is the site's public address the declaration names
	// (default: the scheme and host of the request).
	SiteURL string
}

// DefaultLegal is the contract's institution.
func DefaultLegal() Legal {
	return Legal{
		Controller: "Université de Montpellier",
		Contact:    "Université de Montpellier, 163 rue Auguste Broussonnet, 34090 Montpellier",
		DPOEmail:   "dpo@umontpellier.fr",
		Retention:  activation.DefaultRetention,
		A11yStatus: "none",
		A11yDate:   A11yTestedOn,
	}
}

// A11yTestedOn is the date the tests the accessibility page lists were
// last run on every page for this release (axe-core, keyboard, 320 px).
const A11yTestedOn = "2026-12-05"

// legalNames are the texts, without the language.
var legalNames = []string{"privacy", "accessibility"}

// legalTexts are the parsed texts by "name.lang".
type legalTexts map[string]*template.Template

// loadLegal parses the embedded texts, then those of dir that exist. A
// text that does not parse is an error naming its file.
func loadLegal(dir string) (legalTexts, error) {
	out := legalTexts{}
	if dir != "" {
		st, err := os.Stat(dir)
		if err != nil || !st.IsDir() {
			return nil, fmt.Errorf("SCOLPASS_PAGES_DIR %s is not a directory", dir)
		}
	}
	for _, n := range legalNames {
		for l := range catalogues() {
			key := n + "." + l
			b, err := fs.ReadFile(assets, "templates/legal/"+key+".html")
			if err != nil {
				return nil, err
			}
			src := "embedded " + key + ".html"
			if dir != "" {
				p := filepath.Join(dir, key+".html")
				custom, err := os.ReadFile(p)
				switch {
				case err == nil:
					b, src = custom, p
				case !errors.Is(err, fs.ErrNotExist):
					return nil, fmt.Errorf("read %s: %w", p, err)
				}
			}
			t, err := template.New(key).Option("missingkey=error").Parse(string(b))
			if err == nil {
				// A name that is not a field ({{.Controler}}) shows now,
				// not on a student's screen.
				err = t.Execute(io.Discard, legalData{})
			}
			if err != nil {
				return nil, fmt.Errorf("page text %s: %w", src, err)
			}
			out[key] = t
		}
	}
	return out, nil
}

// legalData is what a text receives: {{.Controller}}, {{.Retain.Audit}}, …
type legalData struct {
	Controller, Contact, DPOEmail string
	University                    string
	Lang                          string
	// Retain: the durations in words, in the page's language.
	Retain struct{ Audit, Mail, Finished, Unseen string }
	// Status is the RGAA conformance in words; StatusKey "full",
	// "partial" or "none".
	Status, StatusKey string
	Date              string // the declaration's date, in the page's format
	SiteURL           string // the page's site (scheme and host)
}

// periodText says a retention length in words: "12 mois", "13 months",
// "30 jours", "1 an".
func periodText(l *locale, p activation.Period) string {
	var parts []string
	if p.Months != 0 {
		if p.Months%12 == 0 && p.Months >= 24 {
			parts = append(parts, plural(l, p.Months/12, "period.year", "period.years"))
		} else {
			parts = append(parts, plural(l, p.Months, "period.month", "period.months"))
		}
	}
	if p.Days != 0 {
		if p.Days%7 == 0 && p.Days >= 14 {
			parts = append(parts, plural(l, p.Days/7, "period.week", "period.weeks"))
		} else {
			parts = append(parts, plural(l, p.Days, "period.day", "period.days"))
		}
	}
	if len(parts) == 2 {
		return l.T("period.and", parts[0], parts[1])
	}
	return parts[0]
}

func plural(l *locale, n int, one, many string) string {
	if n == 1 {
		return l.T(one, n)
	}
	return l.T(many, n)
}

// legalHTML renders text name ("privacy", "accessibility") in the
// request's language.
func (s *Server) legalHTML(p *page, name, siteURL string) (template.HTML, error) {
	g := *s.opt.Legal
	d := legalData{Controller: g.Controller, Contact: g.Contact, DPOEmail: g.DPOEmail, University: p.L.T("site.university"),
		Lang: p.L.Lang, StatusKey: g.A11yStatus, SiteURL: siteURL}
	if g.SiteURL != "" {
		d.SiteURL = g.SiteURL
	}
	d.Retain.Audit = periodText(p.L, g.Retention.Audit)
	d.Retain.Mail = periodText(p.L, g.Retention.Mail)
	d.Retain.Finished = periodText(p.L, g.Retention.Finished)
	d.Retain.Unseen = periodText(p.L, g.Retention.Unseen)
	d.Status = p.L.T("a11y.status." + g.A11yStatus)
	d.Date = g.A11yDate
	if t, err := time.Parse("2006-01-02", g.A11yDate); err == nil {
		d.Date = t.Format(p.L.T("format.date"))
	}
	var b bytes.Buffer
	if err := s.legal[name+"."+p.L.Lang].Execute(&b, d); err != nil {
		return "", err
	}
	return template.HTML(b.String()), nil
}
