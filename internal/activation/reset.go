package activation

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// After the activation, the recovery address confirmed at step 4 serves the
// student alone (README "After activation"): a lost password (a link to the
// recovery address, valid one hour, that changes the password), a lost
// login (recover.go) and the change of a known password (change.go). Every
// path that changes a password goes through setPassword.

// PurposeReset is the purpose of a lost-password link.
const PurposeReset = "reset"

// Why an account is written to the directory, after the activation.
const (
	ProvisionPassword = "password" // the password of an active account changed (reset, change)
	ProvisionRevoked  = "revoked"  // re-issued: its directory password must stop working
)

// SessionPasswordChanged ends the web sessions of an account whose password
// changed, by any path.
const SessionPasswordChanged = "password"

// DefaultResetLinkValidFor is how long a lost-password link works
// (SCOLPASS_RESET_LINK_VALID_FOR).
const DefaultResetLinkValidFor = time.Hour

// Email kinds of the recovery paths.
const (
	MailResetLink       = "reset_link"       // the lost-password link
	MailPasswordChanged = "password_changed" // the notice, to the recovery address and the university mailbox
	MailLoginReminder   = "login_reminder"   // the logins of a recovery address
)

// Reasons of the recovery paths' refusals.
const (
	ReasonPasswordSame     = "password_same"      // the new password is the current one
	ReasonNotActive        = "not_active"         // a lost-password link for an account not active (helpdesk)
	ReasonChangeAuthFailed = "change_auth_failed" // unknown login, wrong current password or locked (one answer)
)

// PasswordChecker tells whether password is the current password of login
// in the directory (a bind as the student); the error is for a directory
// that cannot answer.
type PasswordChecker func(ctx context.Context, login, password string) (bool, error)

// resetLinkPath is the path of the lost-password links under BaseURL.
const resetLinkPath = "/reset/"

// ResetLinkFor returns the lost-password link that carries token:
// BaseURL/reset/TOKEN.
func (c Config) ResetLinkFor(token string) string { return c.BaseURL + resetLinkPath + token }

// ForgotPasswordURL is the lost-password page: ActivationURL/forgot-password.
func (c Config) ForgotPasswordURL() string {
	return strings.TrimRight(c.ActivationURL, "/") + "/forgot-password"
}

// ResetLinkValidity is how long a lost-password link works, for the pages
// that say so.
func (s *Service) ResetLinkValidity() time.Duration { return s.Config.resetValidFor() }

func (c Config) resetValidFor() time.Duration {
	if c.ResetLinkValidFor > 0 {
		return c.ResetLinkValidFor
	}
	return DefaultResetLinkValidFor
}

// MaskAddress shows where an email went without spelling the address out:
// "jean.dupont@example.org" gives "j•••@e•••.org".
func MaskAddress(addr string) string {
	local, domain, ok := strings.Cut(addr, "@")
	if !ok || local == "" || domain == "" {
		return "•••"
	}
	first := func(s string) string {
		for _, r := range s {
			return string(r) + "•••"
		}
		return "•••"
	}
	tld := ""
	if i := strings.LastIndexByte(domain, '.'); i > 0 {
		tld = domain[i:]
	}
	return first(local) + "@" + first(domain) + tld
}

// RequestReset is the lost-password form of the site: the student gives the
// login (any case, with or without the domain). Only an active account with
// a confirmed recovery address gets a link there; whatever happens, the
// caller learns nothing (nil), so that the site's answer is the same for
// every login. Refusals (not active, daily link cap) are audited. Only
// unexpected errors are returned, for the log.
func (s *Service) RequestReset(ctx context.Context, identifier string, now time.Time) error {
	key := s.Config.LoginOf(identifier)
	if key == "" {
		return nil
	}
	a, err := s.Store.Load(ctx, key)
	if ErrorCode(err) == ENOTFOUND {
		return nil
	}
	if err != nil {
		return err
	}
	_, _, err = s.sendResetLink(ctx, a, now)
	switch ErrorCode(err) {
	case EINTERNAL, ESCHEMA:
		return err
	}
	return nil
}

// SendResetLink is `reset LOGIN --send-link`: the helpdesk sends the
// lost-password link to the recovery address on file. The outcome says
// where it went, masked (LinkSentTo), and until when it works. ENOTFOUND
// for an unknown login; ESTATE (ReasonNotActive) for an account that is not
// active, naming reset --restart and --reissue; EPOLICY for the daily link
// cap.
func (s *Service) SendResetLink(ctx context.Context, key string, now time.Time) (*Outcome, error) {
	a, err := s.Store.Load(ctx, s.Config.LoginOf(key))
	if err != nil {
		return nil, err
	}
	to, until, err := s.sendResetLink(ctx, a, now)
	if err != nil {
		return nil, err
	}
	out := s.outcome(a, nil)
	out.LinkSentTo, out.LinkValidUntil = MaskAddress(to), &until
	out.Message = fmt.Sprintf("lost-password link sent to %s; it is valid until %s (Paris time)",
		out.LinkSentTo, ParisTime(until))
	return out, nil
}

