// Package pgtest gives tests a fresh, migrated PostgreSQL database of their
// own, created from DATABASE_URL (a role allowed to create databases) and
// dropped when the test ends. make test starts a throwaway server and sets
// DATABASE_URL; without it the tests fail rather than pass untested.
package pgtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"testing"
	"time"

	_ "github.com/lib/pq" // driver

	"github.com/umontpellier/scolpass/internal/postgres"
)

// AdminURL returns DATABASE_URL. Without it the test is skipped, so that
// the fast tests of a package run alone (go test ./internal/cli), unless
// SCOLPASS_REQUIRE_PG is set, as make test sets it: then it fails.
func AdminURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("DATABASE_URL")
	if u == "" {
		if os.Getenv("SCOLPASS_REQUIRE_PG") != "" {
			t.Fatal("DATABASE_URL is not set: run the tests with `make test`, which starts a throwaway PostgreSQL")
		}
		t.Skip("needs PostgreSQL (DATABASE_URL): make test starts one")
	}
	return u
}

// NewDatabase creates an empty database and returns its URL; it is dropped
// at the end of the test.
func NewDatabase(t testing.TB) string {
	t.Helper()
	admin := AdminURL(t)
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "scolpass_test_" + hex.EncodeToString(b[:])
	db, err := sql.Open("postgres", admin)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`CREATE DATABASE ` + name); err != nil {
		db.Close()
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		_, err := db.Exec(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`)
		db.Close()
		if err != nil {
			t.Errorf("drop test database: %v", err)
		}
	})
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("DATABASE_URL must be a postgres:// URL: %v", err)
	}
	u.Path = "/" + name
	return u.String()
}

// New returns a connection to a fresh, migrated database.
func New(t testing.TB) *postgres.DB {
	t.Helper()
	return Open(t, NewDatabase(t))
}

// Open connects to the database at url, migrates it and publishes the
// charter, as scolpass migrate does.
func Open(t testing.TB, url string) *postgres.DB {
	t.Helper()
	ctx := context.Background()
	db, err := postgres.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(fmt.Errorf("migrate: %w", err))
	}
	if _, err := db.PublishCharters(ctx, time.Now()); err != nil {
		t.Fatal(err)
	}
	return db
}
