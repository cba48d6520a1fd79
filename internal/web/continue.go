package web

import (
	"net/http"

	"github.com/umontpellier/scolpass/internal/activation"
	"github.com/umontpellier/scolpass/internal/web/form"
)

// step runs one form's answers through the service for the session's
// account, then sends the browser to the page of where the account is now
// (post/redirect/get). emailField names the field an email refusal is
// about.
func (s *Server) step(w http.ResponseWriter, r *http.Request, ans *activation.Given, opts activation.ActivateOptions, emailField string, fill ...func(*page)) {
	secret := sessionSecret(r)
	if secret == "" {
		s.refused(w, r, emailField, activation.Errorf(activation.EAUTH, "no session"))
		return
	}
	out, err := s.opt.Engine.Continue(r.Context(), secret, ans, opts, s.opt.Now())
	paused := activation.ErrorCode(err) == activation.EPAUSED
	if err != nil && !paused {
		s.refused(w, r, emailField, err, fill...)
		return
	}
	if out != nil {
		for _, d := range out.Done {
			if d != "1-2" {
				s.metrics.steps.WithLabelValues(d).Inc()
			}
		}
		if paused && out.LinkSent {
			s.metrics.links.WithLabelValues(out.Step).Inc()
		}
	}
	s.seeOther(w, r)
}

// formRefused shows the page of the step with the form's own problems
// (a missing field) before anything reaches the service.
func (s *Server) formRefused(w http.ResponseWriter, r *http.Request, errs form.Errors, fill func(p *page)) {
	out, err := s.opt.Engine.Resume(r.Context(), sessionSecret(r), s.opt.Now())
	if err != nil {
		s.refused(w, r, "", err)
		return
	}
	name, p := s.statePage(r, out)
	p.Errors = formErrors(p.L, errs)
	if fill != nil {
		fill(p)
	}
	s.render(w, http.StatusUnprocessableEntity, name, p)
}
