package web

import (
	"net/http"

	"github.com/umontpellier/scolpass/internal/activation"
	"github.com/umontpellier/scolpass/internal/web/form"
)

// recoverySubmit is step 3: the recovery email; the service mails step 4's
// link to it. While step 4 waits, another address sends a new link there.
func (s *Server) recoverySubmit(w http.ResponseWriter, r *http.Request) {
	v, ok := s.parseForm(w, r)
	if !ok {
		return
	}
	f, errs := form.NewRecovery(v)
	if len(errs) > 0 {
		s.formRefused(w, r, errs, nil)
		return
	}
	s.step(w, r, &activation.Given{Recovery: &f.Email}, activation.ActivateOptions{}, "email", func(p *page) { p.Values["email"] = f.Email })
}

// resendSubmit sends the pending link (step 4 or 6-2) again; the old one
// stops working.
func (s *Server) resendSubmit(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.parseForm(w, r); !ok {
		return
	}
	s.step(w, r, &activation.Given{}, activation.ActivateOptions{Resend: true}, "email")
}
