// Package memstore is an in-memory activation.Store: the domain's rules run
// on it in tests without a database, and faces (the web site) test their
// pages on it. It keeps what the PostgreSQL store keeps — accounts, links
// (by hash), sessions (by hash), the outbox and the audit trail — with the
// same transaction semantics: fn's changes are kept when it returns nil or
// an error wrapped by activation.KeepChanges, and undone otherwise. One
// mutex serialises transactions.
package memstore

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/umontpellier/scolpass/internal/activation"
)

// Event is an audit event as stored.
type Event struct {
	activation.Event
	At        time.Time
	StudentID int64
	Actor     activation.Actor
}

// Provision is a queued directory write as stored.
type Provision struct {
	StudentID int64
	Reason    string
	At        time.Time
}

// Mail is a queued email as stored.
type Mail struct {
	activation.Email
	StudentID int64
	At        time.Time
}

type token struct {
	activation.Token
	hash []byte
}

type session struct {
	activation.Session
	hash []byte
}

// Store is an in-memory activation.Store. The zero value is not usable:
// call New.
type Store struct {
	Actor activation.Actor

	mu       sync.Mutex
	accounts map[int64]*activation.Account
	order    []int64
	tokens   []*token
	sessions []*session
	events   []Event
	outbox   []Mail
	jobs     []Provision
	charters []string
	nextID   int64
	unknown  int // failed steps 1-2 with an unknown identifier

	transactions int // locking transactions run
}

// Transactions counts the locking transactions run so far (Update,
// UpdateByKey, UpdateByToken, UpdateBySession, IssueBatch; not View and
// the like, nor SeeSession): how often steps lock an account.
func (s *Store) Transactions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.transactions
}

// New returns an empty store whose charter in force is charter.
func New(charter string) *Store {
	return &Store{accounts: map[int64]*activation.Account{}, charters: []string{charter},
		Actor: activation.Actor{Operator: "test", Channel: "script", Clock: "system"}}
}

var _ activation.Store = (*Store)(nil)

func cloneAccount(a *activation.Account) *activation.Account {
	c := *a
	if a.Provisional != nil {
		p := *a.Provisional
		c.Provisional = &p
	}
	return &c
}

// Add stores a new account (its StudentID is assigned) and returns a copy.
func (s *Store) Add(a activation.Account) *activation.Account {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextID++
	a.StudentID = s.nextID
	if a.State == "" {
		a.State = activation.StateImported
	}
	s.accounts[a.StudentID] = cloneAccount(&a)
	s.order = append(s.order, a.StudentID)
	return cloneAccount(&a)
}

// Publish makes version the charter in force.
func (s *Store) Publish(version string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.charters = append(s.charters, version)
}

// Account returns a copy of the stored account, or nil.
func (s *Store) Account(id int64) *activation.Account {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a, ok := s.accounts[id]; ok {
		return cloneAccount(a)
	}
	return nil
}

// Events returns the audit trail of an account (0: the events about no
// account), oldest first.
func (s *Store) Events(id int64) []Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Event
	for _, e := range s.events {
		if e.StudentID == id {
			out = append(out, e)
		}
	}
	return out
}

// Outbox returns every queued email, oldest first.
func (s *Store) Outbox() []Mail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Mail(nil), s.outbox...)
}

// UnknownIdentifierFailures counts the failed steps 1-2 whose identifier
// no account had.
func (s *Store) UnknownIdentifierFailures() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.unknown
}

// Provisions returns every queued directory write, oldest first.
func (s *Store) Provisions() []Provision {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Provision(nil), s.jobs...)
}

// Tokens returns the links of an account, oldest first.
func (s *Store) Tokens(id int64) []activation.Token {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []activation.Token
	for _, t := range s.tokens {
		if t.StudentID == id {
			out = append(out, t.Token)
		}
	}
	return out
}

// Sessions returns the web sessions of an account, oldest first.
func (s *Store) Sessions(id int64) []activation.Session {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []activation.Session
	for _, x := range s.sessions {
		if x.StudentID == id {
			out = append(out, x.Session)
		}
	}
	return out
}

// Load returns the account whose login (any case) or student number is key.
func (s *Store) Load(ctx context.Context, key string) (*activation.Account, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range s.order {
		a := s.accounts[id]
		if a.Login == strings.ToLower(key) || a.StudentNo == key {
			return cloneAccount(a), nil
		}
	}
	return nil, activation.ErrNoStudent(key)
}

