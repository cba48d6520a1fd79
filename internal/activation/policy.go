package activation

import (
	_ "embed"
	"fmt"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// PasswordPolicy is the rule a new password must pass at step 7.
type PasswordPolicy struct {
	Name        string // "cnil-1", "cnil-2" (policy_cnil.go); "" for a custom one
	MinLength   int    // characters (runes), not bytes
	MinBits     int    // strength by the CNIL's counting (StrengthBits); 0: none
	MinClasses  int    // of: lower case, upper case, digits, other characters (0–4)
	ForbidNames bool   // refuse the first name, last name or login local part
	ForbidWeak  bool   // refuse well-known weak passwords
}

// DefaultPolicy is the policy of the product contract: the CNIL's case 1
// (PolicyCNIL1: 80 bits, e.g. 12 characters of the four classes or 14 of
// three), no name or login, not a well-known weak password.
var DefaultPolicy = PolicyCNIL1

// MaxPasswordLength bounds what Check accepts, so that nobody feeds megabytes
// to argon2id. It is not configurable.
const MaxPasswordLength = 256

// PasswordContext is what the password must not be made of.
type PasswordContext struct {
	FirstName   string
	LastName    string
	LoginLocal  string // "jean.dupont2"; a full address is cut at the @
	Provisional string // the provisional password typed at step 2, if known
	// ProvisionalHash is the stored provisional password: when Provisional
	// is unknown (a web session stands for steps 1-2), a new password equal
	// to it is still refused.
	ProvisionalHash string
	// ProvisionalKey is the server key ProvisionalHash was made with
	// (Config.ProvisionalKey).
	ProvisionalKey []byte
}

// Check returns nil if pw passes the policy, else an *Error with code
// EPOLICY whose message names the first rule it fails, in this order:
// provisional password, length, classes, strength, first name, last name,
// login, weak password. Messages never contain the password.
//
// Names are compared case- and accent-insensitively ("HÉLOÏSE" contains
// "heloise"), each part of a compound name on its own ("Jean-Pierre":
// "jean", "pierre") and the name as a whole ("N'Diaye": "ndiaye"); parts
// shorter than 3 letters ("de", "la", "li") are ignored on their own.
//
// A password is weak if it is in the embedded list (weak-passwords.txt), also
// once trailing and leading digits and symbols are stripped and common
// substitutions undone ("Azerty123456!", "P@ssw0rd2026"), if it is made of
// the university's name plus digits or a listed word ("Montpellier2026!"),
// or if it repeats one short pattern ("Ab1!Ab1!Ab1!") or runs through
// consecutive characters ("123456789012").
func (p PasswordPolicy) Check(pw string, c PasswordContext) error {
	// The provisional password first: whatever else it fails, this is what
	// the student needs to hear.
	if c.Provisional != "" {
		prov := NormalizeProvisional(c.Provisional)
		if prov != "" && strings.Contains(NormalizeProvisional(pw), prov) {
			return policyRefusal(ReasonPasswordProvisional, "", "it must not be your provisional password")
		}
	} else if c.ProvisionalHash != "" && len(pw) <= MaxPasswordLength && containsProvisional(pw, c.ProvisionalHash, c.ProvisionalKey) {
		return policyRefusal(ReasonPasswordProvisional, "", "it must not be your provisional password")
	}
	n := utf8.RuneCountInString(pw)
	if n < p.MinLength {
		return policyRefusal(ReasonPasswordTooShort, fmt.Sprint(p.MinLength), "it must be at least %d characters long", p.MinLength)
	}
	if n > MaxPasswordLength {
		return policyRefusal(ReasonPasswordTooLong, fmt.Sprint(MaxPasswordLength), "it must be at most %d characters long", MaxPasswordLength)
	}
	if need := p.ClassesNeeded(); policyClasses(pw) < need {
		return policyRefusal(ReasonPasswordClasses, fmt.Sprint(need), "it must mix at least %d of: lower case, upper case, digits, other characters", need)
	}
	if p.MinBits > 0 && StrengthBits(pw) < p.MinBits {
		return policyRefusal(ReasonPasswordStrength, fmt.Sprint(p.MinBits),
			"it is not strong enough (%d bits by the CNIL's counting): use 12 characters mixing lower case, upper case, digits and others, or 14 of three kinds", p.MinBits)
	}
	if p.ForbidNames {
		f := foldForPolicy(pw)
		cf := policyCompact(f)
		if containsAnyToken(f, cf, nameTokens(c.FirstName)) {
			return policyRefusal(ReasonPasswordFirstName, "", "it must not contain your first name")
		}
		if containsAnyToken(f, cf, nameTokens(c.LastName)) {
			return policyRefusal(ReasonPasswordLastName, "", "it must not contain your last name")
		}
		if containsAnyToken(f, cf, loginTokens(c.LoginLocal)) {
			return policyRefusal(ReasonPasswordLogin, "", "it must not contain your login")
		}
	}
	if p.ForbidWeak && IsWeakPassword(pw) {
		return policyRefusal(ReasonPasswordWeak, "", "it is a well-known weak password")
	}
	return nil
}

// containsProvisional is the provisional-password rule when only its hash is
// known (a web session stands for steps 1-2): the same containment, after
// the same normalisation, as when it was typed. Every run of
// provisionalLen characters of the normalised candidate is checked against
// the hash (at most 243 HMACs for the longest password).
func containsProvisional(pw, hash string, key []byte) bool {
	if VerifyProvisionalWith(pw, hash, key) {
		return true
	}
	r := []rune(NormalizeProvisional(pw))
	for i := 0; i+provisionalLen <= len(r); i++ {
		if VerifyProvisionalWith(string(r[i:i+provisionalLen]), hash, key) {
			return true
		}
	}
	return false
}

// ClassesNeeded is how many of the four classes (lower case, upper case,
// digits, others) a new password must mix: MinClasses, at most 4.
func (p PasswordPolicy) ClassesNeeded() int { return min(p.MinClasses, 4) }

func policyRefusal(reason, param, format string, args ...any) *Error {
	e := Errorf(EPOLICY, "password refused: "+format, args...)
	e.Reason, e.Param = reason, param
	return e
}

// policyClasses counts the character classes present in pw: lower case, upper
// case, digits, anything else.
func policyClasses(pw string) int {
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
	n := 0
	for _, b := range []bool{lower, upper, digit, other} {
		if b {
			n++
		}
	}
	return n
}

// foldTranslit spells out, after accents are removed, the letters that do not
// decompose (the same ones the identifiers are derived with).
var foldTranslit = strings.NewReplacer(
	"æ", "ae", "œ", "oe", "ß", "ss", "ø", "o", "ł", "l", "đ", "d", "þ", "th", "ð", "d", "ı", "i",
)

// foldForPolicy returns s without accents, in lower case, with æ, œ, ß … spelt out:
// "Œdipe HÉLOÏSE" gives "oedipe heloise".
func foldForPolicy(s string) string {
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	out, _, err := transform.String(t, s)
	if err != nil {
		out = s
	}
	return foldTranslit.Replace(strings.ToLower(out))
}

// policyCompact keeps only the letters and digits of s: "jean pierre" gives
// "jeanpierre", so that a password writing a name with other separators
// still contains it.
func policyCompact(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return r
		}
		return -1
	}, s)
}

