package postgres

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/umontpellier/scolpass/internal/activation"
	"github.com/umontpellier/scolpass/templates"
)

// AccountStore implements activation.Store on PostgreSQL. Every
// transaction is stamped with the now its caller gives.
type AccountStore struct {
	DB    *DB
	Actor activation.Actor
	// OnAudit, when set, receives the audit events a transaction wrote,
	// once it has committed (serve --audit-log); it runs outside the
	// transaction, on the caller's goroutine.
	OnAudit func([]activation.AuditRecord)

	written sync.Map // *sqlx.Tx → *[]activation.AuditRecord, while OnAudit is set
}

var _ activation.Store = (*AccountStore)(nil)

type accountRow struct {
	StudentID         int64          `db:"student_id"`
	StudentNo         string         `db:"student_no"`
	FirstName         string         `db:"first_name"`
	LastName          string         `db:"last_name"`
	Login             string         `db:"login"`
	Program           string         `db:"program"`
	Component         string         `db:"component"`
	Year              string         `db:"year"`
	State             string         `db:"state"`
	StateSince        time.Time      `db:"state_since"`
	Version           int64          `db:"version"`
	FailedAttempts    int            `db:"failed_attempts"`
	LockedUntil       sql.NullTime   `db:"locked_until"`
	RecoveryEmail     sql.NullString `db:"recovery_email"`
	RedirectTo        sql.NullString `db:"redirect_to"`
	KeepCopy          bool           `db:"keep_copy"`
	CharterVersion    sql.NullString `db:"charter_version"`
	CharterAcceptedAt sql.NullTime   `db:"charter_accepted_at"`
	PasswordHash      sql.NullString `db:"password_hash"`
	PasswordSetAt     sql.NullTime   `db:"password_set_at"`
	ActivatedAt       sql.NullTime   `db:"activated_at"`
	PHash             sql.NullString `db:"p_hash"`
	PIssuedAt         sql.NullTime   `db:"p_issued_at"`
	PExpiresAt        sql.NullTime   `db:"p_expires_at"`
	PUsedAt           sql.NullTime   `db:"p_used_at"`
	PBatch            sql.NullString `db:"p_batch"`
}

const accountSelect = `SELECT s.id AS student_id, s.student_no, s.first_name, s.last_name, s.login, s.program, s.component, s.year,
	s.state, s.state_since, s.version, s.failed_attempts, s.locked_until, s.recovery_email, s.redirect_to,
	s.keep_copy, s.charter_version, s.charter_accepted_at, s.password_hash, s.password_set_at, s.activated_at,
	p.hash AS p_hash, p.issued_at AS p_issued_at, p.expires_at AS p_expires_at, p.used_at AS p_used_at, p.batch AS p_batch
	FROM students s
	LEFT JOIN provisional_credentials p ON p.student_id = s.id`

func nt(t sql.NullTime) time.Time {
	if t.Valid {
		return t.Time
	}
	return time.Time{}
}

func nullTime(t time.Time) sql.NullTime { return sql.NullTime{Time: t, Valid: !t.IsZero()} }
func nullString(s string) sql.NullString {
	return sql.NullString{String: s, Valid: s != ""}
}

func (r *accountRow) account() *activation.Account {
	a := &activation.Account{
		StudentID: r.StudentID, StudentNo: r.StudentNo, FirstName: r.FirstName, LastName: r.LastName,
		Login: r.Login, Program: r.Program, Component: r.Component, Year: r.Year,
		State: activation.State(r.State), StateSince: r.StateSince, Version: r.Version,
		FailedAttempts: r.FailedAttempts, LockedUntil: nt(r.LockedUntil),
		RecoveryEmail: r.RecoveryEmail.String, RedirectTo: r.RedirectTo.String, KeepCopy: r.KeepCopy,
		CharterVersion: r.CharterVersion.String, CharterAcceptedAt: nt(r.CharterAcceptedAt),
		PasswordHash: r.PasswordHash.String, PasswordSetAt: nt(r.PasswordSetAt), ActivatedAt: nt(r.ActivatedAt),
	}
	if r.PHash.Valid {
		a.Provisional = &activation.Provisional{Hash: r.PHash.String, IssuedAt: nt(r.PIssuedAt), ExpiresAt: nt(r.PExpiresAt), UsedAt: nt(r.PUsedAt), Batch: r.PBatch.String}
	}
	return a
}

