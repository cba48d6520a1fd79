package activation

import (
	"context"
	"errors"
	"fmt"
	"strings"
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
	// answer: no redirect.
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
	Login          string        `json:"login"`
	State          State         `json:"state,omitempty"`
	Step           string        `json:"step"`
	NextStep       string        `json:"next_step"`
	Done           []string      `json:"done"`
	LinkSentTo     string        `json:"link_sent_to,omitempty"`
	LinkValidUntil *time.Time    `json:"link_valid_until,omitempty"`
	Confirmation   *Confirmation `json:"confirmation,omitempty"`
	Message        string        `json:"message"`
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
//   - EAUTH for a wrong provisional password, an unknown login or a locked
//     account (the same message for all three); ESTATE for an account with
//     no SCOL'PASS, already active, or changed by someone else meanwhile;
//     EPOLICY for an invalid email, a redirect loop, a refused charter or a
//     password the policy refuses.
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
	if a == nil || a.LockedAt(now) {
		return nil, errAuthFailed()
	}
	if err := s.authenticate(ctx, a, pw, now, nil); err != nil {
		return nil, err
	}
	return s.advance(ctx, a, ans, opts, pw, now, []string{"1-2"})
}

// advance runs the steps after 1-2 as far as the answers allow.
// provisional is the provisional password when the run was authenticated by
// it ("" for a session).
func (s *Service) advance(ctx context.Context, a *Account, ans Answers, opts ActivateOptions, provisional string, now time.Time, done []string) (*Outcome, error) {
	for {
		var stepErr error
		var stop bool
		switch a.State {
		case StateAuthenticated, StateRecoveryPending:
			stop, stepErr = s.stepRecovery(ctx, a, ans, opts.Resend, now, &done)
		case StateRecoveryVerified:
			stop, stepErr = s.stepCharter(ctx, a, ans, now, &done)
		case StateCharterAccepted:
			stop, stepErr = s.stepMailbox(ctx, a, ans, now, &done)
		case StateRedirectPending:
			stop, stepErr = s.stepRedirectPending(ctx, a, opts.Resend, now)
		case StateMailboxReady:
			stop, stepErr = s.stepPassword(ctx, a, ans, provisional, now, &done)
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
				out.LinkSentTo, out.LinkValidUntil = pe.to, &pe.until
				out.Message = pe.Error()
			} else if stepErr == nil {
				out.Message = "stopped before " + a.State.NextStep() + ": no answer for it"
			}
			if stepErr == nil && a.State == StateRecoveryVerified {
				if err := s.readCharter(ctx, a, now, out); err != nil {
					return out, err
				}
			}
			return out, stepErr
		}
	}
}

func errAuthFailed() *Error {
	return &Error{Code: EAUTH, Reason: ReasonAuthFailed,
		Message: "authentication failed: unknown identifier, wrong provisional password, or account temporarily locked"}
}

