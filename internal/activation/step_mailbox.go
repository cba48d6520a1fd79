package activation

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// stepRedirectPending waits for the 6-2 link, or with resend sends a new one
// to the same address.
func (s *Service) stepRedirectPending(ctx context.Context, a *Account, resend bool, now time.Time, lock lockFn) (bool, error) {
	if !resend {
		return s.waitingForLink(ctx, a, PurposeRedirect)
	}
	var to string
	var keep bool
	err := s.Store.View(ctx, a.StudentID, func(r Reader, cur *Account) error {
		*a = *cur
		t, err := r.PendingToken(a, PurposeRedirect)
		if err != nil || t == nil {
			return err
		}
		to, keep = t.Email, t.KeepCopy
		return nil
	})
	if err != nil {
		return true, err
	}
	if to == "" {
		return s.waitingForLink(ctx, a, PurposeRedirect)
	}
	pause, err := s.setRedirectOn(ctx, a, to, keep, now, lock)
	if err != nil {
		return true, err
	}
	return true, pause
}

// stepMailbox is step 6-1 (and 6-2's sending).
func (s *Service) stepMailbox(ctx context.Context, a *Account, ans Answers, now time.Time, done *[]string, lock lockFn) (bool, error) {
	to, keep, ok, err := ans.Redirect(a, a.RecoveryEmail)
	if err != nil {
		return true, err
	}
	if !ok {
		return true, nil
	}
	pause, err := s.setRedirectOn(ctx, a, to, keep, now, lock)
	if err != nil {
		return true, err
	}
	*done = append(*done, "6-1")
	if pause != nil {
		return true, pause
	}
	return false, nil
}

// setRedirectOn applies a redirect choice to a (step 6-1 during activation,
// or a later change). to == "" removes the redirect. An address that
// differs from the recovery email gets its own link (6-2) and the returned
// pause is non-nil.
func (s *Service) setRedirectOn(ctx context.Context, a *Account, to string, keepCopy bool, now time.Time, lock lockFn) (*pausedError, error) {
	if to != "" {
		norm, err := s.checkExternalAddress(to, "redirect address")
		if err != nil {
			return nil, err
		}
		to = norm
	}
	var pause *pausedError
	err := lock(ctx, a, now, func(tx Tx, cur *Account) error {
		*a = *cur
		switch a.State {
		case StateCharterAccepted, StateRedirectPending, StateMailboxReady, StateActive:
		default:
			return stateRefusal(a, "step 6-1 (redirect)")
		}
		if err := tx.RevokeTokens(a, PurposeRedirect); err != nil {
			return err
		}
		next := StateMailboxReady
		if a.State == StateActive {
			next = StateActive
		}
		switch {
		case to == "":
			a.RedirectTo, a.KeepCopy = "", false
			if err := s.provision(tx, a, ProvisionRedirect); err != nil {
				return err
			}
			return transition(tx, a, next, now, "redirect", "no redirect")
		case strings.EqualFold(to, a.RecoveryEmail):
			a.RedirectTo, a.KeepCopy = to, keepCopy
			if err := s.provision(tx, a, ProvisionRedirect); err != nil {
				return err
			}
			return transition(tx, a, next, now, "redirect", fmt.Sprintf("redirect to the recovery email %s (keep copy: %t)", to, keepCopy))
		}
		p, err := s.sendLink(tx, a, PurposeRedirect, to, keepCopy, now)
		if err != nil {
			return refuse(tx, a, "redirect", err)
		}
		pause = p
		if a.State == StateActive {
			return tx.Audit(a, Event{Action: "redirect", From: a.State, To: a.State, Outcome: "pending", Detail: "link sent to " + to})
		}
		return transition(tx, a, StateRedirectPending, now, "redirect", "link sent to "+to)
	})
	return pause, err
}

// SetRedirect is the set-redirect command: step 6-1 during the activation
// or a later change. It returns an EPAUSED error when a 6-2 link was sent.
func (s *Service) SetRedirect(ctx context.Context, key, to string, keepCopy bool, now time.Time) (*Outcome, error) {
	a, err := s.Store.Load(ctx, s.Config.LoginOf(key))
	if err != nil {
		return nil, err
	}
	pause, err := s.setRedirectOn(ctx, a, to, keepCopy, now, s.lockVersion)
	if err != nil {
		return nil, err
	}
	out := s.outcome(a, []string{"6-1"})
	if pause != nil {
		pause.fill(out)
		return out, pause
	}
	if a.RedirectTo == "" {
		out.Message = "no redirect"
	} else {
		out.Message = "mail redirected to " + a.RedirectTo
	}
	return out, nil
}
