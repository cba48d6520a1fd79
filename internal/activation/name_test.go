package activation

import (
	"strings"
	"testing"
)

func TestNameProblem(t *testing.T) {
	for _, ok := range []string{
		"Dupont", "Marie-Geneviève", "N'Diaye", "J.-P.", "J. R.", "Jean Pierre", "O'Neil-Smith", "Đặng",
		strings.Repeat("é", MaxNameLen),
	} {
		if p := NameProblem("first name", ok); p != "" {
			t.Errorf("%q refused: %s", ok, p)
		}
	}
	for name, want := range map[string]string{
		"Click https://evil.example/verify/XYZ now": `first name "Click https://evil.example/verify/XYZ now" holds "://"`,
		"see www.evil.example":                      `holds "www."`,
		"evil.example":                              `holds a domain-like "evil.example"`,
		"Jean go to evil.example now":               `a domain-like "evil.example"`,
		"jean@evil.example":                         `holds "@"`,
		"a/b":                                       `holds "/"`,
		strings.Repeat("a", MaxNameLen+1):           "first name is 101 characters long; at most 100 are accepted",
		strings.Repeat("a", 599):                    "first name is 599 characters long",
	} {
		if p := NameProblem("first name", name); !strings.Contains(p, want) {
			t.Errorf("NameProblem(%q) = %q, want it to say %q", name, p, want)
		}
	}
}