type snapshot struct {
	accounts map[int64]*activation.Account
	tokens   []token
	sessions []session
	events   int
	outbox   int
	jobs     int
}

func (s *Store) snapshot() snapshot {
	sn := snapshot{accounts: map[int64]*activation.Account{}, events: len(s.events), outbox: len(s.outbox), jobs: len(s.jobs)}
	for id, a := range s.accounts {
		sn.accounts[id] = cloneAccount(a)
	}
	for _, t := range s.tokens {
		sn.tokens = append(sn.tokens, *t)
	}
	for _, x := range s.sessions {
		sn.sessions = append(sn.sessions, *x)
	}
	return sn
}

func (s *Store) restore(sn snapshot) {
	s.accounts = sn.accounts
	s.tokens = s.tokens[:0]
	for i := range sn.tokens {
		t := sn.tokens[i]
		s.tokens = append(s.tokens, &t)
	}
	s.sessions = s.sessions[:0]
	for i := range sn.sessions {
		x := sn.sessions[i]
		s.sessions = append(s.sessions, &x)
	}
	s.events, s.outbox = s.events[:sn.events], s.outbox[:sn.outbox]
	s.jobs = s.jobs[:sn.jobs]
}

// run is one transaction.
func (s *Store) run(now time.Time, fn func(tx *tx) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.transactions++
	sn := s.snapshot()
	err := fn(&tx{s: s, now: now})
	if !activation.ShouldCommit(err) {
		s.restore(sn)
	}
	return err
}

func (s *Store) lock(id, version int64) (*activation.Account, error) {
	a, ok := s.accounts[id]
	if !ok {
		return nil, activation.Errorf(activation.ENOTFOUND, "the account no longer exists")
	}
	if version >= 0 && a.Version != version {
		return nil, activation.ErrChangedMeanwhile(a)
	}
	return cloneAccount(a), nil
}

// Update implements activation.Store.
func (s *Store) Update(ctx context.Context, studentID, version int64, now time.Time, fn func(tx activation.Tx, a *activation.Account) error) error {
	return s.run(now, func(t *tx) error {
		a, err := s.lock(studentID, version)
		if err != nil {
			return err
		}
		return fn(t, a)
	})
}

// UpdateByKey implements activation.Store: fn gets a nil account when no
// login (any case) or student number is key.
func (s *Store) UpdateByKey(ctx context.Context, key string, now time.Time, fn func(tx activation.Tx, a *activation.Account) error) error {
	return s.run(now, func(t *tx) error {
		for _, id := range s.order {
			if a := s.accounts[id]; key != "" && (a.Login == strings.ToLower(key) || a.StudentNo == key) {
				return fn(t, cloneAccount(a))
			}
		}
		return fn(t, nil)
	})
}

// UpdateByToken implements activation.Store.
func (s *Store) UpdateByToken(ctx context.Context, hash []byte, now time.Time, fn func(tx activation.Tx, a *activation.Account, t *activation.Token) error) error {
	return s.run(now, func(t *tx) error {
		a, tk, err := s.byToken(hash)
		if err != nil {
			return err
		}
		return fn(t, a, tk)
	})
}

// UpdateBySession implements activation.Store.
func (s *Store) UpdateBySession(ctx context.Context, hash []byte, now time.Time, fn func(tx activation.Tx, a *activation.Account, ses *activation.Session) error) error {
	return s.run(now, func(t *tx) error {
		a, ses, err := s.bySession(hash)
		if err != nil {
			return err
		}
		return fn(t, a, ses)
	})
}

// byToken finds the link whose hash is hash, with its account (a copy of
// each); ErrUnknownLink when none. The caller holds s.mu.
func (s *Store) byToken(hash []byte) (*activation.Account, *activation.Token, error) {
	for _, tk := range s.tokens {
		if bytes.Equal(tk.hash, hash) {
			a, err := s.lock(tk.StudentID, -1)
			if err != nil {
				return nil, nil, err
			}
			c := tk.Token
			return a, &c, nil
		}
	}
	return nil, nil, activation.ErrUnknownLink()
}

