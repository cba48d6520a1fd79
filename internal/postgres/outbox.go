package postgres

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/umontpellier/scolpass/internal/activation"
	"github.com/umontpellier/scolpass/internal/jobs"
)

// outboxRow is an email of the outbox as stored: its body is sealed
// (sealBody) while the email waits, NULL once it is sent or refused.
type outboxRow struct {
	jobRow
	Kind    string         `db:"kind"`
	To      string         `db:"to_addr"`
	Subject string         `db:"subject"`
	Body    sql.NullString `db:"body"`
	SentAt  sql.NullTime   `db:"sent_at"`
}

func (r *outboxRow) job() activation.Job {
	j := r.jobRow.job("mail", r.SentAt)
	j.Kind, j.To, j.Subject = r.Kind, r.To, r.Subject
	return j
}

const outboxSelect = `SELECT j.id, s.login, j.kind, j.to_addr, j.subject, j.body, j.created_at, j.attempts,
	j.next_attempt_at, j.leased_until, j.last_error, j.sent_at, j.failed_at
	FROM outbox j LEFT JOIN students s ON s.id = j.student_id`

// QueueEmail queues e in the step's transaction, due at once. Its body
// (which carries the link) is sealed with the outbox key first: neither the
// statement nor its parameters hold the link, so neither does a statement
// log.
func (t *accountTx) QueueEmail(a *activation.Account, e activation.Email) error {
	key, err := t.db.outboxKey(t.ctx)
	if err != nil {
		return err
	}
	body, err := sealBody(key, e.To, e.Body)
	if err != nil {
		return err
	}
	_, err = t.tx.ExecContext(t.ctx, `INSERT INTO outbox (student_id, kind, to_addr, subject, body, created_at, next_attempt_at)
		VALUES ($1, $2, $3, $4, $5, $6, $6)`, a.StudentID, e.Kind, e.To, e.Subject, body, t.now)
	return err
}

// ListOutbox returns the emails as jobs, oldest first; status filters
// ("" for all); login filters by account.
func (db *DB) ListOutbox(ctx context.Context, status activation.JobStatus, login string) ([]activation.Job, error) {
	cond, err := outboxTable.statusFilter(status)
	if err != nil {
		return nil, err
	}
	var rows []outboxRow
	if err := db.SelectContext(ctx, &rows, outboxSelect+` WHERE `+cond+` AND ($1 = '' OR s.login = $1) ORDER BY j.id`, login); err != nil {
		return nil, mapError(err)
	}
	out := make([]activation.Job, len(rows))
	for i := range rows {
		out[i] = rows[i].job()
	}
	return out, nil
}

// OutboxMessage returns one email and its body, opened ("" once cleared:
// ok false), or ENOTFOUND.
func (db *DB) OutboxMessage(ctx context.Context, id int64) (j activation.Job, body string, ok bool, err error) {
	var r outboxRow
	err = db.GetContext(ctx, &r, outboxSelect+` WHERE j.id = $1`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return j, "", false, activation.Errorf(activation.ENOTFOUND, "no message %d in the outbox", id)
	}
	if err != nil {
		return j, "", false, mapError(err)
	}
	if !r.Body.Valid {
		return r.job(), "", false, nil
	}
	key, err := db.outboxKey(ctx)
	if err != nil {
		return j, "", false, err
	}
	body, err = openBody(key, r.To, r.Body.String)
	if err != nil {
		return j, "", false, fmt.Errorf("email %d: %w", id, err)
	}
	return r.job(), body, true, nil
}

// Outbox is the outbox as a job queue: what mail delivery works on.
func (db *DB) Outbox() jobs.Queue[activation.Email] { return outboxQueue{db} }

type outboxQueue struct{ db *DB }

// Claim leases up to n emails due at now and returns them with their
// bodies opened; see jobs.Queue.
func (q outboxQueue) Claim(ctx context.Context, now time.Time, n int, lease time.Duration) ([]jobs.Claimed[activation.Email], error) {
	var rows []outboxRow
	err := q.db.inTx(ctx, func(tx *sqlx.Tx) error {
		ids, err := outboxTable.claim(ctx, tx, now, n, lease, "")
		if err != nil || len(ids) == 0 {
			return err
		}
		return tx.SelectContext(ctx, &rows, outboxSelect+` WHERE j.id = ANY($1) ORDER BY j.next_attempt_at, j.id`, pq.Array(ids))
	})
	if err != nil || len(rows) == 0 {
		return nil, err
	}
	key, err := q.db.outboxKey(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]jobs.Claimed[activation.Email], len(rows))
	for i := range rows {
		r := &rows[i]
		j := r.job()
		body, err := openBody(key, r.To, r.Body.String)
		if err != nil {
			// Sealed under another key: no body to send, and why (the
			// attempt fails and is retried: a process with the right key
			// may take it).
			body, j.LastError = "", err.Error()
		}
		out[i] = jobs.Claimed[activation.Email]{Job: j, Payload: activation.Email{Kind: r.Kind, To: r.To, Subject: r.Subject, Body: body}}
	}
	return out, nil
}

