package activation

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits of RFC 5321 §4.5.3.1.
const (
	maxEmailLength  = 254
	maxLocalLength  = 64
	maxDomainLength = 253
	maxLabelLength  = 63
)

// ValidateEmail checks an address typed by a student (recovery email, redirect
// address) and returns it normalized: surrounding spaces trimmed, domain in
// lower case (the local part is kept as typed: servers may tell cases
// apart). It accepts the plain form "local@domain" only, with an ASCII local
// part (dot-atom) and a domain of at least two labels (internationalized
// domains in their xn-- form). Otherwise it returns an EPOLICY error whose
// message names the address and what is wrong with it.
func ValidateEmail(addr string) (string, error) {
	a := strings.TrimSpace(addr)
	if why := emailProblem(a); why != "" {
		return "", &Error{Code: EPOLICY, Reason: ReasonEmailInvalid, Param: why,
			Message: fmt.Sprintf("%q is not a valid email address (%s)", a, why)}
	}
	at := strings.LastIndexByte(a, '@')
	return a[:at] + "@" + strings.ToLower(a[at+1:]), nil
}

// emailProblem returns what is wrong with a, or "" if nothing is.
func emailProblem(a string) string {
	if a == "" {
		return "it is empty"
	}
	if len(a) > maxEmailLength {
		return "it is too long"
	}
	if strings.Count(a, "@") != 1 {
		if !strings.Contains(a, "@") {
			return "it has no @"
		}
		return "it has more than one @"
	}
	local, domain, _ := strings.Cut(a, "@")
	if local == "" {
		return "nothing before the @"
	}
	if len(local) > maxLocalLength {
		return "the part before the @ is too long"
	}
	if local[0] == '.' || local[len(local)-1] == '.' || strings.Contains(local, "..") {
		return "misplaced dot before the @"
	}
	for i := 0; i < len(local); i++ {
		if !emailAtext(local[i]) && local[i] != '.' {
			return "character " + emailQuoteChar(local, i) + " is not allowed before the @"
		}
	}
	if domain == "" {
		return "nothing after the @"
	}
	if len(domain) > maxDomainLength {
		return "the domain is too long"
	}
	labels := strings.Split(domain, ".")
	if len(labels) < 2 {
		return "the domain has no dot"
	}
	for _, l := range labels {
		if l == "" {
			return "misplaced dot in the domain"
		}
		if len(l) > maxLabelLength {
			return "a part of the domain is too long"
		}
		if l[0] == '-' || l[len(l)-1] == '-' {
			return "a part of the domain starts or ends with a hyphen"
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !(emailLetter(c) || emailDigit(c) || c == '-') {
				return "character " + emailQuoteChar(l, i) + " is not allowed in the domain"
			}
		}
	}
	tld := labels[len(labels)-1]
	for i := 0; i < len(tld); i++ {
		if emailDigit(tld[i]) {
			return "the domain does not end with a name"
		}
	}
	if len(tld) < 2 {
		return "the domain ends too short"
	}
	return ""
}

// IsUniversityAddress reports whether addr is in domain or one of its
// subdomains, ignoring case and a trailing dot: with domain
// "umontpellier.fr", both "x@umontpellier.fr" and "x@etu.umontpellier.fr"
// are, "x@notumontpellier.fr" is not. Redirecting a university mailbox to
// such an address would loop; the caller refuses it. An empty domain
// matches nothing.
func IsUniversityAddress(addr, domain string) bool {
	domain = strings.ToLower(strings.Trim(strings.TrimSpace(domain), ".@"))
	if domain == "" {
		return false
	}
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return false
	}
	d := strings.ToLower(strings.TrimSuffix(strings.TrimSpace(addr[at+1:]), "."))
	return d == domain || strings.HasSuffix(d, "."+domain)
}

// emailAtext reports whether c is an "atext" character of RFC 5322 §3.2.3.
func emailAtext(c byte) bool {
	if emailLetter(c) || emailDigit(c) {
		return true
	}
	return strings.IndexByte("!#$%&'*+-/=?^_`{|}~", c) >= 0
}

func emailLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func emailDigit(c byte) bool  { return c >= '0' && c <= '9' }

// emailQuoteChar quotes the (possibly multi-byte) character starting at s[i].
func emailQuoteChar(s string, i int) string {
	r, _ := utf8.DecodeRuneInString(s[i:])
	switch {
	case r == ' ':
		return "space"
	case r == utf8.RuneError || !unicode.IsPrint(r):
		return fmt.Sprintf("%U", r)
	}
	return "\"" + string(r) + "\""
}
