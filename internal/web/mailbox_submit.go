package web

import (
	"net/http"

	"github.com/umontpellier/scolpass/internal/activation"
	"github.com/umontpellier/scolpass/internal/web/form"
)

// mailboxSubmit is step 6-1: no redirect, or a redirect (the recovery
// address by default) with or without a copy kept; another address than
// the recovery one gets its own link (6-2).
func (s *Server) mailboxSubmit(w http.ResponseWriter, r *http.Request) {
	v, ok := s.parseForm(w, r)
	if !ok {
		return
	}
	f, errs := form.NewMailbox(v)
	if len(errs) > 0 {
		s.formRefused(w, r, errs, func(p *page) {
			p.Checked["redirect"], p.Checked["keep_copy"] = f.Redirect, f.KeepCopy
			p.Values["redirect_to"] = ""
		})
		return
	}
	to := ""
	if f.Redirect {
		to = f.To
	}
	s.step(w, r, &activation.Given{RedirectTo: &to, KeepCopy: f.KeepCopy}, activation.ActivateOptions{}, "redirect_to", func(p *page) {
		p.Checked["redirect"], p.Checked["keep_copy"] = f.Redirect, f.KeepCopy
		p.Values["redirect_to"] = f.To
	})
}
