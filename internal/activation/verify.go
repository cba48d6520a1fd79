package activation

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// TokenFromInput accepts a bare token or a whole emailed link and returns
// the token.
func TokenFromInput(in string) string {
	if f := strings.Fields(in); len(f) > 0 {
		in = f[0] // a pasted email may bring the link twice, or trailing text
	} else {
		return ""
	}
	if strings.Contains(in, "/") {
		if u, err := url.Parse(in); err == nil {
			if t := u.Query().Get("token"); t != "" {
				return t
			}
			p := strings.TrimRight(u.Path, "/")
			if i := strings.LastIndexByte(p, '/'); i >= 0 {
				return p[i+1:]
			}
		}
	}
	return in
}

// VerifyToken follows an emailed link (step 4 or 6-2). It returns ETOKEN
// with distinct messages for an unknown, already used, replaced or expired
// link; an expired link also sends the activation back to step 1.
func (s *Service) VerifyToken(ctx context.Context, input string, now time.Time) (*Outcome, error) {
	token := TokenFromInput(input)
	if token == "" {
		return nil, Errorf(EINVALID, "no token given")
	}
	var out *Outcome
	err := s.Store.UpdateByToken(ctx, HashToken(token), func(tx Tx, a *Account, t *Token) error {
		what, link := "step 4 (recovery email)", "this step 4 link (recovery email)"
		if t.Purpose == PurposeRedirect {
			what, link = "step 6-2 (redirect address)", "this step 6-2 link (redirect address)"
		}
		fail := func(err error) error {
			if aerr := tx.Audit(a, Event{Action: "verify-token", From: a.State, To: a.State, Outcome: "refused", Detail: ErrorMessage(err)}); aerr != nil {
				return aerr
			}
			return KeepChanges(err)
		}
		switch {
		case !t.UsedAt.IsZero():
			return fail(Errorf(ETOKEN, "%s was already used on %s", link, t.UsedAt.In(Zone()).Format("02/01/2006 15:04")))
		case !t.RevokedAt.IsZero():
			return fail(Errorf(ETOKEN, "%s is no longer valid: a newer link was sent or the activation was restarted", link))
		case now.After(t.ExpiresAt):
			if err := tx.RevokeTokens(a, "", now); err != nil {
				return err
			}
			pendingState := StateRecoveryPending
			if t.Purpose == PurposeRedirect {
				pendingState = StateRedirectPending
			}
			msg := fmt.Sprintf("%s expired at %s (Paris time)", link, t.ExpiresAt.In(Zone()).Format("02/01/2006 15:04"))
			if a.State == pendingState {
				s.clearProgress(a)
				if err := transition(tx, a, StateIssued, now, "link-expired", "the emailed link expired: back to step 1"); err != nil {
					return err
				}
				msg += ": the activation goes back to step 1 (identifier and provisional password)"
			}
			return fail(Errorf(ETOKEN, "%s", msg))
		}
		if err := tx.UseToken(t, now); err != nil {
			return err
		}
		switch {
		case t.Purpose == PurposeRecovery && a.State == StateRecoveryPending && strings.EqualFold(t.Email, a.RecoveryEmail):
			if err := transition(tx, a, StateRecoveryVerified, now, "verify-token", "step 4: recovery email "+t.Email+" confirmed"); err != nil {
				return err
			}
		case t.Purpose == PurposeRedirect && (a.State == StateRedirectPending || a.State == StateActive):
			a.RedirectTo, a.KeepCopy = t.Email, t.KeepCopy
			next := StateMailboxReady
			if a.State == StateActive {
				next = StateActive
			}
			if err := transition(tx, a, next, now, "verify-token", "step 6-2: redirect to "+t.Email+" confirmed"); err != nil {
				return err
			}
		default:
			return fail(Errorf(ETOKEN, "%s does not match where the account is now (step %s)", link, a.State.StepNumber()))
		}
		out = s.outcome(a, []string{map[string]string{PurposeRecovery: "4", PurposeRedirect: "6-2"}[t.Purpose]})
		out.Message = what + " confirmed; next: " + a.State.NextStep()
		return nil
	})
	return out, err
}

// Unlock lifts a lockout and clears the failure count.
func (s *Service) Unlock(ctx context.Context, key string, now time.Time) (*Outcome, error) {
	a, err := s.Store.Load(ctx, key)
	if err != nil {
		return nil, err
	}
	err = s.Store.Update(ctx, a.StudentID, -1, func(tx Tx, cur *Account) error {
		*a = *cur
		wasLocked := !a.LockedUntil.IsZero() && now.Before(a.LockedUntil)
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

// Restart sends an account in progress back to step 1: links revoked,
// recovery email, charter and redirect choices forgotten; the SCOL'PASS
// stays valid. An account not issued yet or already active is refused
// (ESTATE): an active account needs a new SCOL'PASS (reset --reissue).
func (s *Service) Restart(ctx context.Context, key string, now time.Time) (*Outcome, error) {
	a, err := s.Store.Load(ctx, key)
	if err != nil {
		return nil, err
	}
	err = s.Store.Update(ctx, a.StudentID, -1, func(tx Tx, cur *Account) error {
		*a = *cur
		switch a.State {
		case StateImported:
			return refuse(tx, a, "restart", Errorf(ESTATE, "%s has no SCOL'PASS yet: nothing to restart", s.Config.Identifier(a.Login)))
		case StateActive:
			return refuse(tx, a, "restart", Errorf(ESTATE, "%s is already active: use reset --reissue --force to start again with a new SCOL'PASS", s.Config.Identifier(a.Login)))
		}
		if err := tx.RevokeTokens(a, "", now); err != nil {
			return err
		}
		s.clearProgress(a)
		return transition(tx, a, StateIssued, now, "restart", "back to step 1, links revoked")
	})
	if err != nil {
		return nil, err
	}
	out := s.outcome(a, nil)
	out.Message = "back to step 1: the student starts again with the SCOL'PASS already issued"
	return out, nil
}
