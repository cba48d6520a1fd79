// Package postgres is the only package that speaks SQL. It stores students,
// accounts, credentials, tokens, the outbox and the audit trail in
// PostgreSQL through sqlx and lib/pq, runs the embedded migrations, and maps
// PostgreSQL errors to the domain error codes of package activation.
package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/umontpellier/scolpass/internal/activation"
)

// DB is a connection pool to a scolpass database.
type DB struct {
	*sqlx.DB

	keyMu sync.Mutex
	key   []byte // the outbox key (outbox.go), once known
}

// Open connects to the database named by dsn (a postgres:// URL or a libpq
// key=value string; empty means libpq's PG* environment variables) and checks
// that it answers. A database that cannot be reached gives an error whose
// message says where it tried and what to set.
func Open(ctx context.Context, dsn string) (*DB, error) {
	db, err := sqlx.Open("postgres", dsn)
	if err != nil {
		return nil, activation.Errorf(activation.EINTERNAL, "invalid database address: %v (set --database-url or DATABASE_URL)", redact(err.Error()))
	}
	db.SetMaxOpenConns(8)
	db.SetMaxIdleConns(4)
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.PingContext(pctx); err != nil {
		db.Close()
		return nil, &activation.Error{
			Code:    activation.EINTERNAL,
			Message: fmt.Sprintf("cannot connect to the database: %s (set --database-url, DATABASE_URL or the PG* variables)", redact(describeConnError(err))),
			Err:     err,
		}
	}
	return &DB{DB: db}, nil
}

func describeConnError(err error) string {
	var ne *net.OpError
	if errors.As(err, &ne) {
		return ne.Error()
	}
	var pe *pq.Error
	if errors.As(err, &pe) {
		return pe.Message
	}
	return err.Error()
}

// redact removes a password from a connection string that leaked into an
// error message.
func redact(s string) string {
	if i := strings.Index(s, "://"); i >= 0 {
		if j := strings.Index(s[i+3:], "@"); j >= 0 {
			cred := s[i+3 : i+3+j]
			if k := strings.Index(cred, ":"); k >= 0 {
				s = s[:i+3+k+1] + "xxxxx" + s[i+3+j:]
			}
		}
	}
	return s
}

// mapError turns PostgreSQL errors into domain errors: the one place where
// pq error codes are interpreted.
func mapError(err error) error {
	if err == nil {
		return nil
	}
	var de *activation.Error
	if errors.As(err, &de) {
		return err
	}
	if errors.Is(err, sql.ErrNoRows) {
		return &activation.Error{Code: activation.ENOTFOUND, Message: "not found", Err: err}
	}
	var pe *pq.Error
	if errors.As(err, &pe) {
		switch pe.Code {
		case "40001", "40P01": // serialization_failure, deadlock_detected
			return &activation.Error{Code: activation.ESTATE, Message: "another operation changed this account at the same time; nothing was changed, try again", Err: err}
		case "55P03": // lock_not_available
			return &activation.Error{Code: activation.ESTATE, Message: "another agent is working on this account right now; nothing was changed, try again in a moment", Err: err}
		case "23505": // unique_violation
			return &activation.Error{Code: activation.ESTATE, Message: "conflict: " + pe.Message, Err: err}
		case "42P01", "42703": // undefined_table, undefined_column
			return &activation.Error{Code: activation.ESCHEMA, Message: "the database schema is missing or out of date: run scolpass migrate", Err: err}
		case "57014": // query_canceled
			return &activation.Error{Code: activation.EINTERNAL, Message: "the database operation was cancelled", Err: err}
		}
	}
	return err
}

// inTx runs fn in one transaction: committed when fn returns nil, rolled
// back otherwise. Errors are mapped to domain errors.
func (db *DB) inTx(ctx context.Context, fn func(tx *sqlx.Tx) error) error {
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		return mapError(err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return mapError(err)
	}
	return mapError(tx.Commit())
}
