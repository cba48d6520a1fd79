package cli

import (
	"context"
	"fmt"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/umontpellier/scolpass/internal/activation"
	"github.com/umontpellier/scolpass/internal/mail"
	"github.com/umontpellier/scolpass/internal/postgres"
)

func newMailCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "mail",
		Short: "The outbox of emails: list, show, send",
		Long: `Emails (the links of step 4 and 6-2, the confirmation after step 8) are
written to an outbox in the same transaction as the step; mail send delivers
them over SMTP (SCOLPASS_SMTP_URL). A delivered email's body, which carries
the link, is cleared.`,
		Example: `  scolpass mail list --status queued
  scolpass mail show 12
  SCOLPASS_SMTP_URL=smtp://mail.umontpellier.fr:587 scolpass mail send`,
	}
	var status, login string
	var watch time.Duration
	list := &cobra.Command{
		Use:   "list",
		Short: "List the emails of the outbox",
		Example: `  scolpass mail list
  scolpass mail list --status queued -o json
  scolpass mail list --login jean.dupont`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			switch status {
			case "", "queued", "sent", "failed":
			default:
				return usagef("--status must be queued, sent or failed")
			}
			return runMailList(cmd, env, status, login)
		},
	}
	list.Flags().StringVar(&status, "status", "", "only queued, sent or failed emails")
	list.Flags().StringVar(&login, "login", "", "only the emails of this account")
	show := &cobra.Command{
		Use:     "show ID",
		Short:   "Show one email (its body while it is still queued, the link's token hidden)",
		Example: `  scolpass mail show 12`,
		Args:    exactArgs("ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil {
				return usagef("%q is not an email ID (see scolpass mail list)", args[0])
			}
			return runMailShow(cmd, env, id)
		},
	}
	send := &cobra.Command{
		Use:   "send",
		Short: "Deliver the queued emails over SMTP",
		Long: `Deliver every queued email that is due, over one SMTP connection
(SCOLPASS_SMTP_URL: smtp://[user:pass@]host:port, STARTTLS when the server
offers it, or smtps://host:port for implicit TLS). A failed email is retried by
later runs with a growing delay (1 min, 2, 4, … up to 6 h); one the server
refuses for good (5xx) is marked failed. SMTP down: every email stays queued
and the command exits 1.`,
		Example: `  SCOLPASS_SMTP_URL=smtp://mail.umontpellier.fr:587 scolpass mail send
  SCOLPASS_SMTP_URL=smtp://mail.umontpellier.fr:587 scolpass mail send --watch 5s`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if watch < 0 {
				return usagef("--watch must be a positive interval such as 5s")
			}
			return runMailSend(cmd, env, watch)
		},
	}
	send.Flags().DurationVar(&watch, "watch", 0, "keep delivering: a pass every interval (e.g. 5s) until interrupted; safe beside serve and other senders")
	cmd.AddCommand(list, show, send)
	return cmd
}

// mailJSON is the -o json form of an outbox email (never its body).
type mailJSON struct {
	ID            int64      `json:"id"`
	Kind          string     `json:"kind"`
	To            string     `json:"to"`
	Subject       string     `json:"subject"`
	CreatedAt     time.Time  `json:"created_at"`
	Attempts      int        `json:"attempts"`
	NextAttemptAt time.Time  `json:"next_attempt_at"`
	SentAt        *time.Time `json:"sent_at,omitempty"`
	FailedAt      *time.Time `json:"failed_at,omitempty"`
	Login         string     `json:"login"`
	Status        string     `json:"status"`
	LastError     string     `json:"last_error,omitempty"`
}

func toMailJSON(m postgres.OutboxMessage) mailJSON {
	return mailJSON{ID: m.ID, Kind: m.Kind, To: m.To, Subject: m.Subject, CreatedAt: m.CreatedAt, Attempts: m.Attempts,
		NextAttemptAt: m.NextAttemptAt, SentAt: m.SentAt, FailedAt: m.FailedAt,
		Login: m.Login.String, Status: m.Status(), LastError: m.LastError.String}
}

func runMailList(cmd *cobra.Command, env *Env, status, login string) error {
	db, err := env.open(cmd.Context(), false)
	if err != nil {
		return err
	}
	msgs, err := db.ListOutbox(cmd.Context(), status, login)
	if err != nil {
		return err
	}
	if env.Output == "json" {
		out := make([]mailJSON, 0, len(msgs))
		for _, m := range msgs {
			out = append(out, toMailJSON(m))
		}
		return writeJSON(env.Stdout, out)
	}
	g := grid{Header: []string{"ID", "CREATED", "KIND", "LOGIN", "TO", "STATUS", "ATTEMPTS"}}
	for _, m := range msgs {
		g.Rows = append(g.Rows, []string{strconv.FormatInt(m.ID, 10), activation.ParisTime(m.CreatedAt),
			m.Kind, m.Login.String, m.To, m.Status(), strconv.Itoa(m.Attempts)})
	}
	if env.Output == "csv" {
		return writeCSV(env.Stdout, g, false)
	}
	if len(msgs) == 0 {
		if status != "" || login != "" {
			fmt.Fprintln(env.Stderr, "no email in the outbox matches")
		} else {
			fmt.Fprintln(env.Stderr, "the outbox is empty")
		}
		return nil
	}
	return writeTable(env.Stdout, g)
}

