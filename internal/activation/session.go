package activation

import (
	"context"
	"sync"
	"time"
)

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

// SessionSecretLength is the length of a session secret: like a link's
// token, URL-safe base64 of 32 random bytes (NewToken).
const SessionSecretLength = 43

// StartSession is steps 1-2 for a face that keeps a session (the web site):
// it checks identifier (with or without @domain) and provisional password
// exactly as ActivateWith does (same EAUTH answer for an unknown login, a
// wrong password or a lock; failures counted), then opens a session bound
// to the account and returns its secret, to be kept by the browser only
// (the store keeps its hash). Starting a session ends every other session
// of the account. The outcome says where the account stands, as Resume
// does.
//
// The site takes the login only (SiteLogin): a student number gets
// ReasonNotALogin, and no account is looked up or counted.
func (s *Service) StartSession(ctx context.Context, identifier, provisional string, now time.Time) (string, *Outcome, error) {
	key, ok := s.Config.SiteLogin(identifier)
	if !ok {
		return "", nil, errNotALogin()
	}
	secret, hash, err := NewToken()
	if err != nil {
		return "", nil, err
	}
	var out *Outcome
	_, err = s.authenticate(ctx, key, provisional, now, func(tx Tx, a *Account) error {
		if err := tx.EndSessions(a, SessionReplaced); err != nil {
			return err
		}
		if err := tx.CreateSession(a, hash); err != nil {
			return err
		}
		o, err := s.view(tx, a)
		out = o
		return err
	})
	if err != nil {
		return "", nil, err
	}
	out.Done = []string{"1-2"}
	return secret, out, nil
}

// dummyProvisionalHash is checked against when there is no account, so that
// an unknown login costs what a wrong password costs.
var dummyProvisionalHash = sync.OnceValue(func() string { return HashProvisional("UNKNOWN-LOGIN-NO-ACCOUNT") })

// ErrSessionExpired is the answer to a session that is unknown, ended or
// expired: steps 1-2 again. Stores return it for a secret they do not know.
func ErrSessionExpired() error {
	return &Error{Code: EAUTH, Reason: ReasonSessionExpired,
		Message: "the session expired: start again with the identifier and the provisional password (steps 1-2)"}
}

// sessionStanding is where a session stands at an instant.
type sessionStanding int

const (
	sessionLive         sessionStanding = iota // stands for steps 1-2
	sessionConfirmation                        // ended by the activation it did: shows step 8, read-only
	sessionOver                                // ended: steps 1-2 again
	sessionToEnd                               // over by the rules (idle, too old, account restarted, its link expired) but not recorded yet
)

// standing is the session rule at now, read without writing: the idle
// timeout and lifetime (Session.ExpiredAt), the step 8 grace
// (Session.ShowsConfirmation), an account restarted or re-issued since, a
// link waited for that expired.
func (s *Service) standing(r Reader, a *Account, ses *Session, now time.Time) (sessionStanding, error) {
	if !ses.EndedAt.IsZero() {
		if ses.ShowsConfirmation(a, now, s.Config.SessionIdle) {
			return sessionConfirmation, nil
		}
		return sessionOver, nil
	}
	if ses.ExpiredAt(now, s.Config.SessionIdle, s.Config.SessionLifetime) {
		return sessionToEnd, nil
	}
	switch a.State {
	case StateImported, StateIssued:
		return sessionToEnd, nil
	}
	if stale, err := linkStale(r, a, now); err != nil || stale {
		return sessionToEnd, err
	}
	return sessionLive, nil
}

// session finds the live session of secret, locks its account and runs fn,
// in one transaction that records what the session rule decides: a
// session over ends, an account whose link expired goes back to step 1,
// a live session's idle time starts again. A session ended by the
// activation still shows step 8 (read-only) until it would have gone idle
// (Session.ShowsConfirmation).
func (s *Service) session(ctx context.Context, secret string, now time.Time, fn func(tx Tx, a *Account, ses *Session) error) error {
	if len(secret) != SessionSecretLength {
		return ErrSessionExpired()
	}
	return s.Store.UpdateBySession(ctx, HashToken(secret), now, func(tx Tx, a *Account, ses *Session) error {
		if !ses.EndedAt.IsZero() {
			if ses.ShowsConfirmation(a, now, s.Config.SessionIdle) {
				return fn(tx, a, ses)
			}
			return ErrSessionExpired()
		}
		if ses.ExpiredAt(now, s.Config.SessionIdle, s.Config.SessionLifetime) {
			if err := tx.TouchSession(ses, SessionExpired); err != nil {
				return err
			}
			return KeepChanges(ErrSessionExpired())
		}
		switch a.State {
		case StateImported, StateIssued:
			// Restarted or re-issued meanwhile: steps 1-2 again.
			if err := tx.TouchSession(ses, SessionReset); err != nil {
				return err
			}
			return KeepChanges(ErrSessionExpired())
		}
		expired, err := s.expireStaleLink(tx, a, now)
		if err != nil {
			return err
		}
		if expired {
			return KeepChanges(&Error{Code: ETOKEN, Reason: ReasonTokenExpired,
				Message: "the emailed link expired at 23:59 (Paris time): the activation goes back to step 1 (identifier and provisional password)"})
		}
		if err := tx.TouchSession(ses, ""); err != nil {
			return err
		}
		return fn(tx, a, ses)
	})
}

// view is where the account stands, with what the next page needs: the
// pending link, the charter in force, the confirmation.
func (s *Service) view(r Reader, a *Account) (*Outcome, error) {
	out := s.outcome(a, nil)
	if purpose := a.State.pendingPurpose(); purpose != "" {
		p, err := s.pendingPause(r, a, purpose, "")
		if err != nil {
			return nil, err
		}
		p.fill(out)
	}
	if a.State == StateRecoveryVerified {
		v, err := r.CharterInForce()
		if err != nil {
			return nil, err
		}
		out.Charter = v
	}
	return out, nil
}

