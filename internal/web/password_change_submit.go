package web

import (
	"net/http"

	"github.com/umontpellier/scolpass/internal/activation"
	"github.com/umontpellier/scolpass/internal/web/form"
)

// passwordChangeSubmit changes a known password. An unknown login, a wrong
// current password and a locked account get the same answer (the service
// answers them alike, in the same time); wrong passwords count towards
// the lockout of steps 1-2.
func (s *Server) passwordChangeSubmit(w http.ResponseWriter, r *http.Request) {
	eng := s.recovery()
	if eng == nil {
		s.errorPage(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	v, ok := s.parseForm(w, r)
	if !ok {
		return
	}
	f, errs := form.NewPasswordChange(v)
	refused := func(status int, errs []fieldError) {
		p := s.passwordChangePage(r)
		p.Values["identifier"] = f.Identifier
		p.Errors = errs
		s.render(w, status, "password_change", p)
	}
	if len(errs) > 0 {
		refused(http.StatusUnprocessableEntity, formErrors(localeOf(r), errs))
		return
	}
	var out *activation.Outcome
	var err error
	if !s.withHashSlot(w, r, func() { out, err = eng.ChangePassword(r.Context(), f.Identifier, f.Current, f.New, s.opt.Now()) }) {
		return
	}
	l := localeOf(r)
	switch code := activation.ErrorCode(err); code {
	case "":
	case activation.EAUTH:
		s.metrics.refusals.WithLabelValues(activation.ReasonChangeAuthFailed).Inc()
		if activation.LockedOut(err) {
			s.metrics.lockouts.Inc()
		}
		refused(http.StatusUnauthorized, []fieldError{{Field: "identifier", Message: l.T("reason.change_auth_failed")}})
		return
	case activation.EPOLICY:
		s.metrics.refusals.WithLabelValues(activation.Reason(err)).Inc()
		refused(http.StatusUnprocessableEntity, []fieldError{{Field: "new_password", Message: reasonMessage(l, err)}})
		return
	case activation.ESTATE:
		refused(http.StatusConflict, []fieldError{{Field: "identifier", Message: l.T("reason.conflict")}})
		return
	default:
		s.recoveryFailed(w, r, err)
		return
	}
	s.metrics.steps.WithLabelValues("change").Inc()
	p := s.newPage(r, "change.done.title", "")
	p.Session = false
	p.Out = out
	p.Notice = p.L.T("change.done")
	p.LangURL = s.opt.ActivationPath + "?lang=" + p.L.Other()
	s.render(w, http.StatusOK, "password_changed", p)
}
