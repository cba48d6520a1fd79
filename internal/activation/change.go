package activation

import (
	"context"
	"fmt"
	"time"
)

func errChangeAuthFailed() *Error {
	return &Error{Code: EAUTH, Reason: ReasonChangeAuthFailed,
		Message: "authentication failed: unknown identifier, wrong current password, or account temporarily locked"}
}

// ChangePassword is "change my password": login, current password, new
// password. The current password is checked by Config.CheckPassword (a bind
// to the directory as the student) when set, else against the stored hash.
// An unknown login, an account that is not active, a wrong current password
// and a locked account get one answer (EAUTH ReasonChangeAuthFailed); wrong
// passwords count towards the lockout of steps 1-2. EPOLICY for a new
// password the policy refuses or equal to the current one. Accepted, it
// does what a lost-password reset does (setPassword).
func (s *Service) ChangePassword(ctx context.Context, identifier, current, newPassword string, now time.Time) (*Outcome, error) {
	key := s.Config.LoginOf(identifier)
	var a *Account
	if key != "" {
		var err error
		a, err = s.Store.Load(ctx, key)
		if err != nil && ErrorCode(err) != ENOTFOUND {
			return nil, err
		}
	}
	if a == nil || a.State != StateActive || a.LockedAt(now) || len(current) > MaxPasswordLength {
		// The same work as checking a password, so that timing tells nothing.
		_, _ = HashPassword(current, s.Config.Argon2)
		return nil, errChangeAuthFailed()
	}
	ok, err := s.checkCurrentPassword(ctx, a, current)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, s.countChangeFailure(ctx, a, now)
	}
	hash, err := s.newPasswordHash(a, newPassword, current)
	if err != nil {
		return nil, err
	}
	err = s.Store.Update(ctx, a.StudentID, a.Version, now, func(tx Tx, cur *Account) error {
		*a = *cur
		if a.LockedAt(now) {
			return errChangeAuthFailed()
		}
		return s.setPassword(tx, a, hash, now, "password-change", "known password changed")
	})
	if err != nil {
		return nil, err
	}
	out := s.outcome(a, []string{"change"})
	out.Message = "password changed: every link and web session of the account ended"
	return out, nil
}

// checkCurrentPassword asks the directory when there is one, else the
// stored hash.
func (s *Service) checkCurrentPassword(ctx context.Context, a *Account, pw string) (bool, error) {
	if s.Config.CheckPassword != nil {
		ok, err := s.Config.CheckPassword(ctx, a.Login, pw)
		if err != nil {
			return false, fmt.Errorf("check the current password in the directory: %w", err)
		}
		return ok, nil
	}
	ok, err := VerifyPassword(pw, a.PasswordHash)
	if err != nil {
		return false, err
	}
	return ok, nil
}

// countChangeFailure counts a wrong current password towards the lockout
// (MaxFailures in a row lock the account for LockFor) and returns the
// refusal. Concurrent failures each count once: no version check.
func (s *Service) countChangeFailure(ctx context.Context, a *Account, now time.Time) error {
	refusal := errChangeAuthFailed()
	err := s.Store.Update(ctx, a.StudentID, -1, now, func(tx Tx, cur *Account) error {
		*a = *cur
		if a.LockedAt(now) {
			return refusal
		}
		a.FailedAttempts++
		detail := fmt.Sprintf("wrong current password (%d in a row)", a.FailedAttempts)
		if a.FailedAttempts >= s.Config.MaxFailures {
			a.LockedUntil = now.Add(s.Config.LockFor)
			a.FailedAttempts = 0
			detail += fmt.Sprintf("; locked until %s", a.LockedUntil.In(Zone()).Format("15:04"))
			refusal.lockout = true
		}
		if err := tx.SaveAccount(a); err != nil {
			return err
		}
		if err := tx.Audit(a, Event{Action: "password-change", From: a.State, To: a.State, Outcome: "failed", Detail: detail}); err != nil {
			return err
		}
		return KeepChanges(refusal)
	})
	if err == nil {
		return refusal
	}
	return err
}
