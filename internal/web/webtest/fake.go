// Package webtest is an in-memory stand-in for the activation service, for
// the web face's tests: it walks the guide's states with the service's
// error codes and reasons (activation.Reason…), keeps sessions and links in
// maps and "mails" links to a list the tests read. It holds no rule the
// pages rely on beyond what the service's doc comments promise.
package webtest

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"strings"
	"sync"
	"time"

	"github.com/umontpellier/scolpass/internal/activation"
)

// Account is one student of the fake.
type Account struct {
	Login, FirstName, LastName, Provisional string
	State                                   activation.State
	Recovery, RedirectTo                    string
	KeepCopy                                bool
	Failures                                int
	LockedUntil                             time.Time
	NewPassword                             string
	linksToday                              int
}

// Mail is a link the fake sent.
type Mail struct {
	To, Link, Token string
}

type token struct {
	login, purpose, email string
	keep                  bool
	expires               time.Time
	used, revoked         bool
}

type session struct {
	login      string
	start, use time.Time
	ended      bool
}

// Engine is the fake service.
type Engine struct {
	mu       sync.Mutex
	Domain   string
	BaseURL  string
	Charter  string
	Accounts map[string]*Account
	Mails    []Mail
	sessions map[string]*session
	tokens   map[string]*token
	// Calls counts the calls by method, for tests that check a GET did
	// nothing.
	Calls map[string]int
}

// New returns a fake with no student.
func New() *Engine {
	return &Engine{Domain: "etu.umontpellier.fr", BaseURL: "http://127.0.0.1", Charter: "2026-1",
		Accounts: map[string]*Account{}, sessions: map[string]*session{}, tokens: map[string]*token{}, Calls: map[string]int{}}
}

// Add adds an issued student.
func (e *Engine) Add(login, first, last, provisional string) *Account {
	e.mu.Lock()
	defer e.mu.Unlock()
	a := &Account{Login: login, FirstName: first, LastName: last, Provisional: provisional, State: activation.StateIssued}
	e.Accounts[login] = a
	return a
}

// Account returns a copy of a student's account.
func (e *Engine) Account(login string) Account {
	e.mu.Lock()
	defer e.mu.Unlock()
	return *e.Accounts[login]
}

// LastLink returns the last link mailed to addr, "" if none.
func (e *Engine) LastLink(addr string) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	for i := len(e.Mails) - 1; i >= 0; i-- {
		if e.Mails[i].To == addr {
			return e.Mails[i].Link
		}
	}
	return ""
}

func reasoned(code, reason, param, msg string) *activation.Error {
	return &activation.Error{Code: code, Reason: reason, Param: param, Message: msg}
}

var errAuth = reasoned(activation.EAUTH, activation.ReasonAuthFailed, "", "authentication failed")

func secret() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// StartSession implements web.Engine.
func (e *Engine) StartSession(ctx context.Context, identifier, provisional string, now time.Time) (string, *activation.Outcome, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.Calls["StartSession"]++
	login := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(identifier)), "@"+e.Domain)
	a := e.Accounts[login]
	if a == nil || now.Before(a.LockedUntil) {
		return "", nil, errAuth
	}
	norm := func(s string) string { return strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(s), "-", "")) }
	if norm(provisional) != norm(a.Provisional) {
		a.Failures++
		if a.Failures >= 5 {
			a.LockedUntil, a.Failures = now.Add(15*time.Minute), 0
		}
		return "", nil, errAuth
	}
	if a.State == activation.StateActive {
		return "", nil, reasoned(activation.ESTATE, activation.ReasonAlreadyActive, "", "already active")
	}
	a.Failures = 0
	if a.State == activation.StateRecoveryPending || a.State == activation.StateRedirectPending {
		if t := e.pending(a); t == nil || now.After(t.expires) {
			e.revokeAll(a)
			e.back(a)
		}
	}
	if a.State == activation.StateIssued {
		a.State = activation.StateAuthenticated
	}
	for k, s := range e.sessions {
		if s.login == login {
			delete(e.sessions, k)
		}
	}
	sec := secret()
	e.sessions[sec] = &session{login: login, start: now, use: now}
	return sec, e.outcome(a, []string{"1-2"}), nil
}

func (e *Engine) back(a *Account) {
	a.State, a.Recovery, a.RedirectTo, a.KeepCopy = activation.StateIssued, "", "", false
}

func (e *Engine) pending(a *Account) *token {
	for _, t := range e.tokens {
		if t.login == a.Login && !t.used && !t.revoked {
			return t
		}
	}
	return nil
}

func (e *Engine) revokeAll(a *Account) {
	for _, t := range e.tokens {
		if t.login == a.Login && !t.used {
			t.revoked = true
		}
	}
}

