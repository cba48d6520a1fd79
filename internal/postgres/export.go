package postgres

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"regexp"
	"sync"
	"time"

	"github.com/lib/pq"

	"github.com/umontpellier/scolpass/internal/activation"
)

// ExportedTables are the tables that hold a person's data, each with the
// column that names the student: StudentExport reads every one of them. A
// new table with a student_id (or a key to students) must be added here
// (a test compares this list with the schema).
var ExportedTables = []struct{ Table, Key string }{
	{"students", "id"},
	{"provisional_credentials", "student_id"},
	{"tokens", "student_id"},
	{"web_sessions", "student_id"},
	{"outbox", "student_id"},
	{"audit_events", "student_id"},
	{"provision_jobs", "student_id"},
}

// secretColumn matches the columns an export leaves out: password and
// token hashes, session secrets, encrypted material. They prove nothing to
// the person and would help whoever steals the file.
var secretColumn = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(^|_)(hash|secret|cipher|ciphertext|encrypted|nonce|salt|key_id)(_|$)`)
})

// StudentExport is everything scolpass holds about one person (right of
// access): by table, the rows that name them, secrets left out and the
// links in texts hidden.
type StudentExport struct {
	Login      string                       `json:"login"`
	StudentNo  string                       `json:"student_no"`
	ExportedAt time.Time                    `json:"exported_at"`
	Omitted    []string                     `json:"omitted_columns"` // table.column left out as secrets
	Tables     map[string][]json.RawMessage `json:"tables"`
}

// ExportStudent gathers StudentExport for the student whose login or
// student number is key (ENOTFOUND when there is none), in one read-only
// transaction so that the tables agree.
func (db *DB) ExportStudent(ctx context.Context, key string, now time.Time) (*StudentExport, error) {
	s, err := db.FindStudent(ctx, key)
	if err != nil {
		return nil, err
	}
	out := &StudentExport{Login: s.Login, StudentNo: s.StudentNo, ExportedAt: now, Omitted: []string{}, Tables: map[string][]json.RawMessage{}}
	tx, err := db.BeginTxx(ctx, &sql.TxOptions{ReadOnly: true, Isolation: sql.LevelRepeatableRead})
	if err != nil {
		return nil, mapError(err)
	}
	defer tx.Rollback()
	for _, t := range ExportedTables {
		var cols []string
		if err := tx.SelectContext(ctx, &cols, `SELECT column_name FROM information_schema.columns
			WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position`, t.Table); err != nil {
			return nil, mapError(err)
		}
		var secret []string
		for _, c := range cols {
			if secretColumn().MatchString(c) {
				secret = append(secret, c)
				out.Omitted = append(out.Omitted, t.Table+"."+c)
			}
		}
		var rows []string
		q := fmt.Sprintf(`SELECT (to_jsonb(t) - coalesce($2::text[], '{}'))::text FROM %s t WHERE t.%s = $1 ORDER BY t.%s`,
			pq.QuoteIdentifier(t.Table), pq.QuoteIdentifier(t.Key), pq.QuoteIdentifier(cols[0]))
		if err := tx.SelectContext(ctx, &rows, q, s.ID, pq.Array(secret)); err != nil {
			return nil, mapError(fmt.Errorf("export %s: %w", t.Table, err))
		}
		list := make([]json.RawMessage, 0, len(rows))
		for _, r := range rows {
			red, err := redactJSON([]byte(r))
			if err != nil {
				return nil, fmt.Errorf("export %s: %w", t.Table, err)
			}
			list = append(list, red)
		}
		out.Tables[t.Table] = list
	}
	return out, nil
}

// redactJSON hides the links in every text of a JSON object (an email's
// body carries its token until delivered).
func redactJSON(b []byte) (json.RawMessage, error) {
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	for k, v := range m {
		if s, ok := v.(string); ok {
			m[k] = activation.RedactLinks(s)
		}
	}
	return json.Marshal(m)
}
