package postgres

import (
	"context"
	"time"

	"github.com/umontpellier/scolpass/internal/activation"
)

var _ activation.RecoveryLookup = (*AccountStore)(nil)

// AccountsByRecoveryEmail implements activation.RecoveryLookup (the
// lost-login form), by the index on lower(recovery_email).
func (st *AccountStore) AccountsByRecoveryEmail(ctx context.Context, addr string) ([]*activation.Account, error) {
	var rows []accountRow
	if err := st.DB.SelectContext(ctx, &rows, accountSelect+` WHERE lower(s.recovery_email) = lower($1) ORDER BY s.login`, addr); err != nil {
		return nil, mapError(err)
	}
	out := make([]*activation.Account, 0, len(rows))
	for i := range rows {
		out = append(out, rows[i].account())
	}
	return out, nil
}

// CountResets counts the passwords changed after the activation (lost
// password or change of a known one) between since and until, for the
// students f selects.
func (db *DB) CountResets(ctx context.Context, f ReportFilter, since, until time.Time) (int, error) {
	args := []any{since, until}
	where := f.where(&args)
	if where == "" {
		where = " WHERE true"
	}
	var n int
	err := db.GetContext(ctx, &n, `SELECT count(*) FROM audit_events e JOIN students s ON s.id = e.student_id`+where+`
		AND e.action IN ('password-reset', 'password-change') AND e.outcome = 'ok' AND e.at >= $1 AND e.at < $2`, args...)
	return n, mapError(err)
}
