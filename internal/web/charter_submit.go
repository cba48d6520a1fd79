package web

import (
	"net/http"

	"github.com/umontpellier/scolpass/internal/activation"
	"github.com/umontpellier/scolpass/internal/web/form"
)

// charterSubmit is step 5: the box ticked accepts the charter in force; not
// ticked, the service says it must be accepted.
func (s *Server) charterSubmit(w http.ResponseWriter, r *http.Request) {
	v, ok := s.parseForm(w, r)
	if !ok {
		return
	}
	f := form.NewCharter(v)
	s.step(w, r, &activation.Given{Charter: &f.Accept}, activation.ActivateOptions{}, "")
}
