package activation

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Service runs the steps of the activation guide on a Store. Both faces (the
// command line and the web site) call it; neither decides a rule itself.
type Service struct {
	Store  Store
	Config Config
}

// Answers supplies the student's answers step by step: from a JSON file in
// scripts, from prompts at the helpdesk, from the form a web page posts.
// Each method returns ok=false when the answer is not available, which ends
// the run before that step.
type Answers interface {
	ProvisionalPassword(a *Account) (pw string, ok bool, err error)
	RecoveryEmail(a *Account) (addr string, ok bool, err error)
	AcceptCharter(a *Account, version string) (accept bool, ok bool, err error)
	// Redirect returns the redirect address ("" for none) and whether to
	// keep a copy; defaultTo is the recovery email. ok=false means no
	// answer: the run stops before step 6-1 (it does not mean "no
	// redirect", which is to == "" with ok=true).
	Redirect(a *Account, defaultTo string) (to string, keepCopy bool, ok bool, err error)
	// NewPassword returns the new password; check tells whether the policy
	// accepts a candidate, so that a prompt can ask again.
	NewPassword(a *Account, check func(string) error) (pw string, ok bool, err error)
}

// Confirmation is what step 8 shows.
type Confirmation struct {
	Login      string `json:"login"`
	Mailbox    string `json:"mailbox"`
	RedirectTo string `json:"redirect_to,omitempty"`
	KeepCopy   bool   `json:"keep_copy,omitempty"`
}

// Outcome is where an activation run (or a followed link) left an account.
type Outcome struct {
	Login          string     `json:"login"`
	State          State      `json:"state,omitempty"`
	Step           string     `json:"step"`
	NextStep       string     `json:"next_step"`
	Done           []string   `json:"done"`
	LinkSentTo     string     `json:"link_sent_to,omitempty"`
	LinkValidUntil *time.Time `json:"link_valid_until,omitempty"`
	// LinkSent says that this run emailed a new link (to LinkSentTo), as
	// opposed to reporting one sent earlier that the account still waits
	// for.
	LinkSent     bool          `json:"-"`
	Confirmation *Confirmation `json:"confirmation,omitempty"`
	Message      string        `json:"message"`
	// For faces that draw the next page (not part of the CLI's JSON).
	RecoveryEmail string `json:"-"` // step 6-1's default redirect
	Charter       string `json:"-"` // the charter version in force, at step 5
}

func (s *Service) outcome(a *Account, done []string) *Outcome {
	if done == nil {
		done = []string{}
	}
	out := &Outcome{Login: s.Config.Identifier(a.Login), State: a.State, Step: a.State.StepNumber(), NextStep: a.State.NextStep(),
		Done: done, RecoveryEmail: a.RecoveryEmail}
	if a.State == StateActive {
		out.Confirmation = s.confirmation(a)
	}
	return out
}

// transition moves a to state to and audits it.
func transition(tx Tx, a *Account, to State, now time.Time, action, detail string) error {
	from := a.State
	a.State, a.StateSince = to, now
	if err := tx.SaveAccount(a); err != nil {
		return err
	}
	return tx.Audit(a, Event{Action: action, From: from, To: to, Outcome: "ok", Detail: detail})
}

// refuse audits a refused action and returns err marked to commit the
// audit alone. Unexpected errors are returned as they are: the transaction
// rolls back.
func refuse(tx Tx, a *Account, action string, err error) error {
	if ErrorCode(err) == EINTERNAL {
		return err
	}
	if aerr := tx.Audit(a, Event{Action: action, From: a.State, To: a.State, Outcome: "refused", Detail: ErrorMessage(err)}); aerr != nil {
		return aerr
	}
	return KeepChanges(err)
}

// ActivateOptions tunes an activation run.
type ActivateOptions struct {
	// Resend sends a new link (to the same address) when the run finds one
	// pending; the old link stops working. Links count against LinksPerDay.
	Resend bool
}

// ActivateWith runs the guide's steps from where the account stands, as far
// as the answers allow; every run starts with steps 1-2 (the provisional
// password). It returns the outcome and:
//   - nil when the account is active or the answers ran out (NextStep says
//     what is missing);
//   - an EPAUSED error when an emailed link must be followed (the outcome
//     says where it went and until when);
//   - EAUTH for a wrong provisional password, an unknown login, a locked
//     account or an account with no SCOL'PASS (ReasonAuthFailed, the same
//     message for all four), or an expired SCOL'PASS given right
//     (ReasonProvisionalExpired);
//   - ESTATE for an account already active (ReasonAlreadyActive, told only
//     to whoever gives its provisional password), at a step activate
//     cannot continue from, or changed by someone else during a later step
//     (ReasonConflict);
//   - EPOLICY for an invalid email, a redirect loop, a refused charter, the
//     daily link cap or a password the policy refuses.
func (s *Service) ActivateWith(ctx context.Context, key string, ans Answers, opts ActivateOptions, now time.Time) (*Outcome, error) {
	key = s.Config.LoginOf(key)
	// Whether the account exists, has a SCOL'PASS, is locked or active is
	// told only to whoever holds its provisional password (authenticate).
	a, err := s.Store.Load(ctx, key)
	if err != nil && ErrorCode(err) != ENOTFOUND {
		return nil, err
	}
	pw, ok, err := ans.ProvisionalPassword(a) // a is nil for an unknown login
	if err != nil {
		return nil, err
	}
	if !ok {
		return &Outcome{Login: s.Config.Identifier(key), Step: "1", NextStep: StateIssued.NextStep(), Done: []string{},
			Message: "no provisional password given: nothing done"}, nil
	}
	a, err = s.authenticate(ctx, key, pw, now, nil)
	if err != nil {
		return nil, err
	}
	return s.advance(ctx, a, ans, opts, pw, now, []string{"1-2"}, s.lockVersion)
}

// lockFn runs fn under a's lock in one transaction that commits once: the
// transaction of one step. It refuses (ESTATE conflict) when a changed
// since it was read.
type lockFn func(ctx context.Context, a *Account, now time.Time, fn func(tx Tx, cur *Account) error) error

// lockVersion is the lock of a step run by the command line.
func (s *Service) lockVersion(ctx context.Context, a *Account, now time.Time, fn func(tx Tx, cur *Account) error) error {
	return s.Store.Update(ctx, a.StudentID, a.Version, now, fn)
}

// advance runs the steps after 1-2 as far as the answers allow.
// provisional is the provisional password when the run was authenticated by
// it ("" for a session).
// Each step that moves the account takes its lock once (lock) and commits
// once; what a step only reads (the charter in force, a pending link) is
// read without a lock.
func (s *Service) advance(ctx context.Context, a *Account, ans Answers, opts ActivateOptions, provisional string, now time.Time, done []string, lock lockFn) (*Outcome, error) {
	for {
		var stepErr error
		var stop bool
		switch a.State {
		case StateAuthenticated, StateRecoveryPending:
			stop, stepErr = s.stepRecovery(ctx, a, ans, opts.Resend, now, &done, lock)
		case StateRecoveryVerified:
			stop, stepErr = s.stepCharter(ctx, a, ans, now, &done, lock)
		case StateCharterAccepted:
			stop, stepErr = s.stepMailbox(ctx, a, ans, now, &done, lock)
		case StateRedirectPending:
			stop, stepErr = s.stepRedirectPending(ctx, a, opts.Resend, now, lock)
		case StateMailboxReady:
			stop, stepErr = s.stepPassword(ctx, a, ans, provisional, now, &done, lock)
		case StateActive:
			out := s.outcome(a, done)
			out.Message = "account active"
			return out, nil
		default:
			return s.outcome(a, done), &Error{Code: ESTATE, Reason: ReasonWrongStep, Message: fmt.Sprintf("account is at %s: activate cannot continue", a.State)}
		}
		if stepErr != nil || stop {
			out := s.outcome(a, done)
			var pe *pausedError
			if errors.As(stepErr, &pe) {
				pe.fill(out)
			} else if stepErr == nil {
				out.Message = "stopped before " + a.State.NextStep() + ": no answer for it"
			}
			if stepErr == nil && a.State == StateRecoveryVerified {
				if err := s.readCharter(ctx, a, out); err != nil {
					return out, err
				}
			}
			return out, stepErr
		}
	}
}

func (s *Service) confirmation(a *Account) *Confirmation {
	return &Confirmation{Login: s.Config.Identifier(a.Login), Mailbox: s.Config.Identifier(a.Login), RedirectTo: a.RedirectTo, KeepCopy: a.KeepCopy && a.RedirectTo != ""}
}

func stateRefusal(a *Account, step string) error {
	return &Error{Code: ESTATE, Reason: ReasonWrongStep,
		Message: fmt.Sprintf("%s refused: the account is at step %s (%s), next: %s", step, a.State.StepNumber(), a.State, a.State.NextStep())}
}
