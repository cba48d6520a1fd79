package cli

import (
	"context"
	"errors"
	"fmt"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/umontpellier/scolpass/internal/activation"
	"github.com/umontpellier/scolpass/internal/jobs"
	"github.com/umontpellier/scolpass/internal/mail"
	"github.com/umontpellier/scolpass/internal/postgres"
)

func newMailCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "mail",
		Short: "The outbox of emails: list, show, send",
		Long: `Emails (the links of step 4 and 6-2, the confirmation after step 8) are
written to an outbox in the same transaction as the step, their bodies
sealed (the outbox-key credential or SCOLPASS_OUTBOX_KEY_FILE, or the database's key): the link is never in the
database in clear. mail send delivers them over SMTP (SCOLPASS_SMTP_URL), at
least once: an email whose delivery could not be recorded goes again, with
the same Message-ID. The body is cleared once delivered or refused for good.`,
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
			if _, ok := jobStatusOf("mail", status); !ok {
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

func runMailList(cmd *cobra.Command, env *Env, status, login string) error {
	db, err := env.open(cmd.Context(), false)
	if err != nil {
		return err
	}
	st, _ := jobStatusOf("mail", status)
	msgs, err := db.ListOutbox(cmd.Context(), st, login)
	if err != nil {
		return err
	}
	none := "the outbox is empty"
	if status != "" || login != "" {
		none = "no email in the outbox matches"
	}
	return writeJobs(env, "mail", msgs, none)
}

func runMailShow(cmd *cobra.Command, env *Env, id int64) error {
	db, err := env.open(cmd.Context(), false)
	if err != nil {
		return err
	}
	j, body, ok, err := db.OutboxMessage(cmd.Context(), id)
	if err != nil {
		return err
	}
	return writeJob(env, j, body, ok)
}

// useOutboxKey makes the outbox key (credential outbox-key, else
// SCOLPASS_OUTBOX_KEY_FILE), when configured, the key that seals the bodies
// of queued emails (instead of the database's own).
func (env *Env) useOutboxKey(db *postgres.DB) error {
	v, ok, err := env.secret(secretOutboxKey)
	if err != nil || !ok {
		return err
	}
	key, err := postgres.ParseOutboxKey(v)
	if err != nil {
		return usagef("the outbox key (%s): %v", env.secretSource(secretOutboxKey).via, err)
	}
	return db.SetOutboxKey(key)
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

// deliverOutbox delivers every email due at now over sender, one at a
// time on the job queue (internal/jobs): each is claimed under a lease in a
// short transaction, sent with no transaction open, and its outcome
// recorded in a second one, so that several senders (serve instances, mail
// send --watch) never send one at once. It stops after 3 failures in a row
// (the server is down). report says each failure.
func deliverOutbox(ctx context.Context, db *postgres.DB, sender mail.Sender, from string, now time.Time, report func(format string, args ...any)) (deliveryRound, error) {
	var r deliveryRound
	jr := jobs.Runner[activation.Email]{
		Queue: db.Outbox(),
		Do:    mail.Deliver(sender, from),
		Report: func(j activation.Job) {
			switch j.Status() {
			case activation.JobFailed:
				report("email %d to %s refused for good: %s", j.ID, termSafe(j.To), termSafe(j.LastError))
			case activation.JobPending:
				r.lastErr = errors.New(j.LastError)
				report("email %d to %s not delivered, retry after %s: %s", j.ID, termSafe(j.To),
					j.NextAttemptAt.In(activation.Zone()).Format("15:04"), termSafe(j.LastError))
			}
		},
	}
	sum, err := jr.Run(ctx, now)
	r.sent, r.retry, r.failed = sum.Done, sum.Retry, sum.Failed
	return r, err
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
