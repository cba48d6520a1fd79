package web

import (
	"net/http"
	"sort"
)

// charterShow is the charter's text ("prendre connaissance de la charte en
// cliquant sur le lien"): the version asked for (?v=), else the newest.
func (s *Server) charterShow(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query().Get("v")
	text, ok := s.opt.Charters[v]
	if !ok {
		var versions []string
		for k := range s.opt.Charters {
			versions = append(versions, k)
		}
		if len(versions) == 0 {
			s.errorPage(w, r, http.StatusNotFound, "error.not_found")
			return
		}
		sort.Strings(versions)
		v = versions[len(versions)-1]
		text = s.opt.Charters[v]
	}
	p := s.newPage(r, "charter.text.title", "5")
	p.Charter, p.Text = v, text
	s.render(w, http.StatusOK, "charter_text", p)
}
