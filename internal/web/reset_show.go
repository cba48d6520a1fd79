package web

import (
	"net/http"

	"github.com/umontpellier/scolpass/internal/activation"
)

// resetShow is a lost-password link opened: it names the account, states
// the password rules and asks for the new password twice. It changes
// nothing (mail scanners open links before students do): only the form's
// POST uses the token.
func (s *Server) resetShow(w http.ResponseWriter, r *http.Request) {
	eng := s.recovery()
	if eng == nil {
		s.errorPage(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	p, ok := s.resetPage(w, r, eng)
	if !ok {
		return
	}
	s.render(w, http.StatusOK, "reset", p)
}

// resetPage is the page of a usable link; a link that cannot be used gets
// its own page and ok=false.
func (s *Server) resetPage(w http.ResponseWriter, r *http.Request, eng RecoveryEngine) (*page, bool) {
	token := r.PathValue("token")
	if !activation.PlausibleToken(token) {
		s.resetRefused(w, r, &activation.Error{Code: activation.ETOKEN, Reason: activation.ReasonTokenUnknown})
		return nil, false
	}
	info, err := eng.InspectResetLink(r.Context(), token, s.opt.Now())
	if err != nil {
		s.resetRefused(w, r, err)
		return nil, false
	}
	p := s.newPage(r, "reset.title", "")
	p.Session = false
	p.Link = info
	p.Policy = s.recoveryPolicyLines(p.L)
	p.LangURL = r.URL.Path + "?lang=" + p.L.Other()
	return p, true
}

// resetRefused is the page of a lost-password link that cannot be used:
// unknown, used, replaced or expired, each saying what to do.
func (s *Server) resetRefused(w http.ResponseWriter, r *http.Request, err error) {
	code, reason := activation.ErrorCode(err), activation.Reason(err)
	if code != activation.ETOKEN {
		s.recoveryFailed(w, r, err)
		return
	}
	if reason == "" {
		reason = activation.ReasonTokenUnknown
	}
	s.metrics.refusals.WithLabelValues(reason).Inc()
	status := http.StatusGone
	switch reason {
	case activation.ReasonTokenUnknown:
		status = http.StatusNotFound
	case activation.ReasonTokenMismatch:
		status = http.StatusConflict
	}
	p := s.newPage(r, "link."+reason+".title", "")
	p.Session = false
	p.Message = p.L.T("reset.link." + reason)
	p.Status = status
	p.LangURL = r.URL.Path + "?lang=" + p.L.Other()
	s.render(w, status, "reset_refused", p)
}
