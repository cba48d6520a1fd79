package postgres

import (
	"context"

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
