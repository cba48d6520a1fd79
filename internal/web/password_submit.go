package web

import (
	"net/http"
	"time"

	"github.com/umontpellier/scolpass/internal/activation"
	"github.com/umontpellier/scolpass/internal/web/form"
)

// passwordSubmit is step 7: the new password (typed twice); accepted, the
// account is active and the next page is step 8. Hashing it (argon2id,
// 64 MiB) takes one of HashSlots: a burst of final steps queues here
// instead of exhausting memory.
func (s *Server) passwordSubmit(w http.ResponseWriter, r *http.Request) {
	v, ok := s.parseForm(w, r)
	if !ok {
		return
	}
	f, errs := form.NewPassword(v)
	if len(errs) > 0 {
		s.formRefused(w, r, errs, nil)
		return
	}
	start := time.Now()
	wait := time.NewTimer(s.opt.HashWait)
	defer wait.Stop()
	select {
	case s.hash <- struct{}{}:
	case <-wait.C:
		// Nothing was done: the student may simply send the form again.
		w.Header().Set("Retry-After", "30")
		s.errorPage(w, r, http.StatusServiceUnavailable, "error.busy")
		return
	case <-r.Context().Done():
		return
	}
	defer func() { <-s.hash }()
	s.metrics.hashWait.Observe(time.Since(start).Seconds())
	s.step(w, r, &activation.Given{NewPass: &f.Password}, activation.ActivateOptions{}, "")
}
