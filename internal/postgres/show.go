package postgres

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/umontpellier/scolpass/internal/activation"
)

// AuditEvent is one stored audit trail entry.
type AuditEvent struct {
	ID        int64          `db:"id"`
	At        time.Time      `db:"at"`
	Clock     string         `db:"clock"`
	Operator  string         `db:"operator"`
	Channel   string         `db:"channel"`
	Action    string         `db:"action"`
	FromState sql.NullString `db:"from_state"`
	ToState   sql.NullString `db:"to_state"`
	Outcome   string         `db:"outcome"`
	Detail    string         `db:"detail"`
}

// LinkInfo describes an emailed link without its token.
type LinkInfo struct {
	Purpose   string     `db:"purpose"`
	Email     string     `db:"email"`
	IssuedAt  time.Time  `db:"issued_at"`
	ExpiresAt time.Time  `db:"expires_at"`
	UsedAt    *time.Time `db:"used_at"`
	RevokedAt *time.Time `db:"revoked_at"`
}

// StudentDetails is everything show prints about a student, secrets aside.
type StudentDetails struct {
	Student        Student
	Account        *activation.Account
	BirthDate      string
	Links          []LinkInfo
	History        []AuditEvent
	CharterInForce string
}

// Details returns a student's data, account, links and audit history; key is a
// login or a student number. ENOTFOUND when there is none.
func (db *DB) Details(ctx context.Context, key string) (*StudentDetails, error) {
	s, err := db.FindStudent(ctx, key)
	if err != nil {
		return nil, err
	}
	acc, err := (&AccountStore{DB: db}).Load(ctx, s.Login)
	if err != nil {
		return nil, err
	}
	d := &StudentDetails{Student: s, Account: acc}
	if s.BirthDate.Valid {
		d.BirthDate = s.BirthDate.Time.Format("2006-01-02")
	}
	if err := db.SelectContext(ctx, &d.Links, `SELECT purpose, email, issued_at, expires_at, used_at, revoked_at
		FROM tokens WHERE student_id = $1 ORDER BY issued_at, id`, s.ID); err != nil {
		return nil, mapError(err)
	}
	if err := db.SelectContext(ctx, &d.History, `SELECT id, at, clock, operator, channel, action, from_state, to_state, outcome, detail
		FROM audit_events WHERE student_id = $1 ORDER BY id`, s.ID); err != nil {
		return nil, mapError(err)
	}
	err = db.GetContext(ctx, &d.CharterInForce, charterInForceSQL)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, mapError(err)
	}
	return d, nil
}