// minNamePart is the shortest name part looked for in a password.
const minNamePart = 3

// nameTokens returns the folded pieces of a name a password must not contain:
// every part of at least 3 letters and the whole name without separators.
func nameTokens(name string) []string {
	f := foldForPolicy(name)
	var out []string
	add := func(s string) {
		if utf8.RuneCountInString(s) >= minNamePart {
			out = append(out, s)
		}
	}
	for _, part := range strings.FieldsFunc(f, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}) {
		add(part)
	}
	add(policyCompact(f))
	return out
}

// loginTokens returns the pieces of a login local part ("jean-pierre.dupont2")
// a password must not contain: the whole local part, its name parts without
// the homonym number, and all of it without separators.
func loginTokens(login string) []string {
	if at := strings.IndexByte(login, '@'); at >= 0 {
		login = login[:at]
	}
	f := foldForPolicy(strings.TrimSpace(login))
	if f == "" {
		return nil
	}
	out := []string{f}
	letters := strings.TrimRightFunc(f, unicode.IsDigit)
	out = append(out, nameTokens(letters)...)
	return out
}

func containsAnyToken(f, compacted string, tokens []string) bool {
	for _, t := range tokens {
		if strings.Contains(f, t) || strings.Contains(compacted, t) {
			return true
		}
	}
	return false
}

