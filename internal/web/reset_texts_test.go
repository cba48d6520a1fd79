package web_test

import (
	"strings"
	"testing"

	"github.com/umontpellier/scolpass/internal/activation"
	"github.com/umontpellier/scolpass/internal/web"
)

// TestRecoveryTexts: the keys the recovery pages build at run time exist
// in French and in English (TestCatalogues checks the keys templates name).
func TestRecoveryTexts(t *testing.T) {
	keys := []string{"reason." + activation.ReasonPasswordStrength, "policy.strength", "reason." + activation.ReasonPasswordSame, "reason." + activation.ReasonChangeAuthFailed, "reason." + activation.ReasonAlreadyActive}
	for _, r := range []string{activation.ReasonTokenUnknown, activation.ReasonTokenUsed, activation.ReasonTokenReplaced, activation.ReasonTokenExpired, activation.ReasonTokenMismatch} {
		keys = append(keys, "reset.link."+r, "link."+r+".title")
	}
	for _, lang := range []string{"fr", "en"} {
		c := web.Catalogue(lang)
		for _, k := range keys {
			if c[k] == "" {
				t.Errorf("%s: no text for %q", lang, k)
			}
		}
	}
	// The refusal of an already active account points to the lost-password page.
	if fr, en := web.Catalogue("fr")["reason.already_active"], web.Catalogue("en")["reason.already_active"]; fr == "" || en == "" ||
		!strings.Contains(fr, web.Catalogue("fr")["recover.forgot_password"]) || !strings.Contains(en, web.Catalogue("en")["recover.forgot_password"]) {
		t.Errorf("already active: %q / %q", fr, en)
	}
}
