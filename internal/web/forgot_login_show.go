package web

import "net/http"

// forgotLoginShow is "Identifiant oublié ?": an email address, to get the
// logins whose recovery address it is.
func (s *Server) forgotLoginShow(w http.ResponseWriter, r *http.Request) {
	if s.recovery() == nil {
		s.errorPage(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	s.render(w, http.StatusOK, "forgot_login", s.forgotLoginPage(r))
}

func (s *Server) forgotLoginPage(r *http.Request) *page {
	p := s.newPage(r, "forgot.login.title", "")
	p.Session = false
	p.LangURL = s.forgotLoginPath() + "?lang=" + p.L.Other()
	return p
}
