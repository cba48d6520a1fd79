package memstore

import (
	"context"
	"slices"
	"strings"

	"github.com/umontpellier/scolpass/internal/activation"
)

var _ activation.RecoveryLookup = (*Store)(nil)

// AccountsByRecoveryEmail implements activation.RecoveryLookup.
func (s *Store) AccountsByRecoveryEmail(ctx context.Context, addr string) ([]*activation.Account, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*activation.Account
	for _, id := range s.order {
		if a := s.accounts[id]; a.RecoveryEmail != "" && strings.EqualFold(a.RecoveryEmail, addr) {
			out = append(out, cloneAccount(a))
		}
	}
	slices.SortFunc(out, func(x, y *activation.Account) int { return strings.Compare(x.Login, y.Login) })
	return out, nil
}
