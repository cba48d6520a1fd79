package activation

import (
	"context"
	"fmt"
	"time"
)

// readCharter fills the charter version in force into out (a read: no
// lock).
func (s *Service) readCharter(ctx context.Context, a *Account, out *Outcome) error {
	return s.Store.View(ctx, a.StudentID, func(r Reader, cur *Account) error {
		v, err := r.CharterInForce()
		out.Charter = v
		return err
	})
}

// stepCharter is step 5: the charter version in force must be accepted.
func (s *Service) stepCharter(ctx context.Context, a *Account, ans Answers, now time.Time, done *[]string, lock lockFn) (bool, error) {
	var version string
	err := s.Store.View(ctx, a.StudentID, func(r Reader, cur *Account) error {
		*a = *cur
		v, err := r.CharterInForce()
		version = v
		return err
	})
	if err != nil {
		return true, err
	}
	accept, ok, err := ans.AcceptCharter(a, version)
	if err != nil || !ok {
		return true, err
	}
	if !accept {
		return true, &Error{Code: EPOLICY, Reason: ReasonCharterRefused, Param: version,
			Message: fmt.Sprintf("the IT charter (version %s) must be accepted to go on (step 5)", version)}
	}
	err = lock(ctx, a, now, func(tx Tx, cur *Account) error {
		*a = *cur
		if a.State != StateRecoveryVerified {
			return stateRefusal(a, "step 5")
		}
		a.CharterVersion, a.CharterAcceptedAt = version, now
		return transition(tx, a, StateCharterAccepted, now, "accept-charter", "charter version "+version)
	})
	if err != nil {
		return true, err
	}
	*done = append(*done, "5")
	return false, nil
}
