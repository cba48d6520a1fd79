package web

import (
	"net/http"

	"github.com/umontpellier/scolpass/internal/activation"
)

// verifySubmit is the button of an emailed link: it follows the link (step
// 4 or 6-2) and says what to do next. It works on any device, without a
// session; the tab where the student started moves on when refreshed.
func (s *Server) verifySubmit(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.parseForm(w, r); !ok {
		return
	}
	token := r.PathValue("token")
	if !activation.PlausibleToken(token) {
		s.linkRefused(w, r, &activation.Error{Code: activation.ETOKEN, Reason: activation.ReasonTokenUnknown})
		return
	}
	out, err := s.opt.Engine.VerifyToken(r.Context(), token, s.opt.Now())
	if err != nil {
		s.linkRefused(w, r, err)
		return
	}
	step := out.Done[0] // the step the link confirmed: "4" or "6-2"
	s.metrics.steps.WithLabelValues(step).Inc()
	p := s.newPage(r, "verified.title", step)
	p.Out = out
	p.Notice = p.L.T("verified.step" + step)
	s.render(w, http.StatusOK, "verified", p)
}