// Load returns the account whose login or student number is key.
func (st *AccountStore) Load(ctx context.Context, key string) (*activation.Account, error) {
	var r accountRow
	err := st.DB.GetContext(ctx, &r, accountSelect+` WHERE s.login = lower($1) OR s.student_no = $1 LIMIT 1`, key)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, activation.ErrNoStudent(key)
	}
	if err != nil {
		return nil, mapError(err)
	}
	return r.account(), nil
}

// lockAccount locks the account row and loads it. Steps hold the lock for
// milliseconds (no prompt ever runs inside a transaction), so waiting a
// little is right: a competing agent's step finishes, then the version
// check decides who wins. A lock held longer than lockTimeout is reported
// as a conflict.
func lockAccount(ctx context.Context, tx *sqlx.Tx, studentID int64) (*activation.Account, error) {
	if _, err := tx.ExecContext(ctx, `SET LOCAL lock_timeout = '`+lockTimeout+`'`); err != nil {
		return nil, err
	}
	var r accountRow
	if err := tx.GetContext(ctx, &r, accountSelect+` WHERE s.id = $1 FOR UPDATE OF s`, studentID); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, activation.Errorf(activation.ENOTFOUND, "the account no longer exists")
		}
		return nil, err
	}
	return r.account(), nil
}

// lockAccountByKey locks and loads the account whose login or student
// number is key; nil when there is none (the look-up costs the same).
func lockAccountByKey(ctx context.Context, tx *sqlx.Tx, key string) (*activation.Account, error) {
	if _, err := tx.ExecContext(ctx, `SET LOCAL lock_timeout = '`+lockTimeout+`'`); err != nil {
		return nil, err
	}
	var r accountRow
	err := tx.GetContext(ctx, &r, accountSelect+` WHERE s.login = lower($1) OR s.student_no = $1 LIMIT 1 FOR UPDATE OF s`, key)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return r.account(), nil
}

func (st *AccountStore) run(ctx context.Context, fn func(tx *sqlx.Tx) error) error {
	tx, err := st.DB.BeginTxx(ctx, nil)
	if err != nil {
		return mapError(err)
	}
	var written []activation.AuditRecord
	if st.OnAudit != nil {
		st.written.Store(tx, &written)
		defer st.written.Delete(tx)
	}
	err = fn(tx)
	if !activation.ShouldCommit(err) {
		_ = tx.Rollback()
		return mapError(err)
	}
	if cerr := tx.Commit(); cerr != nil {
		return mapError(cerr)
	}
	if len(written) > 0 {
		st.OnAudit(written)
	}
	return err
}

// txFor is the activation.Tx of a transaction run started.
func (st *AccountStore) txFor(ctx context.Context, tx *sqlx.Tx, now time.Time) *accountTx {
	t := &accountTx{ctx: ctx, tx: tx, actor: st.Actor, now: now, db: st.DB}
	if w, ok := st.written.Load(tx); ok {
		t.written = w.(*[]activation.AuditRecord)
	}
	return t
}

// Update locks the account, checks its version and runs fn.
func (st *AccountStore) Update(ctx context.Context, studentID, version int64, now time.Time, fn func(tx activation.Tx, a *activation.Account) error) error {
	return st.run(ctx, func(tx *sqlx.Tx) error {
		a, err := lockAccount(ctx, tx, studentID)
		if err != nil {
			return err
		}
		if version >= 0 && a.Version != version {
			return activation.ErrChangedMeanwhile(a)
		}
		return fn(st.txFor(ctx, tx, now), a)
	})
}