// sendResetLink creates a lost-password link for a, replacing an older one,
// and queues its email to the recovery address: one transaction.
func (s *Service) sendResetLink(ctx context.Context, a *Account, now time.Time) (string, time.Time, error) {
	var to string
	var until time.Time
	err := s.Store.Update(ctx, a.StudentID, -1, now, func(tx Tx, cur *Account) error {
		*a = *cur
		if a.State != StateActive || a.RecoveryEmail == "" {
			return refuse(tx, a, "reset-link", &Error{Code: ESTATE, Reason: ReasonNotActive,
				Message: fmt.Sprintf("%s is not active (step %s, %s): a lost-password link is for active accounts; use reset --restart to start the activation again with the same SCOL'PASS, or reset --reissue for a new SCOL'PASS",
					s.Config.Identifier(a.Login), a.State.StepNumber(), a.State)})
		}
		n, err := tx.CountTokensSince(a, LinkDayStart(now))
		if err != nil {
			return err
		}
		if n >= s.Config.LinksPerDay {
			return refuse(tx, a, "reset-link", &Error{Code: EPOLICY, Reason: ReasonLinkCap, Param: fmt.Sprint(s.Config.LinksPerDay),
				Message: fmt.Sprintf("%d links were already emailed for %s today: no more until tomorrow (limit against mail bombing)", n, s.Config.Identifier(a.Login))})
		}
		if err := tx.RevokeTokens(a, PurposeReset); err != nil {
			return err
		}
		token, hash, err := NewToken()
		if err != nil {
			return err
		}
		to, until = a.RecoveryEmail, now.Add(s.Config.resetValidFor())
		if err := tx.CreateToken(a, Token{Purpose: PurposeReset, Email: to, IssuedAt: now, ExpiresAt: until}, hash); err != nil {
			return err
		}
		data := s.mailData(a)
		data.Link, data.ValidUntil, data.PageURL = s.Config.ResetLinkFor(token), until, s.Config.ForgotPasswordURL()
		if err := s.queue(tx, a, MailResetLink, to, data); err != nil {
			return err
		}
		return tx.Audit(a, Event{Action: "reset-link", From: a.State, To: a.State, Outcome: "ok", Detail: "lost-password link sent to " + to})
	})
	return to, until, err
}

// errLinkNotReset refuses a link of the activation where a lost-password
// link is expected, and the other way round.
func errLinkNotReset(purpose string) error {
	return &Error{Code: ETOKEN, Reason: ReasonTokenMismatch,
		Message: linkName(purpose) + " is not a lost-password link"}
}

// errResetNeedsPassword refuses to follow a lost-password link without the
// new password.
func errResetNeedsPassword() error {
	return Errorf(EINVALID, "this is a lost-password link: give the new password in an answers file (verify-token URL --answers FILE, key new_password)")
}

// resetLink finds a lost-password link, locks its account and checks the
// link (ETOKEN with a Reason otherwise; the refusal is audited), then runs
// fn.
func (s *Service) resetLink(ctx context.Context, input string, now time.Time, fn func(tx Tx, a *Account, t *Token) error) error {
	token := TokenFromInput(input)
	if token == "" {
		return ErrUnknownLink()
	}
	return s.Store.UpdateByToken(ctx, HashToken(token), now, func(tx Tx, a *Account, t *Token) error {
		if t.Purpose != PurposeReset {
			return errLinkNotReset(t.Purpose)
		}
		if err := s.linkProblem(a, t, now); err != nil {
			if aerr := tx.Audit(a, Event{Action: "password-reset", From: a.State, To: a.State, Outcome: "refused", Detail: ErrorMessage(err)}); aerr != nil {
				return aerr
			}
			return KeepChanges(err)
		}
		return fn(tx, a, t)
	})
}

// InspectResetLink tells what a lost-password link is for (the account,
// until when) without using it: what the page shows on GET. ETOKEN with a
// Reason for an unknown, used, replaced, expired or mismatched link.
func (s *Service) InspectResetLink(ctx context.Context, input string, now time.Time) (*LinkInfo, error) {
	var info *LinkInfo
	err := s.resetLink(ctx, input, now, func(tx Tx, a *Account, t *Token) error {
		info = &LinkInfo{Purpose: t.Purpose, Login: s.Config.Identifier(a.Login), Email: t.Email, ExpiresAt: t.ExpiresAt}
		return nil
	})
	return info, err
}

