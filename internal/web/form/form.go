// Package form turns the body of a page's POST into a typed form before
// anything reaches the activation service: the body is read within its cap,
// must be UTF-8, each field has a size limit, and a missing field is named.
// Rules about what an answer may be (a valid email, a good password) are the
// service's, not this package's.
package form

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"
)

// MaxField is the longest value a field may hold, in bytes (the service's
// own limits are lower: 256 characters for a password, 254 for an email).
const MaxField = 1024

// ErrTooLarge is a body past the server's cap; ErrMalformed a body that is
// not a form in UTF-8 or has a field past MaxField.
var (
	ErrTooLarge  = errors.New("form: body too large")
	ErrMalformed = errors.New("form: malformed body")
)

// Error is a problem with one field: Key names the message in the pages'
// catalogues.
type Error struct {
	Field string
	Key   string
}

// Errors lists a form's problems, in the order of the fields.
type Errors []Error

// For returns the message key of field's problem, "" if none.
func (e Errors) For(field string) string {
	for _, x := range e {
		if x.Field == field {
			return x.Key
		}
	}
	return ""
}

// Parse reads the POSTed form of r.
func Parse(r *http.Request) (url.Values, error) {
	if err := r.ParseForm(); err != nil {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			return nil, ErrTooLarge
		}
		return nil, ErrMalformed
	}
	for k, vs := range r.PostForm {
		if !utf8.ValidString(k) {
			return nil, ErrMalformed
		}
		for _, v := range vs {
			if len(v) > MaxField || !utf8.ValidString(v) || strings.ContainsRune(v, 0) {
				return nil, ErrMalformed
			}
		}
	}
	return r.PostForm, nil
}

func required(v url.Values, field string, errs *Errors) string {
	s := v.Get(field)
	if strings.TrimSpace(s) == "" {
		*errs = append(*errs, Error{Field: field, Key: "form.required." + field})
	}
	return s
}

// Login is steps 1-2.
type Login struct {
	Identifier string // as typed, trimmed; with or without @domain
	Password   string // the provisional password, as typed
}

// NewLogin reads steps 1-2's form.
func NewLogin(v url.Values) (*Login, Errors) {
	var errs Errors
	f := &Login{Identifier: strings.TrimSpace(required(v, "identifier", &errs)), Password: required(v, "password", &errs)}
	return f, errs
}

// Recovery is step 3 (and another address while step 4 waits).
type Recovery struct{ Email string }

// NewRecovery reads step 3's form.
func NewRecovery(v url.Values) (*Recovery, Errors) {
	var errs Errors
	return &Recovery{Email: strings.TrimSpace(required(v, "email", &errs))}, errs
}

// Charter is step 5: whether the box was ticked.
type Charter struct{ Accept bool }

// NewCharter reads step 5's form.
func NewCharter(v url.Values) *Charter { return &Charter{Accept: v.Get("accept") == "yes"} }

// Mailbox is step 6-1.
type Mailbox struct {
	Redirect bool   // the "redirect my mail" box
	To       string // the address, when Redirect
	KeepCopy bool   // keep a copy in the university mailbox
}

// NewMailbox reads step 6-1's form; an address is needed only with the
// redirect box ticked.
func NewMailbox(v url.Values) (*Mailbox, Errors) {
	var errs Errors
	f := &Mailbox{Redirect: v.Get("redirect") == "yes", KeepCopy: v.Get("keep_copy") == "yes"}
	if f.Redirect {
		f.To = strings.TrimSpace(required(v, "redirect_to", &errs))
	} else {
		f.KeepCopy = false
	}
	return f, errs
}

// Password is step 7: the new password typed twice.
type Password struct{ Password string }

// NewPassword reads step 7's form: both fields given and equal.
func NewPassword(v url.Values) (*Password, Errors) {
	var errs Errors
	pw := required(v, "new_password", &errs)
	confirm := required(v, "confirm_password", &errs)
	if len(errs) == 0 && pw != confirm {
		errs = append(errs, Error{Field: "confirm_password", Key: "form.mismatch.confirm_password"})
	}
	return &Password{Password: pw}, errs
}
