package activation

import (
	"net/url"
	"regexp"
	"strings"
	"sync"
)

// The emailed link, in one place: how it is built (LinkFor), read back from
// what a person pastes (TokenFromInput), and hidden wherever it could be
// shown (RedactLinks). They change together.

// linkPath is the path of every emailed link under BaseURL.
const linkPath = "/verify/"

// LinkFor returns the emailed link that carries token: BaseURL/verify/TOKEN.
func (c Config) LinkFor(token string) string { return c.BaseURL + linkPath + token }

// TokenFromInput accepts a bare token or a whole emailed link (also with
// text around it, as pasted from an email) and returns the token.
func TokenFromInput(in string) string {
	if f := strings.Fields(in); len(f) > 0 {
		in = f[0] // a pasted email may bring the link twice, or trailing text
	} else {
		return ""
	}
	// Mail clients quote links as <…>, a sentence may end right after one.
	in = strings.TrimLeft(in, "<(\"'")
	in = strings.TrimRight(in, ">)\"'.,;:")
	if strings.Contains(in, "/") {
		if u, err := url.Parse(in); err == nil {
			if t := u.Query().Get("token"); t != "" {
				return t
			}
			p := strings.TrimRight(u.Path, "/")
			if i := strings.LastIndexByte(p, '/'); i >= 0 {
				return p[i+1:]
			}
		}
	}
	return in
}

// linkTokenRE finds what RedactLinks hides: the rest of an emailed link's
// path after /verify/ in any case (and /reset/, a lost-password link) (what follows in a mangled or probing
// request path is hidden too, up to a space, a quote or an angle bracket),
// and any path segment long enough to be a token (/activation/TOKEN,
// /Verify…/TOKEN, a link pasted under another route).
var linkTokenRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?i)` + regexp.QuoteMeta(linkPath) + `[^\s"'<>]+|/[A-Za-z0-9_-]{16,}`)
})

// RedactLinks hides the token of every emailed link in text (an email body
// shown by `mail show`, a request path in serve's access log): whatever
// follows /verify/ whatever its case, and every path segment that looks
// like a token (LooksLikeToken), under any route.
func RedactLinks(text string) string {
	return linkTokenRE().ReplaceAllStringFunc(text, func(m string) string {
		if len(m) > len(linkPath) && strings.EqualFold(m[:len(linkPath)], linkPath) {
			return m[:len(linkPath)] + "[hidden]"
		}
		if LooksLikeToken(m[1:]) {
			return "/[hidden]"
		}
		return m
	})
}

// LooksLikeToken tells whether a path segment could be a link's token or
// a piece of one: at least 16 characters of unpadded base64url mixing two
// of lower case, upper case and digits. A token of NewToken (43 random
// characters) always does; words of the site's routes and of the
// university's addresses (charte-informatique) do not.
func LooksLikeToken(s string) bool {
	if len(s) < 16 {
		return false
	}
	var lower, upper, digit bool
	for _, b := range []byte(s) {
		switch {
		case b >= 'a' && b <= 'z':
			lower = true
		case b >= 'A' && b <= 'Z':
			upper = true
		case b >= '0' && b <= '9':
			digit = true
		case b == '-' || b == '_':
		default:
			return false
		}
	}
	n := 0
	for _, c := range []bool{lower, upper, digit} {
		if c {
			n++
		}
	}
	return n >= 2
}

// PlausibleToken tells what cannot be a link's token (NewToken: unpadded
// base64url) before the store is asked: a face can refuse it at once.
func PlausibleToken(t string) bool {
	if len(t) < 16 || len(t) > 128 {
		return false
	}
	for _, b := range []byte(t) {
		if !(b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '-' || b == '_') {
			return false
		}
	}
	return true
}

// ErrUnknownLink is the answer to a token no store knows. Stores return it.
func ErrUnknownLink() error {
	return &Error{Code: ETOKEN, Reason: ReasonTokenUnknown, Message: "unknown link: check that it was copied whole, or ask for a new one"}
}
