package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/umontpellier/scolpass/internal/activation"
)

// rootShow sends the site's root to the activation page.
func (s *Server) rootShow(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, s.opt.ActivationPath, http.StatusFound)
}

// activationShow is the address printed on the sheet: steps 1-2 without a
// session, else the page of the step the account is at (a tab refreshed
// after the link was followed on the phone moves on here).
func (s *Server) activationShow(w http.ResponseWriter, r *http.Request) {
	secret := sessionSecret(r)
	if secret == "" {
		s.showLogin(w, r)
		return
	}
	out, err := s.opt.Engine.Resume(r.Context(), secret, s.opt.Now())
	if err != nil {
		s.refused(w, r, "", err)
		return
	}
	name, p := s.statePage(r, out)
	s.render(w, http.StatusOK, name, p)
}

// showLogin writes the blank steps 1-2 page: the page every QR code opens,
// the same bytes for everyone in a language, rendered once.
func (s *Server) showLogin(w http.ResponseWriter, r *http.Request) {
	if r.URL.RawQuery != "" {
		s.render(w, http.StatusOK, "login", s.loginPage(r))
		return
	}
	lang := localeOf(r).Lang
	b, ok := s.loginBytes.Load(lang)
	if !ok {
		page := s.renderBytes("login", s.loginPage(r))
		if page == nil {
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		b, _ = s.loginBytes.LoadOrStore(lang, page)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write(b.([]byte))
}

func (s *Server) loginPage(r *http.Request) *page {
	p := s.newPage(r, "login.title", "1-2")
	p.Session = false
	return p
}

// statePage picks the page of the step out's account is at.
func (s *Server) statePage(r *http.Request, out *activation.Outcome) (string, *page) {
	var name, title string
	switch out.State {
	case activation.StateAuthenticated:
		name, title = "recovery", "recovery.title"
	case activation.StateRecoveryPending:
		name, title = "waiting", "waiting.recovery.title"
	case activation.StateRecoveryVerified:
		name, title = "charter", "charter.title"
	case activation.StateCharterAccepted:
		name, title = "mailbox", "mailbox.title"
	case activation.StateRedirectPending:
		name, title = "waiting", "waiting.redirect.title"
	case activation.StateMailboxReady:
		name, title = "password", "password.title"
	case activation.StateActive:
		name, title = "done", "done.title"
	default:
		return "login", s.loginPage(r)
	}
	// "Step N of 8": the step the domain says the account is at.
	p := s.newPage(r, title, out.State.StepNumber())
	p.Out = out
	switch name {
	case "recovery":
		p.Values["email"] = ""
	case "waiting":
		p.Values["email"] = out.LinkSentTo
	case "charter":
		p.Charter = out.Charter
	case "mailbox":
		p.Values["redirect_to"] = out.RecoveryEmail
	case "password":
		p.Policy = s.policyLines(p.L)
	}
	return name, p
}

// policyLines says step 7's rules before the student types: the rules of
// the policy in force (activation.PasswordPolicy.Rules), translated.
func (s *Server) policyLines(l *locale) []string {
	var out []string
	for _, r := range s.opt.Policy.Rules() {
		if strings.Contains(l.texts["policy."+r.Key], "%d") {
			out = append(out, l.T("policy."+r.Key, r.Arg))
		} else {
			out = append(out, l.T("policy."+r.Key))
		}
	}
	return out
}

// reasonField is the field a refusal is about.
func reasonField(reason, emailField string) string {
	switch {
	case strings.HasPrefix(reason, "password_"):
		return "new_password"
	case strings.HasPrefix(reason, "email_"):
		return emailField
	case reason == activation.ReasonCharterRefused:
		return "accept"
	case reason == activation.ReasonAuthFailed:
		return "identifier"
	}
	return ""
}

// reasonMessage is the refusal in the page's language: by its Reason, else
// by its code.
func reasonMessage(l *locale, err error) string {
	reason := activation.Reason(err)
	var param string
	var e *activation.Error
	if asDomain(err, &e) {
		param = e.Param
	}
	key := "reason." + reason
	if _, ok := l.texts[key]; reason == "" || !ok {
		key = "code." + activation.ErrorCode(err)
		if _, ok := l.texts[key]; !ok {
			key = "code.internal"
		}
	}
	if strings.Contains(l.texts[key], "%s") {
		return l.T(key, param)
	}
	return l.T(key)
}

// refused answers a refusal of the service on the page the student is
// on: a session gone → steps 1-2; a rule refused → the step's page with
// the message next to its field; the account moved elsewhere → the page of
// where it is now; anything unexpected → the error page.
func (s *Server) refused(w http.ResponseWriter, r *http.Request, emailField string, err error, fill ...func(*page)) {
	l := localeOf(r)
	code, reason := activation.ErrorCode(err), activation.Reason(err)
	if reason != "" {
		s.metrics.refusals.WithLabelValues(reason).Inc()
	} else if code != activation.EINTERNAL {
		s.metrics.refusals.WithLabelValues(code).Inc()
	}
	switch {
	case reason == activation.ReasonSessionExpired || (code == activation.EAUTH && sessionSecret(r) != "" && reason != activation.ReasonAuthFailed):
		clearSession(w)
		p := s.loginPage(r)
		p.Alert = l.T("reason.session_expired")
		s.render(w, http.StatusUnauthorized, "login", p)
		return
	case code == activation.ETOKEN && reason == activation.ReasonTokenExpired:
		// The link the account waited for expired: back to step 1.
		clearSession(w)
		p := s.loginPage(r)
		p.Alert = l.T("link.token_expired")
		s.render(w, http.StatusOK, "login", p)
		return
	case code == activation.EINTERNAL || code == activation.ESCHEMA || code == activation.EINVALID:
		s.opt.Logger.ErrorContext(r.Context(), "activation service", "route", routeOf(r), "code", code, "err", err.Error())
		s.errorPage(w, r, http.StatusInternalServerError, "error.internal")
		return
	}
	secret := sessionSecret(r)
	out, rerr := s.opt.Engine.Resume(r.Context(), secret, s.opt.Now())
	if rerr != nil {
		if activation.ErrorCode(rerr) == activation.EAUTH {
			clearSession(w)
			p := s.loginPage(r)
			p.Alert = l.T("reason.session_expired")
			s.render(w, http.StatusUnauthorized, "login", p)
			return
		}
		s.opt.Logger.ErrorContext(r.Context(), "activation service", "route", routeOf(r), "err", rerr.Error())
		s.errorPage(w, r, http.StatusInternalServerError, "error.internal")
		return
	}
	name, p := s.statePage(r, out)
	msg := reasonMessage(l, err)
	status := http.StatusUnprocessableEntity
	if code == activation.ESTATE {
		status = http.StatusConflict
		msg = l.T("reason.wrong_step")
		if reason == activation.ReasonConflict {
			msg = l.T("reason.conflict")
		}
	}
	if f := reasonField(reason, emailField); f != "" && (name != "mailbox" || f != "email") {
		p.Errors = append(p.Errors, fieldError{Field: f, Message: msg})
	} else {
		p.Alert = msg
	}
	if status == http.StatusUnprocessableEntity {
		for _, f := range fill {
			f(p)
		}
	}
	s.render(w, status, name, p)
}

func asDomain(err error, e **activation.Error) bool { return errors.As(err, e) }
