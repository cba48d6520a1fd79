package web

import "net/http"

// passwordChangeShow is "Changer mon mot de passe": login, current
// password, the new one twice, with the rules stated first.
func (s *Server) passwordChangeShow(w http.ResponseWriter, r *http.Request) {
	if s.recovery() == nil {
		s.errorPage(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	s.render(w, http.StatusOK, "password_change", s.passwordChangePage(r))
}

func (s *Server) passwordChangePage(r *http.Request) *page {
	p := s.newPage(r, "change.title", "")
	p.Session = false
	p.Policy = s.recoveryPolicyLines(p.L)
	p.LangURL = s.passwordChangePath() + "?lang=" + p.L.Other()
	return p
}