func (e *Engine) outcome(a *Account, done []string) *activation.Outcome {
	if done == nil {
		done = []string{}
	}
	out := &activation.Outcome{Login: a.Login + "@" + e.Domain, State: a.State, Step: a.State.StepNumber(), NextStep: a.State.NextStep(), Done: done}
	switch a.State {
	case activation.StateRecoveryPending, activation.StateRedirectPending:
		if t := e.pending(a); t != nil {
			until := t.expires
			out.LinkSentTo, out.LinkValidUntil = t.email, &until
		}
	case activation.StateRecoveryVerified:
		out.Charter = e.Charter
	case activation.StateCharterAccepted:
		out.RecoveryEmail = a.Recovery
	case activation.StateActive:
		out.Confirmation = &activation.Confirmation{Login: out.Login, Mailbox: out.Login, RedirectTo: a.RedirectTo, KeepCopy: a.KeepCopy && a.RedirectTo != ""}
	}
	return out
}

func (e *Engine) session(secret string, now time.Time) (*Account, error) {
	s := e.sessions[secret]
	if s == nil || s.ended || now.Sub(s.use) > 30*time.Minute || now.Sub(s.start) > 8*time.Hour {
		return nil, reasoned(activation.EAUTH, activation.ReasonSessionExpired, "", "session expired")
	}
	s.use = now
	a := e.Accounts[s.login]
	if a.State == activation.StateRecoveryPending || a.State == activation.StateRedirectPending {
		if t := e.pending(a); t != nil && now.After(t.expires) {
			e.revokeAll(a)
			e.back(a)
			return nil, reasoned(activation.ETOKEN, activation.ReasonTokenExpired, "", "the link expired")
		}
	}
	return a, nil
}

// Resume implements web.Engine.
func (e *Engine) Resume(ctx context.Context, secret string, now time.Time) (*activation.Outcome, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.Calls["Resume"]++
	a, err := e.session(secret, now)
	if err != nil {
		return nil, err
	}
	return e.outcome(a, nil), nil
}

// EndSession implements web.Engine.
func (e *Engine) EndSession(ctx context.Context, secret string, now time.Time) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.Calls["EndSession"]++
	delete(e.sessions, secret)
	return nil
}

func (e *Engine) checkEmail(addr string) (string, error) {
	addr = strings.ToLower(strings.TrimSpace(addr))
	local, domain, ok := strings.Cut(addr, "@")
	if !ok || local == "" || !strings.Contains(domain, ".") || strings.ContainsAny(addr, " <>") {
		return "", reasoned(activation.EPOLICY, activation.ReasonEmailInvalid, "not an address", "invalid email")
	}
	if domain == "umontpellier.fr" || strings.HasSuffix(domain, ".umontpellier.fr") {
		return "", reasoned(activation.EPOLICY, activation.ReasonEmailUniversity, "", "university address")
	}
	return addr, nil
}

func (e *Engine) send(a *Account, purpose, to string, keep bool, now time.Time) (*activation.Outcome, error) {
	if a.linksToday >= 5 {
		return nil, reasoned(activation.EPOLICY, activation.ReasonLinkCap, "5", "link cap")
	}
	a.linksToday++
	e.revokeAll(a)
	tok := secret()
	y, m, d := now.In(activation.Zone()).Date()
	e.tokens[tok] = &token{login: a.Login, purpose: purpose, email: to, keep: keep,
		expires: time.Date(y, m, d, 23, 59, 59, 999999000, activation.Zone())}
	e.Mails = append(e.Mails, Mail{To: to, Token: tok, Link: e.BaseURL + "/verify/" + tok})
	return nil, nil
}

func paused() error { return &activation.Error{Code: activation.EPAUSED, Message: "a link was sent"} }

