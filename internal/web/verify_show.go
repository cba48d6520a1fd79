package web

import (
	"net/http"

	"github.com/umontpellier/scolpass/internal/activation"
)

// verifyShow is an emailed link opened: it says what the link confirms and
// offers a button, and changes nothing (mail scanners open links before
// students do). Only the button's POST uses the token.
func (s *Server) verifyShow(w http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	if !activation.PlausibleToken(token) {
		s.linkRefused(w, r, &activation.Error{Code: activation.ETOKEN, Reason: activation.ReasonTokenUnknown})
		return
	}
	info, err := s.opt.Engine.InspectLink(r.Context(), token, s.opt.Now())
	if err != nil {
		s.linkRefused(w, r, err)
		return
	}
	title := "verify.recovery.title"
	if info.Purpose == activation.PurposeRedirect {
		title = "verify.redirect.title"
	}
	p := s.newPage(r, title, info.Step)
	p.Link, p.Token = info, token
	s.render(w, http.StatusOK, "verify", p)
}

// linkRefused is the page of a link that cannot be used: unknown, used,
// replaced or expired, each saying what to do.
func (s *Server) linkRefused(w http.ResponseWriter, r *http.Request, err error) {
	code, reason := activation.ErrorCode(err), activation.Reason(err)
	if code != activation.ETOKEN && code != activation.EINVALID {
		s.opt.Logger.ErrorContext(r.Context(), "activation service", "route", routeOf(r), "code", code, "err", err.Error())
		s.errorPage(w, r, http.StatusInternalServerError, "error.internal")
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
	p.Message = p.L.T("link." + reason)
	p.Status = status
	if reason == activation.ReasonTokenExpired && r.Method == http.MethodPost {
		// The activation went back to step 1. Only the button's POST
		// forgets the session: opening a link (a GET, maybe a mail
		// scanner's) acts on nothing, the browser's cookie included.
		clearSession(w)
	}
	s.render(w, status, "link_refused", p)
}
