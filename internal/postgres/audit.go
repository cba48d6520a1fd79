package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/lib/pq"

	"github.com/umontpellier/scolpass/internal/activation"
)

// auditRow is an audit event with the login of its student (empty when the
// student is gone or the event names none).
type auditRow struct {
	ID        int64          `db:"id"`
	At        time.Time      `db:"at"`
	Clock     string         `db:"clock"`
	Operator  string         `db:"operator"`
	Channel   string         `db:"channel"`
	Login     sql.NullString `db:"login"`
	Action    string         `db:"action"`
	FromState sql.NullString `db:"from_state"`
	ToState   sql.NullString `db:"to_state"`
	Outcome   string         `db:"outcome"`
	Detail    string         `db:"detail"`
	Client    sql.NullString `db:"client_addr"`
}

// auditRecord is the reader's form of an event: the channel as readers
// name it, times in UTC, the rehearsal clock only when one was used, links
// in the detail hidden.
func auditRecord(r auditRow) activation.AuditRecord {
	rec := activation.AuditRecord{
		ID: r.ID, Time: r.At.UTC(), Event: r.Action, Login: r.Login.String,
		Channel: activation.AuditChannel(r.Channel), Operator: r.Operator, Outcome: r.Outcome,
		From: r.FromState.String, To: r.ToState.String, Detail: activation.RedactLinks(r.Detail),
	}
	if r.Client.Valid {
		rec.Client = strings.TrimSuffix(strings.TrimSuffix(r.Client.String, "/32"), "/128")
	}
	if r.Clock != "system" {
		rec.Clock = r.Clock
	}
	return rec
}

// AuditFilter selects audit events; zero fields select everything.
type AuditFilter struct {
	Since, Until time.Time // Since ≤ at < Until
	Login        string    // the student's login (or student number)
	Operator     string
	Event        string // the action: activate, import, purge, …
	Channel      string // web, assisted or cli (activation.AuditChannel)
}

// auditPage is how many events one round trip reads.
const auditPage = 2000

// StreamAudit calls fn with each event the filter selects, oldest first,
// reading them page by page (keyset pagination on the (at, id) index):
// memory stays flat whatever the range. It stops at fn's first error and
// returns it. A login or student number that names no student gives
// ENOTFOUND.
func (db *DB) StreamAudit(ctx context.Context, f AuditFilter, fn func(activation.AuditRecord) error) error {
	where := []string{"(a.at, a.id) > ($1, $2)"}
	args := []any{time.Time{}, int64(0)}
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if !f.Since.IsZero() {
		add("a.at >= $%d", f.Since)
	}
	if !f.Until.IsZero() {
		add("a.at < $%d", f.Until)
	}
	if f.Login != "" {
		s, err := db.FindStudent(ctx, strings.ToLower(f.Login))
		if err != nil {
			if s, err = db.FindStudent(ctx, f.Login); err != nil {
				return err
			}
		}
		add("a.student_id = $%d", s.ID)
	}
	if f.Operator != "" {
		add("a.operator = $%d", f.Operator)
	}
	if f.Event != "" {
		add("a.action = $%d", f.Event)
	}
	if f.Channel != "" {
		add("a.channel = ANY($%d)", pq.Array(activation.StoredChannels(f.Channel)))
	}
	q := `SELECT a.id, a.at, a.clock, a.operator, a.channel, s.login, a.action, a.from_state, a.to_state,
		a.outcome, a.detail, a.client_addr::text AS client_addr
		FROM audit_events a LEFT JOIN students s ON s.id = a.student_id
		WHERE ` + strings.Join(where, " AND ") + fmt.Sprintf(` ORDER BY a.at, a.id LIMIT %d`, auditPage)
	args[0] = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)
	if !f.Since.IsZero() {
		args[0] = f.Since // ids start at 1: (Since, 0) comes before every event at Since
	}
	page := make([]auditRow, 0, auditPage)
	for {
		page = page[:0]
		if err := db.SelectContext(ctx, &page, q, args...); err != nil {
			return mapError(err)
		}
		for _, r := range page {
			if err := fn(auditRecord(r)); err != nil {
				return err
			}
		}
		if len(page) < auditPage {
			return nil
		}
		last := page[len(page)-1]
		args[0], args[1] = last.At, last.ID
	}
}

// writeAudit records an event that names no account (a purge, …) with the
// actor's operator, channel and clock.
func writeAudit(ctx context.Context, q interface {
	ExecContext(context.Context, string, ...any) (sql.Result, error)
}, actor activation.Actor, now time.Time, action, outcome, detail string) error {
	_, err := q.ExecContext(ctx, `INSERT INTO audit_events (at, clock, operator, channel, action, outcome, detail)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, now, actor.Clock, actor.Operator, actor.Channel, action, outcome, detail)
	return err
}