// UpdateByKey locks the account whose login or student number is key (nil
// when none) and runs fn, without a version check.
func (st *AccountStore) UpdateByKey(ctx context.Context, key string, now time.Time, fn func(tx activation.Tx, a *activation.Account) error) error {
	return st.run(ctx, func(tx *sqlx.Tx) error {
		a, err := lockAccountByKey(ctx, tx, key)
		if err != nil {
			return err
		}
		return fn(st.txFor(ctx, tx, now), a)
	})
}

const lockTimeout = "5s"

type tokenRow struct {
	ID        int64        `db:"id"`
	StudentID int64        `db:"student_id"`
	Purpose   string       `db:"purpose"`
	Email     string       `db:"email"`
	KeepCopy  bool         `db:"keep_copy"`
	IssuedAt  time.Time    `db:"issued_at"`
	ExpiresAt time.Time    `db:"expires_at"`
	UsedAt    sql.NullTime `db:"used_at"`
	RevokedAt sql.NullTime `db:"revoked_at"`
}

func (r *tokenRow) token() *activation.Token {
	return &activation.Token{ID: r.ID, StudentID: r.StudentID, Purpose: r.Purpose, Email: r.Email, KeepCopy: r.KeepCopy,
		IssuedAt: r.IssuedAt, ExpiresAt: r.ExpiresAt, UsedAt: nt(r.UsedAt), RevokedAt: nt(r.RevokedAt)}
}

const tokenSelect = `SELECT id, student_id, purpose, email, keep_copy, issued_at, expires_at, used_at, revoked_at FROM tokens`

// UpdateByToken finds the token by its hash, locks its account and runs fn.
func (st *AccountStore) UpdateByToken(ctx context.Context, hash []byte, now time.Time, fn func(tx activation.Tx, a *activation.Account, t *activation.Token) error) error {
	return st.run(ctx, func(tx *sqlx.Tx) error {
		var tr tokenRow
		if err := tx.GetContext(ctx, &tr, tokenSelect+` WHERE token_hash = $1`, hash); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return activation.ErrUnknownLink()
			}
			return err
		}
		a, err := lockAccount(ctx, tx, tr.StudentID)
		if err != nil {
			return err
		}
		if err := tx.GetContext(ctx, &tr, tokenSelect+` WHERE id = $1`, tr.ID); err != nil {
			return err
		}
		return fn(st.txFor(ctx, tx, now), a, tr.token())
	})
}

type sessionRow struct {
	ID         int64          `db:"id"`
	StudentID  int64          `db:"student_id"`
	CreatedAt  time.Time      `db:"created_at"`
	LastSeenAt time.Time      `db:"last_seen_at"`
	EndedAt    sql.NullTime   `db:"ended_at"`
	EndReason  sql.NullString `db:"end_reason"`
}

func (r *sessionRow) session() *activation.Session {
	return &activation.Session{ID: r.ID, StudentID: r.StudentID, CreatedAt: r.CreatedAt, LastSeenAt: r.LastSeenAt,
		EndedAt: nt(r.EndedAt), EndReason: r.EndReason.String}
}

const sessionSelect = `SELECT id, student_id, created_at, last_seen_at, ended_at, end_reason FROM web_sessions`

// UpdateBySession finds the session by its secret's hash, locks its account
// and runs fn.
func (st *AccountStore) UpdateBySession(ctx context.Context, hash []byte, now time.Time, fn func(tx activation.Tx, a *activation.Account, s *activation.Session) error) error {
	return st.run(ctx, func(tx *sqlx.Tx) error {
		var sr sessionRow
		if err := tx.GetContext(ctx, &sr, sessionSelect+` WHERE secret_hash = $1`, hash); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return activation.ErrSessionExpired()
			}
			return err
		}
		a, err := lockAccount(ctx, tx, sr.StudentID)
		if err != nil {
			return err
		}
		// Read again under the account's lock: it may have ended meanwhile.
		if err := tx.GetContext(ctx, &sr, sessionSelect+` WHERE id = $1`, sr.ID); err != nil {
			return err
		}
		return fn(st.txFor(ctx, tx, now), a, sr.session())
	})
}

