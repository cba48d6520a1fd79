package activation

import "strings"

// ReasonNotALogin refuses a site identifier that is not a login (a student
// number): the site takes prenom.nom[@domain] only. See SiteLogin.
const ReasonNotALogin = "not_a_login"

// SiteLogin is the login an identifier typed on the site names, and
// whether it is one. The site takes the login only (prenom.nom, with or
// without @domain, as the SCOL'PASS and the guide say), never the student
// number: student numbers are sequential, so a script could otherwise walk
// a whole cohort and lock every account with five wrong passwords each.
// A login always holds a dot (login.Derive); a student number never does.
// The command line (activate at the helpdesk, where an agent sees the
// student) still takes both.
func (c Config) SiteLogin(identifier string) (string, bool) {
	key := c.LoginOf(identifier)
	return key, strings.Contains(key, ".") && !strings.ContainsAny(key, "@ ")
}

// errNotALogin answers an identifier that is not a login. It says nothing
// of any account: only what the identifier looks like.
func errNotALogin() *Error {
	return &Error{Code: EAUTH, Reason: ReasonNotALogin,
		Message: "type the identifier printed on the SCOL'PASS (firstname.lastname), not the student number"}
}
