package activation

import (
	"context"
	"time"
)

// stepPassword is step 7, then 8. The policy refuses the provisional
// password: the one typed at steps 1-2 when known, else the stored one.
func (s *Service) stepPassword(ctx context.Context, a *Account, ans Answers, provisional string, now time.Time, done *[]string, lock lockFn) (bool, error) {
	pc := PasswordContext{FirstName: a.FirstName, LastName: a.LastName, LoginLocal: a.Login, Provisional: provisional}
	if a.Provisional != nil {
		pc.ProvisionalHash, pc.ProvisionalKey = a.Provisional.Hash, s.Config.ProvisionalKey
	}
	pw, ok, err := ans.NewPassword(a, func(c string) error { return s.Config.Policy.Check(c, pc) })
	if err != nil || !ok {
		return true, err
	}
	if err := s.Config.Policy.Check(pw, pc); err != nil {
		return true, err
	}
	hash, err := HashPassword(pw, s.Config.Argon2)
	if err != nil {
		return true, err
	}
	err = lock(ctx, a, now, func(tx Tx, cur *Account) error {
		*a = *cur
		if a.State != StateMailboxReady {
			return stateRefusal(a, "step 7")
		}
		a.PasswordHash, a.PasswordSetAt, a.ActivatedAt = hash, now, now
		if a.Provisional != nil {
			a.Provisional.UsedAt = now
			if err := tx.SetProvisional(a, *a.Provisional); err != nil {
				return err
			}
		}
		if err := transition(tx, a, StateActive, now, "new-password", "steps 7-8: account active"); err != nil {
			return err
		}
		if err := s.provision(tx, a, ProvisionActivated); err != nil {
			return err
		}
		if err := tx.EndSessions(a, SessionActivated); err != nil {
			return err
		}
		if a.RecoveryEmail == "" {
			return nil
		}
		return s.queue(tx, a, MailActivated, a.RecoveryEmail, s.mailData(a))
	})
	if err != nil {
		return true, err
	}
	*done = append(*done, "7", "8")
	return false, nil
}
