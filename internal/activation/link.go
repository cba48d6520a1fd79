package activation

import (
	"net/url"
	"regexp"
	"strings"
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

// linkTokenRE finds the token of an emailed link (of the activation, or
// a lost-password link): everything after the
// path up to a space, a quote or an angle bracket (what follows in a
// mangled or probing request path is hidden too).
var linkTokenRE = regexp.MustCompile(`(` + regexp.QuoteMeta(linkPath) + `|` + regexp.QuoteMeta(resetLinkPath) + `)[^\s"'<>]+`)

// RedactLinks hides the token of every emailed link in text (an email body
// shown by `mail show`, a request path in serve's access log).
func RedactLinks(text string) string {
	return linkTokenRE.ReplaceAllString(text, "${1}[hidden]")
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
