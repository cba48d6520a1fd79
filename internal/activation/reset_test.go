package activation_test

import (
	"strings"
	"testing"

	"github.com/umontpellier/scolpass/internal/activation"
)

// TestProvisionalRuleIsOneForEveryFace is issue 17's "two password rules":
// the site (which knows only the provisional password's hash) must refuse
// what the command line (which knows the typed password) refuses: the
// provisional password contained in the new one, after normalisation.
func TestProvisionalRuleIsOneForEveryFace(t *testing.T) {
	const prov = "K7QM-X4TP-9CWD-3R"
	candidates := []string{
		strings.ToLower(strings.ReplaceAll(prov, "-", "")) + "Aa1!", // the construction the hostile test found
		"Zz9#" + prov,
		"x " + strings.ToLower(prov) + " y!Q",
		prov,
	}
	typed := activation.PasswordContext{FirstName: "Jean", LastName: "Dupont", LoginLocal: "jean.dupont", Provisional: prov}
	hashed := activation.PasswordContext{FirstName: "Jean", LastName: "Dupont", LoginLocal: "jean.dupont", ProvisionalHash: activation.HashProvisional(prov)}
	for _, c := range candidates {
		for name, pc := range map[string]activation.PasswordContext{"typed": typed, "hash only": hashed} {
			err := activation.DefaultPolicy.Check(c, pc)
			if activation.Reason(err) != activation.ReasonPasswordProvisional {
				t.Errorf("%s: %q gives %v, want the provisional-password refusal", name, c, err)
			}
		}
	}
	if err := activation.DefaultPolicy.Check("Vert-Galet-Orage-73", hashed); err != nil {
		t.Errorf("a password without the provisional one is refused: %v", err)
	}
}

func TestMaskAddress(t *testing.T) {
	for in, want := range map[string]string{
		"jean@example.org":          "j•••@e•••.org",
		"Élodie.x@mail.example.com": "É•••@m•••.com",
		"a@b.fr":                    "a•••@b•••.fr",
		"nonsense":                  "•••",
	} {
		if got := activation.MaskAddress(in); got != want {
			t.Errorf("MaskAddress(%q) = %q, want %q", in, got, want)
		}
	}
}
