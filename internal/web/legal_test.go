package web_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/umontpellier/scolpass/internal/activation"
	"github.com/umontpellier/scolpass/internal/web"
	"github.com/umontpellier/scolpass/internal/web/webtest"
)

func legalSite(t *testing.T, legal *web.Legal) http.Handler {
	t.Helper()
	h, err := web.New(web.Options{Engine: webtest.New().Service, Legal: legal, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func get(t *testing.T, h http.Handler, path, lang string) (int, string) {
	t.Helper()
	r := httptest.NewRequest("GET", path, nil)
	r.Header.Set("Accept-Language", lang)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w.Code, w.Body.String()
}

// TestLegalPagesSayTheSettings: the pages say the controller, the DPO and
// the retention lengths purge applies, in French and in English.
func TestLegalPagesSayTheSettings(t *testing.T) {
	legal := web.DefaultLegal()
	legal.Controller = "Université de Nulle-Part"
	legal.DPOEmail = "dpo@nulle-part.example"
	legal.Retention = activation.Retention{Audit: activation.Period{Months: 6}, Mail: activation.Period{Days: 1},
		Finished: activation.Period{Days: 14}, Unseen: activation.Period{Months: 24}}
	h := legalSite(t, &legal)
	for _, c := range []struct {
		lang, path string
		want       []string
	}{
		{"fr", "/privacy", []string{"<h1>Données personnelles</h1>", "Université de Nulle-Part", "mailto:dpo@nulle-part.example",
			"adresses IP : 6 mois", "dès l'abandon", "annuaire terminées : 2 semaines", "après 2 ans sans", "Vos droits"}},
		{"en", "/privacy", []string{"<h1>Personal data</h1>", "IP addresses: 6 months", "as soon as given up", "operations: 2 weeks", "after 2 years without", "Your rights"}},
		{"fr", "/accessibility", []string{"<h1>Accessibilité</h1>", "<strong>non conforme</strong>", "RGAA", "axe-core", "320 pixels", "05/12/2026", "Défenseur des droits"}},
		{"en", "/accessibility", []string{"<h1>Accessibility</h1>", "<strong>not compliant</strong>", "axe-core", "320 pixel", "5 December 2026"}},
	} {
		code, body := get(t, h, c.path, c.lang)
		if code != http.StatusOK {
			t.Fatalf("%s %s: %d", c.lang, c.path, code)
		}
		for _, w := range c.want {
			if !strings.Contains(body, w) {
				t.Errorf("%s %s lacks %q", c.lang, c.path, w)
			}
		}
	}
	// The defaults: the contract's retention.
	_, body := get(t, legalSite(t, nil), "/privacy", "fr")
	for _, w := range []string{"adresses IP : 12 mois", "terminées : 7 jours", "après 13 mois sans"} {
		if !strings.Contains(body, w) {
			t.Errorf("default /privacy lacks %q", w)
		}
	}
}

// TestLegalLinksInEveryFooter: the two pages are linked from the footer of
// the pages of the site, error pages included, with the RGAA status.
func TestLegalLinksInEveryFooter(t *testing.T) {
	legal := web.DefaultLegal()
	legal.A11yStatus = "partial"
	h := legalSite(t, &legal)
	for _, path := range []string{"/activation", "/privacy", "/accessibility", "/activation/charter", "/no-such-page", "/verify/not-a-token"} {
		_, body := get(t, h, path, "fr")
		foot := body[strings.Index(body, "<footer"):]
		for _, w := range []string{`href="/privacy">Données personnelles</a>`, `href="/accessibility">Accessibilité : partiellement conforme</a>`} {
			if !strings.Contains(foot, w) {
				t.Errorf("footer of %s lacks %s", path, w)
			}
		}
	}
	_, body := get(t, h, "/activation", "en")
	if !strings.Contains(body, `href="/accessibility">Accessibility: partially compliant</a>`) {
		t.Error("English footer lacks the accessibility link")
	}
}

// TestLegalPagesDir: a university's own texts replace the defaults
// without rebuilding; the others stay; a text in error stops the start,
// naming its file.
func TestLegalPagesDir(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "privacy.fr.html"), []byte(`<p>Texte de l'établissement. DPO : {{.DPOEmail}}, journal {{.Retain.Audit}}.</p>`), 0o644); err != nil {
		t.Fatal(err)
	}
	legal := web.DefaultLegal()
	legal.PagesDir = dir
	h := legalSite(t, &legal)
	if _, body := get(t, h, "/privacy", "fr"); !strings.Contains(body, "Texte de l'établissement. DPO : dpo@umontpellier.fr, journal 12 mois.") {
		t.Errorf("own text not served:\n%s", body)
	}
	if _, body := get(t, h, "/privacy", "en"); !strings.Contains(body, "Your rights") {
		t.Error("the English default is gone")
	}
	for name, text := range map[string]string{"accessibility.en.html": `<p>{{.Controler}}</p>`, "privacy.en.html": `<p>{{if}}</p>`} {
		bad := t.TempDir()
		if err := os.WriteFile(filepath.Join(bad, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		legal.PagesDir = bad
		_, err := web.New(web.Options{Engine: webtest.New().Service, Legal: &legal})
		if err == nil || !strings.Contains(err.Error(), filepath.Join(bad, name)) {
			t.Errorf("%s in error: %v, want an error naming the file", name, err)
		}
	}
	legal.PagesDir = filepath.Join(dir, "missing")
	if _, err := web.New(web.Options{Engine: webtest.New().Service, Legal: &legal}); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("missing directory: %v", err)
	}
}
