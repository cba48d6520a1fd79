package activation

import (
	"fmt"
	"math"
	"unicode"
	"unicode/utf8"
)

// The password policies by name (SCOLPASS_PASSWORD_POLICY), after the CNIL's
// deliberation 2022-100 on passwords:
//
//   - "cnil-1" (the default), its case 1: a password that guards access
//     alone must be worth at least 80 bits by the CNIL's counting, for
//     example 12 characters mixing the four kinds (lower case, upper case,
//     digits, others) or 14 of three kinds;
//   - "cnil-2", the rule scolpass had before, for sites whose login service
//     throttles attempts (the deliberation's case 2 allows a weaker
//     password there): 12 characters of at least 3 of the 4 kinds.
//
// Both refuse the names, the login, the provisional password and the
// well-known weak passwords.
var (
	PolicyCNIL1 = PasswordPolicy{Name: "cnil-1", MinLength: 12, MinBits: 80, ForbidNames: true, ForbidWeak: true}
	PolicyCNIL2 = PasswordPolicy{Name: "cnil-2", MinLength: 12, MinClasses: 3, ForbidNames: true, ForbidWeak: true}
)

// Policies lists the named policies.
var Policies = []PasswordPolicy{PolicyCNIL1, PolicyCNIL2}

// PolicyByName returns the named policy ("cnil-1", "cnil-2").
func PolicyByName(name string) (PasswordPolicy, bool) {
	for _, p := range Policies {
		if p.Name == name {
			return p, true
		}
	}
	return PasswordPolicy{}, false
}

// ReasonPasswordStrength refuses a password below the policy's bits (Param:
// the bits needed).
const ReasonPasswordStrength = "password_strength"

// The sizes of the character classes by the CNIL's counting: 26 lower-case
// letters, 26 upper-case, 10 digits and (at least) 37 other characters.
const (
	cnilLower  = 26
	cnilUpper  = 26
	cnilDigit  = 10
	cnilOthers = 37
)

// StrengthBits is a password's strength by the CNIL's counting: its length
// times log2 of the size of the alphabet it draws from (the sum of the
// classes it uses), rounded to the nearest bit. 12 characters of the four
// classes give 80 (12 × log2 99 = 79.6), 14 of lower, upper and digits 83.
func StrengthBits(pw string) int {
	var lower, upper, digit, other bool
	for _, r := range pw {
		switch {
		case unicode.IsLower(r):
			lower = true
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsDigit(r):
			digit = true
		default:
			other = true
		}
	}
	size := 0
	for _, c := range []struct {
		used bool
		n    int
	}{{lower, cnilLower}, {upper, cnilUpper}, {digit, cnilDigit}, {other, cnilOthers}} {
		if c.used {
			size += c.n
		}
	}
	if size == 0 {
		return 0
	}
	return int(math.Round(float64(utf8.RuneCountInString(pw)) * math.Log2(float64(size))))
}

// PolicyRule is one rule of a policy, as said to people before they type:
// Key names it for translated faces ("length", "classes", "strength",
// "names", "provisional", "weak"), Arg is its number, Text its English.
type PolicyRule struct {
	Key  string
	Arg  int
	Text string
}

// Rules are the policy's rules in the order Check applies them: what step
// 7, the lost-password page and the assisted prompt state.
func (p PasswordPolicy) Rules() []PolicyRule {
	out := []PolicyRule{{Key: "length", Arg: p.MinLength, Text: fmt.Sprintf("at least %d characters", p.MinLength)}}
	if n := p.ClassesNeeded(); n > 0 {
		out = append(out, PolicyRule{Key: "classes", Arg: n, Text: fmt.Sprintf("at least %d kinds among lower case, upper case, digits, others", n)})
	}
	if p.MinBits > 0 {
		out = append(out, PolicyRule{Key: "strength", Arg: p.MinBits,
			Text: fmt.Sprintf("strong enough (%d bits by the CNIL's counting): e.g. 12 characters mixing lower case, upper case, digits and others, or 14 of three kinds", p.MinBits)})
	}
	if p.ForbidNames {
		out = append(out, PolicyRule{Key: "names", Text: "no first name, last name or login"})
	}
	out = append(out, PolicyRule{Key: "provisional", Text: "not the provisional password"})
	if p.ForbidWeak {
		out = append(out, PolicyRule{Key: "weak", Text: "not a well-known weak password"})
	}
	return out
}