// view runs fn in a read-only REPEATABLE READ transaction: one snapshot,
// no lock taken, nothing written.
func (st *AccountStore) view(ctx context.Context, fn func(tx *sqlx.Tx) error) error {
	tx, err := st.DB.BeginTxx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return mapError(err)
	}
	defer func() { _ = tx.Rollback() }()
	if err := fn(tx); err != nil {
		return mapError(err)
	}
	return mapError(tx.Commit())
}

func loadAccount(ctx context.Context, tx *sqlx.Tx, studentID int64) (*activation.Account, error) {
	var r accountRow
	if err := tx.GetContext(ctx, &r, accountSelect+` WHERE s.id = $1`, studentID); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, activation.Errorf(activation.ENOTFOUND, "the account no longer exists")
		}
		return nil, err
	}
	return r.account(), nil
}

// View runs fn on the account without locking it.
func (st *AccountStore) View(ctx context.Context, studentID int64, fn func(r activation.Reader, a *activation.Account) error) error {
	return st.view(ctx, func(tx *sqlx.Tx) error {
		a, err := loadAccount(ctx, tx, studentID)
		if err != nil {
			return err
		}
		return fn(&accountTx{ctx: ctx, tx: tx, actor: st.Actor, db: st.DB}, a)
	})
}

// ViewBySession finds the session by its secret's hash and runs fn with
// its account, without locking either.
func (st *AccountStore) ViewBySession(ctx context.Context, hash []byte, fn func(r activation.Reader, a *activation.Account, s *activation.Session) error) error {
	return st.view(ctx, func(tx *sqlx.Tx) error {
		var sr sessionRow
		if err := tx.GetContext(ctx, &sr, sessionSelect+` WHERE secret_hash = $1`, hash); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return activation.ErrSessionExpired()
			}
			return err
		}
		a, err := loadAccount(ctx, tx, sr.StudentID)
		if err != nil {
			return err
		}
		return fn(&accountTx{ctx: ctx, tx: tx, actor: st.Actor, db: st.DB}, a, sr.session())
	})
}

// ViewByToken finds the token by its hash and runs fn with its account,
// without locking either.
func (st *AccountStore) ViewByToken(ctx context.Context, hash []byte, fn func(r activation.Reader, a *activation.Account, t *activation.Token) error) error {
	return st.view(ctx, func(tx *sqlx.Tx) error {
		var tr tokenRow
		if err := tx.GetContext(ctx, &tr, tokenSelect+` WHERE token_hash = $1`, hash); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return activation.ErrUnknownLink()
			}
			return err
		}
		a, err := loadAccount(ctx, tx, tr.StudentID)
		if err != nil {
			return err
		}
		return fn(&accountTx{ctx: ctx, tx: tx, actor: st.Actor, db: st.DB}, a, tr.token())
	})
}

// SeeSession records a request of a live session: one statement on the
// session's row, the account not locked.
func (st *AccountStore) SeeSession(ctx context.Context, sessionID int64, now time.Time) error {
	_, err := st.DB.ExecContext(ctx, `UPDATE web_sessions SET last_seen_at = $2 WHERE id = $1 AND ended_at IS NULL AND last_seen_at < $2`, sessionID, now)
	return mapError(err)
}

type accountTx struct {
	ctx     context.Context
	tx      *sqlx.Tx
	actor   activation.Actor
	now     time.Time
	written *[]activation.AuditRecord // the events written, for AccountStore.OnAudit
	db      *DB                       // its outbox key
}

func (t *accountTx) SaveAccount(a *activation.Account) error {
	err := t.tx.GetContext(t.ctx, &a.Version, `UPDATE students SET state = $2, state_since = $3, version = version + 1,
		failed_attempts = $4, locked_until = $5, recovery_email = $6, redirect_to = $7, keep_copy = $8,
		charter_version = $9, charter_accepted_at = $10, password_hash = $11, password_set_at = $12, activated_at = $13
		WHERE id = $1 RETURNING version`,
		a.StudentID, string(a.State), a.StateSince, a.FailedAttempts, nullTime(a.LockedUntil), nullString(a.RecoveryEmail),
		nullString(a.RedirectTo), a.KeepCopy, nullString(a.CharterVersion), nullTime(a.CharterAcceptedAt),
		nullString(a.PasswordHash), nullTime(a.PasswordSetAt), nullTime(a.ActivatedAt))
	return err
}

