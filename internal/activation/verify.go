package activation

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// linkName names a link for people.
func linkName(purpose string) string {
	if purpose == PurposeReset {
		return "this lost-password link"
	}
	if purpose == PurposeRedirect {
		return "this step 6-2 link (redirect address)"
	}
	return "this step 4 link (recovery email)"
}

// linkProblem is the verdict on following link t of account a at now: nil
// when it can be followed, else an ETOKEN error with its Reason (unknown
// ones never reach here: the store answers them).
func (s *Service) linkProblem(a *Account, t *Token, now time.Time) error {
	link := linkName(t.Purpose)
	switch {
	case !t.UsedAt.IsZero():
		return &Error{Code: ETOKEN, Reason: ReasonTokenUsed,
			Message: fmt.Sprintf("%s was already used on %s", link, ParisTime(t.UsedAt))}
	case !t.RevokedAt.IsZero():
		return &Error{Code: ETOKEN, Reason: ReasonTokenReplaced,
			Message: link + " is no longer valid: a newer link was sent or the activation was restarted"}
	case t.ExpiredAt(now):
		msg := fmt.Sprintf("%s expired at %s (Paris time)", link, ParisTime(t.ExpiresAt))
		if a.State.pendingPurpose() == t.Purpose {
			msg += ": the activation goes back to step 1 (identifier and provisional password)"
		}
		return &Error{Code: ETOKEN, Reason: ReasonTokenExpired, Message: msg}
	case t.Purpose == PurposeRecovery && a.State == StateRecoveryPending && strings.EqualFold(t.Email, a.RecoveryEmail):
	case t.Purpose == PurposeRedirect && (a.State == StateRedirectPending || a.State == StateActive):
	case t.Purpose == PurposeReset && a.State == StateActive:
	default:
		return &Error{Code: ETOKEN, Reason: ReasonTokenMismatch,
			Message: fmt.Sprintf("%s does not match where the account is now (step %s)", link, a.State.StepNumber())}
	}
	return nil
}

// VerifyToken follows an emailed link (step 4 or 6-2). It returns ETOKEN
// with distinct messages (and Reasons) for an unknown, already used,
// replaced or expired link; an expired link the account was waiting for
// also sends the activation back to step 1.
func (s *Service) VerifyToken(ctx context.Context, input string, now time.Time) (*Outcome, error) {
	token := TokenFromInput(input)
	if token == "" {
		return nil, Errorf(EINVALID, "no token given")
	}
	var out *Outcome
	err := s.Store.UpdateByToken(ctx, HashToken(token), now, func(tx Tx, a *Account, t *Token) error {
		if t.Purpose == PurposeReset {
			return errResetNeedsPassword() // FollowLink, ResetPassword
		}
		if err := s.linkProblem(a, t, now); err != nil {
			if Reason(err) == ReasonTokenExpired && a.State.pendingPurpose() == t.Purpose {
				if err := s.backToStep1(tx, a, now, "link-expired", "the emailed link expired: back to step 1", SessionExpired); err != nil {
					return err
				}
			}
			if aerr := tx.Audit(a, Event{Action: "verify-token", From: a.State, To: a.State, Outcome: "refused", Detail: ErrorMessage(err)}); aerr != nil {
				return aerr
			}
			return KeepChanges(err)
		}
		if err := tx.UseToken(t); err != nil {
			return err
		}
		step := stepOfPurpose(t.Purpose)
		if t.Purpose == PurposeRecovery {
			if err := transition(tx, a, StateRecoveryVerified, now, "verify-token", "step 4: recovery email "+t.Email+" confirmed"); err != nil {
				return err
			}
		} else {
			a.RedirectTo, a.KeepCopy = t.Email, t.KeepCopy
			next := StateMailboxReady
			if a.State == StateActive {
				next = StateActive
			}
			if err := transition(tx, a, next, now, "verify-token", "step 6-2: redirect to "+t.Email+" confirmed"); err != nil {
				return err
			}
			if err := s.provision(tx, a, ProvisionRedirect); err != nil {
				return err
			}
		}
		o, err := s.view(tx, a)
		if err != nil {
			return err
		}
		out = o
		out.Done = []string{step}
		what := "step 4 (recovery email)"
		if t.Purpose == PurposeRedirect {
			what = "step 6-2 (redirect address)"
		}
		out.Message = what + " confirmed; next: " + a.State.NextStep()
		return nil
	})
	return out, err
}

// Unlock lifts a lockout and clears the failure count.
func (s *Service) Unlock(ctx context.Context, key string, now time.Time) (*Outcome, error) {
	a, err := s.Store.Load(ctx, s.Config.LoginOf(key))
	if err != nil {
		return nil, err
	}
	err = s.Store.Update(ctx, a.StudentID, -1, now, func(tx Tx, cur *Account) error {
		*a = *cur
		wasLocked := a.LockedAt(now)
		a.LockedUntil, a.FailedAttempts = time.Time{}, 0
		if err := tx.SaveAccount(a); err != nil {
			return err
		}
		detail := "not locked; failure count cleared"
		if wasLocked {
			detail = "lock lifted"
		}
		return tx.Audit(a, Event{Action: "unlock", From: a.State, To: a.State, Outcome: "ok", Detail: detail})
	})
	if err != nil {
		return nil, err
	}
	out := s.outcome(a, nil)
	out.Message = "unlocked"
	return out, nil
}

// Restart sends an account in progress back to step 1: links and web
// sessions revoked, recovery email, charter and redirect choices
// forgotten; the SCOL'PASS stays valid. An account not issued yet or
// already active is refused (ESTATE): an active account needs a new
// SCOL'PASS (reset --reissue).
func (s *Service) Restart(ctx context.Context, key string, now time.Time) (*Outcome, error) {
	a, err := s.Store.Load(ctx, s.Config.LoginOf(key))
	if err != nil {
		return nil, err
	}
	err = s.Store.Update(ctx, a.StudentID, -1, now, func(tx Tx, cur *Account) error {
		*a = *cur
		switch a.State {
		case StateImported:
			return refuse(tx, a, "restart", Errorf(ESTATE, "%s has no SCOL'PASS yet: nothing to restart", s.Config.Identifier(a.Login)))
		case StateActive:
			return refuse(tx, a, "restart", Errorf(ESTATE, "%s is already active: use reset --reissue --force to start again with a new SCOL'PASS", s.Config.Identifier(a.Login)))
		}
		return s.backToStep1(tx, a, now, "restart", "back to step 1, links revoked", SessionReset)
	})
	if err != nil {
		return nil, err
	}
	out := s.outcome(a, nil)
	out.Message = "back to step 1: the student starts again with the SCOL'PASS already issued"
	return out, nil
}
