package activation

import (
	"strings"
	"testing"
)

// TestPolicyCNIL1 is the default policy: the CNIL's case 1, 80 bits by its
// counting (length × log2 of the classes' alphabet: 26, 26, 10, 37).
func TestPolicyCNIL1(t *testing.T) {
	if DefaultPolicy != PolicyCNIL1 {
		t.Fatalf("the default policy is %q, want cnil-1", DefaultPolicy.Name)
	}
	c := PasswordContext{FirstName: "Héloïse", LastName: "Lefèvre", LoginLocal: "heloise.lefevre"}
	for _, tt := range []struct {
		pw   string
		bits int
		ok   bool
	}{
		{"Brume-Viol4x", 80, true},              // 12 of four classes: the CNIL's first example
		{"BrumeViolet4x", 77, false},            // 13 of three classes
		{"BrumeViolett4x", 83, true},            // 14 of three classes: its second example
		{"Brume-Violette", 91, true},            // 14 of lower, upper, others
		{"brume violette calme", 120, true},     // a passphrase: lower case and spaces
		{"toutenminuscules", 75, false},         // 16 lower case
		{"Brume-Violx", 71, false},              // 11 characters: too short anyway
		{"Écureuil vert 9 pins", 133, true},     // accents count as letters
		{"ÉCUREUIL-VERT-9-PINS!", 130, true},    // upper case only and others
		{"Montpellier-Brume-Garrigue", 0, true}, // bits not checked here
	} {
		if tt.bits > 0 {
			if got := StrengthBits(tt.pw); got != tt.bits {
				t.Errorf("StrengthBits(%q) = %d, want %d", tt.pw, got, tt.bits)
			}
		}
		err := PolicyCNIL1.Check(tt.pw, c)
		if (err == nil) != tt.ok {
			t.Errorf("cnil-1 Check(%q) = %v, want accepted %t", tt.pw, err, tt.ok)
		}
		if err != nil && len(tt.pw) >= 12 && Reason(err) != ReasonPasswordStrength {
			t.Errorf("cnil-1 Check(%q): reason %q, want %q", tt.pw, Reason(err), ReasonPasswordStrength)
		}
	}
	// cnil-2 keeps the rule of before: 12 characters of 3 classes.
	if err := PolicyCNIL2.Check("BrumeViolet4x", c); err != nil {
		t.Errorf("cnil-2 refuses 13 characters of 3 classes: %v", err)
	}
	for _, name := range []string{"cnil-1", "cnil-2"} {
		p, ok := PolicyByName(name)
		if !ok || p.Name != name {
			t.Errorf("PolicyByName(%q) = %+v, %t", name, p, ok)
		}
	}
	var keys []string
	for _, r := range PolicyCNIL1.Rules() {
		keys = append(keys, r.Key)
	}
	if got := strings.Join(keys, ","); got != "length,strength,names,provisional,weak" {
		t.Errorf("cnil-1 rules: %s", got)
	}
}
