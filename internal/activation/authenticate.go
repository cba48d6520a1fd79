package activation

import (
	"context"
	"fmt"
	"time"
)

func errAuthFailed() *Error {
	return &Error{Code: EAUTH, Reason: ReasonAuthFailed,
		Message: "authentication failed: unknown identifier, wrong provisional password, or account temporarily locked"}
}

// authenticate checks identifier and provisional password (steps 1-2)
// under the account's lock and counts failures; MaxFailures in a row lock
// the account for LockFor. When onSuccess is given it runs in the same
// transaction once the password is accepted (to open a session). It
// returns the account as it stands after the check (nil for an unknown
// key).
//
// Every refusal costs the same whether the identifier exists or not: one
// locking look-up by key, one hash check, a failure counted (on the account,
// or Tx.CountUnknownIdentifier), an audit event, one commit
// (Store.UpdateByKey). Attempts on one account wait for each other's lock
// instead of failing on its version, so concurrent refusals each answer
// as a refusal and each count once towards the lockout.
func (s *Service) authenticate(ctx context.Context, key, pw string, now time.Time, onSuccess func(tx Tx, a *Account) error) (*Account, error) {
	var acc *Account
	err := s.Store.UpdateByKey(ctx, key, now, func(tx Tx, a *Account) error {
		if a == nil {
			VerifyProvisional(pw, dummyProvisionalHash())
			if err := tx.CountUnknownIdentifier(key); err != nil {
				return err
			}
			if err := tx.Audit(nil, Event{Action: "authenticate", Outcome: "failed", Detail: "unknown identifier"}); err != nil {
				return err
			}
			return KeepChanges(errAuthFailed())
		}
		acc = a
		p := a.Provisional
		stored := dummyProvisionalHash()
		if p != nil {
			stored = p.Hash
		}
		matches := VerifyProvisionalWith(pw, stored, s.Config.ProvisionalKey) && p != nil
		if a.LockedAt(now) {
			if err := tx.Audit(a, Event{Action: "authenticate", From: a.State, To: a.State, Outcome: "refused",
				Detail: "account locked until " + a.LockedUntil.In(Zone()).Format("15:04")}); err != nil {
				return err
			}
			return KeepChanges(errAuthFailed())
		}
		if matches && a.State == StateActive {
			return &Error{Code: ESTATE, Reason: ReasonAlreadyActive,
				Message: fmt.Sprintf("%s is already active (step 8): for a forgotten password, use the lost-password page %s (or reset --send-link)", s.Config.Identifier(a.Login), s.Config.ForgotPasswordURL())}
		}
		valid := matches && p.UsedAt.IsZero()
		if valid && p.ExpiredAt(now) {
			if err := tx.Audit(a, Event{Action: "authenticate", From: a.State, To: a.State, Outcome: "failed", Detail: "provisional password expired"}); err != nil {
				return err
			}
			return KeepChanges(&Error{Code: EAUTH, Reason: ReasonProvisionalExpired, Param: ParisDate(p.ExpiresAt),
				Message: fmt.Sprintf("the provisional password expired on %s: ask the scolarité office for a new SCOL'PASS (reset --reissue)", ParisDate(p.ExpiresAt))})
		}
		if !valid {
			return s.countFailure(tx, a, now)
		}
		a.FailedAttempts, a.LockedUntil = 0, time.Time{}
		if _, err := s.expireStaleLink(tx, a, now); err != nil {
			return err
		}
		if a.State == StateIssued {
			if err := transition(tx, a, StateAuthenticated, now, "authenticate", "steps 1-2"); err != nil {
				return err
			}
		} else if err := tx.SaveAccount(a); err != nil {
			return err
		}
		if onSuccess != nil {
			return onSuccess(tx, a)
		}
		return nil
	})
	return acc, err
}

// countFailure is the lockout rule: a wrong provisional password counts one
// failure; the MaxFailures-th in a row locks the account for LockFor and
// starts the count again. The refusal is kept (committed) and says whether
// it locked the account.
func (s *Service) countFailure(tx Tx, a *Account, now time.Time) error {
	a.FailedAttempts++
	detail := fmt.Sprintf("wrong provisional password (%d in a row)", a.FailedAttempts)
	if a.FailedAttempts >= s.Config.MaxFailures {
		a.LockedUntil = now.Add(s.Config.LockFor)
		a.FailedAttempts = 0
		detail += fmt.Sprintf("; locked until %s", a.LockedUntil.In(Zone()).Format("15:04"))
	}
	if err := tx.SaveAccount(a); err != nil {
		return err
	}
	if err := tx.Audit(a, Event{Action: "authenticate", From: a.State, To: a.State, Outcome: "failed", Detail: detail}); err != nil {
		return err
	}
	refusal := errAuthFailed()
	refusal.lockout = a.LockedAt(now)
	return KeepChanges(refusal)
}

// expireStaleLink is the guide's "past that time, start again at step 1":
// an account waiting for a link that expired (or vanished) goes back to
// issued, its links revoked. It reports whether it did.
func (s *Service) expireStaleLink(tx Tx, a *Account, now time.Time) (bool, error) {
	if stale, err := linkStale(tx, a, now); err != nil || !stale {
		return false, err
	}
	return true, s.backToStep1(tx, a, now, "link-expired", "the emailed link expired: back to step 1", SessionExpired)
}

// linkStale reports whether a waits for a link that expired (or vanished).
func linkStale(r Reader, a *Account, now time.Time) (bool, error) {
	purpose := a.State.pendingPurpose()
	if purpose == "" {
		return false, nil
	}
	t, err := r.PendingToken(a, purpose)
	if err != nil {
		return false, err
	}
	return t == nil || t.ExpiredAt(now), nil
}

// backToStep1 revokes the account's links and sessions, forgets steps 3 to
// 7 and moves it to issued.
func (s *Service) backToStep1(tx Tx, a *Account, now time.Time, action, detail, sessionReason string) error {
	if err := tx.RevokeTokens(a, ""); err != nil {
		return err
	}
	if err := tx.EndSessions(a, sessionReason); err != nil {
		return err
	}
	a.forgetProgress()
	return transition(tx, a, StateIssued, now, action, detail)
}

// pendingPurpose is the purpose of the link an account in state s waits
// for ("" when it waits for none).
func (s State) pendingPurpose() string {
	switch s {
	case StateRecoveryPending:
		return PurposeRecovery
	case StateRedirectPending:
		return PurposeRedirect
	}
	return ""
}