func runMailShow(cmd *cobra.Command, env *Env, id int64) error {
	db, err := env.open(cmd.Context(), false)
	if err != nil {
		return err
	}
	m, err := db.OutboxMessageByID(cmd.Context(), id)
	if err != nil {
		return err
	}
	if env.Output == "json" {
		return writeJSON(env.Stdout, toMailJSON(*m))
	}
	w := env.Stdout
	fmt.Fprintf(w, "ID:       %d\nKind:     %s\nLogin:    %s\nTo:       %s\nSubject:  %s\nCreated:  %s\nStatus:   %s (%d attempt(s))\n",
		m.ID, termSafe(m.Kind), termSafe(m.Login.String), termSafe(m.To), termSafe(m.Subject),
		activation.ParisTime(m.CreatedAt), m.Status(), m.Attempts)
	if m.LastError.Valid {
		fmt.Fprintf(w, "Error:    %s\n", termSafe(m.LastError.String))
	}
	if m.Body.Valid {
		// The token of the link is a secret: it stays in the outbox until
		// delivered, but is never printed.
		body := activation.RedactLinks(m.Body.String)
		fmt.Fprintf(w, "\n%s\n", termSafeText(body))
	} else {
		fmt.Fprintln(w, "\n(body cleared after delivery)")
	}
	return nil
}

// mailSettings are the SMTP address and sender from the environment.
func (env *Env) mailSettings() (url, from string, err error) {
	url = env.Getenv("SCOLPASS_SMTP_URL")
	if url == "" {
		return "", "", usagef("SCOLPASS_SMTP_URL is not set (smtp://host:port or smtps://host:port)")
	}
	if url, err = env.withSMTPPassword(url); err != nil {
		return "", "", err
	}
	from = env.Getenv("SCOLPASS_MAIL_FROM")
	if from == "" {
		from = "SCOL'PASS <no-reply@umontpellier.fr>"
	}
	return url, from, nil
}

// deliveryRound counts what one pass over the outbox did.
type deliveryRound struct {
	sent, retry, failed int
	lastErr             error
}

// deliverOutbox delivers every email due at now over sender, one claimed
// message at a time (DeliverNext: FOR UPDATE SKIP LOCKED, so that several
// senders, serve instances or mail send --watch, never send one twice),
// and stops after 3 failures in a row (the server is down). report says
// each failure.
func deliverOutbox(ctx context.Context, db *postgres.DB, sender mail.Sender, from string, now time.Time, report func(format string, args ...any)) (deliveryRound, error) {
	var r deliveryRound
	var skip []int64
	streak := 0 // failures in a row: the server is down, stop trying
	for streak < 3 {
		m, ok, err := db.DeliverNext(ctx, now, skip, func(m *postgres.OutboxMessage) postgres.Delivery {
			err := sender.Send(ctx, mail.Message{ID: m.ID, From: from, To: m.To, Subject: m.Subject, Body: m.Body.String})
			return postgres.Delivery{Err: err, Permanent: err != nil && mail.IsPermanent(err)}
		})
		if err != nil {
			return r, err
		}
		if !ok {
			break
		}
		skip = append(skip, m.ID)
		switch m.Status() {
		case "sent":
			r.sent++
			streak = 0
		case "failed":
			r.failed++
			report("email %d to %s refused for good: %s", m.ID, termSafe(m.To), termSafe(m.LastError.String))
		default:
			r.retry++
			streak++
			r.lastErr = fmt.Errorf("%s", m.LastError.String)
			report("email %d to %s not delivered, retry after %s: %s", m.ID, termSafe(m.To),
				m.NextAttemptAt.In(activation.Zone()).Format("15:04"), termSafe(m.LastError.String))
		}
	}
	return r, nil
}

func runMailSend(cmd *cobra.Command, env *Env, watch time.Duration) error {
	ctx := cmd.Context()
	url, from, err := env.mailSettings()
	if err != nil {
		return err
	}
	ce, err := env.setup(ctx)
	if err != nil {
		return err
	}
	db := ce.db
	sender, err := mail.NewSMTPSender(url, from)
	if err != nil {
		return usagef("%v", err)
	}
	defer sender.Close()
	report := func(format string, args ...any) { fmt.Fprintf(env.Stderr, format+"\n", args...) }
	if watch > 0 {
		// Until interrupted: a pass every interval, a line when it did something.
		ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM)
		defer stop()
		t := time.NewTicker(watch)
		defer t.Stop()
		for {
			now, _ := env.now()
			r, err := deliverOutbox(ctx, db, sender, from, now, report)
			if err != nil && ctx.Err() == nil {
				report("mail send: %v", activation.ErrorMessage(err))
			}
			if r.sent+r.retry+r.failed > 0 {
				report("%s: %d sent, %d to retry, %d failed", time.Now().Format("15:04:05"), r.sent, r.retry, r.failed)
			}
			select {
			case <-ctx.Done():
				return nil
			case <-t.C:
			}
		}
	}
	r, err := deliverOutbox(ctx, db, sender, from, ce.now, report)
	if err != nil {
		return err
	}
	sent, retry, failed, lastErr := r.sent, r.retry, r.failed, r.lastErr
	summary := fmt.Sprintf("%d sent, %d to retry, %d failed", sent, retry, failed)
	if env.Output == "json" {
		if err := writeJSON(env.Stdout, map[string]int{"sent": sent, "retry": retry, "failed": failed}); err != nil {
			return err
		}
	} else {
		fmt.Fprintln(env.Stdout, summary)
	}
	switch {
	case sent == 0 && retry > 0:
		return activation.Errorf(activation.EINTERNAL, "SMTP delivery failed (%v): every email stays queued", lastErr)
	case retry > 0 || failed > 0:
		return &silentError{code: ExitPartial}
	}
	return nil
}
