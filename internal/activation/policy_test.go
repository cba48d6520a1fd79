package activation

import (
	"errors"
	"strings"
	"testing"
)

func TestPasswordPolicyCheck(t *testing.T) {
	ctx := PasswordContext{
		FirstName:   "Héloïse",
		LastName:    "Lefèvre",
		LoginLocal:  "heloise.lefevre",
		Provisional: "K7QM-X4TP-9CWD-3R",
	}
	compound := PasswordContext{
		FirstName:  "Jean-Pierre",
		LastName:   "De La Fontaine",
		LoginLocal: "jean-pierre.de-la-fontaine2",
	}
	ligature := PasswordContext{FirstName: "Œdipe", LastName: "Bœuf", LoginLocal: "oedipe.boeuf"}
	apostrophe := PasswordContext{FirstName: "Aïcha", LastName: "N'Diaye", LoginLocal: "aicha.ndiaye"}
	short := PasswordContext{FirstName: "Li", LastName: "Wu", LoginLocal: "li.wu"}

	tests := []struct {
		name string
		pw   string
		c    PasswordContext
		rule string // "" when accepted; else a piece of the message
	}{
		{"good", "Brume-Violette-42", ctx, ""},
		{"good passphrase with accents", "Écureuil vert 9 pins", ctx, ""},
		{"too short", "Ab1!xyz", ctx, "at least 12 characters long"},
		{"11 characters", "Brume-Viol4", ctx, "at least 12 characters long"},
		{"12 characters is enough", "Brume-Viol4x", ctx, ""},
		{"12 runes in 22 bytes is enough", "éééééééééé1A", ctx, ""},
		{"11 runes in 21 bytes is not", "ééééééééé1A", ctx, "at least 12 characters long"},
		{"too long", strings.Repeat("Ab1-", 65), ctx, "at most 256 characters long"},
		{"one class", "brumeviolettecalme", ctx, "mix at least 3 of: lower case, upper case, digits, other characters"},
		{"two classes", "brumeviolette42", ctx, "mix at least 3 of"},
		{"three classes no symbol", "BrumeViolette42", ctx, ""},
		{"three classes no digit", "Brume-Violette", ctx, ""},
		{"provisional as is", "K7QM-X4TP-9CWD-3R", ctx, "must not be your provisional password"},
		{"provisional lower case no dashes", "k7qmx4tp9cwd3r!", ctx, "must not be your provisional password"},
		{"first name", "Heloise-2026-Ete", ctx, "must not contain your first name"},
		{"first name accented upper", "HÉLOÏSE#brume42", ctx, "must not contain your first name"},
		{"last name", "Brume-LEFEVRE-42", ctx, "must not contain your last name"},
		{"last name accented", "Brume-Lefèvre-42", ctx, "must not contain your last name"},
		{"login", "Xheloise.lefevreX1", PasswordContext{LoginLocal: "heloise.lefevre"}, "must not contain your login"},
		{"compound first name part", "Pierre*Brume*42", compound, "must not contain your first name"},
		{"compound first name whole", "JeanPierre#Brume", compound, "must not contain your first name"},
		{"compound last name part", "Fontaine#Brume4", compound, "must not contain your last name"},
		{"short name parts ignored", "Dela-Brume-Lac4", compound, ""},
		{"login with homonym number", "Brume-dupont2!X", PasswordContext{LoginLocal: "jean.dupont2"}, "must not contain your login"},
		{"ligature written out", "Oedipe-Brume-42", ligature, "must not contain your first name"},
		{"ligature typed", "Bœuf-Brume-42x", ligature, "must not contain your last name"},
		{"apostrophe name", "Ndiaye-Brume-42", apostrophe, "must not contain your last name"},
		{"apostrophe name with space", "N Diaye Brume 42", apostrophe, "must not contain your last name"},
		{"names shorter than 3 letters ignored", "Lime-Brume-42x", short, ""},
		{"weak classic", "Password123!", ctx, "well-known weak password"},
		{"weak azerty", "Azerty123456!", ctx, "well-known weak password"},
		{"weak motdepasse", "Motdepasse!!12", ctx, "well-known weak password"},
		{"weak soleil", "Soleil2026**", ctx, "well-known weak password"},
		{"weak leet", "P@ssw0rd2026!", ctx, "well-known weak password"},
		{"weak leet azerty", "@zerty123456!", ctx, "well-known weak password"},
		{"weak leading digits", "2026!Jetaime", ctx, "well-known weak password"},
		{"weak university", "Montpellier2026!", ctx, "well-known weak password"},
		{"weak university 2", "UMontpellier34!", ctx, "well-known weak password"},
		{"weak university 3", "Universite-2026", ctx, "well-known weak password"},
		{"weak university plus word", "MontpellierSoleil1", ctx, "well-known weak password"},
		{"weak repetition", "Ab1!Ab1!Ab1!", ctx, "well-known weak password"},
		{"weak keyboard", "Azertyuiop12!", ctx, "well-known weak password"},
		{"city and a real word is fine", "Montpellier-Brume-Garrigue", ctx, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := PolicyCNIL2.Check(tt.pw, tt.c) // the classes rule; cnil-1: TestPolicyCNIL1
			if tt.rule == "" {
				if err != nil {
					t.Fatalf("Check(%q) = %v, want accepted", tt.pw, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Check(%q) accepted, want refusal %q", tt.pw, tt.rule)
			}
			var e *Error
			if !errors.As(err, &e) || e.Code != EPOLICY {
				t.Fatalf("error %#v is not an EPOLICY *Error", err)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "password refused: it ") || !strings.Contains(msg, tt.rule) {
				t.Errorf("message %q, want it to name %q", msg, tt.rule)
			}
			if strings.Contains(strings.ToLower(msg), strings.ToLower(tt.pw)) {
				t.Errorf("message %q contains the password", msg)
			}
		})
	}
}

func TestPasswordPolicyConfigurable(t *testing.T) {
	ctx := PasswordContext{FirstName: "Jean", LastName: "Dupont", LoginLocal: "jean.dupont"}
	loose := PasswordPolicy{MinLength: 8, MinClasses: 1}
	for _, pw := range []string{"jeandupont", "azertyuiop"} {
		if err := loose.Check(pw, ctx); err != nil {
			t.Errorf("loose policy refused %q: %v", pw, err)
		}
	}
	strict := PasswordPolicy{MinLength: 16, MinClasses: 4}
	if err := strict.Check("Brume-Violette-4", ctx); err != nil {
		t.Errorf("strict policy refused a 16-character 4-class password: %v", err)
	}
	if err := strict.Check("Brume-Violette-x", ctx); err == nil || !strings.Contains(err.Error(), "at least 4 of") {
		t.Errorf("strict policy: %v, want the 4 classes rule", err)
	}
	if err := (PasswordPolicy{MinLength: 1, MinClasses: 9}).Check("Aa1-", ctx); err != nil {
		t.Errorf("MinClasses above 4 must mean 4: %v", err)
	}
}

func TestIsWeakPassword(t *testing.T) {
	tests := []struct {
		pw   string
		weak bool
	}{
		{"azerty", true},
		{"AZERTY", true},
		{"Azerty123456!", true},
		{"motdepasse", true},
		{"MotDePasse2026", true},
		{"Mötdepässe!", true},
		{"soleil", true},
		{"Soleil!!!!", true},
		{"123456789012", true},
		{"jetaime", true},
		{"Doudou1234!!", true},
		{"P4ssw0rd!", true},
		{"Montpellier2026!", true},
		{"scolpass2026", true},
		{"aaaaaaaaaaaa", true},
		{"Brume-Violette-42", false},
		{"Garrigue#Cigale7", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := IsWeakPassword(tt.pw); got != tt.weak {
			t.Errorf("IsWeakPassword(%q) = %v, want %v", tt.pw, got, tt.weak)
		}
	}
}

func TestWeakListSize(t *testing.T) {
	if n := len(weakSet()); n < 300 {
		t.Errorf("weak list has %d entries, want a few hundred", n)
	}
}

func TestFoldForPolicy(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Héloïse", "heloise"},
		{"LEFÈVRE", "lefevre"},
		{"Œdipe Bœuf", "oedipe boeuf"},
		{"Ærø", "aero"},
		{"Straße", "strasse"},
		{"Łódź", "lodz"},
		{"Ñúñez", "nunez"},
	}
	for _, tt := range tests {
		if got := foldForPolicy(tt.in); got != tt.want {
			t.Errorf("foldForPolicy(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// A provisional password made only of letters (it happens: 1.5 % of them)
// fails the classes rule too; the refusal must still say what matters.
func TestPolicyNamesTheProvisionalPasswordFirst(t *testing.T) {
	const prov = "ABCD-EFGH-JKMN-PQ"
	err := DefaultPolicy.Check(prov, PasswordContext{FirstName: "Anne", LastName: "Alpha", LoginLocal: "anne.alpha", Provisional: prov})
	if err == nil || !strings.Contains(err.Error(), "provisional password") {
		t.Fatalf("got %v, want the provisional-password refusal", err)
	}
}
