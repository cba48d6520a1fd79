package activation

import (
	"errors"
	"strings"
	"testing"
)

func TestValidateEmail(t *testing.T) {
	tests := []struct {
		in, want string // want "" means refused
		why      string
	}{
		{"alice@example.org", "alice@example.org", ""},
		{"  Alice.Martin@GMail.COM \n", "Alice.Martin@gmail.com", ""},
		{"jean-pierre+scol@laposte.net", "jean-pierre+scol@laposte.net", ""},
		{"o'brien@mail.example.co.uk", "o'brien@mail.example.co.uk", ""},
		{"x@xn--bcher-kva.example", "x@xn--bcher-kva.example", ""},
		{"a_b@sub-domain.example.fr", "a_b@sub-domain.example.fr", ""},
		{"", "", "it is empty"},
		{"   ", "", "it is empty"},
		{"alice", "", "it has no @"},
		{"alice@@example.org", "", "more than one @"},
		{"a@b@example.org", "", "more than one @"},
		{"@example.org", "", "nothing before the @"},
		{"alice@", "", "nothing after the @"},
		{"alice@localhost", "", "the domain has no dot"},
		{"alice@example..org", "", "misplaced dot in the domain"},
		{"alice@.example.org", "", "misplaced dot in the domain"},
		{"alice@example.org.", "", "misplaced dot in the domain"},
		{".alice@example.org", "", "misplaced dot before the @"},
		{"alice.@example.org", "", "misplaced dot before the @"},
		{"al..ice@example.org", "", "misplaced dot before the @"},
		{"al ice@example.org", "", "space is not allowed before the @"},
		{"Alice <alice@example.org>", "", "not allowed before the @"},
		{"alice@exa mple.org", "", "space is not allowed in the domain"},
		{"élise@example.org", "", `"é" is not allowed before the @`},
		{"alice@exämple.org", "", `"ä" is not allowed in the domain`},
		{"alice@-example.org", "", "starts or ends with a hyphen"},
		{"alice@example.o", "", "ends too short"},
		{"alice@192.168.0.1", "", "does not end with a name"},
		{"alice@example_org.fr", "", `"_" is not allowed in the domain`},
		{strings.Repeat("a", 65) + "@example.org", "", "before the @ is too long"},
		{"a@" + strings.Repeat("b", 64) + ".org", "", "part of the domain is too long"},
		{"a@" + strings.Repeat("b.", 130) + "org", "", "too long"},
	}
	for _, tt := range tests {
		got, err := ValidateEmail(tt.in)
		if tt.want != "" {
			if err != nil || got != tt.want {
				t.Errorf("ValidateEmail(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
			continue
		}
		if err == nil {
			t.Errorf("ValidateEmail(%q) = %q, want refused (%s)", tt.in, got, tt.why)
			continue
		}
		var e *Error
		if !errors.As(err, &e) || e.Code != EPOLICY {
			t.Errorf("ValidateEmail(%q): error %#v is not EPOLICY", tt.in, err)
		}
		if !strings.Contains(err.Error(), "is not a valid email address") || !strings.Contains(err.Error(), tt.why) {
			t.Errorf("ValidateEmail(%q): %q, want it to say %q", tt.in, err, tt.why)
		}
	}
}

func TestIsUniversityAddress(t *testing.T) {
	tests := []struct {
		addr, domain string
		want         bool
	}{
		{"jean.dupont@umontpellier.fr", "umontpellier.fr", true},
		{"jean.dupont@etu.umontpellier.fr", "umontpellier.fr", true},
		{"Jean.Dupont@ETU.UMontpellier.FR", "umontpellier.fr", true},
		{"jean.dupont@etu.umontpellier.fr.", "umontpellier.fr", true},
		{"jean.dupont@etu.umontpellier.fr", "etu.umontpellier.fr", true},
		{"jean.dupont@etu.umontpellier.fr", "@ETU.umontpellier.fr", true},
		{"jean.dupont@umontpellier.fr", "etu.umontpellier.fr", false},
		{"jean.dupont@notumontpellier.fr", "umontpellier.fr", false},
		{"jean.dupont@umontpellier.fr.evil.com", "umontpellier.fr", false},
		{"jean.dupont@gmail.com", "umontpellier.fr", false},
		{"jean.dupont@umontpellier.fr", "", false},
		{"no-at-sign", "umontpellier.fr", false},
	}
	for _, tt := range tests {
		if got := IsUniversityAddress(tt.addr, tt.domain); got != tt.want {
			t.Errorf("IsUniversityAddress(%q, %q) = %v, want %v", tt.addr, tt.domain, got, tt.want)
		}
	}
}
