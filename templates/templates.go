// Package templates embeds the texts the product shows to people: the
// SCOL'PASS sheet, the IT charter, the emails, and the fonts the PDFs use.
// Texts live here, not in Go code, so that the office can reword them.
package templates

import (
	"embed"
	"io/fs"
	"path"
	"sort"
	"strings"
)

// FS holds every file of this directory.
//
//go:embed *
var FS embed.FS

// Charter is one version of the IT charter (templates/charter/charter-VERSION.txt).
type Charter struct {
	Version string
	Text    string
}

// Charters returns every charter version shipped, oldest first (versions
// sort as strings: "2026-1" < "2026-2" < "2027-1").
func Charters() ([]Charter, error) {
	names, err := fs.Glob(FS, "charter/charter-*.txt")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var out []Charter
	for _, n := range names {
		b, err := fs.ReadFile(FS, n)
		if err != nil {
			return nil, err
		}
		v := strings.TrimSuffix(strings.TrimPrefix(path.Base(n), "charter-"), ".txt")
		out = append(out, Charter{Version: v, Text: string(b)})
	}
	return out, nil
}
