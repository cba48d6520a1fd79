package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"

	"github.com/golang-migrate/migrate/v4"
	migratepg "github.com/golang-migrate/migrate/v4/database/postgres"
	"github.com/golang-migrate/migrate/v4/source/iofs"

	"github.com/umontpellier/scolpass/internal/activation"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Migration is one embedded schema migration and whether it is applied.
type Migration struct {
	Version uint
	Name    string
	Applied bool
}

// SchemaStatus is the state of the database schema.
type SchemaStatus struct {
	Current    uint
	Latest     uint
	Dirty      bool
	Migrations []Migration
}

func (db *DB) migrator() (*migrate.Migrate, error) {
	src, err := iofs.New(migrationFS, "migrations")
	if err != nil {
		return nil, err
	}
	drv, err := migratepg.WithInstance(db.DB.DB, &migratepg.Config{})
	if err != nil {
		return nil, mapError(err)
	}
	return migrate.NewWithInstance("iofs", src, "postgres", drv)
}

// Migrate brings the schema to the latest embedded version. Each migration
// runs in its own transaction; running it again is a no-op. It returns the
// number of migrations applied.
func (db *DB) Migrate(ctx context.Context) (int, error) {
	before, err := db.SchemaStatus(ctx)
	if err != nil {
		return 0, err
	}
	if before.Dirty {
		return 0, activation.Errorf(activation.EINTERNAL, "migration %d failed half-way earlier; repair the database by hand, then run migrate again", before.Current)
	}
	m, err := db.migrator()
	if err != nil {
		return 0, fmt.Errorf("prepare migrations: %w", err)
	}
	if err := m.Up(); err != nil && !errors.Is(err, migrate.ErrNoChange) {
		return 0, fmt.Errorf("migrate: %w", err)
	}
	applied := 0 // versions may skip numbers: count the files
	for _, m := range before.Migrations {
		if !m.Applied {
			applied++
		}
	}
	return applied, nil
}

// SchemaStatus reports the applied and pending migrations without changing
// anything.
func (db *DB) SchemaStatus(ctx context.Context) (SchemaStatus, error) {
	var st SchemaStatus
	migs, err := embeddedMigrations()
	if err != nil {
		return st, err
	}
	var exists bool
	if err := db.GetContext(ctx, &exists, `SELECT to_regclass('schema_migrations') IS NOT NULL`); err != nil {
		return st, mapError(err)
	}
	if exists {
		var row struct {
			Version int64 `db:"version"`
			Dirty   bool  `db:"dirty"`
		}
		err := db.GetContext(ctx, &row, `SELECT version, dirty FROM schema_migrations LIMIT 1`)
		if err == nil {
			st.Current, st.Dirty = uint(row.Version), row.Dirty
		} else if mapped := mapError(err); activation.ErrorCode(mapped) != activation.ENOTFOUND {
			return st, mapped
		}
	}
	for i := range migs {
		migs[i].Applied = migs[i].Version <= st.Current
		st.Latest = migs[i].Version
	}
	st.Migrations = migs
	return st, nil
}

// CheckSchema returns an ESCHEMA error unless every embedded migration is
// applied. Every command but migrate calls it first.
func (db *DB) CheckSchema(ctx context.Context) error {
	st, err := db.SchemaStatus(ctx)
	if err != nil {
		return err
	}
	switch {
	case st.Dirty:
		return activation.Errorf(activation.ESCHEMA, "the database schema is in a failed state (migration %d): repair it, then run scolpass migrate", st.Current)
	case st.Current == 0:
		return activation.Errorf(activation.ESCHEMA, "the database has no scolpass schema: run scolpass migrate")
	case st.Current < st.Latest:
		return activation.Errorf(activation.ESCHEMA, "the database schema is at version %d, this scolpass needs %d: run scolpass migrate", st.Current, st.Latest)
	case st.Current > st.Latest:
		return activation.Errorf(activation.ESCHEMA, "the database schema (version %d) is newer than this scolpass (version %d): upgrade scolpass", st.Current, st.Latest)
	}
	return nil
}

func embeddedMigrations() ([]Migration, error) {
	entries, err := fs.ReadDir(migrationFS, "migrations")
	if err != nil {
		return nil, err
	}
	var out []Migration
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".up.sql") {
			continue
		}
		num, rest, ok := strings.Cut(name, "_")
		if !ok {
			continue
		}
		v, err := strconv.ParseUint(num, 10, 32)
		if err != nil {
			continue
		}
		out = append(out, Migration{Version: uint(v), Name: strings.TrimSuffix(rest, ".up.sql")})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	return out, nil
}
