package web

import "net/http"

// accessibilityShow is "Accessibilité" / "Accessibility": the RGAA
// declaration (conformance status, date, the tests run, a contact).
func (s *Server) accessibilityShow(w http.ResponseWriter, r *http.Request) {
	s.legalShow(w, r, "accessibility")
}
