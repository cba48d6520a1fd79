package web

import (
	"context"
	"net/http"

	"github.com/umontpellier/scolpass/internal/web/form"
)

// forgotPasswordSubmit answers the lost-password form with one page, the
// same word for word and in the same time whatever the login: the lookup,
// the link and its email happen after the answer (answerThen).
func (s *Server) forgotPasswordSubmit(w http.ResponseWriter, r *http.Request) {
	eng := s.recovery()
	if eng == nil {
		s.errorPage(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	v, ok := s.parseForm(w, r)
	if !ok {
		return
	}
	f, errs := form.NewForgotPassword(v)
	if len(errs) > 0 {
		p := s.forgotPasswordPage(r)
		p.Errors = formErrors(p.L, errs)
		s.render(w, http.StatusUnprocessableEntity, "forgot_password", p)
		return
	}
	now := s.opt.Now()
	p := s.forgotPasswordPage(r)
	p.Title = "forgot.password.sent.title"
	p.Notice = p.L.T("forgot.password.sent", int(eng.ResetLinkValidity().Minutes()))
	s.answerThen(w, r, "forgot_sent", p, "lost-password link", func(ctx context.Context) error { return eng.RequestReset(ctx, f.Identifier, now) })
}
