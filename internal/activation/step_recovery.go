package activation

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// stepRecovery is step 3 and the sending of step 4's link. While that link
// is pending, another address, or a resend, sends a new link that replaces
// it; otherwise the run waits for the link.
func (s *Service) stepRecovery(ctx context.Context, a *Account, ans Answers, resend bool, now time.Time, done *[]string, lock lockFn) (bool, error) {
	addr, ok, err := ans.RecoveryEmail(a)
	if err != nil {
		return true, err
	}
	from := a.State
	detail := "link sent to "
	if from == StateRecoveryPending {
		detail = "new link sent to "
		if !ok || strings.EqualFold(strings.TrimSpace(addr), a.RecoveryEmail) {
			if !resend {
				return s.waitingForLink(ctx, a, PurposeRecovery)
			}
			addr, ok = a.RecoveryEmail, true
		}
	}
	if !ok {
		return true, nil
	}
	addr, err = s.checkExternalAddress(addr, "recovery email")
	if err != nil {
		return true, err
	}
	var pause *pausedError
	err = lock(ctx, a, now, func(tx Tx, cur *Account) error {
		*a = *cur
		if a.State != from {
			return stateRefusal(a, "step 3")
		}
		a.RecoveryEmail = addr
		p, err := s.sendLink(tx, a, PurposeRecovery, addr, false, now)
		if err != nil {
			return refuse(tx, a, "recovery-email", err)
		}
		pause = p
		return transition(tx, a, StateRecoveryPending, now, "recovery-email", detail+addr)
	})
	if err != nil {
		return true, err
	}
	*done = append(*done, "3")
	return true, pause
}

// checkExternalAddress validates an address a student gives: valid syntax,
// not in the university's own domain (a redirect there would loop).
func (s *Service) checkExternalAddress(addr, what string) (string, error) {
	norm, err := ValidateEmail(addr)
	if err != nil {
		return "", err
	}
	if IsUniversityAddress(norm, universityDomain(s.Config.MailDomain)) {
		return "", &Error{Code: EPOLICY, Reason: ReasonEmailUniversity,
			Message: fmt.Sprintf("%s %s is a university address: give an external address (a redirect there would loop)", what, norm)}
	}
	return norm, nil
}

// universityDomain is the institution's domain: etu.umontpellier.fr →
// umontpellier.fr.
func universityDomain(mailDomain string) string {
	parts := strings.Split(mailDomain, ".")
	if len(parts) > 2 {
		return strings.Join(parts[len(parts)-2:], ".")
	}
	return mailDomain
}
