package directory

import (
	"context"
	"fmt"
	"time"

	"github.com/umontpellier/scolpass/internal/activation"
	"github.com/umontpellier/scolpass/internal/postgres"
)

// Runner applies the provisioning jobs queued in PostgreSQL. Several
// runners (commands, `provision run --watch`, serve) may run at once: the
// database hands each job to one of them at a time (FOR UPDATE SKIP
// LOCKED), and a write is idempotent anyway.
type Runner struct {
	DB     *postgres.DB
	Writer *Writer
	// Mailbox returns the university mailbox of a login (for created
	// entries); nil: none is written.
	Mailbox func(login string) string
	// Now is the clock (SCOLPASS_NOW in rehearsals); nil: time.Now.
	Now func() time.Time
	// Report, when set, hears of every job tried, as it was left.
	Report func(j *postgres.ProvisionJob)
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
	write := r.apply(ctx)
	streak := 0
	for {
		if err := ctx.Err(); err != nil {
			return sum, err
		}
		jobs, err := r.DB.ProvisionBatch(ctx, now, login, batch, func(j *postgres.ProvisionJob, a *activation.Account) postgres.ProvisionResult {
			if streak >= downAfter || ctx.Err() != nil {
				return postgres.ProvisionResult{NotTried: true}
			}
			res := write(j, a)
			if res.Err != nil && !res.Permanent {
				streak++
			} else {
				streak = 0
			}
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
		if len(jobs) == 0 || streak >= downAfter {
			return sum, nil
		}
	}
}

// apply writes the account of a job as it stands now. An account that is
// no longer active (issued again since) is not written.
func (r *Runner) apply(ctx context.Context) func(j *postgres.ProvisionJob, a *activation.Account) postgres.ProvisionResult {
	return func(j *postgres.ProvisionJob, a *activation.Account) postgres.ProvisionResult {
		if a.State != activation.StateActive || a.PasswordHash == "" {
			return postgres.ProvisionResult{Skipped: fmt.Sprintf("not written: the account is no longer active (now %s)", a.State)}
		}
		mail := ""
		if r.Mailbox != nil {
			mail = r.Mailbox(a.Login)
		}
		dn, err := r.Writer.Write(ctx, EntryOf(a, mail))
		return postgres.ProvisionResult{DN: dn, Err: err, Permanent: IsPermanent(err)}
	}
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
