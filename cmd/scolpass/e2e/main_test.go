// Package e2e holds the whole-stack tests of scolpass: the real scolpass
// serve on a real PostgreSQL (scripts/with-pg.sh, started by make test),
// its outbox delivered to an in-process SMTP server, the directory written
// to a real slapd, pages driven by a real headless Chromium, serve run as
// a process of its own. The fast tests of the site live beside it, in
// internal/web, on the in-memory store.
//
// Harnesses for new tests:
//   - newStack / newStackWith (site_test.go): a migrated database with the
//     students of studentsCSV imported and their sheets printed, serve
//     listening on stack.URL; stack.client() is a cookie-keeping HTTP
//     client (get, submit), stack.LastLink reads the emailed links,
//     stack.state and stack.query read PostgreSQL, stack.run runs a
//     scolpass command line, stack.SetNow moves the clock;
//   - newBrowser (browser_harness_test.go): headless Chromium tabs
//     (browser.tab), with expect, submit, reload, and check (axe-core
//     audit and screenshot); SCOLPASS_BROWSER_TIMEOUT (default 3m) bounds
//     a tab on a loaded machine.
package e2e

import (
	"os"
	"testing"

	"github.com/umontpellier/scolpass/internal/cli"
)

// TestMain lets this test binary be scolpass itself, for the tests that
// run serve as a process of its own.
func TestMain(m *testing.M) {
	if os.Getenv("SCOLPASS_TEST_AS_CLI") == "1" {
		os.Exit(int(cli.Main()))
	}
	os.Exit(m.Run())
}
