package web

import "net/http"

// logoutSubmit ends the session (a shared computer) and says so.
func (s *Server) logoutSubmit(w http.ResponseWriter, r *http.Request) {
	if secret := sessionSecret(r); secret != "" {
		if err := s.opt.Engine.EndSession(r.Context(), secret, s.opt.Now()); err != nil {
			s.opt.Logger.ErrorContext(r.Context(), "end session", "err", err.Error())
		}
	}
	clearSession(w)
	p := s.loginPage(r)
	p.Notice = p.L.T("logout.done")
	s.render(w, http.StatusOK, "login", p)
}