// Continue implements web.Engine.
func (e *Engine) Continue(ctx context.Context, secret string, ans activation.Answers, opts activation.ActivateOptions, now time.Time) (*activation.Outcome, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.Calls["Continue"]++
	a, err := e.session(secret, now)
	if err != nil {
		return nil, err
	}
	var done []string
	for {
		switch a.State {
		case activation.StateAuthenticated, activation.StateRecoveryPending:
			addr, ok, _ := ans.RecoveryEmail(nil)
			if a.State == activation.StateRecoveryPending && (!ok || strings.EqualFold(addr, a.Recovery)) {
				if !opts.Resend {
					return e.outcome(a, done), paused()
				}
				addr, ok = a.Recovery, true
			}
			if !ok {
				return e.outcome(a, done), nil
			}
			addr, err := e.checkEmail(addr)
			if err != nil {
				return nil, err
			}
			if _, err := e.send(a, activation.PurposeRecovery, addr, false, now); err != nil {
				return nil, err
			}
			a.Recovery, a.State = addr, activation.StateRecoveryPending
			return e.outcome(a, append(done, "3")), paused()
		case activation.StateRecoveryVerified:
			acc, ok, _ := ans.AcceptCharter(nil, e.Charter)
			if !ok {
				return e.outcome(a, done), nil
			}
			if !acc {
				return nil, reasoned(activation.EPOLICY, activation.ReasonCharterRefused, "", "charter refused")
			}
			a.State = activation.StateCharterAccepted
			done = append(done, "5")
		case activation.StateCharterAccepted:
			to, keep, ok, _ := ans.Redirect(nil, a.Recovery)
			if !ok {
				return e.outcome(a, done), nil
			}
			if to == "" {
				a.RedirectTo, a.KeepCopy, a.State = "", false, activation.StateMailboxReady
			} else {
				norm, err := e.checkEmail(to)
				if err != nil {
					return nil, err
				}
				if norm == a.Recovery {
					a.RedirectTo, a.KeepCopy, a.State = norm, keep, activation.StateMailboxReady
				} else {
					if _, err := e.send(a, activation.PurposeRedirect, norm, keep, now); err != nil {
						return nil, err
					}
					a.State = activation.StateRedirectPending
					return e.outcome(a, append(done, "6-1")), paused()
				}
			}
			done = append(done, "6-1")
		case activation.StateRedirectPending:
			if opts.Resend {
				if t := e.pending(a); t != nil {
					if _, err := e.send(a, activation.PurposeRedirect, t.email, t.keep, now); err != nil {
						return nil, err
					}
				}
			}
			return e.outcome(a, done), paused()
		case activation.StateMailboxReady:
			pw, ok, _ := ans.NewPassword(nil, nil)
			if !ok {
				return e.outcome(a, done), nil
			}
			switch {
			case len([]rune(pw)) < 12:
				return nil, reasoned(activation.EPOLICY, activation.ReasonPasswordTooShort, "12", "too short")
			case strings.Contains(strings.ToLower(pw), strings.ToLower(a.FirstName)):
				return nil, reasoned(activation.EPOLICY, activation.ReasonPasswordFirstName, "", "first name")
			case strings.Contains(strings.ToLower(pw), "azerty"):
				return nil, reasoned(activation.EPOLICY, activation.ReasonPasswordWeak, "", "weak")
			}
			a.NewPassword, a.State = pw, activation.StateActive
			return e.outcome(a, append(done, "7", "8")), nil
		case activation.StateActive:
			return e.outcome(a, done), nil
		default:
			return nil, reasoned(activation.ESTATE, activation.ReasonWrongStep, "", "wrong step")
		}
	}
}

func (e *Engine) link(tok string, now time.Time) (*token, *Account, error) {
	t := e.tokens[tok]
	switch {
	case t == nil:
		return nil, nil, reasoned(activation.ETOKEN, activation.ReasonTokenUnknown, "", "unknown link")
	case t.used:
		return nil, nil, reasoned(activation.ETOKEN, activation.ReasonTokenUsed, "", "used")
	case t.revoked:
		return nil, nil, reasoned(activation.ETOKEN, activation.ReasonTokenReplaced, "", "replaced")
	case now.After(t.expires):
		return t, e.Accounts[t.login], reasoned(activation.ETOKEN, activation.ReasonTokenExpired, "", "expired")
	}
	return t, e.Accounts[t.login], nil
}

// InspectLink implements web.Engine.
func (e *Engine) InspectLink(ctx context.Context, tok string, now time.Time) (*activation.LinkInfo, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.Calls["InspectLink"]++
	t, a, err := e.link(tok, now)
	if err != nil {
		return nil, err
	}
	step := "4"
	if t.purpose == activation.PurposeRedirect {
		step = "6-2"
	}
	return &activation.LinkInfo{Purpose: t.purpose, Step: step, Login: a.Login + "@" + e.Domain, Email: t.email, KeepCopy: t.keep, ExpiresAt: t.expires}, nil
}

// VerifyToken implements web.Engine.
func (e *Engine) VerifyToken(ctx context.Context, tok string, now time.Time) (*activation.Outcome, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.Calls["VerifyToken"]++
	t, a, err := e.link(tok, now)
	if activation.Reason(err) == activation.ReasonTokenExpired {
		e.revokeAll(a)
		if a.State == activation.StateRecoveryPending || a.State == activation.StateRedirectPending {
			e.back(a)
		}
		return nil, err
	}
	if err != nil {
		return nil, err
	}
	t.used = true
	switch {
	case t.purpose == activation.PurposeRecovery && a.State == activation.StateRecoveryPending:
		a.State = activation.StateRecoveryVerified
		return e.outcome(a, []string{"4"}), nil
	case t.purpose == activation.PurposeRedirect && a.State == activation.StateRedirectPending:
		a.RedirectTo, a.KeepCopy, a.State = t.email, t.keep, activation.StateMailboxReady
		return e.outcome(a, []string{"6-2"}), nil
	}
	return nil, reasoned(activation.ETOKEN, activation.ReasonTokenMismatch, "", "mismatch")
}
