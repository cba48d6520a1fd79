package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/umontpellier/scolpass/internal/activation"
)

// PurgeOptions tunes Purge.
type PurgeOptions struct {
	// DryRun counts what would go and changes nothing.
	DryRun bool
	// Batch is how many rows one statement removes (default 1000): each
	// batch is its own short transaction, so that serve goes on serving.
	Batch int
}

// purgeRule is one kind of data past its retention: count is a query of
// the number of rows (but those of the students who leave, cutoff $2),
// batch a statement that removes at most $2 of them
// and returns how many it did; $1 is the kind's cutoff.
type purgeRule struct {
	kind  string
	cut   func(activation.PurgeCutoffs) time.Time
	count string
	batch string
}

// purgeRules are the kinds of Purge but the students (purgeStudents).
var purgeRules = []purgeRule{
	{activation.PurgeAudit, func(c activation.PurgeCutoffs) time.Time { return c.Audit },
		`SELECT count(*) FROM audit_events t WHERE at < $1 AND ` + notGone,
		`DELETE FROM audit_events WHERE id IN (SELECT id FROM audit_events WHERE at < $1 ORDER BY at, id LIMIT $2)`},
	// Delivery clears a body at once (it carries a link); the emails given
	// up keep theirs for mail show until here. Who, when and the kind stay.
	{activation.PurgeMail, func(c activation.PurgeCutoffs) time.Time { return c.Mail },
		`SELECT count(*) FROM outbox t WHERE coalesce(sent_at, failed_at) < $1 AND body IS NOT NULL AND ` + notGone,
		`UPDATE outbox SET body = NULL WHERE id IN (SELECT id FROM outbox
			WHERE coalesce(sent_at, failed_at) < $1 AND body IS NOT NULL LIMIT $2 FOR UPDATE SKIP LOCKED)`},
	// A link is finished once used, revoked or expired.
	{activation.PurgeLinks, func(c activation.PurgeCutoffs) time.Time { return c.Finished },
		`SELECT count(*) FROM tokens t WHERE least(used_at, revoked_at, expires_at) < $1 AND ` + notGone,
		`DELETE FROM tokens WHERE id IN (SELECT id FROM tokens WHERE least(used_at, revoked_at, expires_at) < $1
			LIMIT $2 FOR UPDATE SKIP LOCKED)`},
	// A session ended, or idle for longer than any session lives.
	{activation.PurgeSessions, func(c activation.PurgeCutoffs) time.Time { return c.Finished },
		`SELECT count(*) FROM web_sessions t WHERE coalesce(ended_at, last_seen_at) < $1 AND ` + notGone,
		`DELETE FROM web_sessions WHERE id IN (SELECT id FROM web_sessions WHERE coalesce(ended_at, last_seen_at) < $1
			LIMIT $2 FOR UPDATE SKIP LOCKED)`},
	// Jobs done; the ones given up stay for the staff (provision list).
	{activation.PurgeJobs, func(c activation.PurgeCutoffs) time.Time { return c.Finished },
		`SELECT count(*) FROM provision_jobs t WHERE done_at < $1 AND ` + notGone,
		`DELETE FROM provision_jobs WHERE id IN (SELECT id FROM provision_jobs WHERE done_at < $1
			LIMIT $2 FOR UPDATE SKIP LOCKED)`},
}

// goneWhere says whether student s has left at the cutoff $N: an account
// never activated, absent from every import since the cutoff. Nobody has
// left while no import came after it (the imports stopped, or a
// rehearsal): the students most recently seen say when the last import
// was.
const goneWhere = `s.state <> 'active' AND s.activated_at IS NULL
	AND coalesce(s.last_seen_at, s.created_at) < $N
	AND (SELECT max(coalesce(x.last_seen_at, x.created_at)) FROM students x) >= $N`

// goneSQL selects the students who left at the cutoff $1.
var goneSQL = `FROM students s WHERE ` + strings.ReplaceAll(goneWhere, "$N", "$1")

