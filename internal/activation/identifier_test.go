package activation

import "testing"

func TestSiteLoginTakesLoginsOnly(t *testing.T) {
	c := DefaultConfig()
	for in, want := range map[string]bool{
		"jean.dupont": true, "Jean.Dupont@ETU.umontpellier.fr ": true, "jean.dupont2": true, "marie-anne.le-goff": true,
		"21000001": false, "21000001@etu.umontpellier.fr": false, "AB123456": false, "": false,
		"jean.dupont@gmail.com": false, "jean dupont.x": false,
	} {
		if _, ok := c.SiteLogin(in); ok != want {
			t.Errorf("SiteLogin(%q) = %v, want %v", in, ok, want)
		}
	}
}
