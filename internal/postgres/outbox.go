package postgres

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/umontpellier/scolpass/internal/activation"
)

// OutboxMessage is an email in the outbox. Body is empty once delivered.
type OutboxMessage struct {
	ID            int64          `db:"id"`
	Login         sql.NullString `db:"login"`
	Kind          string         `db:"kind"`
	To            string         `db:"to_addr"`
	Subject       string         `db:"subject"`
	Body          sql.NullString `db:"body"`
	CreatedAt     time.Time      `db:"created_at"`
	Attempts      int            `db:"attempts"`
	NextAttemptAt time.Time      `db:"next_attempt_at"`
	LastError     sql.NullString `db:"last_error"`
	SentAt        *time.Time     `db:"sent_at"`
	FailedAt      *time.Time     `db:"failed_at"`
}

// Status is "sent", "failed" (given up) or "queued".
func (m *OutboxMessage) Status() string {
	switch {
	case m.SentAt != nil:
		return "sent"
	case m.FailedAt != nil:
		return "failed"
	}
	return "queued"
}

const outboxSelect = `SELECT o.id, s.login, o.kind, o.to_addr, o.subject, o.body, o.created_at, o.attempts,
	o.next_attempt_at, o.last_error, o.sent_at, o.failed_at
	FROM outbox o LEFT JOIN students s ON s.id = o.student_id`

// ListOutbox returns the messages, newest last; status filters ("queued",
// "sent", "failed", "" for all); login filters by account.
func (db *DB) ListOutbox(ctx context.Context, status, login string) ([]OutboxMessage, error) {
	var out []OutboxMessage
	err := db.SelectContext(ctx, &out, outboxSelect+` WHERE ($1 = '' OR ($1 = 'sent' AND o.sent_at IS NOT NULL)
		OR ($1 = 'failed' AND o.failed_at IS NOT NULL) OR ($1 = 'queued' AND o.sent_at IS NULL AND o.failed_at IS NULL))
		AND ($2 = '' OR s.login = $2)
		ORDER BY o.id`, status, login)
	return out, mapError(err)
}

// OutboxMessageByID returns one message or ENOTFOUND.
func (db *DB) OutboxMessageByID(ctx context.Context, id int64) (*OutboxMessage, error) {
	var m OutboxMessage
	err := db.GetContext(ctx, &m, outboxSelect+` WHERE o.id = $1`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, activation.Errorf(activation.ENOTFOUND, "no message %d in the outbox", id)
	}
	return &m, mapError(err)
}

// Delivery is the outcome of one delivery attempt.
type Delivery struct {
	Err       error // nil: delivered
	Permanent bool  // the server refused it for good
}

// DeliverNext claims the oldest message due at now that no other sender
// holds (FOR UPDATE SKIP LOCKED), hands it to send, and records the result
// in the same transaction: delivered messages are marked sent and their body
// (which may carry a link) is cleared; failures are retried later with an
// exponential backoff. It returns false when no message is due.
func (db *DB) DeliverNext(ctx context.Context, now time.Time, skip []int64, send func(m *OutboxMessage) Delivery) (*OutboxMessage, bool, error) {
	var msg *OutboxMessage
	if skip == nil {
		skip = []int64{} // '{}', not NULL: NOT (id = ANY(NULL)) would match nothing
	}
	err := db.inTx(ctx, func(tx *sqlx.Tx) error {
		var m OutboxMessage
		err := tx.GetContext(ctx, &m, outboxSelect+` WHERE o.sent_at IS NULL AND o.failed_at IS NULL AND o.next_attempt_at <= $1
			AND NOT (o.id = ANY($2)) ORDER BY o.next_attempt_at, o.id LIMIT 1 FOR UPDATE OF o SKIP LOCKED`, now, pq.Array(skip))
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		msg = &m
		d := send(&m)
		m.Attempts++
		switch {
		case d.Err == nil:
			m.SentAt = &now
			_, err = tx.ExecContext(ctx, `UPDATE outbox SET sent_at = $2, body = NULL, attempts = attempts + 1, last_error = NULL WHERE id = $1`, m.ID, now)
		case d.Permanent:
			m.FailedAt = &now
			m.LastError = sql.NullString{String: d.Err.Error(), Valid: true}
			_, err = tx.ExecContext(ctx, `UPDATE outbox SET failed_at = $2, attempts = attempts + 1, last_error = $3 WHERE id = $1`, m.ID, now, d.Err.Error())
		default:
			next := now.Add(Backoff(m.Attempts))
			m.NextAttemptAt = next
			m.LastError = sql.NullString{String: d.Err.Error(), Valid: true}
			_, err = tx.ExecContext(ctx, `UPDATE outbox SET attempts = attempts + 1, next_attempt_at = $2, last_error = $3 WHERE id = $1`, m.ID, next, d.Err.Error())
		}
		return err
	})
	return msg, msg != nil, err
}

// Backoff is the wait after the n-th failed attempt: 1 min, 2, 4, … capped
// at 6 hours.
func Backoff(n int) time.Duration {
	d := time.Minute
	for i := 1; i < n && d < 6*time.Hour; i++ {
		d *= 2
	}
	if d > 6*time.Hour {
		d = 6 * time.Hour
	}
	return d
}
