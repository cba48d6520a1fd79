package activation

import (
	"context"
	"errors"
	"time"
)

// Actor says who does something, through which channel, and under which
// clock; every audit event records it. The Store implementation carries the
// actor of a command run and stamps each event with it.
type Actor struct {
	Operator string
	Channel  string // "bulk", "helpdesk" or "script"
	Clock    string // "system" or "SCOLPASS_NOW=…"
}

// Account is a student's account as the life cycle sees it.
type Account struct {
	StudentID         int64
	StudentNo         string
	FirstName         string
	LastName          string
	Login             string // local part: prenom.nom[N]
	Program           string
	Component         string
	Year              string
	State             State
	StateSince        time.Time
	Version           int64
	FailedAttempts    int
	LockedUntil       time.Time // zero: not locked
	RecoveryEmail     string
	RedirectTo        string
	KeepCopy          bool
	CharterVersion    string
	CharterAcceptedAt time.Time
	PasswordHash      string
	PasswordSetAt     time.Time
	ActivatedAt       time.Time
	Provisional       *Provisional // nil: never issued
}

// Provisional is the stored part of a SCOL'PASS provisional password.
type Provisional struct {
	Hash      string
	IssuedAt  time.Time
	ExpiresAt time.Time
	UsedAt    time.Time // zero: not used yet
	Batch     string
}

// Token purposes.
const (
	PurposeRecovery = "recovery" // step 4
	PurposeRedirect = "redirect" // step 6-2
)

// Token is a stored emailed link (its hash only).
type Token struct {
	ID        int64
	StudentID int64
	Purpose   string
	Email     string
	KeepCopy  bool
	IssuedAt  time.Time
	ExpiresAt time.Time
	UsedAt    time.Time
	RevokedAt time.Time
}

// Event is one audit trail entry about an account. The store stamps it
// with the time of the transaction it belongs to.
type Event struct {
	Action  string
	From    State
	To      State
	Outcome string // "ok", "refused", "failed", …
	Detail  string // never a secret
}

// Email is a message queued in the outbox.
type Email struct {
	Kind    string
	To      string
	Subject string
	Body    string
}

// Session is a web session: it stands for steps 1-2 while it lives. The
// browser holds its secret; the store keeps the secret's hash.
type Session struct {
	ID         int64
	StudentID  int64
	CreatedAt  time.Time
	LastSeenAt time.Time
	EndedAt    time.Time // zero: not ended
	EndReason  string
}

// Why sessions end.
const (
	SessionReplaced  = "replaced"  // steps 1-2 again, elsewhere
	SessionLogout    = "logout"    // the student left
	SessionActivated = "activated" // step 7 done
	SessionReset     = "reset"     // the helpdesk restarted or re-issued
	SessionExpired   = "expired"   // idle or too old, or its link expired
)

// LockedAt is the lockout rule: the account refuses provisional passwords
// until LockedUntil.
func (a *Account) LockedAt(now time.Time) bool {
	return !a.LockedUntil.IsZero() && now.Before(a.LockedUntil)
}

// ExpiredAt is the provisional password's validity rule: it works before
// ExpiresAt, not at that instant.
func (p *Provisional) ExpiredAt(now time.Time) bool { return !now.Before(p.ExpiresAt) }

// ExpiredAt is the link rule: a link can be followed up to and including
// its ExpiresAt (23:59:59.999999 Paris on the day it was sent).
func (t *Token) ExpiredAt(now time.Time) bool { return now.After(t.ExpiresAt) }

// ExpiredAt is the session rule: a session ends idle after idle without a
// request, and lifetime after it began whatever happens.
func (s *Session) ExpiredAt(now time.Time, idle, lifetime time.Duration) bool {
	return !now.Before(s.LastSeenAt.Add(idle)) || !now.Before(s.CreatedAt.Add(lifetime))
}

// ShowsConfirmation is the step 8 grace of a session that ended: the
// session whose step 7 activated the account may still show step 8,
// read-only, until it would have gone idle — for that activation only. An
// account activated again later (after reset --reissue) is another
// activation: the old session stays ended.
func (s *Session) ShowsConfirmation(a *Account, now time.Time, idle time.Duration) bool {
	return s.EndReason == SessionActivated && a.State == StateActive &&
		!a.ActivatedAt.After(s.EndedAt) && now.Before(s.EndedAt.Add(idle))
}

// forgetProgress is what going back to step 1 forgets: what steps 3 to 7
// recorded. Issuing a SCOL'PASS forgets that too, and the lockout and the
// final password (see issued).
func (a *Account) forgetProgress() {
	a.RecoveryEmail, a.RedirectTo, a.KeepCopy = "", "", false
	a.CharterVersion, a.CharterAcceptedAt = "", time.Time{}
}