// bySession finds the session whose secret's hash is hash, with its
// account (a copy of each); ErrSessionExpired when none. The caller holds
// s.mu.
func (s *Store) bySession(hash []byte) (*activation.Account, *activation.Session, error) {
	for _, x := range s.sessions {
		if bytes.Equal(x.hash, hash) {
			a, err := s.lock(x.StudentID, -1)
			if err != nil {
				return nil, nil, err
			}
			c := x.Session
			return a, &c, nil
		}
	}
	return nil, nil, activation.ErrSessionExpired()
}

// view runs fn with the store as it stands; fn only reads (it gets an
// activation.Reader).
func (s *Store) view(fn func(t *tx) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return fn(&tx{s: s})
}

// View implements activation.Store.
func (s *Store) View(ctx context.Context, studentID int64, fn func(r activation.Reader, a *activation.Account) error) error {
	return s.view(func(t *tx) error {
		a, err := s.lock(studentID, -1)
		if err != nil {
			return err
		}
		return fn(t, a)
	})
}

// ViewBySession implements activation.Store.
func (s *Store) ViewBySession(ctx context.Context, hash []byte, fn func(r activation.Reader, a *activation.Account, ses *activation.Session) error) error {
	return s.view(func(t *tx) error {
		a, ses, err := s.bySession(hash)
		if err != nil {
			return err
		}
		return fn(t, a, ses)
	})
}

// ViewByToken implements activation.Store.
func (s *Store) ViewByToken(ctx context.Context, hash []byte, fn func(r activation.Reader, a *activation.Account, t *activation.Token) error) error {
	return s.view(func(t *tx) error {
		a, tk, err := s.byToken(hash)
		if err != nil {
			return err
		}
		return fn(t, a, tk)
	})
}

// SeeSession implements activation.Store.
func (s *Store) SeeSession(ctx context.Context, sessionID int64, now time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, x := range s.sessions {
		if x.ID == sessionID && x.EndedAt.IsZero() && now.After(x.LastSeenAt) {
			x.LastSeenAt = now
		}
	}
	return nil
}

// tx implements activation.Tx.
type tx struct {
	s   *Store
	now time.Time
}

func (t *tx) SaveAccount(a *activation.Account) error {
	cur, ok := t.s.accounts[a.StudentID]
	if !ok {
		return fmt.Errorf("memstore: no account %d", a.StudentID)
	}
	if a.State == activation.StateActive && a.PasswordHash == "" {
		return fmt.Errorf("memstore: an active account needs a password hash (the schema's CHECK)")
	}
	a.Version = cur.Version + 1
	c := cloneAccount(a)
	c.Provisional = cur.Provisional // written by SetProvisional only
	t.s.accounts[a.StudentID] = c
	return nil
}

func (t *tx) CountUnknownIdentifier(string) error {
	t.s.unknown++
	return nil
}

func (t *tx) Audit(a *activation.Account, e activation.Event) error {
	var id int64 // 0: no account
	if a != nil {
		id = a.StudentID
	}
	t.s.events = append(t.s.events, Event{Event: e, At: t.now, StudentID: id, Actor: t.s.Actor})
	return nil
}

func (t *tx) SetProvisional(a *activation.Account, p activation.Provisional) error {
	t.s.accounts[a.StudentID].Provisional = &p
	return nil
}

func (t *tx) CreateToken(a *activation.Account, tk activation.Token, hash []byte) error {
	t.s.nextID++
	tk.ID, tk.StudentID = t.s.nextID, a.StudentID
	t.s.tokens = append(t.s.tokens, &token{Token: tk, hash: append([]byte(nil), hash...)})
	return nil
}

func (t *tx) RevokeTokens(a *activation.Account, purpose string) error {
	for _, tk := range t.s.tokens {
		if tk.StudentID == a.StudentID && tk.UsedAt.IsZero() && tk.RevokedAt.IsZero() && (purpose == "" || tk.Purpose == purpose) {
			tk.RevokedAt = t.now
		}
	}
	return nil
}

func (t *tx) UseToken(tk *activation.Token) error {
	for _, x := range t.s.tokens {
		if x.ID == tk.ID && x.UsedAt.IsZero() {
			x.UsedAt = t.now
		}
	}
	tk.UsedAt = t.now
	return nil
}

