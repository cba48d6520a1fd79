package web

import (
	"context"
	"net/http"

	"github.com/umontpellier/scolpass/internal/web/form"
)

// forgotLoginSubmit answers the lost-login form with one page whatever the
// address; the lookup and the email happen after the answer (answerThen).
func (s *Server) forgotLoginSubmit(w http.ResponseWriter, r *http.Request) {
	eng := s.recovery()
	if eng == nil {
		s.errorPage(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	v, ok := s.parseForm(w, r)
	if !ok {
		return
	}
	f, errs := form.NewForgotLogin(v)
	if len(errs) > 0 {
		p := s.forgotLoginPage(r)
		p.Errors = formErrors(p.L, errs)
		s.render(w, http.StatusUnprocessableEntity, "forgot_login", p)
		return
	}
	now := s.opt.Now()
	p := s.forgotLoginPage(r)
	p.Title = "forgot.login.sent.title"
	p.Notice = p.L.T("forgot.login.sent")
	s.answerThen(w, r, "forgot_sent", p, "lost-login email", func(ctx context.Context) error { return eng.RemindLogins(ctx, f.Email, now) })
}
