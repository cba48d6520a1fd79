package web

import (
	"net/http"

	"github.com/umontpellier/scolpass/internal/activation"
	"github.com/umontpellier/scolpass/internal/web/form"
)

// resetSubmit is the lost-password page's form: the new password, typed
// twice, under the policy; accepted, the password is changed (the
// directory follows, the owner is told) and the link is used. A refusal
// leaves the link valid and says which rule failed.
func (s *Server) resetSubmit(w http.ResponseWriter, r *http.Request) {
	eng := s.recovery()
	if eng == nil {
		s.errorPage(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	v, ok := s.parseForm(w, r)
	if !ok {
		return
	}
	f, errs := form.NewPassword(v)
	if len(errs) > 0 {
		if p, ok := s.resetPage(w, r, eng); ok {
			p.Errors = formErrors(p.L, errs)
			s.render(w, http.StatusUnprocessableEntity, "reset", p)
		}
		return
	}
	var out *activation.Outcome
	var err error
	if !s.withHashSlot(w, r, func() { out, err = eng.ResetPassword(r.Context(), r.PathValue("token"), f.Password, s.opt.Now()) }) {
		return
	}
	switch code := activation.ErrorCode(err); code {
	case "":
	case activation.ETOKEN:
		s.resetRefused(w, r, err)
		return
	case activation.EPOLICY:
		s.metrics.refusals.WithLabelValues(activation.Reason(err)).Inc()
		if p, ok := s.resetPage(w, r, eng); ok {
			p.Errors = []fieldError{{Field: "new_password", Message: reasonMessage(p.L, err)}}
			s.render(w, http.StatusUnprocessableEntity, "reset", p)
		}
		return
	default:
		s.recoveryFailed(w, r, err)
		return
	}
	s.metrics.steps.WithLabelValues("reset").Inc()
	p := s.newPage(r, "reset.done.title", "")
	p.Session = false
	p.Out = out
	p.Notice = p.L.T("reset.done")
	p.LangURL = s.opt.ActivationPath + "?lang=" + p.L.Other()
	s.render(w, http.StatusOK, "password_changed", p)
}
