package passpdf

import (
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/umontpellier/scolpass/templates"
)

// withSheetText returns the embedded templates with sheet/sheet.txt replaced.
func withSheetText(t *testing.T, edit func(string) string) fs.FS {
	t.Helper()
	m := fstest.MapFS{}
	err := fs.WalkDir(templates.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(templates.FS, p)
		if err != nil {
			return err
		}
		if p == "sheet/sheet.txt" {
			b = []byte(edit(string(b)))
		}
		m[p] = &fstest.MapFile{Data: b}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestTextsAreCheckedAtStart(t *testing.T) {
	for name, tc := range map[string]struct {
		edit func(string) string
		want string
	}{
		"missing key": {func(s string) string { return strings.Replace(s, "password.en = Provisional password\n", "", 1) }, "[sheet] password.en is missing"},
		"misspelt key": {func(s string) string {
			return strings.Replace(s, "password.en =", "pasword.en =", 1)
		}, "password.en is missing"},
		"unknown key": {func(s string) string { return strings.Replace(s, "[sheet]\n", "[sheet]\nfooter = x\n", 1) }, `unknown key "footer"`},
		"duplicate":   {func(s string) string { return strings.Replace(s, "[sheet]\n", "[sheet]\ntitle = X\n", 1) }, `key "title" appears twice`},
		"bad step": {func(s string) string {
			return strings.Replace(s, "7 = Nouveau mot de passe |", "7 = Nouveau mot de passe", 1)
		}, "a step reads"},
		"step count": {func(s string) string {
			return strings.Replace(s, "\n8 = Confirmation | Account", "\n#8 = Confirmation | Account", 1)
		}, "has 8 steps but [steps.en] has 7"},
		"no section":   {func(s string) string { return "key = value\n" + s }, "outside a [section]"},
		"missing file": {func(s string) string { return s }, ""},
	} {
		t.Run(name, func(t *testing.T) {
			fsys := withSheetText(t, tc.edit)
			_, err := newRenderer(fsys)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("unchanged texts: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
			if !strings.Contains(err.Error(), "sheet/sheet.txt") {
				t.Errorf("error %q does not name the file", err)
			}
		})
	}
}

func TestStepsFollowTheGuide(t *testing.T) {
	r := renderer(t)
	if len(r.sheet.stepsFR) != 8 || len(r.sheet.stepsEN) != 8 {
		t.Fatalf("%d French and %d English steps, want the 8 of the guide", len(r.sheet.stepsFR), len(r.sheet.stepsEN))
	}
	for i, s := range r.sheet.stepsFR {
		if want := string(rune('1' + i)); s.number != want || r.sheet.stepsEN[i].number != want {
			t.Errorf("step %d is numbered %q / %q", i+1, s.number, r.sheet.stepsEN[i].number)
		}
	}
	if !strings.Contains(r.sheet.stepsFR[3].text, "23h59") || !strings.Contains(r.sheet.stepsEN[3].text, "23:59") {
		t.Error("step 4 must say the link is valid until 23:59 the same day")
	}
}
