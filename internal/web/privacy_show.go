package web

import "net/http"

// privacyShow is "Données personnelles" / "Personal data" (GDPR art. 13):
// what the site collects and why, the controller, how long each kind of
// data is kept (the retention settings purge applies), the student's
// rights and how to exercise them.
func (s *Server) privacyShow(w http.ResponseWriter, r *http.Request) {
	s.legalShow(w, r, "privacy")
}

// legalShow renders a text of Legal in the layout.
func (s *Server) legalShow(w http.ResponseWriter, r *http.Request, name string) {
	p := s.newPage(r, name+".title", "")
	scheme := "http" // Legal.SiteURL (serve: SCOLPASS_BASE_URL) names the public address
	if r.TLS != nil {
		scheme = "https"
	}
	body, err := s.legalHTML(p, name, scheme+"://"+r.Host)
	if err != nil {
		s.opt.Logger.Error("render page text", "page", name, "lang", p.L.Lang, "err", err)
		s.errorPage(w, r, http.StatusInternalServerError, "error.internal")
		return
	}
	p.Legal = body
	w.Header().Set("Cache-Control", "no-cache")
	s.render(w, http.StatusOK, "legal", p)
}