func (t *tx) PendingToken(a *activation.Account, purpose string) (*activation.Token, error) {
	var best *token
	for _, tk := range t.s.tokens {
		if tk.StudentID == a.StudentID && tk.Purpose == purpose && tk.UsedAt.IsZero() && tk.RevokedAt.IsZero() {
			if best == nil || !tk.IssuedAt.Before(best.IssuedAt) {
				best = tk
			}
		}
	}
	if best == nil {
		return nil, nil
	}
	c := best.Token
	return &c, nil
}

func (t *tx) CountTokensSince(a *activation.Account, since time.Time) (int, error) {
	n := 0
	for _, tk := range t.s.tokens {
		if tk.StudentID == a.StudentID && !tk.IssuedAt.Before(since) {
			n++
		}
	}
	return n, nil
}

func (t *tx) CountEventsSince(a *activation.Account, action string, since time.Time) (int, error) {
	n := 0
	for _, e := range t.s.events {
		if e.StudentID == a.StudentID && e.Action == action && e.Outcome == "ok" && !e.At.Before(since) {
			n++
		}
	}
	return n, nil
}

func (t *tx) QueueEmail(a *activation.Account, e activation.Email) error {
	t.s.outbox = append(t.s.outbox, Mail{Email: e, StudentID: a.StudentID, At: t.now})
	return nil
}

func (t *tx) QueueProvision(a *activation.Account, reason string) error {
	t.s.jobs = append(t.s.jobs, Provision{StudentID: a.StudentID, Reason: reason, At: t.now})
	return nil
}

func (t *tx) CharterInForce() (string, error) {
	if len(t.s.charters) == 0 {
		return "", activation.Errorf(activation.ESCHEMA, "no IT charter is published: run scolpass migrate")
	}
	return t.s.charters[len(t.s.charters)-1], nil
}

func (t *tx) CreateSession(a *activation.Account, hash []byte) error {
	t.s.nextID++
	t.s.sessions = append(t.s.sessions, &session{Session: activation.Session{ID: t.s.nextID, StudentID: a.StudentID,
		CreatedAt: t.now, LastSeenAt: t.now}, hash: append([]byte(nil), hash...)})
	return nil
}

func (t *tx) EndSessions(a *activation.Account, reason string) error {
	for _, x := range t.s.sessions {
		if x.StudentID == a.StudentID && x.EndedAt.IsZero() {
			x.EndedAt, x.EndReason = t.now, reason
		}
	}
	return nil
}

func (t *tx) TouchSession(ses *activation.Session, reason string) error {
	for _, x := range t.s.sessions {
		if x.ID != ses.ID {
			continue
		}
		if reason == "" {
			x.LastSeenAt = t.now
		} else if x.EndedAt.IsZero() {
			x.EndedAt, x.EndReason = t.now, reason
		}
		ses.LastSeenAt, ses.EndedAt, ses.EndReason = x.LastSeenAt, x.EndedAt, x.EndReason
	}
	return nil
}

func matches(list []string, v string) bool {
	if len(list) == 0 {
		return true
	}
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// IssueBatch implements activation.Store.
func (s *Store) IssueBatch(ctx context.Context, sel activation.IssueSelection, now time.Time, fn func(accounts []*activation.Account) ([]*activation.Account, error)) error {
	return s.run(now, func(t *tx) error {
		var accounts []*activation.Account
		from := map[int64]activation.State{}
		for _, id := range s.order {
			a := s.accounts[id]
			if matches(sel.StudentNos, a.StudentNo) && matches(sel.Programs, a.Program) && matches(sel.Components, a.Component) && matches(sel.Years, a.Year) {
				accounts = append(accounts, cloneAccount(a))
				from[id] = a.State
			}
		}
		issued, err := fn(accounts)
		if err != nil {
			return err
		}
		for _, a := range issued {
			if err := t.SaveAccount(a); err != nil {
				return err
			}
			if err := t.SetProvisional(a, *a.Provisional); err != nil {
				return err
			}
			_ = t.RevokeTokens(a, "")
			_ = t.EndSessions(a, activation.SessionReset)
			_ = t.Audit(a, activation.Event{Action: "issue-scolpass", From: from[a.StudentID], To: a.State, Outcome: "ok", Detail: "batch " + a.Provisional.Batch})
		}
		return nil
	})
}
