package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/umontpellier/scolpass/internal/activation"
)

// RecoveryEngine is what the pages after the activation need (lost
// password, lost login, change of a known password); *activation.Service
// satisfies it. An Engine without it serves none of those pages (404).
type RecoveryEngine interface {
	// RequestReset mails a lost-password link when the login is an active
	// account with a confirmed recovery address; it tells nothing else.
	RequestReset(ctx context.Context, identifier string, now time.Time) error
	// RemindLogins mails the logins of a confirmed recovery address; it
	// tells nothing.
	RemindLogins(ctx context.Context, addr string, now time.Time) error
	// ResetLinkValidity is how long a lost-password link works.
	ResetLinkValidity() time.Duration
	// InspectResetLink tells what a lost-password link is for, changing nothing.
	InspectResetLink(ctx context.Context, token string, now time.Time) (*activation.LinkInfo, error)
	// ResetPassword follows a lost-password link with the new password.
	ResetPassword(ctx context.Context, token, newPassword string, now time.Time) (*activation.Outcome, error)
	// ChangePassword changes a known password.
	ChangePassword(ctx context.Context, identifier, current, newPassword string, now time.Time) (*activation.Outcome, error)
}

func (s *Server) recovery() RecoveryEngine {
	e, _ := s.opt.Engine.(RecoveryEngine)
	return e
}

// resetPath is the prefix of lost-password links: a sibling of the verify
// prefix (BASE_URL/reset/TOKEN).
func (s *Server) resetPath() string {
	return strings.TrimSuffix(s.opt.VerifyPath, "/verify") + "/reset"
}

// The recovery pages' addresses, under the activation path.
func (s *Server) forgotPasswordPath() string { return s.opt.ActivationPath + "/forgot-password" }
func (s *Server) forgotLoginPath() string    { return s.opt.ActivationPath + "/forgot-login" }
func (s *Server) passwordChangePath() string { return s.opt.ActivationPath + "/change-password" }

// backgroundSlots bounds the lost-password and lost-login requests being
// worked on after their answer was sent.
const backgroundSlots = 64

// background runs the work of a form whose answer must not depend on it
// (lost password, lost login: the same page, in the same time, whether an
// account exists): the page is sent at once, the lookup, the link and the
// email happen here. Past backgroundSlots requests at work, new ones are
// dropped (logged): the per-address limits keep honest students far below.
type background struct {
	slots chan struct{}
	wg    sync.WaitGroup
}

var backgrounds sync.Map // *Server → *background

func (s *Server) background() *background {
	b, _ := backgrounds.LoadOrStore(s, &background{slots: make(chan struct{}, backgroundSlots)})
	return b.(*background)
}

// answerThen sends a whole page (its length said, flushed: the client has
// all of it) and only then runs fn in the background, with a context of
// its own (30 s): the work never shares the answer's time.
func (s *Server) answerThen(w http.ResponseWriter, r *http.Request, name string, p *page, what string, fn func(ctx context.Context) error) {
	page := s.renderBytes(name, p)
	if page == nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	// The work is counted before the answer leaves (WaitBackground sees it).
	b := s.background()
	queued := false
	select {
	case b.slots <- struct{}{}:
		queued = true
		b.wg.Add(1)
	default:
		s.opt.Logger.Warn("background work dropped: too many at once", "route", routeOf(r), "what", what)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(page)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(page)
	_ = http.NewResponseController(w).Flush()
	if !queued {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 30*time.Second)
	go func() {
		defer func() {
			cancel()
			<-b.slots
			b.wg.Done()
		}()
		if err := fn(ctx); err != nil {
			s.opt.Logger.Error("activation service", "what", what, "err", err.Error())
		}
	}()
}

// WaitBackground waits for the work started after answers were sent
// (lost password, lost login): serve drains it at shutdown, tests before
// reading the outbox.
func (s *Server) WaitBackground() { s.background().wg.Wait() }

// withHashSlot runs fn holding one of the hashing slots (argon2id, 64 MiB),
// as step 7 does; false when none came free in time (the busy page is sent).
func (s *Server) withHashSlot(w http.ResponseWriter, r *http.Request, fn func()) bool {
	start := time.Now()
	wait := time.NewTimer(s.opt.HashWait)
	defer wait.Stop()
	select {
	case s.hash <- struct{}{}:
	case <-wait.C:
		w.Header().Set("Retry-After", "30")
		s.errorPage(w, r, http.StatusServiceUnavailable, "error.busy")
		return false
	case <-r.Context().Done():
		return false
	}
	defer func() { <-s.hash }()
	s.metrics.hashWait.Observe(time.Since(start).Seconds())
	fn()
	return true
}

// recoveryFailed answers an unexpected error of the service.
func (s *Server) recoveryFailed(w http.ResponseWriter, r *http.Request, err error) {
	s.opt.Logger.Error("activation service", "route", routeOf(r), "code", activation.ErrorCode(err), "err", err.Error())
	s.errorPage(w, r, http.StatusInternalServerError, "error.internal")
}

// recoveryPolicyLines are step 7's rules for a password that replaces a
// known one: "not the current password" instead of "not the provisional".
func (s *Server) recoveryPolicyLines(l *locale) []string {
	lines := s.policyLines(l)
	for i, line := range lines {
		if line == l.T("policy.provisional") {
			lines[i] = l.T("policy.current")
		}
	}
	return lines
}
