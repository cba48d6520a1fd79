// Package activation owns the SCOL'PASS account life cycle: the states of
// the activation guide, the only transitions allowed between them, the rules
// of each step (provisional password, recovery email, charter, mailbox,
// new password), the secrets involved and the error codes that the command
// line maps to exit codes. It has no dependency on the database or on cobra.
package activation

import (
	"errors"
	"fmt"
)

// Error codes. Every error that reaches a user carries one of them; the CLI
// maps each code to one exit code of the product contract.
const (
	EINTERNAL = "internal"  // unexpected failure (exit 1)
	EINVALID  = "invalid"   // bad usage or arguments (exit 2)
	EPAUSED   = "paused"    // waiting for an emailed link (exit 3)
	EPARTIAL  = "partial"   // some rows or items rejected (exit 4)
	ENOTFOUND = "not_found" // no such student or account (exit 5)
	ESTATE    = "state"     // refused by the state machine or a conflict (exit 6)
	EAUTH     = "auth"      // authentication failed or account locked (exit 7)
	ETOKEN    = "token"     // token unknown, used or expired (exit 8)
	EPOLICY   = "policy"    // input rejected by policy (password, email) (exit 9)
	ESCHEMA   = "schema"    // database not migrated (exit 1)
)

// Error is a domain error: a code for programs and a sentence for people.
type Error struct {
	Code    string
	Message string
	Reason  string // which rule refused (Reason… constants), for translated faces
	Param   string // the rule's parameter, if any (a length, a count)
	Err     error  // optional underlying cause, never shown to users

	lockout bool // this refusal locked the account (LockedOut)
}

// LockedOut reports whether err is the refusal that locked an account: the
// answer a person sees is the same as any failed authentication, but an
// operator's metrics count lockouts.
func LockedOut(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.lockout
}

func (e *Error) Error() string {
	if e.Message != "" {
		return e.Message
	}
	if e.Err != nil {
		return e.Err.Error()
	}
	return e.Code
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns a domain error with the given code and message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first domain error in err's chain,
// EINTERNAL when there is none, and "" for a nil error.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the human sentence of the first domain error in err's
// chain, or a generic sentence for unexpected errors.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Error()
	}
	return "internal error: " + err.Error()
}

// Reasons name, for a face that speaks several languages, which rule
// refused an input. Error.Reason carries one of them; the English Message
// stays the sentence for the command line.
const (
	ReasonAuthFailed          = "auth_failed"          // unknown login, wrong provisional password or locked (one answer for all)
	ReasonProvisionalExpired  = "provisional_expired"  // the SCOL'PASS is past its validity
	ReasonAlreadyActive       = "already_active"       // told only to the holder of the provisional password
	ReasonSessionExpired      = "session_expired"      // no live session: back to steps 1-2
	ReasonPasswordProvisional = "password_provisional" // new password contains the provisional one
	ReasonPasswordTooShort    = "password_too_short"   // Param: the minimum length
	ReasonPasswordTooLong     = "password_too_long"    // Param: the maximum length
	ReasonPasswordClasses     = "password_classes"     // Param: the classes needed
	ReasonPasswordFirstName   = "password_first_name"
	ReasonPasswordLastName    = "password_last_name"
	ReasonPasswordLogin       = "password_login"
	ReasonPasswordWeak        = "password_weak"
	ReasonEmailInvalid        = "email_invalid"    // Param: what is wrong, in English
	ReasonEmailUniversity     = "email_university" // a university address (a redirect there would loop)
	ReasonCharterRefused      = "charter_refused"
	ReasonLinkCap             = "link_cap" // Param: the daily limit
	ReasonTokenUnknown        = "token_unknown"
	ReasonTokenUsed           = "token_used"
	ReasonTokenReplaced       = "token_replaced"
	ReasonTokenExpired        = "token_expired" // the activation went back to step 1 when it was waiting for that link
	ReasonTokenMismatch       = "token_mismatch"
	ReasonWrongStep           = "wrong_step"
	ReasonConflict            = "conflict"
)

// Reason returns the Reason of the first domain error in err's chain ("" when
// it has none).
func Reason(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return ""
}

// ErrNoStudent is the answer to a login or student number no store knows.
func ErrNoStudent(key string) error {
	return Errorf(ENOTFOUND, "no student with login or student number %q", key)
}

// ErrChangedMeanwhile is a store's version-check refusal: another agent
// changed a since it was read (ESTATE; nothing was changed).
func ErrChangedMeanwhile(a *Account) error {
	return &Error{Code: ESTATE, Reason: ReasonConflict,
		Message: fmt.Sprintf("%s was changed by someone else meanwhile (now at step %s): nothing was changed, run the command again", a.Login, a.State.StepNumber())}
}