// look reads where the session of secret and its account stand, without
// a lock; fn, when given, runs on the same read for a session that is live
// or shows step 8.
func (s *Service) look(ctx context.Context, secret string, now time.Time, fn func(r Reader, a *Account) error) (sessionStanding, *Session, *Account, error) {
	if len(secret) != SessionSecretLength {
		return sessionOver, nil, nil, ErrSessionExpired()
	}
	var st sessionStanding
	var seen *Session
	var acc *Account
	err := s.Store.ViewBySession(ctx, HashToken(secret), func(r Reader, a *Account, ses *Session) error {
		var err error
		st, err = s.standing(r, a, ses, now)
		if err != nil {
			return err
		}
		seen, acc = ses, a
		if fn != nil && (st == sessionLive || st == sessionConfirmation) {
			return fn(r, a)
		}
		return nil
	})
	if err == nil && st == sessionOver {
		err = ErrSessionExpired()
	}
	return st, seen, acc, err
}

// Resume returns where the account of a live session stands (the outcome's
// LinkSentTo/LinkValidUntil for a pending link, Charter for step 5,
// RecoveryEmail for step 6-1, Confirmation when active) and refreshes the
// session's idle time. A session unknown, ended, idle longer than
// Config.SessionIdle or older than Config.SessionLifetime gives EAUTH with
// Reason ReasonSessionExpired; a session whose account waited for a link
// that expired gives ETOKEN ReasonTokenExpired (the account is back at step
// 1).
//
// It reads without locking the account: a page shown changes nothing but
// the session's idle time (Store.SeeSession). Only a session found over by
// the rules takes the lock, to record it.
func (s *Service) Resume(ctx context.Context, secret string, now time.Time) (*Outcome, error) {
	var out *Outcome
	st, seen, _, err := s.look(ctx, secret, now, func(r Reader, a *Account) error {
		o, err := s.view(r, a)
		out = o
		return err
	})
	if err != nil {
		return nil, err
	}
	switch st {
	case sessionToEnd:
		err = s.session(ctx, secret, now, func(tx Tx, a *Account, _ *Session) error {
			o, err := s.view(tx, a)
			out = o
			return err
		})
		return out, err
	case sessionLive:
		if err := s.Store.SeeSession(ctx, seen.ID, now); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Continue runs the steps from where the account stands, as far as ans
// allows, like ActivateWith; the live session stands for steps 1-2. The
// step 7 that activates the account ends its sessions; the one that did it
// still shows step 8 until it would have gone idle. Errors as ActivateWith,
// plus those of Resume.
//
// The session and its account are read without a lock; each step that
// moves the account then checks the session, refreshes its idle time and
// does its work in one transaction: a form that answers one step locks the
// account once and commits once.
func (s *Service) Continue(ctx context.Context, secret string, ans Answers, opts ActivateOptions, now time.Time) (*Outcome, error) {
	st, seen, acc, err := s.look(ctx, secret, now, nil)
	if err != nil {
		return nil, err
	}
	if st == sessionToEnd {
		// Over by the rules: record it (the answer is the session's end).
		if err := s.session(ctx, secret, now, func(tx Tx, a *Account, _ *Session) error {
			acc = a
			return nil
		}); err != nil {
			return nil, err
		}
	}
	locked := false
	lock := func(ctx context.Context, a *Account, now time.Time, fn func(tx Tx, cur *Account) error) error {
		locked = true
		return s.session(ctx, secret, now, func(tx Tx, cur *Account, _ *Session) error {
			if cur.Version != a.Version {
				return ErrChangedMeanwhile(cur)
			}
			return fn(tx, cur)
		})
	}
	out, err := s.advance(ctx, acc, ans, opts, "", now, nil, lock)
	if !locked && st == sessionLive {
		// No step moved the account: the request still counts.
		if serr := s.Store.SeeSession(ctx, seen.ID, now); serr != nil && err == nil {
			return out, serr
		}
	}
	return out, err
}

// EndSession ends a session (log out). Unknown or ended sessions are
// ignored.
func (s *Service) EndSession(ctx context.Context, secret string, now time.Time) error {
	if len(secret) != SessionSecretLength {
		return nil
	}
	err := s.Store.UpdateBySession(ctx, HashToken(secret), now, func(tx Tx, a *Account, ses *Session) error {
		if !ses.EndedAt.IsZero() {
			return nil
		}
		return tx.TouchSession(ses, SessionLogout)
	})
	if Reason(err) == ReasonSessionExpired {
		return nil
	}
	return err
}

// InspectLink tells what a link would confirm without using it, changing
// anything or locking anything. ETOKEN (with a Reason) for an unknown, used, replaced, expired or
// mismatched link: the same verdict VerifyToken would give.
func (s *Service) InspectLink(ctx context.Context, input string, now time.Time) (*LinkInfo, error) {
	token := TokenFromInput(input)
	if token == "" {
		return nil, &Error{Code: ETOKEN, Reason: ReasonTokenUnknown, Message: "no token given"}
	}
	var info *LinkInfo
	err := s.Store.ViewByToken(ctx, HashToken(token), func(_ Reader, a *Account, t *Token) error {
		if err := s.linkProblem(a, t, now); err != nil {
			return err
		}
		info = &LinkInfo{Purpose: t.Purpose, Step: stepOfPurpose(t.Purpose), Login: s.Config.Identifier(a.Login),
			Email: t.Email, KeepCopy: t.KeepCopy, ExpiresAt: t.ExpiresAt}
		return nil
	})
	return info, err
}