// authenticate checks the provisional password (steps 1-2) and counts
// failures; MaxFailures in a row lock the account for LockFor. When
// onSuccess is given it runs in the same transaction once the password is
// accepted (to open a session).
func (s *Service) authenticate(ctx context.Context, a *Account, pw string, now time.Time, onSuccess func(tx Tx, a *Account) error) error {
	return s.Store.Update(ctx, a.StudentID, a.Version, now, func(tx Tx, cur *Account) error {
		*a = *cur
		if a.LockedAt(now) {
			return errAuthFailed()
		}
		p := a.Provisional
		matches := p != nil && VerifyProvisional(pw, p.Hash)
		if matches && a.State == StateActive {
			return &Error{Code: ESTATE, Reason: ReasonAlreadyActive,
				Message: fmt.Sprintf("%s is already active (step 8): for a forgotten password, use the lost-password page %s (or reset --send-link)", s.Config.Identifier(a.Login), s.Config.ForgotPasswordURL())}
		}
		valid := matches && p.UsedAt.IsZero()
		if valid && p.ExpiredAt(now) {
			if err := tx.Audit(a, Event{Action: "authenticate", From: a.State, To: a.State, Outcome: "failed", Detail: "provisional password expired"}); err != nil {
				return err
			}
			return KeepChanges(&Error{Code: EAUTH, Reason: ReasonProvisionalExpired, Param: p.ExpiresAt.In(Zone()).Format("02/01/2006"),
				Message: fmt.Sprintf("the provisional password expired on %s: ask the scolarité office for a new SCOL'PASS (reset --reissue)", p.ExpiresAt.In(Zone()).Format("02/01/2006"))})
		}
		if !valid {
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
}

// expireStaleLink is the guide's "past that time, start again at step 1":
// an account waiting for a link that expired (or vanished) goes back to
// issued, its links revoked. It reports whether it did.
func (s *Service) expireStaleLink(tx Tx, a *Account, now time.Time) (bool, error) {
	purpose := a.State.pendingPurpose()
	if purpose == "" {
		return false, nil
	}
	t, err := tx.PendingToken(a, purpose)
	if err != nil {
		return false, err
	}
	if t != nil && !t.ExpiredAt(now) {
		return false, nil
	}
	return true, s.backToStep1(tx, a, now, "link-expired", "the emailed link expired: back to step 1", SessionExpired)
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

// pausedError says that an emailed link must be followed; it carries an
// EPAUSED domain error.
type pausedError struct {
	msg   string
	to    string
	until time.Time
}

func (p *pausedError) Error() string { return p.msg }
func (p *pausedError) Unwrap() error { return &Error{Code: EPAUSED, Message: p.msg} }

func (s *Service) paused(to string, until time.Time, what string) *pausedError {
	return &pausedError{
		msg: fmt.Sprintf("%s: a link was sent to %s; it is valid until %s (Paris time). Follow it, then run activate again",
			what, to, until.In(Zone()).Format("02/01/2006 15:04")),
		to: to, until: until,
	}
}

// stepOfPurpose is the step of the guide a link of that purpose confirms.
func stepOfPurpose(purpose string) string {
	if purpose == PurposeRedirect {
		return "6-2"
	}
	return "4"
}

// sendLink creates a token, queues its email and returns the pause. At most
// LinksPerDay links per account per Paris day.
func (s *Service) sendLink(tx Tx, a *Account, purpose, to string, keepCopy bool, now time.Time) (*pausedError, error) {
	n, err := tx.CountTokensSince(a, LinkDayStart(now))
	if err != nil {
		return nil, err
	}
	if n >= s.Config.LinksPerDay {
		return nil, &Error{Code: EPOLICY, Reason: ReasonLinkCap, Param: fmt.Sprint(s.Config.LinksPerDay),
			Message: fmt.Sprintf("%d links were already emailed for %s today: no more until tomorrow (limit against mail bombing)", n, s.Config.Identifier(a.Login))}
	}
	if err := tx.RevokeTokens(a, purpose); err != nil {
		return nil, err
	}
	token, hash, err := NewToken()
	if err != nil {
		return nil, err
	}
	until := LinkExpiry(now)
	if err := tx.CreateToken(a, Token{Purpose: purpose, Email: to, KeepCopy: keepCopy, IssuedAt: now, ExpiresAt: until}, hash); err != nil {
		return nil, err
	}
	kind := "recovery_link"
	if purpose == PurposeRedirect {
		kind = "redirect_link"
	}
	data := s.mailData(a)
	data.Link, data.ValidUntil = s.Config.LinkFor(token), until
	if purpose == PurposeRedirect {
		data.RedirectTo, data.KeepCopy = to, keepCopy
	}
	if err := s.queue(tx, a, kind, to, data); err != nil {
		return nil, err
	}
	return s.paused(to, until, "step "+stepOfPurpose(purpose)), nil
}

func (s *Service) mailData(a *Account) MailData {
	return MailData{FirstName: a.FirstName, LastName: a.LastName, Login: s.Config.Identifier(a.Login),
		Mailbox: s.Config.Identifier(a.Login), RedirectTo: a.RedirectTo, KeepCopy: a.KeepCopy}
}

func (s *Service) queue(tx Tx, a *Account, kind, to string, data MailData) error {
	if s.Config.RenderMail == nil {
		return fmt.Errorf("no mail renderer configured")
	}
	subject, body, err := s.Config.RenderMail(kind, data)
	if err != nil {
		return fmt.Errorf("render %s email: %w", kind, err)
	}
	return tx.QueueEmail(a, Email{Kind: kind, To: to, Subject: subject, Body: body})
}

// stepRecovery is step 3 and the sending of step 4's link. While that link
// is pending, another address, or a resend, sends a new link that replaces
// it; otherwise the run waits for the link.
func (s *Service) stepRecovery(ctx context.Context, a *Account, ans Answers, resend bool, now time.Time, done *[]string) (bool, error) {
	addr, ok, err := ans.RecoveryEmail(a)
	if err != nil {
		return true, err
	}
	from := a.State
	detail := "link sent to "
	if from == StateRecoveryPending {
		detail = "new link sent to "
		if !ok || strings.EqualFold(strings.TrimSpace(addr), a.RecoveryEmail) {
			if !resend {
				return s.waitingForLink(ctx, a, PurposeRecovery, now)
			}
			addr, ok = a.RecoveryEmail, true
		}
	}
	if !ok {
		return true, nil
	}
	addr, err = s.checkExternalAddress(addr, "recovery email")
	if err != nil {
		return true, err
	}
	var pause *pausedError
	err = s.Store.Update(ctx, a.StudentID, a.Version, now, func(tx Tx, cur *Account) error {
		*a = *cur
		if a.State != from {
			return stateRefusal(a, "step 3")
		}
		a.RecoveryEmail = addr
		p, err := s.sendLink(tx, a, PurposeRecovery, addr, false, now)
		if err != nil {
			return refuse(tx, a, "recovery-email", err)
		}
		pause = p
		return transition(tx, a, StateRecoveryPending, now, "recovery-email", detail+addr)
	})
	if err != nil {
		return true, err
	}
	*done = append(*done, "3")
	return true, pause
}

// stepRedirectPending waits for the 6-2 link, or with resend sends a new one
// to the same address.
func (s *Service) stepRedirectPending(ctx context.Context, a *Account, resend bool, now time.Time) (bool, error) {
	if !resend {
		return s.waitingForLink(ctx, a, PurposeRedirect, now)
	}
	var to string
	var keep bool
	err := s.Store.Update(ctx, a.StudentID, a.Version, now, func(tx Tx, cur *Account) error {
		*a = *cur
		t, err := tx.PendingToken(a, PurposeRedirect)
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
		return s.waitingForLink(ctx, a, PurposeRedirect, now)
	}
	pause, err := s.setRedirectOn(ctx, a, to, keep, now)
	if err != nil {
		return true, err
	}
	return true, pause
}

// waitingForLink reports the pending link of a paused account.
func (s *Service) waitingForLink(ctx context.Context, a *Account, purpose string, now time.Time) (bool, error) {
	var pause *pausedError
	err := s.Store.Update(ctx, a.StudentID, a.Version, now, func(tx Tx, cur *Account) error {
		*a = *cur
		p, err := s.pendingPause(tx, a, purpose, " still waiting")
		pause = p
		return err
	})
	if err != nil {
		return true, err
	}
	return true, pause
}

// pendingPause describes the link an account waits for.
func (s *Service) pendingPause(tx Tx, a *Account, purpose, suffix string) (*pausedError, error) {
	t, err := tx.PendingToken(a, purpose)
	if err != nil {
		return nil, err
	}
	what := "step " + stepOfPurpose(purpose)
	if t == nil {
		return nil, &Error{Code: ESTATE, Reason: ReasonWrongStep, Message: what + ": no link is pending; run reset --restart"}
	}
	return s.paused(t.Email, t.ExpiresAt, what+suffix), nil
}

// readCharter fills the charter version in force into out.
func (s *Service) readCharter(ctx context.Context, a *Account, now time.Time, out *Outcome) error {
	return s.Store.Update(ctx, a.StudentID, -1, now, func(tx Tx, cur *Account) error {
		v, err := tx.CharterInForce()
		out.Charter = v
		return err
	})
}

// stepCharter is step 5: the charter version in force must be accepted.
func (s *Service) stepCharter(ctx context.Context, a *Account, ans Answers, now time.Time, done *[]string) (bool, error) {
	var version string
	err := s.Store.Update(ctx, a.StudentID, a.Version, now, func(tx Tx, cur *Account) error {
		*a = *cur
		v, err := tx.CharterInForce()
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
	err = s.Store.Update(ctx, a.StudentID, a.Version, now, func(tx Tx, cur *Account) error {
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

// stepMailbox is step 6-1 (and 6-2's sending).
func (s *Service) stepMailbox(ctx context.Context, a *Account, ans Answers, now time.Time, done *[]string) (bool, error) {
	to, keep, ok, err := ans.Redirect(a, a.RecoveryEmail)
	if err != nil {
		return true, err
	}
	if !ok {
		return true, nil
	}
	pause, err := s.setRedirectOn(ctx, a, to, keep, now)
	if err != nil {
		return true, err
	}
	*done = append(*done, "6-1")
	if pause != nil {
		return true, pause
	}
	return false, nil
}

// checkExternalAddress validates an address a student gives: valid syntax,
// not in the university's own domain (a redirect there would loop).
func (s *Service) checkExternalAddress(addr, what string) (string, error) {
	norm, err := ValidateEmail(addr)
	if err != nil {
		return "", err
	}
	if IsUniversityAddress(norm, universityDomain(s.Config.MailDomain)) {
		return "", &Error{Code: EPOLICY, Reason: ReasonEmailUniversity,
			Message: fmt.Sprintf("%s %s is a university address: give an external address (a redirect there would loop)", what, norm)}
	}
	return norm, nil
}

// universityDomain is the institution's domain: etu.umontpellier.fr →
// umontpellier.fr.
func universityDomain(mailDomain string) string {
	parts := strings.Split(mailDomain, ".")
	if len(parts) > 2 {
		return strings.Join(parts[len(parts)-2:], ".")
	}
	return mailDomain
}

// setRedirectOn applies a redirect choice to a (step 6-1 during activation,
// or a later change). to == "" removes the redirect. An address that
// differs from the recovery email gets its own link (6-2) and the returned
// pause is non-nil.
func (s *Service) setRedirectOn(ctx context.Context, a *Account, to string, keepCopy bool, now time.Time) (*pausedError, error) {
	if to != "" {
		norm, err := s.checkExternalAddress(to, "redirect address")
		if err != nil {
			return nil, err
		}
		to = norm
	}
	var pause *pausedError
	err := s.Store.Update(ctx, a.StudentID, a.Version, now, func(tx Tx, cur *Account) error {
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

// stepPassword is step 7, then 8. The policy refuses the provisional
// password: the one typed at steps 1-2 when known, else the stored one.
func (s *Service) stepPassword(ctx context.Context, a *Account, ans Answers, provisional string, now time.Time, done *[]string) (bool, error) {
	pc := PasswordContext{FirstName: a.FirstName, LastName: a.LastName, LoginLocal: a.Login, Provisional: provisional}
	if a.Provisional != nil {
		pc.ProvisionalHash = a.Provisional.Hash
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
	err = s.Store.Update(ctx, a.StudentID, a.Version, now, func(tx Tx, cur *Account) error {
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
		return s.queue(tx, a, "activated", a.RecoveryEmail, s.mailData(a))
	})
	if err != nil {
		return true, err
	}
	*done = append(*done, "7", "8")
	return false, nil
}

func (s *Service) confirmation(a *Account) *Confirmation {
	return &Confirmation{Login: s.Config.Identifier(a.Login), Mailbox: s.Config.Identifier(a.Login), RedirectTo: a.RedirectTo, KeepCopy: a.KeepCopy && a.RedirectTo != ""}
}

func stateRefusal(a *Account, step string) error {
	return &Error{Code: ESTATE, Reason: ReasonWrongStep,
		Message: fmt.Sprintf("%s refused: the account is at step %s (%s), next: %s", step, a.State.StepNumber(), a.State, a.State.NextStep())}
}

// SetRedirect is the set-redirect command: step 6-1 during the activation
// or a later change. It returns an EPAUSED error when a 6-2 link was sent.
func (s *Service) SetRedirect(ctx context.Context, key, to string, keepCopy bool, now time.Time) (*Outcome, error) {
	a, err := s.Store.Load(ctx, s.Config.LoginOf(key))
	if err != nil {
		return nil, err
	}
	pause, err := s.setRedirectOn(ctx, a, to, keepCopy, now)
	if err != nil {
		return nil, err
	}
	out := s.outcome(a, []string{"6-1"})
	if pause != nil {
		out.LinkSentTo, out.LinkValidUntil = pause.to, &pause.until
		out.Message = pause.Error()
		return out, pause
	}
	if a.RedirectTo == "" {
		out.Message = "no redirect"
	} else {
		out.Message = "mail redirected to " + a.RedirectTo
	}
	return out, nil
}
