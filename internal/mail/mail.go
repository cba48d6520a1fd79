// Package mail writes and delivers the emails of the activation: the link
// that confirms the recovery address (step 4), the link that confirms a
// redirect address (step 6-2) and the notice that the account is active
// (step 8). Texts live in templates/mail, French first then English;
// delivery is over SMTP, one connection reused for a whole run.
package mail

import (
	"context"
	"errors"
	"fmt"

	gomail "github.com/wneessen/go-mail"

	"github.com/umontpellier/scolpass/internal/activation"
	"github.com/umontpellier/scolpass/internal/jobs"
)

// Message is one email ready to go: an outbox row.
type Message struct {
	ID      int64 // outbox identifier; gives the Message-ID, so a retry is recognisable
	From    string
	To      string
	Subject string
	Body    string // UTF-8 plain text
}

// Sender delivers messages. A Sender is not safe for concurrent use by
// several goroutines unless its implementation says so; NewSMTPSender's is.
type Sender interface {
	// Send delivers one message or returns why it could not. Whether the
	// failure is worth a retry is told by IsPermanent.
	Send(ctx context.Context, m Message) error
	// Close ends the connection, if any.
	Close() error
}

// IsPermanent reports whether err is a refusal the SMTP server says is
// final (a 5xx reply: unknown mailbox, rejected content): retrying the same
// message will not help. Everything else (4xx replies, network failures,
// timeouts) is worth a retry later.
func IsPermanent(err error) bool {
	var se *gomail.SendError
	if errors.As(err, &se) {
		code := se.ErrorCode()
		return code >= 500 && code < 600
	}
	var pe *permanentError
	return errors.As(err, &pe)
}

// permanentError marks failures that are ours, not the server's, and that
// no retry can fix (an invalid recipient address).
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// Deliver is the work of the outbox's job queue (internal/jobs): it sends
// each claimed email over sender, From from, with the outbox ID as its
// Message-ID, and says whether a failure is worth a retry. It runs with no
// database transaction open. An email claimed without its body (sealed
// under another key: the claim says why in LastError) fails, to be retried.
func Deliver(sender Sender, from string) func(ctx context.Context, w int, c jobs.Claimed[activation.Email]) activation.Attempt {
	return func(ctx context.Context, _ int, c jobs.Claimed[activation.Email]) activation.Attempt {
		e := c.Payload
		if e.Body == "" { // the outbox could not open it (see postgres.DB.Outbox)
			return activation.Attempt{Err: fmt.Errorf("email %d: %s", c.Job.ID, c.Job.LastError)}
		}
		err := sender.Send(ctx, Message{ID: c.Job.ID, From: from, To: e.To, Subject: e.Subject, Body: e.Body})
		return activation.Attempt{Err: err, Permanent: err != nil && IsPermanent(err)}
	}
}