// Store keeps accounts. Every method that changes something runs one
// transaction at the instant now: the store stamps with it what it writes on
// its own (audit events, revocations, queued emails). Implementations lock
// the account for the duration of fn, waiting a few seconds at most for
// another transaction to finish, and refuse with an ESTATE conflict error
// when it still holds the account or changed it meanwhile (version check).
type Store interface {
	// Load returns the account whose login or student number is key
	// (ENOTFOUND when there is none), without locking it.
	Load(ctx context.Context, key string) (*Account, error)
	// Update locks the account, checks that its version still is version
	// (any version when version < 0; ESTATE conflict otherwise), and runs
	// fn in one transaction. The transaction commits when fn returns nil or
	// an error wrapped by KeepChanges, and rolls back otherwise.
	Update(ctx context.Context, studentID, version int64, now time.Time, fn func(tx Tx, a *Account) error) error
	// UpdateByKey locks the account whose login or student number is key
	// and runs fn like Update, with no version check: whoever holds the
	// lock decides on the account as it then stands. When no account has
	// that key it runs fn with a nil account in a transaction of the same
	// shape (a look-up that would lock, fn's audit of no account, a
	// commit), so that an unknown key costs what a known one does.
	UpdateByKey(ctx context.Context, key string, now time.Time, fn func(tx Tx, a *Account) error) error
	// UpdateByToken finds the token whose hash is given (ETOKEN when
	// unknown), locks its account and runs fn like Update.
	UpdateByToken(ctx context.Context, hash []byte, now time.Time, fn func(tx Tx, a *Account, t *Token) error) error
	// UpdateBySession finds the session whose secret hash is given (EAUTH
	// ReasonSessionExpired when unknown), locks its account and runs fn
	// like Update.
	UpdateBySession(ctx context.Context, hash []byte, now time.Time, fn func(tx Tx, a *Account, s *Session) error) error
	// View runs fn on the account as it stands, in a read-only snapshot:
	// nothing is locked, fn writes nothing (ENOTFOUND when the account is
	// gone).
	View(ctx context.Context, studentID int64, fn func(r Reader, a *Account) error) error
	// ViewBySession finds the session whose secret hash is given (EAUTH
	// ReasonSessionExpired when unknown) and runs fn with its account like
	// View.
	ViewBySession(ctx context.Context, hash []byte, fn func(r Reader, a *Account, s *Session) error) error
	// ViewByToken finds the token whose hash is given (ETOKEN when unknown)
	// and runs fn with its account like View.
	ViewByToken(ctx context.Context, hash []byte, fn func(r Reader, a *Account, t *Token) error) error
	// SeeSession records a request of the session at now (its idle time
	// starts again) without locking its account; a session ended meanwhile
	// stays ended.
	SeeSession(ctx context.Context, sessionID int64, now time.Time) error
	// IssueBatch selects the accounts matching sel's filters (student
	// numbers, programmes, components, years; not its rules), locks them
	// and calls fn with them, in student order. In the same transaction it
	// then writes each account fn returns as fn left it (state, choices,
	// lock, password, provisional credentials), revokes their links, ends
	// their web sessions and audits each one ("issue-scolpass", batch). If
	// fn fails nothing changes.
	IssueBatch(ctx context.Context, sel IssueSelection, now time.Time, fn func(accounts []*Account) ([]*Account, error)) error
}

// Reader is what a step may read without writing (Store.View and the
// like), and inside its transaction.
type Reader interface {
	// PendingToken returns the newest unused, unrevoked token of that
	// purpose, or nil.
	PendingToken(a *Account, purpose string) (*Token, error)
	// CharterInForce returns the newest published charter version.
	CharterInForce() (string, error)
}

// Tx is what a step may do inside its transaction; times are the
// transaction's now.
type Tx interface {
	Reader
	// SaveAccount writes a's mutable fields and bumps its version.
	SaveAccount(a *Account) error
	// CountUnknownIdentifier counts a failed steps 1-2 whose identifier no
	// account has: the write that a wrong password's failure count is on an
	// account, without keeping the identifier.
	CountUnknownIdentifier(key string) error
	// Audit records an event about a, or about no account when a is nil
	// (steps 1-2 tried with an identifier no account has).
	Audit(a *Account, e Event) error
	SetProvisional(a *Account, p Provisional) error
	CreateToken(a *Account, t Token, hash []byte) error
	// RevokeTokens revokes every unused token of the account (all purposes
	// when purpose is "").
	RevokeTokens(a *Account, purpose string) error
	UseToken(t *Token) error
	// CountTokensSince counts the links created for the account since t.
	CountTokensSince(a *Account, t time.Time) (int, error)
	// CountEventsSince counts the account's audit events of that action
	// whose outcome was ok, since t.
	CountEventsSince(a *Account, action string, t time.Time) (int, error)
	QueueEmail(a *Account, e Email) error
	// QueueProvision queues a directory (LDAP) write of the account, to be
	// applied after commit (see Service.provision): the job names the
	// account and why, never a password.
	QueueProvision(a *Account, reason string) error
	// CreateSession opens a session of the account under the secret's hash.
	CreateSession(a *Account, hash []byte) error
	// EndSessions ends every live session of the account.
	EndSessions(a *Account, reason string) error
	// TouchSession records a request of the session (its idle time starts
	// again) or, with reason != "", ends it.
	TouchSession(s *Session, reason string) error
}

type keepChanges struct{ err error }

func (k *keepChanges) Error() string { return k.err.Error() }
func (k *keepChanges) Unwrap() error { return k.err }

// KeepChanges marks err so that Store.Update commits what fn did before
// returning err (a failed login attempt must be counted even though the
// step fails).
func KeepChanges(err error) error { return &keepChanges{err: err} }

// ShouldCommit reports whether a transaction whose function returned err
// must still commit.
func ShouldCommit(err error) bool {
	var k *keepChanges
	return err == nil || errors.As(err, &k)
}
