package activation

import (
	"context"
	"fmt"
	"time"
)

// pausedError says that an emailed link must be followed; it carries an
// EPAUSED domain error.
type pausedError struct {
	msg   string
	to    string
	until time.Time
	sent  bool // this run emailed the link (sendLink), not an earlier one
}

// fill fills out with the pause: where the link went, until when,
// and whether this run sent it (Outcome.LinkSent).
func (p *pausedError) fill(out *Outcome) {
	out.LinkSentTo, out.LinkValidUntil = p.to, &p.until
	out.Message = p.msg
	out.LinkSent = p.sent
}

func (p *pausedError) Error() string { return p.msg }
func (p *pausedError) Unwrap() error { return &Error{Code: EPAUSED, Message: p.msg} }

func (s *Service) paused(to string, until time.Time, what string) *pausedError {
	return &pausedError{
		msg: fmt.Sprintf("%s: a link was sent to %s; it is valid until %s (Paris time). Follow it, then run activate again",
			what, to, ParisTime(until)),
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
	kind := mailKindOfPurpose(purpose)
	data := s.mailData(a)
	data.Link, data.ValidUntil = s.Config.LinkFor(token), until
	if purpose == PurposeRedirect {
		data.RedirectTo, data.KeepCopy = to, keepCopy
	}
	if err := s.queue(tx, a, kind, to, data); err != nil {
		return nil, err
	}
	pause := s.paused(to, until, "step "+stepOfPurpose(purpose))
	pause.sent = true
	return pause, nil
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

// waitingForLink reports the pending link of a paused account.
func (s *Service) waitingForLink(ctx context.Context, a *Account, purpose string) (bool, error) {
	var pause *pausedError
	err := s.Store.View(ctx, a.StudentID, func(r Reader, cur *Account) error {
		*a = *cur
		p, err := s.pendingPause(r, a, purpose, " still waiting")
		pause = p
		return err
	})
	if err != nil {
		return true, err
	}
	return true, pause
}

// pendingPause describes the link an account waits for.
func (s *Service) pendingPause(r Reader, a *Account, purpose, suffix string) (*pausedError, error) {
	t, err := r.PendingToken(a, purpose)
	if err != nil {
		return nil, err
	}
	what := "step " + stepOfPurpose(purpose)
	if t == nil {
		return nil, &Error{Code: ESTATE, Reason: ReasonWrongStep, Message: what + ": no link is pending; run reset --restart"}
	}
	return s.paused(t.Email, t.ExpiresAt, what+suffix), nil
}
