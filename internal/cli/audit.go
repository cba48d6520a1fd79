package cli

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/umontpellier/scolpass/internal/activation"
	"github.com/umontpellier/scolpass/internal/postgres"
)

// AuditOptions are the flags of scolpass audit.
type AuditOptions struct {
	Since, Until string
	Login        string
	Operator     string
	Event        string
	Channel      string
}

func newAuditCmd(env *Env) *cobra.Command {
	o := &AuditOptions{}
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Print the audit trail, filtered by time, login, operator, event (JSON lines for a SIEM)",
		Long: `Print the audit events, oldest first: time, event, login, channel (web,
cli or assisted), operator, the client address of web events, the outcome, the
states before and after, and a detail. Never a password, a token or a link.

--since and --until take a duration back from now (24h, 7d, 12mo) or a date
or an RFC 3339 time (2026-09-01, 2026-09-01T08:00:00+02:00); --until is
exclusive. -o json prints one event per line (JSON lines), -o csv a header
and one row per event; both stream, whatever the range. The table is for
people. serve --audit-log FILE writes the same JSON lines as events happen.`,
		Example: `  scolpass audit --since 24h
  scolpass audit --login jean.dupont -o json
  scolpass audit --since 2026-09-01 --until 2026-10-01 --event activate -o csv
  scolpass audit --since 12mo -o json | gzip > audit.jsonl.gz`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runAudit(cmd.Context(), env, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Since, "since", "", "events at or after: a duration back (24h, 7d, 12mo) or a date/time")
	f.StringVar(&o.Until, "until", "", "events before: a duration back or a date/time")
	f.StringVar(&o.Login, "login", "", "events of one student (login or student number)")
	f.StringVar(&o.Operator, "operator", "", "events of one operator (here a filter, not who runs the command)")
	f.StringVar(&o.Event, "event", "", "events of one kind (import, authenticate, activate, purge, …)")
	f.StringVar(&o.Channel, "channel", "", "events of one channel: web, cli or assisted")
	return cmd
}

// parseWhen reads --since/--until: a duration back from now, a date
// (midnight in Paris) or an RFC 3339 time.
func parseWhen(flag, s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation("2006-01-02", s, activation.Zone()); err == nil {
		return t, nil
	}
	if d, err := time.ParseDuration(s); err == nil && d > 0 {
		return now.Add(-d), nil
	}
	if p, err := activation.ParsePeriod(s); err == nil {
		return p.Before(now), nil
	}
	return time.Time{}, usagef("--%s %q is neither a duration back (24h, 7d, 12mo) nor a date (2026-09-01) nor an RFC 3339 time", flag, s)
}

func runAudit(ctx context.Context, env *Env, o *AuditOptions) error {
	switch o.Channel {
	case "", "web", "cli", "assisted":
	default:
		return usagef("--channel must be web, cli or assisted, not %q", o.Channel)
	}
	now, err := env.now()
	if err != nil {
		return err
	}
	f := postgres.AuditFilter{Login: o.Login, Operator: o.Operator, Event: o.Event, Channel: o.Channel}
	if f.Since, err = parseWhen("since", o.Since, now); err != nil {
		return err
	}
	if f.Until, err = parseWhen("until", o.Until, now); err != nil {
		return err
	}
	if !f.Since.IsZero() && !f.Until.IsZero() && !f.Until.After(f.Since) {
		return usagef("--until (%s) must come after --since (%s)", f.Until.Format(time.RFC3339), f.Since.Format(time.RFC3339))
	}
	db, err := env.open(ctx, false)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(env.Stdout, 64<<10)
	var write func(activation.AuditRecord) error
	switch env.Output {
	case "json":
		w := newAuditJSONWriter(bw)
		write = w.Write
	case "csv":
		cw := csv.NewWriter(bw)
		if err := cw.Write(auditCSVHeader); err != nil {
			return err
		}
		write = func(r activation.AuditRecord) error {
			row := auditCSVRow(r)
			for i := range row {
				row[i] = csvCell(row[i])
			}
			return cw.Write(row)
		}
		defer cw.Flush()
	default:
		write = func(r activation.AuditRecord) error {
			t := r.Time.In(activation.Zone()).Format("2006-01-02 15:04:05")
			login := r.Login
			if login == "" {
				login = "-"
			}
			line := fmt.Sprintf("%s  %-8s %-12s %-22s %-16s %-8s", t, r.Channel, r.Operator, login, r.Event, r.Outcome)
			if r.Client != "" {
				line += "  from " + r.Client
			}
			if r.Detail != "" {
				line += "  " + r.Detail
			}
			_, err := fmt.Fprintln(bw, termSafe(line))
			return err
		}
	}
	err = db.StreamAudit(ctx, f, write)
	if ferr := bw.Flush(); err == nil {
		err = ferr
	}
	return err
}

// auditCSVHeader names the columns of audit -o csv (the JSON fields).
var auditCSVHeader = []string{"id", "time", "event", "login", "channel", "operator", "client", "outcome", "from", "to", "detail", "clock"}

func auditCSVRow(r activation.AuditRecord) []string {
	return []string{strconv.FormatInt(r.ID, 10), r.Time.Format(time.RFC3339Nano), r.Event, r.Login, r.Channel, r.Operator,
		r.Client, r.Outcome, r.From, r.To, r.Detail, r.Clock}
}

// auditJSONWriter writes audit records as JSON lines.
type auditJSONWriter struct {
	enc *json.Encoder
}

func newAuditJSONWriter(w io.Writer) *auditJSONWriter {
	return &auditJSONWriter{enc: json.NewEncoder(w)}
}

func (a *auditJSONWriter) Write(r activation.AuditRecord) error { return a.enc.Encode(r) }

// auditLog is serve --audit-log: the JSON lines of the events the site
// writes, appended to a file (or stdout) as they commit.
type auditLog struct {
	mu  sync.Mutex
	w   io.Writer
	enc *json.Encoder
	f   *os.File
}

// openAuditLog opens "-" (stdout) or FILE for appending (created 0600).
func openAuditLog(env *Env, name string) (*auditLog, error) {
	if name == "-" {
		return &auditLog{w: env.Stdout, enc: json.NewEncoder(env.Stdout)}, nil
	}
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, usagef("--audit-log: %v", err)
	}
	return &auditLog{w: f, enc: json.NewEncoder(f), f: f}, nil
}

// Write appends the records, one line each; an error is returned to the
// logger, never to the student (the events are in the database anyway).
func (l *auditLog) Write(recs []activation.AuditRecord) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, r := range recs {
		if err := l.enc.Encode(r); err != nil {
			return err
		}
	}
	return nil
}

// Close closes the file (not stdout).
func (l *auditLog) Close() error {
	if l.f != nil {
		return l.f.Close()
	}
	return nil
}

// webStore is the site's account store; with --audit-log its events are
// appended to the log once committed. close closes the log.
func (env *Env) webStore(db *postgres.DB, auditLogName string, log *slog.Logger) (store *postgres.AccountStore, close func(), err error) {
	store = &postgres.AccountStore{DB: db, Actor: env.actor("web")}
	if auditLogName == "" {
		return store, func() {}, nil
	}
	al, err := openAuditLog(env, auditLogName)
	if err != nil {
		return nil, nil, err
	}
	store.OnAudit = func(recs []activation.AuditRecord) {
		if err := al.Write(recs); err != nil {
			log.Error("audit log", "err", err.Error())
		}
	}
	return store, func() { _ = al.Close() }, nil
}
