// Package login derives the SCOL'PASS identifier ("prenom.nom") of a student
// from the first and last name found in the student file, and numbers
// homonyms (jean.dupont, jean.dupont2, jean.dupont3, …).
//
// The functions are pure: the same names always give the same login, which
// is what lets the import keep a login stable across re-imports.
//
// A login base only ever contains the ASCII letters a–z, hyphens and one dot
// between the two parts. It never ends with a digit, so a homonym suffix
// added by WithSuffix can never collide with another student's base.
package login

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// MaxBaseLen is the longest login base that Derive returns. It leaves room
// for a homonym suffix of up to four digits within the 64 characters that an
// email address allows before its "@".
const MaxBaseLen = 60

// minLastLen is how much of the last name survives, at least, when a very
// long first name has to be shortened to fit MaxBaseLen.
const minLastLen = 20

// Which part of a name a NameError is about.
const (
	FirstName = "first name"
	LastName  = "last name"
)

// NameError reports a name from which no login can be built: it is empty, or
// nothing is left of it once accents, punctuation, digits and letters of
// non-Latin scripts are removed.
type NameError struct {
	Part string // FirstName or LastName
	Name string // the name as it was given
}

// Error renders one sentence naming the part and the value, such as
// `first name "!!!" has no letters to build a login from`.
func (e *NameError) Error() string {
	if strings.TrimSpace(e.Name) == "" {
		return fmt.Sprintf("%s is empty, a login cannot be built without it", e.Part)
	}
	return fmt.Sprintf("%s %q has no letters to build a login from", e.Part, e.Name)
}

// Derive returns the login base "prenom.nom" of a student (SPEC §3).
//
// Both parts are in ASCII lower case. Accents are removed by Unicode
// compatibility decomposition (é→e, ç→c, ñ→n, ş→s, ư→u, ﬁ→fi) and Latin
// letters that do not decompose are transliterated (æ→ae, œ→oe, ß→ss, ø→o,
// ł→l, đ→d, þ→th, ð→d, ı→i, ħ→h, ŋ→ng, …). Apostrophes vanish
// (N'Diaye→ndiaye). Spaces, hyphens, dots, underscores and other separators
// between words become one hyphen; leading, trailing and repeated separators
// vanish. Digits, other punctuation and letters of non-Latin scripts are
// dropped. In the last name, commas, semicolons and slashes also separate
// words.
//
// Only the first given name is used: "Marie Claire" is one given name
// (marie-claire), but a list "Marie, Louise", "Marie; Louise" or
// "Marie/Louise" gives marie.
//
// When the base would be longer than MaxBaseLen, the last name is shortened,
// preferably at a hyphen, and, only if the first name alone leaves the last
// name fewer than 20 characters, the first name is shortened too.
//
// Derive returns a *NameError when either part is left empty.
func Derive(firstName, lastName string) (string, error) {
	// Most logins fit in 64 bytes, which can then stay on the stack.
	buf := make([]byte, 0, 64)
	buf = appendFirstGivenName(buf, firstName)
	nFirst := len(buf)
	if nFirst == 0 {
		return "", &NameError{Part: FirstName, Name: firstName}
	}
	buf = append(buf, '.')
	buf = appendFold(buf, lastName, true)
	if len(buf) == nFirst+1 {
		return "", &NameError{Part: LastName, Name: lastName}
	}
	if len(buf) <= MaxBaseLen {
		return string(buf), nil
	}
	first, last := string(buf[:nFirst]), string(buf[nFirst+1:])
	first = shorten(first, MaxBaseLen-1-min(len(last), minLastLen))
	last = shorten(last, MaxBaseLen-1-len(first))
	return first + "." + last, nil
}

// WithSuffix returns the login of the n-th student sharing a base: the base
// itself for n <= 1, then base+"2", base+"3", … (jean.dupont, jean.dupont2).
// It is the only place where the homonym suffix rule is written: the
// database stores the base, the number and this login.
func WithSuffix(base string, n int) string {
	if n <= 1 {
		return base
	}
	return base + strconv.Itoa(n)
}

// Homonyms hands out homonym numbers: for each login base, the highest
// number already taken (0 or absent: none). Next gives the number after it,
// so that students sharing a base are numbered 1, 2, 3, … in the order they
// come, after those taken before, without gaps.
type Homonyms map[string]int

// Next takes the next number of base and returns it with the login it gives
// (WithSuffix).
func (h Homonyms) Next(base string) (login string, n int) {
	n = h[base] + 1
	h[base] = n
	return WithSuffix(base, n), n
}

// appendFirstGivenName folds the first element of a list of given names
// that has any letter left: "Marie, Louise" gives "marie".
func appendFirstGivenName(dst []byte, s string) []byte {
	n := len(dst)
	for {
		i := strings.IndexAny(s, ",;/")
		if i < 0 {
			return appendFold(dst, s, false)
		}
		if dst = appendFold(dst, s[:i], false); len(dst) > n {
			return dst
		}
		s = s[i+1:]
	}
}

// appendFold appends one name as lower-case ASCII words joined by single
// hyphens. listSeparators says whether ',', ';' and '/' separate words (last
// names) rather than being dropped.
func appendFold(dst []byte, s string, listSeparators bool) []byte {
	start := len(dst)
	pending := false // a separator was seen since the last letter
	letter := func(c byte) {
		if pending && len(dst) > start {
			dst = append(dst, '-')
		}
		pending = false
		dst = append(dst, c)
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			switch {
			case 'a' <= c && c <= 'z':
				letter(c)
			case 'A' <= c && c <= 'Z':
				letter(c + 'a' - 'A')
			case isASCIISeparator(c), listSeparators && (c == ',' || c == ';' || c == '/'):
				pending = true
			}
			// Apostrophes, digits and other ASCII punctuation vanish.
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		for _, c := range []byte(foldRune(r)) {
			if c == '-' {
				pending = true
			} else {
				letter(c)
			}
		}
	}
	return dst
}

