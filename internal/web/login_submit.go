package web

import (
	"net/http"

	"github.com/umontpellier/scolpass/internal/activation"
	"github.com/umontpellier/scolpass/internal/web/form"
)

// loginSubmit is steps 1-2: identifier and provisional password open a
// session. An unknown identifier, a wrong password and a locked account get
// the same page (the service answers them alike).
func (s *Server) loginSubmit(w http.ResponseWriter, r *http.Request) {
	v, ok := s.parseForm(w, r)
	if !ok {
		return
	}
	f, errs := form.NewLogin(v)
	if len(errs) > 0 {
		p := s.loginPage(r)
		p.Values["identifier"] = f.Identifier
		p.Errors = formErrors(p.L, errs)
		s.render(w, http.StatusUnprocessableEntity, "login", p)
		return
	}
	secret, out, err := s.opt.Engine.StartSession(r.Context(), f.Identifier, f.Password, s.opt.Now())
	if err != nil {
		code, reason := activation.ErrorCode(err), activation.Reason(err)
		if code == activation.EINTERNAL || code == activation.ESCHEMA {
			s.opt.Logger.ErrorContext(r.Context(), "activation service", "route", routeOf(r), "err", err.Error())
			s.errorPage(w, r, http.StatusInternalServerError, "error.internal")
			return
		}
		if reason == "" {
			reason = code
		}
		s.metrics.refusals.WithLabelValues(reason).Inc()
		if activation.LockedOut(err) {
			s.metrics.lockouts.Inc()
		}
		p := s.loginPage(r)
		p.Values["identifier"] = f.Identifier
		msg := reasonMessage(p.L, err)
		status := http.StatusUnauthorized
		if code == activation.EAUTH && (reason == activation.ReasonAuthFailed || reason == activation.EAUTH || reason == activation.ReasonNotALogin) {
			p.Errors = []fieldError{{Field: "identifier", Message: msg}}
		} else {
			p.Alert = msg
			if code == activation.ESTATE {
				status = http.StatusConflict
			}
		}
		s.render(w, status, "login", p)
		return
	}
	s.metrics.steps.WithLabelValues("1-2").Inc()
	s.setSession(w, secret)
	_ = out
	s.seeOther(w, r)
}
