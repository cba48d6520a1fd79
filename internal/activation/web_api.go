package activation

import (
	"context"
	"errors"
	"strings"
	"time"
)

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

// Given is a fixed set of answers: the JSON answers of a script, the one
// form a web page posts. A nil field is no answer (the run stops before
// that step).
type Given struct {
	Provisional *string
	Recovery    *string
	Charter     *bool
	RedirectTo  *string // "" : no redirect
	KeepCopy    bool
	NewPass     *string
}

// LinkInfo describes an emailed link without using it (what GET /verify
// shows before the student presses the button).
type LinkInfo struct {
	Purpose   string    // PurposeRecovery (step 4) or PurposeRedirect (step 6-2)
	Step      string    // "4" or "6-2"
	Login     string    // full identifier
	Email     string    // the address the link confirms
	KeepCopy  bool      // redirect links: keep a copy in the university mailbox
	ExpiresAt time.Time // last instant it can be followed
}

// SessionSecretLength is the length of a session secret (URL-safe base64
// of 32 random bytes).
const SessionSecretLength = 43

var errNotYet = Errorf(EINTERNAL, "not implemented yet")

// StartSession is steps 1-2 for a face that keeps a session (the web site):
// it checks identifier (with or without @domain) and provisional password
// exactly as Activate does (same EAUTH answer for an unknown login, a wrong
// password or a lock; lockout counted), then opens a session bound to the
// account and returns its secret, to be kept by the browser only (the store
// keeps its hash). Starting a session ends every other session of the
// account. The outcome says where the account stands, as Resume does.
func (s *Service) StartSession(ctx context.Context, identifier, provisional string, now time.Time) (secret string, out *Outcome, err error) {
	return "", nil, errNotYet
}

// Resume returns where the account of a live session stands (the outcome's
// LinkSentTo/LinkValidUntil for a pending link, Charter for step 5,
// RecoveryEmail for step 6-1, Confirmation when active) and refreshes the
// session's idle time. A session unknown, ended, idle longer than
// Config.SessionIdle or older than Config.SessionLifetime gives EAUTH with
// Reason ReasonSessionExpired.
func (s *Service) Resume(ctx context.Context, secret string, now time.Time) (*Outcome, error) {
	return nil, errNotYet
}

// Continue runs the steps from where the account stands, as far as ans
// allows, like ActivateWith; the live session stands for steps 1-2. The
// step 7 that activates the account ends the session's siblings and the
// session itself stays valid only to show step 8 until it expires.
// Errors as ActivateWith, plus ReasonSessionExpired.
func (s *Service) Continue(ctx context.Context, secret string, ans Answers, opts ActivateOptions, now time.Time) (*Outcome, error) {
	return nil, errNotYet
}

// EndSession ends a session (log out). Unknown secrets are ignored.
func (s *Service) EndSession(ctx context.Context, secret string, now time.Time) error {
	return errNotYet
}

// InspectLink tells what a link would confirm without using it or changing
// anything. ETOKEN (with a Reason) for an unknown, used, replaced or
// expired link.
func (s *Service) InspectLink(ctx context.Context, input string, now time.Time) (*LinkInfo, error) {
	return nil, errNotYet
}

// ProvisionalPassword implements Answers.
func (g *Given) ProvisionalPassword(*Account) (string, bool, error) {
	if g.Provisional == nil {
		return "", false, nil
	}
	return *g.Provisional, true, nil
}

// RecoveryEmail implements Answers; an empty address is no answer.
func (g *Given) RecoveryEmail(*Account) (string, bool, error) {
	if g.Recovery == nil || *g.Recovery == "" {
		return "", false, nil
	}
	return *g.Recovery, true, nil
}

// AcceptCharter implements Answers.
func (g *Given) AcceptCharter(*Account, string) (bool, bool, error) {
	if g.Charter == nil {
		return false, false, nil
	}
	return *g.Charter, true, nil
}

// Redirect implements Answers.
func (g *Given) Redirect(*Account, string) (string, bool, bool, error) {
	if g.RedirectTo == nil {
		return "", false, false, nil
	}
	return strings.TrimSpace(*g.RedirectTo), g.KeepCopy, true, nil
}

// NewPassword implements Answers.
func (g *Given) NewPassword(*Account, func(string) error) (string, bool, error) {
	if g.NewPass == nil {
		return "", false, nil
	}
	return *g.NewPass, true, nil
}
