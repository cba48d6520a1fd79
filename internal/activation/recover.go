package activation

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// RecoveryLookup is what a Store offers to find accounts by their recovery
// address (the lost-login form). Both stores implement it.
type RecoveryLookup interface {
	// AccountsByRecoveryEmail returns the accounts whose recovery address is
	// addr (any case), in login order, without locking them.
	AccountsByRecoveryEmail(ctx context.Context, addr string) ([]*Account, error)
}

// recoveryConfirmed reports whether the recovery address of an account in
// state st was confirmed (step 4 done).
func recoveryConfirmed(st State) bool {
	switch st {
	case StateRecoveryVerified, StateCharterAccepted, StateRedirectPending, StateMailboxReady, StateActive:
		return true
	}
	return false
}

// RemindLogins is the lost-login form: when addr is the confirmed recovery
// address of one or more accounts, one email to it lists each login (as the
// sheet prints it) with how to reset its password. Whatever happens, the
// caller learns nothing (nil) so that the site answers the same for every
// address; only unexpected errors are returned, for the log. Like the
// links, at most Config.LinksPerDay such emails go to an address per Paris
// day (counted on the account of the first login listed); the form asked
// once more is refused and audited (EPOLICY, ReasonLinkCap), against mail
// bombing.
func (s *Service) RemindLogins(ctx context.Context, addr string, now time.Time) error {
	norm, err := ValidateEmail(addr)
	if err != nil {
		return nil
	}
	lookup, ok := s.Store.(RecoveryLookup)
	if !ok {
		return fmt.Errorf("the store cannot find accounts by recovery address")
	}
	found, err := lookup.AccountsByRecoveryEmail(ctx, norm)
	if err != nil {
		return err
	}
	var accounts []*Account
	for _, a := range found {
		if recoveryConfirmed(a.State) && strings.EqualFold(a.RecoveryEmail, norm) {
			accounts = append(accounts, a)
		}
	}
	if len(accounts) == 0 {
		return nil
	}
	slices.SortFunc(accounts, func(x, y *Account) int { return strings.Compare(x.Login, y.Login) })
	var logins []string
	for _, a := range accounts {
		line := s.Config.Identifier(a.Login)
		if a.State != StateActive {
			line += " (activation en cours / activation in progress)"
		}
		logins = append(logins, line)
	}
	first := accounts[0]
	err = s.Store.Update(ctx, first.StudentID, -1, now, func(tx Tx, a *Account) error {
		n, err := tx.CountEventsSince(a, actionLoginReminder, LinkDayStart(now))
		if err != nil {
			return err
		}
		if n >= s.Config.LinksPerDay {
			return refuse(tx, a, actionLoginReminder, &Error{Code: EPOLICY, Reason: ReasonLinkCap, Param: fmt.Sprint(s.Config.LinksPerDay),
				Message: fmt.Sprintf("%d lost-login emails were already sent to %s today: no more until tomorrow (limit against mail bombing)", n, a.RecoveryEmail)})
		}
		data := s.mailData(a)
		data.Logins, data.PageURL = logins, s.Config.ForgotPasswordURL()
		if err := s.queue(tx, a, MailLoginReminder, a.RecoveryEmail, data); err != nil {
			return err
		}
		for _, x := range accounts {
			if err := tx.Audit(x, Event{Action: actionLoginReminder, From: x.State, To: x.State, Outcome: "ok",
				Detail: fmt.Sprintf("logins of %s sent there (%d)", a.RecoveryEmail, len(logins))}); err != nil {
				return err
			}
		}
		return nil
	})
	if ErrorCode(err) == EPOLICY {
		return nil // refused and audited: the site answers the same
	}
	return err
}

// actionLoginReminder is the audit action of a lost-login email.
const actionLoginReminder = "login-reminder"