// Settle records an attempt's settlement; a terminal state clears the
// body. See jobs.Queue.
func (q outboxQueue) Settle(ctx context.Context, now time.Time, done []jobs.Settled) ([]activation.Job, error) {
	return outboxTable.settle(ctx, q.db, now, done)
}

// Release hands back emails claimed and not tried. See jobs.Queue.
func (q outboxQueue) Release(ctx context.Context, js []activation.Job) error {
	return outboxTable.release(ctx, q.db, js)
}

// The outbox key seals the bodies of waiting emails (AES-256-GCM). It is
// the process's (SetOutboxKey, from the outbox-key credential or SCOLPASS_OUTBOX_KEY_FILE) or else the
// database's own (table outbox_key, made by the server at migration).

// SetOutboxKey makes key (32 bytes) the key of the bodies this process
// writes and reads, instead of the database's. Every process that queues or
// delivers emails must then have the same key.
func (db *DB) SetOutboxKey(key []byte) error {
	if len(key) != 32 {
		return fmt.Errorf("the outbox key must be 32 bytes, not %d", len(key))
	}
	db.keyMu.Lock()
	defer db.keyMu.Unlock()
	db.key = append([]byte(nil), key...)
	return nil
}

// ParseOutboxKey reads a key as given in the outbox-key file: 32 bytes in
// base64 (standard or URL alphabet, padded or not) or 64 hexadecimal
// digits.
func ParseOutboxKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if k, err := enc.DecodeString(s); err == nil && len(k) == 32 {
			return k, nil
		}
	}
	if k, err := hex.DecodeString(s); err == nil && len(k) == 32 {
		return k, nil
	}
	return nil, errors.New("want 32 random bytes in base64 (e.g. openssl rand -base64 32) or 64 hex digits")
}

func (db *DB) outboxKey(ctx context.Context) ([]byte, error) {
	db.keyMu.Lock()
	defer db.keyMu.Unlock()
	if db.key != nil {
		return db.key, nil
	}
	var k []byte
	if err := db.GetContext(ctx, &k, `SELECT key FROM outbox_key`); err != nil {
		return nil, fmt.Errorf("the outbox key: %w", mapError(err))
	}
	db.key = k
	return k, nil
}

const sealedPrefix = "enc1:"

// sealBody encrypts body for recipient to (bound to it: a sealed body
// copied to another row does not open).
func sealBody(key []byte, to, body string) (string, error) {
	aead, err := newAEAD(key)
	if err != nil {
		return "", err
	}
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(body)+aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	sealed := aead.Seal(nonce, nonce, []byte(body), []byte("scolpass outbox\x00"+to))
	return sealedPrefix + base64.RawStdEncoding.EncodeToString(sealed), nil
}

// openBody decrypts what sealBody made; a body stored before sealing
// (no prefix) is returned as it is.
func openBody(key []byte, to, stored string) (string, error) {
	rest, ok := strings.CutPrefix(stored, sealedPrefix)
	if !ok {
		return stored, nil
	}
	raw, err := base64.RawStdEncoding.DecodeString(rest)
	if err != nil {
		return "", errors.New("the sealed body is damaged")
	}
	aead, err := newAEAD(key)
	if err != nil {
		return "", err
	}
	if len(raw) < aead.NonceSize() {
		return "", errors.New("the sealed body is damaged")
	}
	body, err := aead.Open(nil, raw[:aead.NonceSize()], raw[aead.NonceSize():], []byte("scolpass outbox\x00"+to))
	if err != nil {
		return "", errors.New("the body does not open with this outbox key (sealed under another outbox key?)")
	}
	return string(body), nil
}

func newAEAD(key []byte) (cipher.AEAD, error) {
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("the outbox key: %w", err)
	}
	return cipher.NewGCM(b)
}
