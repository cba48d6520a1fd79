package activation

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// MaxNameLen is the longest first or last name accepted, in characters.
// The longest names of a French student register (compound names of
// several families, "Marie-Geneviève-Alexandrine") stay under 60; 100
// leaves room for any real name while the SCOL'PASS sheet still prints
// both parts on its name lines, and a 599-character name can no longer
// stop the sheets of a whole programme.
const MaxNameLen = 100

// NameProblem says why a first or last name cannot be printed on a sheet
// or greeted in an email, "" when it can. label names the field ("first
// name"). A name may not be longer than MaxNameLen characters, and may not
// hold what a reader or a mail client would take for an address: "://",
// "@", "/", "\", "www." or a dot followed by letters ("evil.example"). A
// name such as "Click https://evil.example/verify/XYZ now" would otherwise
// reach the emails as a link that seems to come from the university.
// Initials ("J.-P.", "J. R.") are names.
func NameProblem(label, name string) string {
	if n := utf8.RuneCountInString(name); n > MaxNameLen {
		return fmt.Sprintf("%s is %d characters long; at most %d are accepted", label, n, MaxNameLen)
	}
	if what := linkLike(name); what != "" {
		return fmt.Sprintf("%s %q holds %s, which emails would show as a link: a name holds no address", label, shortQuote(name), what)
	}
	return ""
}

// linkLike names what in s reads as a web or email address, "" if nothing.
func linkLike(s string) string {
	lower := strings.ToLower(s)
	for _, bad := range []string{"://", "www.", "@", "/", `\`} {
		if strings.Contains(lower, bad) {
			return fmt.Sprintf("%q", bad)
		}
	}
	for i := 0; i+2 < len(lower); i++ {
		if lower[i] == '.' && isASCIILetter(lower[i+1]) && isASCIILetter(lower[i+2]) {
			j := i + 1
			for j < len(lower) && isASCIILetter(lower[j]) {
				j++
			}
			return fmt.Sprintf("a domain-like %q", lower[max(0, strings.LastIndexAny(lower[:i], " ")+1):j])
		}
	}
	return ""
}

func isASCIILetter(c byte) bool { return c >= 'a' && c <= 'z' }

// shortQuote cuts a long value for a message.
func shortQuote(s string) string {
	if utf8.RuneCountInString(s) <= 60 {
		return s
	}
	r := []rune(s)
	return string(r[:60]) + "…"
}
