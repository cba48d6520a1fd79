package cli

import (
	"context"
	"time"

	"github.com/umontpellier/scolpass/internal/activation"
	"github.com/umontpellier/scolpass/internal/postgres"
)

// Store is what the account commands (activate, verify-token,
// set-redirect, reset, issue-scolpass, show, report) read and write: the
// activation steps through Accounts, and the read-only views that show and
// report print. Main's Env opens PostgreSQL (pgStore); the tests give an
// in-memory store built on internal/activation/memstore, so that each
// command's flags, validation and output are tested without a database.
type Store interface {
	// Accounts is the activation store whose audit events name actor.
	Accounts(actor activation.Actor) activation.Store
	// Details is everything show prints of one student (ENOTFOUND).
	Details(ctx context.Context, key string) (*postgres.StudentDetails, error)
	// DirectoryStatus is the newest directory job of a student, or nil.
	DirectoryStatus(ctx context.Context, studentID int64) (*activation.Job, error)
	// BatchStudents are the student numbers whose provisional password of
	// batch is stored.
	BatchStudents(ctx context.Context, batch string) (map[string]bool, error)
	// Report counts the accounts per group and state.
	Report(ctx context.Context, by string, f postgres.ReportFilter, now time.Time) ([]postgres.ReportRow, error)
	// Stuck hands each the accounts, not active, that have not moved for
	// d, oldest first.
	Stuck(ctx context.Context, d time.Duration, f postgres.ReportFilter, now time.Time, each func(postgres.StuckAccount) error) error
	// NotInDirectory counts the active accounts not yet in the directory.
	NotInDirectory(ctx context.Context, f postgres.ReportFilter) (int, error)
	// CountResets counts the passwords changed after the activation (lost
	// password or change of a known one) in [since, until).
	CountResets(ctx context.Context, f postgres.ReportFilter, since, until time.Time) (int, error)
}

// pgStore is the Store on PostgreSQL.
type pgStore struct{ *postgres.DB }

func (s pgStore) Accounts(actor activation.Actor) activation.Store {
	return &postgres.AccountStore{DB: s.DB, Actor: actor}
}

// store opens the (migrated) store of the account commands: env.OpenStore
// when set, else PostgreSQL.
func (env *Env) store(ctx context.Context) (Store, error) {
	if env.OpenStore != nil {
		return env.OpenStore(ctx)
	}
	db, err := env.open(ctx, false)
	if err != nil {
		return nil, err
	}
	return pgStore{db}, nil
}

// storeEnv is what an account command works with: the configuration, the
// clock of the run and the store, set up one way for every command.
type storeEnv struct {
	cfg   activation.Config
	now   time.Time
	store Store
}

// storeSetup reads the configuration and the clock and opens the store.
func (env *Env) storeSetup(ctx context.Context) (*storeEnv, error) {
	cfg, err := env.config()
	if err != nil {
		return nil, err
	}
	now, err := env.now()
	if err != nil {
		return nil, err
	}
	st, err := env.store(ctx)
	if err != nil {
		return nil, err
	}
	return &storeEnv{cfg: cfg, now: now, store: st}, nil
}
