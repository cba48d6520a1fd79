package web

import "net/http"

// forgotPasswordShow is "Mot de passe oublié ?": the login, to get a link
// at the recovery address.
func (s *Server) forgotPasswordShow(w http.ResponseWriter, r *http.Request) {
	if s.recovery() == nil {
		s.errorPage(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	s.render(w, http.StatusOK, "forgot_password", s.forgotPasswordPage(r))
}

func (s *Server) forgotPasswordPage(r *http.Request) *page {
	p := s.newPage(r, "forgot.password.title", "")
	p.Session = false
	p.LangURL = s.forgotPasswordPath() + "?lang=" + p.L.Other()
	return p
}