// notGone keeps, in a dry run's counts, the rows (t) of the students who
// will have left at the cutoff $2: they go with them, counted as students.
var notGone = `NOT EXISTS (SELECT 1 FROM students s WHERE s.id = t.student_id AND ` + strings.ReplaceAll(goneWhere, "$N", "$2") + `)`

// Purge removes what is past its retention (activation.Retention), kind by
// kind, in batches of short transactions: the students who left with
// everything attached to them (their audit events, emails, links,
// credentials, sessions, directory jobs), then audit events, email bodies,
// finished links, sessions and directory jobs. An account being changed
// meanwhile is skipped (it is in use) and its rows wait for the next run.
// A real run ends with one audit event (activation.PurgeAction) giving the
// counts. With DryRun it only counts.
func (db *DB) Purge(ctx context.Context, cut activation.PurgeCutoffs, opt PurgeOptions, actor activation.Actor, now time.Time) (activation.PurgeCounts, error) {
	if opt.Batch <= 0 {
		opt.Batch = 1000
	}
	counts := activation.PurgeCounts{}
	if opt.DryRun {
		var n int64
		if err := db.GetContext(ctx, &n, `SELECT count(*) `+goneSQL, cut.Unseen); err != nil {
			return nil, mapError(err)
		}
		counts[activation.PurgeStudents] = n
		for _, r := range purgeRules {
			if err := db.GetContext(ctx, &n, r.count, r.cut(cut), cut.Unseen); err != nil {
				return nil, mapError(fmt.Errorf("count %s: %w", r.kind, err))
			}
			counts[r.kind] = n
		}
		return counts, nil
	}
	n, err := db.purgeStudents(ctx, cut.Unseen, opt.Batch)
	counts[activation.PurgeStudents] = n
	if err != nil {
		return counts, err
	}
	for _, r := range purgeRules {
		for {
			res, err := db.ExecContext(ctx, r.batch, r.cut(cut), opt.Batch)
			if err != nil {
				return counts, mapError(fmt.Errorf("purge %s: %w", r.kind, err))
			}
			k, _ := res.RowsAffected()
			counts[r.kind] += k
			if k < int64(opt.Batch) {
				break
			}
			if err := ctx.Err(); err != nil {
				return counts, err
			}
		}
	}
	if err := writeAudit(ctx, db, actor, now, activation.PurgeAction, "ok", counts.Detail()); err != nil {
		return counts, mapError(err)
	}
	return counts, nil
}

// purgeStudents removes the students who left (goneSQL), batch by batch,
// and returns how many went. Each batch waits for an import in progress
// (the import lock) and skips the accounts locked by a step in progress.
func (db *DB) purgeStudents(ctx context.Context, cut time.Time, batch int) (int64, error) {
	var total int64
	for {
		var ids []int64
		err := db.inTx(ctx, func(tx *sqlx.Tx) error {
			if _, err := tx.ExecContext(ctx, `SET LOCAL lock_timeout = '`+lockTimeout+`'`); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtext('scolpass.import-students'))`); err != nil {
				return err
			}
			if err := tx.SelectContext(ctx, &ids, `SELECT s.id `+goneSQL+` ORDER BY s.id LIMIT $2 FOR UPDATE OF s SKIP LOCKED`, cut, batch); err != nil {
				return fmt.Errorf("students who left: %w", err)
			}
			if len(ids) == 0 {
				return nil
			}
			// The trail and the emails have no cascading key (the trail
			// outlives what it describes; an email once sent is a fact):
			// they go by hand. The rest cascades from students.
			for _, q := range []string{
				`DELETE FROM audit_events WHERE student_id = ANY($1)`,
				`DELETE FROM outbox WHERE student_id = ANY($1)`,
				`DELETE FROM students WHERE id = ANY($1)`,
			} {
				if _, err := tx.ExecContext(ctx, q, pq.Array(ids)); err != nil {
					return fmt.Errorf("remove students who left: %w", err)
				}
			}
			return nil
		})
		if err != nil {
			return total, err
		}
		total += int64(len(ids))
		if len(ids) < batch {
			return total, nil
		}
	}
}
