package passpdf

import (
	"bytes"
	"strings"
	"testing"

	"github.com/umontpellier/scolpass/internal/activation"
)

// The longest names the import accepts (activation.MaxNameLen characters
// each, of the widest letters) fit the sheet with the longest login and a
// long programme: an accepted student never stops a programme's sheets.
func TestLongestAcceptedNamesFitTheSheet(t *testing.T) {
	first, last := strings.Repeat("W", activation.MaxNameLen), strings.Repeat("M", activation.MaxNameLen)
	s := sheet("x", "y", "21009999", "wwwwwwwwwwwwwwwwwwwwwwwwwwwwww.mmmmmmmmmmmmmmmmmmmmmmmmmmmmm@etu.umontpellier.fr", "ABCD-EFGH-JKMN")
	s.Program = "Master mention Droit international et droit européen, parcours Droit des relations économiques internationales"
	s.FirstName, s.LastName = first, last
	if err := renderer(t).WriteSheets(&bytes.Buffer{}, []Sheet{s}); err != nil {
		t.Fatalf("names of %d characters do not fit: %v", activation.MaxNameLen, err)
	}
	// Words of ordinary length, as a real long name has.
	s.FirstName = strings.TrimSpace(strings.Repeat("Wilhelmine-Wendeline ", activation.MaxNameLen/21))
	s.LastName = strings.TrimSpace(strings.Repeat("Montmorency-Mirambeau ", activation.MaxNameLen/22))
	if err := renderer(t).WriteSheets(&bytes.Buffer{}, []Sheet{s}); err != nil {
		t.Fatalf("long compound names do not fit: %v", err)
	}
}