//go:embed weak-passwords.txt
var weakPasswordsFile string

// weakSet is the folded content of weak-passwords.txt.
var weakSet = sync.OnceValue(func() map[string]struct{} {
	set := make(map[string]struct{}, 600)
	for _, line := range strings.Split(weakPasswordsFile, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		set[foldForPolicy(line)] = struct{}{}
	}
	return set
})

// universityWords are the words a student of the university would build a
// password on first; a password that is only these plus digits, symbols or
// a listed weak word is weak. Longest first: they are removed in this order.
var universityWords = []string{
	"universitedemontpellier", "universityofmontpellier", "umontpellier",
	"montpellier", "universite", "university", "scolarite", "etudiante",
	"etudiant", "students", "student", "scolpass", "faculte", "campus",
}

// leetReplacer undoes the usual substitutions of letters by digits and symbols.
var leetReplacer = strings.NewReplacer(
	"@", "a", "4", "a", "0", "o", "1", "i", "!", "i", "3", "e", "€", "e",
	"$", "s", "5", "s", "7", "t", "+", "t",
)

func policyNotLetter(r rune) bool { return !unicode.IsLetter(r) }

// IsWeakPassword reports whether pw is a well-known weak password, as
// PasswordPolicy.Check with ForbidWeak understands it.
func IsWeakPassword(pw string) bool {
	set := weakSet()
	f := foldForPolicy(pw)
	stripped := strings.TrimFunc(f, policyNotLetter)
	// Digits and symbols at the end are a suffix, not a substitution:
	// "p@ssw0rd2026!" → "p@ssw0rd" → "password".
	unleeted := strings.TrimFunc(leetReplacer.Replace(strings.TrimRightFunc(f, policyNotLetter)), policyNotLetter)
	candidates := []string{f, stripped, leetReplacer.Replace(stripped), unleeted}
	for _, c := range candidates {
		if _, ok := set[c]; ok && c != "" {
			return true
		}
	}
	for _, c := range []string{stripped, unleeted} {
		if universityBased(policyLetters(c), set) {
			return true
		}
	}
	return repeatsShortUnit(f) || isSequence(f)
}

// isSequence reports whether s is a run of consecutive characters, up or
// down, at least 6 long: "123456789012", "abcdefgh", "987654".
func isSequence(s string) bool {
	r := []rune(s)
	if len(r) < 6 {
		return false
	}
	next := func(a, b rune, step rune) bool {
		if a >= '0' && a <= '9' && b >= '0' && b <= '9' {
			return (a-'0'+10+step)%10 == b-'0'
		}
		return a+step == b
	}
	for _, step := range []rune{1, -1} {
		ok := true
		for i := 1; i < len(r) && ok; i++ {
			ok = next(r[i-1], r[i], step)
		}
		if ok {
			return true
		}
	}
	return false
}

// policyLetters keeps only the letters of s.
func policyLetters(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) {
			return r
		}
		return -1
	}, s)
}

// universityBased reports whether letters is made of university words plus
// fewer than 4 other letters or plus a listed weak word.
func universityBased(letters string, set map[string]struct{}) bool {
	rest := letters
	for _, w := range universityWords {
		rest = strings.ReplaceAll(rest, w, " ")
	}
	if rest == letters {
		return false
	}
	left := strings.ReplaceAll(rest, " ", "")
	if utf8.RuneCountInString(left) < 4 {
		return true
	}
	_, ok := set[left]
	return ok
}

// repeatsShortUnit reports whether s is one unit of at most 4 characters
// repeated (at least twice, the last time possibly cut short):
// "aaaaaaaaaaaa", "ab1!ab1!ab1!a".
func repeatsShortUnit(s string) bool {
	r := []rune(s)
	for unit := 1; unit <= 4 && 2*unit <= len(r); unit++ {
		same := true
		for i := unit; i < len(r); i++ {
			if r[i] != r[i-unit] {
				same = false
				break
			}
		}
		if same {
			return true
		}
	}
	return false
}