func isASCIISeparator(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\r', '\v', '\f', '-', '.', '_':
		return true
	}
	return false
}

// foldRune spells a non-ASCII rune with the letters a–z, and '-' for a
// separator; "" drops it. Common Latin runes come from a table.
func foldRune(r rune) string {
	switch {
	case r < 0x250:
		return foldTables().latin[r]
	case 0x1E00 <= r && r < 0x1F00:
		return foldTables().extendedAdditional[r-0x1E00]
	}
	return foldRuneSlow(r)
}

// foldTables are built on first use, not when the program starts: most
// scolpass commands derive no login.
var foldTables = sync.OnceValue(func() *struct {
	latin              [0x250]string // U+0000–U+024F: Latin-1 and Latin Extended-A and -B
	extendedAdditional [0x100]string // U+1E00–U+1EFF: Vietnamese and others
} {
	t := new(struct {
		latin              [0x250]string
		extendedAdditional [0x100]string
	})
	for r := range t.latin {
		t.latin[r] = foldRuneSlow(rune(r))
	}
	for i := range t.extendedAdditional {
		t.extendedAdditional[i] = foldRuneSlow(rune(0x1E00 + i))
	}
	return t
})

// foldRuneSlow is foldRune without the tables. Decomposing rune by rune
// gives the same letters as decomposing the whole name, since the canonical
// reordering of a decomposition only moves combining marks, which are dropped.
func foldRuneSlow(r rune) string {
	// Spacing accents and apostrophe-like signs decompose, under NFKD, into a
	// space and a combining mark: drop them before that happens.
	if isApostrophe(r) || unicode.Is(unicode.Sk, r) {
		return ""
	}
	var out []byte
	for _, d := range norm.NFKD.String(string(r)) {
		switch {
		case 'a' <= d && d <= 'z':
			out = append(out, byte(d))
		case 'A' <= d && d <= 'Z':
			out = append(out, byte(d)+'a'-'A')
		case d < utf8.RuneSelf:
			if isASCIISeparator(byte(d)) {
				out = append(out, '-')
			}
		case unicode.Is(unicode.Mn, d), isApostrophe(d):
		case unicode.IsSpace(d), unicode.Is(unicode.Pd, d), unicode.Is(unicode.Pc, d), d == '\u2212':
			out = append(out, '-')
		default:
			out = append(out, transliteration[d]...)
		}
	}
	return string(out)
}

// isApostrophe reports the signs used as apostrophes in names: O'Brien,
// D’Artagnan, N‘Diaye, Hawaiʻi, D`Arc, D´Arc.
func isApostrophe(r rune) bool {
	switch r {
	case '\'', '`', '\u00b4', '\u02b9', '\u02bb', '\u02bc', '\u02bd', '\u2018', '\u2019', '\u201b', '\u2032', '\uff07':
		return true
	}
	return false
}

// shorten cuts a folded name to at most n bytes, at a hyphen when that keeps
// at least half of the allowance, otherwise in the middle of a word.
func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	if i := strings.LastIndexByte(s[:n+1], '-'); i >= n/2 && i > 0 {
		return s[:i]
	}
	return strings.TrimRight(s[:n], "-")
}

// transliteration spells in ASCII the Latin letters that Unicode does not
// decompose into a base letter and accents.
var transliteration = map[rune]string{
	'æ': "ae", 'Æ': "ae",
	'œ': "oe", 'Œ': "oe",
	'ß': "ss", 'ẞ': "ss",
	'ø': "o", 'Ø': "o",
	'ł': "l", 'Ł': "l",
	'đ': "d", 'Đ': "d",
	'þ': "th", 'Þ': "th",
	'ð': "d", 'Ð': "d",
	'ı': "i", 'ȷ': "j",
	'ħ': "h", 'Ħ': "h",
	'ŀ': "l", 'Ŀ': "l",
	'ĸ': "k",
	'ŋ': "ng", 'Ŋ': "ng",
	'ŧ': "t", 'Ŧ': "t",
	'ƒ': "f", 'Ƒ': "f",
	'ɖ': "d", 'Ɖ': "d",
	'ɗ': "d", 'Ɗ': "d",
	'ɓ': "b", 'Ɓ': "b",
	'ƙ': "k", 'Ƙ': "k",
	'ƴ': "y", 'Ƴ': "y",
	'ə': "e", 'Ə': "e",
	'ǝ': "e", 'Ǝ': "e",
	'ɛ': "e", 'Ɛ': "e",
	'ɔ': "o", 'Ɔ': "o",
	'ɨ': "i", 'Ɨ': "i",
	'ʉ': "u", 'Ʉ': "u",
	'ǥ': "g", 'Ǥ': "g",
	'ɣ': "g", 'Ɣ': "g",
	'ʋ': "v", 'Ʋ': "v",
	'ʒ': "z", 'Ʒ': "z",
	'ƶ': "z", 'Ƶ': "z",
	'ƿ': "w", 'Ƿ': "w",
	'ɍ': "r", 'Ɍ': "r",
	'ƀ': "b", 'Ƀ': "b",
}

// SortKey returns name folded the way login parts are (lower-case ASCII,
// accents removed, æ→ae, ł→l, ß→ss, …; words joined by hyphens), so that
// lists of names sort as people expect: Wałęsa with the W's, Øster with
// the O's.
func SortKey(name string) string { return string(appendFold(nil, name, true)) }