// CountUnknownIdentifier counts the failure in one of 256 rows picked by a
// byte of the identifier's SHA-256: the identifier is not kept.
func (t *accountTx) CountUnknownIdentifier(key string) error {
	sum := sha256.Sum256([]byte(strings.ToLower(key)))
	_, err := t.tx.ExecContext(t.ctx, `INSERT INTO unknown_identifier_failures (bucket, failures, last_failed_at) VALUES ($1, 1, $2)
		ON CONFLICT (bucket) DO UPDATE SET failures = unknown_identifier_failures.failures + 1,
		last_failed_at = greatest(unknown_identifier_failures.last_failed_at, EXCLUDED.last_failed_at)`, int(sum[0]), t.now)
	return err
}

func (t *accountTx) Audit(a *activation.Account, e activation.Event) error {
	var studentID sql.NullInt64 // NULL: about no account
	var login sql.NullString
	if a != nil {
		studentID = sql.NullInt64{Int64: a.StudentID, Valid: true}
		login = sql.NullString{String: a.Login, Valid: true}
	}
	var client sql.NullString
	if addr, ok := activation.ClientAddr(t.ctx); ok {
		client = sql.NullString{String: addr.String(), Valid: true}
	}
	var id int64
	var at time.Time // as stored (to the microsecond), for OnAudit
	err := t.tx.QueryRowxContext(t.ctx, `INSERT INTO audit_events (at, clock, operator, channel, student_id, action, from_state, to_state, outcome, detail, client_addr)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id, at`,
		t.now, t.actor.Clock, t.actor.Operator, t.actor.Channel, studentID, e.Action,
		nullString(string(e.From)), nullString(string(e.To)), e.Outcome, e.Detail, client).Scan(&id, &at)
	if err == nil && t.written != nil {
		*t.written = append(*t.written, auditRecord(auditRow{ID: id, At: at, Clock: t.actor.Clock, Operator: t.actor.Operator,
			Channel: t.actor.Channel, Login: login, Action: e.Action,
			FromState: nullString(string(e.From)), ToState: nullString(string(e.To)), Outcome: e.Outcome, Detail: e.Detail, Client: client}))
	}
	return err
}

func (t *accountTx) SetProvisional(a *activation.Account, p activation.Provisional) error {
	_, err := t.tx.ExecContext(t.ctx, `INSERT INTO provisional_credentials (student_id, hash, issued_at, expires_at, used_at, batch)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (student_id) DO UPDATE SET hash = EXCLUDED.hash, issued_at = EXCLUDED.issued_at,
		expires_at = EXCLUDED.expires_at, used_at = EXCLUDED.used_at, batch = EXCLUDED.batch`,
		a.StudentID, p.Hash, p.IssuedAt, p.ExpiresAt, nullTime(p.UsedAt), p.Batch)
	return err
}