// FollowLink follows any emailed link, as `verify-token` does: a link of
// the activation (step 4 or 6-2) as VerifyToken, a lost-password link with
// newPassword as ResetPassword (EINVALID without one).
func (s *Service) FollowLink(ctx context.Context, input string, newPassword *string, now time.Time) (*Outcome, error) {
	token := TokenFromInput(input)
	if token == "" {
		return nil, Errorf(EINVALID, "no token given")
	}
	var purpose string
	err := s.Store.UpdateByToken(ctx, HashToken(token), now, func(tx Tx, a *Account, t *Token) error {
		purpose = t.Purpose
		return nil
	})
	if err != nil {
		return nil, err
	}
	if purpose != PurposeReset {
		return s.VerifyToken(ctx, input, now)
	}
	if newPassword == nil {
		return nil, errResetNeedsPassword()
	}
	return s.ResetPassword(ctx, input, *newPassword, now)
}

// ResetPassword follows a lost-password link (the POST of its page): the new
// password, under the policy, replaces the current one. It returns ETOKEN
// for a link that cannot be used; EPOLICY for a password the policy refuses
// or that is the current one (ReasonPasswordSame) — the link stays valid.
// Then, in one transaction: the link is used, every other link and web
// session of the account ends, a lock is lifted, the directory job and the
// two notices (recovery address, university mailbox) are queued, and the
// audit trail records it.
func (s *Service) ResetPassword(ctx context.Context, input, newPassword string, now time.Time) (*Outcome, error) {
	var acc *Account
	err := s.resetLink(ctx, input, now, func(tx Tx, a *Account, t *Token) error {
		acc = a
		return nil
	})
	if err != nil {
		return nil, err
	}
	hash, err := s.newPasswordHash(acc, newPassword, "")
	if err != nil {
		return nil, err
	}
	err = s.resetLink(ctx, input, now, func(tx Tx, a *Account, t *Token) error {
		*acc = *a
		if err := tx.UseToken(t); err != nil {
			return err
		}
		return s.setPassword(tx, a, hash, now, "password-reset", "lost-password link: new password set")
	})
	if err != nil {
		return nil, err
	}
	out := s.outcome(acc, []string{"reset"})
	out.Message = "password changed: every other link and web session of the account ended"
	return out, nil
}

// newPasswordHash checks a new password against the policy and the current
// password (current is the one typed, when known), then hashes it.
func (s *Service) newPasswordHash(a *Account, pw, current string) (string, error) {
	pc := PasswordContext{FirstName: a.FirstName, LastName: a.LastName, LoginLocal: a.Login}
	if err := s.Config.Policy.Check(pw, pc); err != nil {
		return "", err
	}
	same := current != "" && pw == current
	if !same && a.PasswordHash != "" {
		same, _ = VerifyPassword(pw, a.PasswordHash)
	}
	if same {
		return "", policyRefusal(ReasonPasswordSame, "", "it must not be your current password")
	}
	return HashPassword(pw, s.Config.Argon2)
}

// setPassword is every change of an active account's password, in the
// caller's transaction: the new hash, the lock lifted, every link and web
// session ended, the directory job, the audit event and the two notices.
func (s *Service) setPassword(tx Tx, a *Account, hash string, now time.Time, action, detail string) error {
	if a.State != StateActive {
		return stateRefusal(a, "a change of password")
	}
	a.PasswordHash, a.PasswordSetAt = hash, now
	a.FailedAttempts, a.LockedUntil = 0, time.Time{}
	if err := tx.SaveAccount(a); err != nil {
		return err
	}
	if err := tx.RevokeTokens(a, ""); err != nil {
		return err
	}
	if err := tx.EndSessions(a, SessionPasswordChanged); err != nil {
		return err
	}
	if err := tx.Audit(a, Event{Action: action, From: a.State, To: a.State, Outcome: "ok", Detail: detail}); err != nil {
		return err
	}
	if err := s.provision(tx, a, ProvisionPassword); err != nil {
		return err
	}
	data := s.mailData(a)
	data.ChangedAt, data.PageURL = now, s.Config.ForgotPasswordURL()
	for _, to := range []string{a.RecoveryEmail, s.Config.Identifier(a.Login)} {
		if to == "" {
			continue
		}
		if err := s.queue(tx, a, MailPasswordChanged, to, data); err != nil {
			return err
		}
	}
	return nil
}

// revokeDirectoryPassword queues, when provisioning is on, the job that
// takes the password of a re-issued account out of the directory: no login
// there until the student activates again.
func (s *Service) revokeDirectoryPassword(ctx context.Context, a *Account, now time.Time) error {
	if !s.Config.Provision {
		return nil
	}
	return s.Store.Update(ctx, a.StudentID, -1, now, func(tx Tx, cur *Account) error {
		if cur.State == StateActive {
			return nil // activated again meanwhile
		}
		return tx.QueueProvision(cur, ProvisionRevoked)
	})
}
