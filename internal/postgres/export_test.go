package postgres_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/umontpellier/scolpass/internal/activation"
	"github.com/umontpellier/scolpass/internal/postgres"
)

// TestExportCoversEveryTable fails when a table that names a student (a
// student_id column, or a foreign key to students) is not read by
// ExportStudent: a new table of personal data must be exported too.
func TestExportCoversEveryTable(t *testing.T) {
	w := newPurgeWorld(t)
	var tables []string
	if err := w.db.SelectContext(ctx, &tables, `
		SELECT DISTINCT c.table_name FROM information_schema.columns c
		JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
		WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE' AND c.column_name = 'student_id'
		UNION
		SELECT DISTINCT tc.table_name FROM information_schema.table_constraints tc
		JOIN information_schema.constraint_column_usage u ON u.constraint_name = tc.constraint_name AND u.constraint_schema = tc.constraint_schema
		WHERE tc.constraint_type = 'FOREIGN KEY' AND tc.table_schema = current_schema() AND u.table_name = 'students'
		UNION SELECT 'students'
		ORDER BY 1`); err != nil {
		t.Fatal(err)
	}
	var exported []string
	for _, e := range postgres.ExportedTables {
		exported = append(exported, e.Table)
	}
	for _, tb := range tables {
		if !slices.Contains(exported, tb) {
			t.Errorf("table %s holds students' data but export-student does not read it: add it to postgres.ExportedTables", tb)
		}
	}
	// And every exported table answers for a student who has a row in
	// each (bruno.gone of the purge world).
	out, err := w.db.ExportStudent(ctx, "bruno.gone", p0)
	if err != nil {
		t.Fatal(err)
	}
	for _, tb := range exported {
		if len(out.Tables[tb]) == 0 {
			t.Errorf("export of bruno.gone: no row of %s", tb)
		}
	}
}

// TestExportStudentHoldsNoSecret: hashes, session secrets and links' tokens
// stay out; everything else of the person is there.
func TestExportStudentHoldsNoSecret(t *testing.T) {
	w := newPurgeWorld(t)
	bruno := w.ids["bruno.gone"]
	const token = "Zq3xYv9Kp2Lm8Nb4Wc7Rt1Hd6Fg5Js0A"
	w.exec(t, `UPDATE students SET recovery_email = 'bruno@example.org', password_hash = 'ARGON-SECRET', birth_date = '2006-05-04' WHERE id = $1`, bruno)
	w.exec(t, `UPDATE provisional_credentials SET hash = 'PROVISIONAL-SECRET' WHERE student_id = $1`, bruno)
	w.exec(t, `INSERT INTO outbox (student_id, kind, to_addr, subject, body, created_at, next_attempt_at) VALUES ($1, 'recovery_link', 'bruno@example.org', 's',
		'Suivez https://scolpass.umontpellier.fr/verify/`+token+` aujourd''hui', $2, $2)`, bruno, p0)
	w.exec(t, `INSERT INTO audit_events (at, operator, channel, student_id, action, outcome, client_addr) VALUES ($1, 'web', 'web', $2, 'authenticate', 'ok', '192.0.2.7')`, p0, bruno)
	out, err := w.db.ExportStudent(ctx, "bruno.gone", p0)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(out.Tables)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for _, secret := range []string{"ARGON-SECRET", "PROVISIONAL-SECRET", token, `"token_hash"`, `"secret_hash"`, `"hash"`, `"password_hash"`} {
		if strings.Contains(s, secret) {
			t.Errorf("export shows %q", secret)
		}
	}
	for _, held := range []string{"bruno@example.org", "2006-05-04", "recovery_pending", "192.0.2.7", "/verify/[hidden]", `"batch":"b"`} {
		if !strings.Contains(s, held) {
			t.Errorf("export lacks %q", held)
		}
	}
	for _, c := range []string{"students.password_hash", "provisional_credentials.hash", "tokens.token_hash", "web_sessions.secret_hash"} {
		if !slices.Contains(out.Omitted, c) {
			t.Errorf("omitted_columns lacks %s: %v", c, out.Omitted)
		}
	}
	if _, err := w.db.ExportStudent(ctx, "nobody.here", p0); activation.ErrorCode(err) != activation.ENOTFOUND {
		t.Errorf("unknown student: %v, want not found", err)
	}
}