func (t *accountTx) CreateToken(a *activation.Account, tk activation.Token, hash []byte) error {
	_, err := t.tx.ExecContext(t.ctx, `INSERT INTO tokens (student_id, purpose, token_hash, email, keep_copy, issued_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, a.StudentID, tk.Purpose, hash, tk.Email, tk.KeepCopy, tk.IssuedAt, tk.ExpiresAt)
	return err
}

func (t *accountTx) RevokeTokens(a *activation.Account, purpose string) error {
	_, err := t.tx.ExecContext(t.ctx, `UPDATE tokens SET revoked_at = $2
		WHERE student_id = $1 AND used_at IS NULL AND revoked_at IS NULL AND ($3 = '' OR purpose = $3)`, a.StudentID, t.now, purpose)
	return err
}

func (t *accountTx) UseToken(tk *activation.Token) error {
	_, err := t.tx.ExecContext(t.ctx, `UPDATE tokens SET used_at = $2 WHERE id = $1 AND used_at IS NULL`, tk.ID, t.now)
	tk.UsedAt = t.now
	return err
}

func (t *accountTx) PendingToken(a *activation.Account, purpose string) (*activation.Token, error) {
	var tr tokenRow
	err := t.tx.GetContext(t.ctx, &tr, tokenSelect+` WHERE student_id = $1 AND purpose = $2 AND used_at IS NULL AND revoked_at IS NULL
		ORDER BY issued_at DESC, id DESC LIMIT 1`, a.StudentID, purpose)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return tr.token(), nil
}

func (t *accountTx) CountTokensSince(a *activation.Account, since time.Time) (int, error) {
	var n int
	err := t.tx.GetContext(t.ctx, &n, `SELECT count(*) FROM tokens WHERE student_id = $1 AND issued_at >= $2`, a.StudentID, since)
	return n, err
}

// CountEventsSince reads the account's events through
// audit_events_student_idx: a few dozen rows an account.
func (t *accountTx) CountEventsSince(a *activation.Account, action string, since time.Time) (int, error) {
	var n int
	err := t.tx.GetContext(t.ctx, &n, `SELECT count(*) FROM audit_events
		WHERE student_id = $1 AND action = $2 AND outcome = 'ok' AND at >= $3`, a.StudentID, action, since)
	return n, err
}

func (t *accountTx) CreateSession(a *activation.Account, hash []byte) error {
	_, err := t.tx.ExecContext(t.ctx, `INSERT INTO web_sessions (student_id, secret_hash, created_at, last_seen_at)
		VALUES ($1, $2, $3, $3)`, a.StudentID, hash, t.now)
	return err
}

func (t *accountTx) EndSessions(a *activation.Account, reason string) error {
	_, err := t.tx.ExecContext(t.ctx, `UPDATE web_sessions SET ended_at = $2, end_reason = $3
		WHERE student_id = $1 AND ended_at IS NULL`, a.StudentID, t.now, reason)
	return err
}

func (t *accountTx) TouchSession(s *activation.Session, reason string) error {
	if reason == "" {
		s.LastSeenAt = t.now
		_, err := t.tx.ExecContext(t.ctx, `UPDATE web_sessions SET last_seen_at = $2 WHERE id = $1`, s.ID, t.now)
		return err
	}
	s.EndedAt, s.EndReason = t.now, reason
	_, err := t.tx.ExecContext(t.ctx, `UPDATE web_sessions SET ended_at = $2, end_reason = $3 WHERE id = $1 AND ended_at IS NULL`, s.ID, t.now, reason)
	return err
}

// charterInForceSQL is the charter rule: the newest published version is
// in force.
const charterInForceSQL = `SELECT version FROM charters ORDER BY published_at DESC, version DESC LIMIT 1`

func (t *accountTx) CharterInForce() (string, error) {
	var v string
	err := t.tx.GetContext(t.ctx, &v, charterInForceSQL)
	if errors.Is(err, sql.ErrNoRows) {
		return "", activation.Errorf(activation.ESCHEMA, "no IT charter is published: run scolpass migrate")
	}
	return v, err
}

// PublishCharters records the shipped charter versions as published
// (idempotent) and returns the versions that were new. The newest published
// version is the one in force.
func (db *DB) PublishCharters(ctx context.Context, now time.Time) ([]string, error) {
	charters, err := templates.Charters()
	if err != nil {
		return nil, err
	}
	var added []string
	for i, c := range charters {
		sum := sha256.Sum256([]byte(c.Text))
		// Later versions get later instants even when published together.
		res, err := db.ExecContext(ctx, `INSERT INTO charters (version, published_at, digest) VALUES ($1, $2, $3)
			ON CONFLICT (version) DO NOTHING`, c.Version, now.Add(time.Duration(i)*time.Microsecond), hex.EncodeToString(sum[:]))
		if err != nil {
			return nil, mapError(err)
		}
		if n, _ := res.RowsAffected(); n == 1 {
			added = append(added, c.Version)
		}
	}
	return added, nil
}
