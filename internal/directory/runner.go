package directory

import (
	"context"
	"time"

	"github.com/umontpellier/scolpass/internal/activation"
	"github.com/umontpellier/scolpass/internal/jobs"
)

// Queue is the queue of directory jobs a runner works on (of one account
// when login is not ""): each job comes with its account as it stands when
// claimed (nil: deleted since). internal/postgres provides it
// (DB.Provisioning); this package knows only the interface.
type Queue func(login string) jobs.Queue[*activation.Account]

// Runner applies the queued provisioning jobs. Several runners (commands,
// `provision run --watch`, serve) may run at once: the queue hands each job
// to one of them at a time under a lease, and a write is idempotent anyway.
// No database transaction is open while the directory is written. One
// Runner runs one run at a time (RunOnce, RunFor, Watch are not to be
// called concurrently on it).
type Runner struct {
	Jobs   Queue
	Writer *Writer
	// Workers is how many LDAP connections apply jobs at once (the
	// directory's writes overlap with the searches and the database);
	// 0: 4. The extra connections use Writer's configuration.
	Workers int
	// Mailbox returns the university mailbox of a login (for created
	// entries); nil: none is written.
	Mailbox func(login string) string
	// Now is the clock (SCOLPASS_NOW in rehearsals); nil: time.Now.
	Now func() time.Time
	// Report, when set, hears of every job tried, as it was left.
	Report func(j activation.Job)

	writers []*Writer // Writer and the extra connections
}

// Summary counts what a run did with the jobs it tried.
type Summary = jobs.Summary

func (r *Runner) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

// RunOnce applies every job due now, oldest first, and returns what it
// did; it stops early when the directory fails three times in a row. The
// error is a database error; directory errors are recorded in the jobs
// (retried later, or failed for good) and counted in the summary.
func (r *Runner) RunOnce(ctx context.Context) (Summary, error) {
	return r.run(ctx, "")
}

// RunFor applies the jobs of one account that are due now: the command
// that queued them calls it right after its commit.
func (r *Runner) RunFor(ctx context.Context, login string) (Summary, error) {
	if login == "" {
		return Summary{}, nil
	}
	return r.run(ctx, login)
}

// batch is how many jobs a runner claims at once: one short transaction
// leases them all, then the writes run with none open.
const batch = 100

func (r *Runner) run(ctx context.Context, login string) (Summary, error) {
	workers := r.Workers
	if workers <= 0 {
		workers = 4
	}
	for len(r.writers) < workers {
		if len(r.writers) == 0 {
			r.writers = append(r.writers, r.Writer)
			continue
		}
		w, err := NewWriter(r.Writer.Config())
		if err != nil { // the first one was made with the same configuration
			break
		}
		r.writers = append(r.writers, w)
	}
	jr := jobs.Runner[*activation.Account]{
		Queue:    r.Jobs(login),
		Workers:  len(r.writers),
		Batch:    batch,
		Prefetch: true,
		Report:   r.Report,
		Do: func(ctx context.Context, w int, c jobs.Claimed[*activation.Account]) activation.Attempt {
			return r.apply(ctx, r.writers[w], c.Job, c.Payload)
		},
	}
	return jr.Run(ctx, r.now())
}

// Close closes the runner's LDAP connections.
func (r *Runner) Close() {
	for _, w := range r.writers {
		w.Close()
	}
	if len(r.writers) == 0 && r.Writer != nil {
		r.Writer.Close()
	}
}

// apply carries out a job on the account as it stands now with w: the
// domain says whether to revoke the password in the directory
// (activation.ProvisionRevokes: re-issued since), to skip it
// (activation.ProvisionSkip: no longer active), or to write it.
func (r *Runner) apply(ctx context.Context, w *Writer, j activation.Job, a *activation.Account) activation.Attempt {
	if activation.ProvisionRevokes(j.Kind, a) {
		dn, err := w.Revoke(ctx, j.Login) // re-issued: the old password stops working
		return activation.Attempt{Target: dn, Err: err, Permanent: IsPermanent(err)}
	}
	if why := activation.ProvisionSkip(a); why != "" {
		return activation.Attempt{Skipped: why}
	}
	mail := ""
	if r.Mailbox != nil {
		mail = r.Mailbox(a.Login)
	}
	dn, err := w.Write(ctx, EntryOf(a, mail))
	return activation.Attempt{Target: dn, Err: err, Permanent: IsPermanent(err)}
}

// Watch runs RunOnce every interval until ctx ends (serve and `provision
// run --watch` use it); report, when set, hears each run's summary and
// error. It returns ctx's error.
func (r *Runner) Watch(ctx context.Context, every time.Duration, report func(Summary, error)) error {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		sum, err := r.RunOnce(ctx)
		if report != nil && (err != nil || sum != (Summary{})) {
			report(sum, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}
