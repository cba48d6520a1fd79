package passpdf

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/unicode/norm"
)

// testRenderer is shared by the tests: a Renderer is meant to be reused.
var testRenderer *Renderer

func renderer(t testing.TB) *Renderer {
	t.Helper()
	if testRenderer == nil {
		r, err := NewRenderer()
		if err != nil {
			t.Fatalf("NewRenderer: %v", err)
		}
		testRenderer = r
	}
	return testRenderer
}

// tool returns the path of a poppler-utils program, failing the test with
// what to install when it is missing.
func tool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s not found: install poppler-utils (apt-get install -y poppler-utils)", name)
	}
	return p
}

// writePDF writes b to a file in a test directory and returns its path.
func writePDF(t testing.TB, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// pdfPages extracts the text of each page with pdftotext, NFC-normalized.
func pdfPages(t testing.TB, path string) []string {
	t.Helper()
	out, err := exec.Command(tool(t, "pdftotext"), "-enc", "UTF-8", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext %s: %v", path, err)
	}
	pages := strings.Split(norm.NFC.String(string(out)), "\f")
	if n := len(pages); n > 0 && strings.TrimSpace(pages[n-1]) == "" {
		pages = pages[:n-1] // pdftotext ends each page with a form feed
	}
	return pages
}

// flat joins the words of s with single spaces, so that a wrapped line
// still matches.
func flat(s string) string { return strings.Join(strings.Fields(s), " ") }

// squeeze removes white space and hyphens, to find a value that was wrapped
// over lines: pdftotext joins lines and drops a hyphen that ends one.
func squeeze(s string) string {
	return strings.Map(func(c rune) rune {
		if c == '-' || c == ' ' || c == '\n' || c == '\t' {
			return -1
		}
		return c
	}, s)
}

var (
	testIssued  = time.Date(2025, 9, 1, 23, 30, 0, 0, time.UTC) // 2 September in Paris
	testExpires = time.Date(2025, 12, 31, 23, 30, 0, 0, time.UTC)
)

const testURL = "https://scolpass.umontpellier.fr/activation"

func sheet(first, last, no, login, password string) Sheet {
	return Sheet{
		University:    "Université de Montpellier",
		FirstName:     first,
		LastName:      last,
		StudentNo:     no,
		Program:       "L1 Informatique",
		Login:         login,
		Password:      password,
		ExpiresAt:     testExpires,
		IssuedAt:      testIssued,
		ActivationURL: testURL,
	}
}

// render renders sheets and fails the test on error.
func render(t testing.TB, sheets []Sheet) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := renderer(t).WriteSheets(&buf, sheets); err != nil {
		t.Fatalf("WriteSheets: %v", err)
	}
	return buf.Bytes()
}
