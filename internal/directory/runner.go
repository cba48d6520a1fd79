package directory

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/umontpellier/scolpass/internal/activation"
	"github.com/umontpellier/scolpass/internal/postgres"
)

// Runner applies the provisioning jobs queued in PostgreSQL. Several
// runners (commands, `provision run --watch`, serve) may run at once: the
// database hands each job to one of them at a time (FOR UPDATE SKIP
// LOCKED), and a write is idempotent anyway. One Runner runs one run at a
// time (RunOnce, RunFor, Watch are not to be called concurrently on it).
type Runner struct {
	DB     *postgres.DB
	Writer *Writer
	// Workers is how many LDAP connections apply a batch at once (the
	// directory's writes overlap with the searches and the database);
	// 0: 4. The extra connections use Writer's configuration.
	Workers int
	// Mailbox returns the university mailbox of a login (for created
	// entries); nil: none is written.
	Mailbox func(login string) string
	// Now is the clock (SCOLPASS_NOW in rehearsals); nil: time.Now.
	Now func() time.Time
	// Report, when set, hears of every job tried, as it was left.
	Report func(j *postgres.ProvisionJob)

	writers []*Writer // Writer and the extra connections
}

// Summary counts what a run did with the jobs it tried.
type Summary struct {
	Done   int    `json:"done"`
	Retry  int    `json:"retry"`
	Failed int    `json:"failed"`
	Last   string `json:"-"` // the last error of a job to retry
}

// downAfter is the number of transient failures in a row after which a
// run stops: the directory is down, the other jobs wait for the next run.
const downAfter = 3

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

// batch is how many jobs a runner claims in one transaction: the
// database's share of each job shrinks to a fraction of the LDAP write.
const batch = 100

func (r *Runner) run(ctx context.Context, login string) (Summary, error) {
	var sum Summary
	now := r.now()
	for {
		if err := ctx.Err(); err != nil {
			return sum, err
		}
		down := false
		jobs, err := r.DB.ProvisionBatch(ctx, now, login, batch, func(jobs []*postgres.ProvisionJob, accounts map[int64]*activation.Account) []postgres.ProvisionResult {
			res, d := r.applyAll(ctx, jobs, accounts)
			down = d
			return res
		})
		if err != nil {
			return sum, err
		}
		for _, j := range jobs {
			switch j.Status() {
			case "done":
				sum.Done++
			case "failed":
				sum.Failed++
			default:
				sum.Retry++
				sum.Last = j.LastError.String
			}
			if r.Report != nil {
				r.Report(j)
			}
		}
		if len(jobs) == 0 || down {
			return sum, nil
		}
	}
}

// applyAll writes the jobs of a batch over up to Workers connections. Once
// the directory has failed downAfter times in a row (down, hanging), the
// jobs not yet tried are left for the next run; down reports it.
func (r *Runner) applyAll(ctx context.Context, jobs []*postgres.ProvisionJob, accounts map[int64]*activation.Account) (res []postgres.ProvisionResult, down bool) {
	res = make([]postgres.ProvisionResult, len(jobs))
	workers := r.Workers
	if workers <= 0 {
		workers = 4
	}
	workers = min(workers, len(jobs))
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
	var mu sync.Mutex
	streak := 0
	next := 0
	var wg sync.WaitGroup
	for _, w := range r.writers[:min(workers, len(r.writers))] {
		wg.Add(1)
		go func(w *Writer) {
			defer wg.Done()
			for {
				mu.Lock()
				i := next
				next++
				stop := streak >= downAfter || ctx.Err() != nil
				mu.Unlock()
				if i >= len(jobs) {
					return
				}
				if stop {
					res[i] = postgres.ProvisionResult{NotTried: true}
					continue
				}
				res[i] = r.apply(ctx, w, jobs[i], accounts[jobs[i].StudentID])
				mu.Lock()
				if res[i].Err != nil && !res[i].Permanent {
					streak++
				} else {
					streak = 0
				}
				mu.Unlock()
			}
		}(w)
	}
	wg.Wait()
	return res, streak >= downAfter
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

// apply writes the account of a job as it stands now with w. An account
// that is no longer active (issued again since) is not written.
func (r *Runner) apply(ctx context.Context, w *Writer, j *postgres.ProvisionJob, a *activation.Account) postgres.ProvisionResult {
	if j.Reason == activation.ProvisionRevoked && (a == nil || a.State != activation.StateActive) {
		dn, err := w.Revoke(ctx, j.Login) // re-issued: the old password stops working
		return postgres.ProvisionResult{DN: dn, Err: err, Permanent: IsPermanent(err)}
	}
	if a == nil || a.State != activation.StateActive || a.PasswordHash == "" {
		state := activation.State("deleted")
		if a != nil {
			state = a.State
		}
		return postgres.ProvisionResult{Skipped: fmt.Sprintf("not written: the account is no longer active (now %s)", state)}
	}
	mail := ""
	if r.Mailbox != nil {
		mail = r.Mailbox(a.Login)
	}
	dn, err := w.Write(ctx, EntryOf(a, mail))
	return postgres.ProvisionResult{DN: dn, Err: err, Permanent: IsPermanent(err)}
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
