package cli

import (
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/umontpellier/scolpass/internal/activation"
)

// jobJSON is the one output shape of a job, for mail list|show and
// provision list|show: an email of the outbox (kind, to, subject, sent_at)
// or a directory job (reason, done_at, dn). Never an email's body.
type jobJSON struct {
	ID            int64      `json:"id"`
	Kind          string     `json:"kind,omitempty"`
	To            string     `json:"to,omitempty"`
	Subject       string     `json:"subject,omitempty"`
	Login         string     `json:"login"`
	Reason        string     `json:"reason,omitempty"`
	CreatedAt     time.Time  `json:"created_at"`
	Attempts      int        `json:"attempts"`
	NextAttemptAt time.Time  `json:"next_attempt_at"`
	SentAt        *time.Time `json:"sent_at,omitempty"`
	DoneAt        *time.Time `json:"done_at,omitempty"`
	FailedAt      *time.Time `json:"failed_at,omitempty"`
	Status        string     `json:"status"`
	DN            string     `json:"dn,omitempty"`
	LastError     string     `json:"last_error,omitempty"`
}

// jobStatusWord is how a job's status is shown: the outbox says "queued"
// and "sent" where the directory says "pending" and "done".
func jobStatusWord(j activation.Job) string {
	st := j.Status()
	if j.Queue == "mail" {
		switch st {
		case activation.JobPending:
			return "queued"
		case activation.JobDone:
			return "sent"
		}
	}
	return string(st)
}

// jobStatusOf reads a --status word of queue back.
func jobStatusOf(queue, word string) (activation.JobStatus, bool) {
	switch word {
	case "":
		return "", true
	case "failed":
		return activation.JobFailed, true
	}
	if queue == "mail" {
		switch word {
		case "queued":
			return activation.JobPending, true
		case "sent":
			return activation.JobDone, true
		}
		return "", false
	}
	switch word {
	case "pending":
		return activation.JobPending, true
	case "done":
		return activation.JobDone, true
	}
	return "", false
}

func toJobJSON(j activation.Job) jobJSON {
	out := jobJSON{ID: j.ID, Login: j.Login, CreatedAt: j.CreatedAt, Attempts: j.Attempts, NextAttemptAt: j.NextAttemptAt,
		FailedAt: j.FailedAt, Status: jobStatusWord(j), LastError: j.LastError}
	if j.Queue == "mail" {
		out.Kind, out.To, out.Subject, out.SentAt = j.Kind, j.To, j.Subject, j.DoneAt
	} else {
		out.Reason, out.DN, out.DoneAt = j.Kind, j.Target, j.DoneAt
	}
	return out
}

// writeJobs prints jobs of one queue: JSON, CSV or a table (mail: ID,
// CREATED, KIND, LOGIN, TO, STATUS, ATTEMPTS; directory: ID, CREATED,
// LOGIN, REASON, STATUS, ATTEMPTS, WHEN). none is said on stderr when
// there is nothing to show in a table.
func writeJobs(env *Env, queue string, js []activation.Job, none string) error {
	if env.Output == "json" {
		out := make([]jobJSON, 0, len(js))
		for _, j := range js {
			out = append(out, toJobJSON(j))
		}
		return writeJSON(env.Stdout, out)
	}
	var g grid
	if queue == "mail" {
		g.Header = []string{"ID", "CREATED", "KIND", "LOGIN", "TO", "STATUS", "ATTEMPTS"}
	} else {
		g.Header = []string{"ID", "CREATED", "LOGIN", "REASON", "STATUS", "ATTEMPTS", "WHEN"}
	}
	for _, j := range js {
		id, created, status, attempts := strconv.FormatInt(j.ID, 10), activation.ParisTime(j.CreatedAt), jobStatusWord(j), strconv.Itoa(j.Attempts)
		if queue == "mail" {
			g.Rows = append(g.Rows, []string{id, created, j.Kind, j.Login, j.To, status, attempts})
			continue
		}
		when := "next " + activation.ParisTime(j.NextAttemptAt)
		switch {
		case j.DoneAt != nil:
			when = activation.ParisTime(*j.DoneAt)
		case j.FailedAt != nil:
			when = activation.ParisTime(*j.FailedAt)
		}
		g.Rows = append(g.Rows, []string{id, created, j.Login, j.Kind, status, attempts, when})
	}
	if env.Output == "csv" {
		return writeCSV(env.Stdout, g, false)
	}
	if len(js) == 0 {
		fmt.Fprintln(env.Stderr, none)
		return nil
	}
	return writeTable(env.Stdout, g)
}

// writeJob prints one job: JSON, or its fields one a line. An email's
// body, when it is still there, follows with its links' tokens hidden.
func writeJob(env *Env, j activation.Job, body string, hasBody bool) error {
	if env.Output == "json" {
		return writeJSON(env.Stdout, toJobJSON(j))
	}
	w := env.Stdout
	line := func(label, value string) { fmt.Fprintf(w, "%-9s %s\n", label+":", termSafe(value)) }
	line("ID", strconv.FormatInt(j.ID, 10))
	if j.Queue == "mail" {
		line("Kind", j.Kind)
		line("Login", j.Login)
		line("To", j.To)
		line("Subject", j.Subject)
	} else {
		line("Login", j.Login)
		line("Reason", j.Kind)
	}
	line("Created", parisTime(j.CreatedAt, j.Queue))
	line("Status", fmt.Sprintf("%s (%d attempt(s))", jobStatusWord(j), j.Attempts))
	if j.Queue != "mail" {
		switch {
		case j.DoneAt != nil:
			line("Done", parisTime(*j.DoneAt, j.Queue))
		case j.FailedAt != nil:
			line("Failed", parisTime(*j.FailedAt, j.Queue))
		default:
			line("Next try", parisTime(j.NextAttemptAt, j.Queue))
		}
		if j.Target != "" {
			line("Entry", j.Target)
		}
	}
	if j.LastError != "" {
		label := "Error"
		if j.DoneAt != nil {
			label = "Note"
		}
		line(label, j.LastError)
	}
	if j.Queue == "mail" {
		writeMailBody(w, j, body, hasBody)
	}
	return nil
}

// writeMailBody prints an email's body with its links' tokens hidden (the
// token is a secret: it stays, sealed, in the outbox until the email is
// sent, and is never printed).
func writeMailBody(w io.Writer, j activation.Job, body string, hasBody bool) {
	switch {
	case hasBody:
		fmt.Fprintf(w, "\n%s\n", termSafeText(activation.RedactLinks(body)))
	case j.FailedAt != nil:
		fmt.Fprintln(w, "\n(body cleared: the server refused it for good)")
	default:
		fmt.Fprintln(w, "\n(body cleared after delivery)")
	}
}

// parisTime is t in Paris as a job's detail shows it: to the second for a
// directory job.
func parisTime(t time.Time, queue string) string {
	if queue == "mail" {
		return activation.ParisTime(t)
	}
	return activation.ParisSeconds(t)
}
