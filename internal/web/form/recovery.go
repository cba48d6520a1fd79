package form

import (
	"net/url"
	"strings"
)

// ForgotPassword is the lost-password form: the login.
type ForgotPassword struct{ Identifier string }

// NewForgotPassword reads the lost-password form.
func NewForgotPassword(v url.Values) (*ForgotPassword, Errors) {
	var errs Errors
	return &ForgotPassword{Identifier: strings.TrimSpace(required(v, "identifier", &errs))}, errs
}

// ForgotLogin is the lost-login form: an email address.
type ForgotLogin struct{ Email string }

// NewForgotLogin reads the lost-login form.
func NewForgotLogin(v url.Values) (*ForgotLogin, Errors) {
	var errs Errors
	return &ForgotLogin{Email: strings.TrimSpace(required(v, "email", &errs))}, errs
}

// PasswordChange is "change my password": login, current password, the
// new one typed twice.
type PasswordChange struct {
	Identifier string
	Current    string
	New        string
}

// NewPasswordChange reads the change-of-password form: every field given,
// the new password typed twice the same.
func NewPasswordChange(v url.Values) (*PasswordChange, Errors) {
	var errs Errors
	f := &PasswordChange{Identifier: strings.TrimSpace(required(v, "identifier", &errs)), Current: required(v, "current_password", &errs)}
	p, perrs := NewPassword(v)
	f.New = p.Password
	return f, append(errs, perrs...)
}
