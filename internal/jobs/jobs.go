// Package jobs runs the work that follows a committed step, outside any
// database transaction: the outbox's emails (internal/mail) and the
// directory writes (internal/directory) are two queues of one kind.
//
// A worker claims due jobs with a lease (a short transaction, FOR UPDATE
// SKIP LOCKED, committed at once), does the network I/O with no
// transaction open, then records each outcome in a second short
// transaction (activation.SettleJob decides what it becomes). A worker that
// dies mid-job leaves its job leased; once the lease (activation.JobLease)
// has run out, another worker claims it again. Delivery is therefore at
// least once: work done whose outcome was never recorded is done again.
package jobs

import (
	"context"
	"sync"
	"time"

	"github.com/umontpellier/scolpass/internal/activation"
)

// Claimed is a job held by this worker under a lease, with what it needs
// to do it (the email, the account).
type Claimed[P any] struct {
	Job     activation.Job
	Payload P
}

// Queue is a durable queue of jobs whose work needs a P. internal/postgres
// implements it for the outbox and the provisioning jobs.
type Queue[P any] interface {
	// Claim leases up to n jobs due at now (first due first) that no
	// other worker holds, until now+lease, counting one attempt each, and
	// commits before returning.
	Claim(ctx context.Context, now time.Time, n int, lease time.Duration) ([]Claimed[P], error)
	// Settle records the outcomes of jobs this worker claimed (each job
	// as it was claimed), in one short statement, and returns those jobs
	// as they were left. A job whose lease was taken over by another
	// worker in the meantime is left alone and not returned.
	Settle(ctx context.Context, now time.Time, done []Settled) (left []activation.Job, err error)
	// Release hands back jobs this worker claimed and did not try (the
	// run stopped first): due again at once, their attempt not counted.
	Release(ctx context.Context, jobs []activation.Job) error
}

// Settled is the outcome of one attempt at a claimed job, to record.
type Settled struct {
	Job        activation.Job // as claimed
	Settlement activation.Settlement
}

// Summary counts what a run did with the jobs it tried.
type Summary struct {
	Done   int
	Retry  int
	Failed int
	Last   string // the last error of a job to retry
}

// DownAfter is the number of transient failures in a row after which a
// run stops: the server is down, the other jobs wait for the next run
// (their leases run out, or they were never claimed).
const DownAfter = 3

// Runner takes jobs from a queue and does them.
type Runner[P any] struct {
	Queue Queue[P]
	// Do does one job (network I/O, no transaction open) with worker w
	// (0 ≤ w < Workers) and says how it went.
	Do func(ctx context.Context, w int, c Claimed[P]) activation.Attempt
	// Workers is how many jobs are done at once (0: 1).
	Workers int
	// Batch is how many jobs one claim takes (0: Workers).
	Batch int
	// Lease is how long a claim holds its jobs (0: activation.JobLease).
	Lease time.Duration
	// Report, when set, hears of every job tried, as it was left.
	Report func(j activation.Job)
	// Prefetch claims the next batch while the workers do this one (the
	// database's share then overlaps the network's).
	Prefetch bool
}

// Run does every job due at now, batch by batch, and returns what it did;
// it stops early once DownAfter transient failures came in a row. The
// error is the queue's (a database error); the work's errors are recorded
// in the jobs and counted in the summary.
func (r *Runner[P]) Run(ctx context.Context, now time.Time) (Summary, error) {
	var sum Summary
	workers := max(r.Workers, 1)
	batch := r.Batch
	if batch <= 0 {
		batch = workers
	}
	lease := r.Lease
	if lease <= 0 {
		lease = activation.JobLease
	}
	type claim struct {
		jobs []Claimed[P]
		err  error
	}
	claimNext := func() <-chan claim {
		ch := make(chan claim, 1)
		if !r.Prefetch {
			ch <- claim{} // claimed when needed, below
			return ch
		}
		go func() {
			js, err := r.Queue.Claim(ctx, now, batch, lease)
			ch <- claim{js, err}
		}()
		return ch
	}
	claimed, err := r.Queue.Claim(ctx, now, batch, lease)
	for {
		if err != nil || len(claimed) == 0 {
			return sum, err
		}
		next := claimNext() // the next batch's claim overlaps this one's work
		var down bool
		down, err = r.doAll(ctx, now, claimed, workers, &sum)
		c := <-next
		if !r.Prefetch && err == nil && !down && ctx.Err() == nil {
			c.jobs, c.err = r.Queue.Claim(ctx, now, batch, lease)
		}
		if err != nil || down || ctx.Err() != nil {
			if len(c.jobs) > 0 { // claimed ahead, not to be tried now
				if rerr := r.Queue.Release(context.WithoutCancel(ctx), jobsOf(c.jobs)); err == nil {
					err = rerr
				}
			}
			if err == nil {
				err = ctx.Err()
			}
			return sum, err
		}
		claimed, err = c.jobs, c.err
	}
}

func jobsOf[P any](cs []Claimed[P]) []activation.Job {
	out := make([]activation.Job, len(cs))
	for i, c := range cs {
		out[i] = c.Job
	}
	return out
}

// flushEvery is how many outcomes are recorded together, in one short
// statement (the last ones of a batch are recorded at its end).
const flushEvery = 16

// doAll does a claimed batch over up to workers goroutines; outcomes are
// recorded flushEvery at a time, as they come. Once the server has failed
// DownAfter times in a row (or ctx ends), the jobs not yet tried are
// released: due again, their attempt not counted.
func (r *Runner[P]) doAll(ctx context.Context, now time.Time, claimed []Claimed[P], workers int, sum *Summary) (down bool, err error) {
	var mu sync.Mutex
	next, streak := 0, 0
	var firstErr error
	var pending []Settled
	// flush records outcomes (outside mu) and reports the jobs as left.
	flush := func(batch []Settled) {
		if len(batch) == 0 {
			return
		}
		left, err := r.Queue.Settle(context.WithoutCancel(ctx), now, batch)
		mu.Lock()
		if err != nil && firstErr == nil {
			firstErr = err
		}
		for _, j := range left { // the others were taken over: their outcome stands
			r.count(sum, j)
		}
		mu.Unlock()
		if r.Report != nil {
			for _, j := range left {
				r.Report(j)
			}
		}
	}
	var wg sync.WaitGroup
	for w := 0; w < min(workers, len(claimed)); w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for {
				mu.Lock()
				if next >= len(claimed) || streak >= DownAfter || firstErr != nil || ctx.Err() != nil {
					mu.Unlock()
					return
				}
				i := next
				next++
				mu.Unlock()
				c := claimed[i]
				o := r.Do(ctx, w, c)
				mu.Lock()
				pending = append(pending, Settled{Job: c.Job, Settlement: activation.SettleJob(c.Job.Attempts, o, now)})
				if o.Err != nil && !o.Permanent {
					streak++
				} else {
					streak = 0
				}
				var batch []Settled
				if len(pending) >= flushEvery || workers == 1 {
					batch, pending = pending, nil
				}
				mu.Unlock()
				flush(batch)
			}
		}(w)
	}
	wg.Wait()
	flush(pending)
	if next < len(claimed) {
		untried := make([]activation.Job, 0, len(claimed)-next)
		for _, c := range claimed[next:] {
			untried = append(untried, c.Job)
		}
		if err := r.Queue.Release(context.WithoutCancel(ctx), untried); err != nil && firstErr == nil {
			firstErr = err
		}
	}
	return streak >= DownAfter, firstErr
}

func (r *Runner[P]) count(sum *Summary, j activation.Job) {
	switch j.Status() {
	case activation.JobDone:
		sum.Done++
	case activation.JobFailed:
		sum.Failed++
	default:
		sum.Retry++
		sum.Last = j.LastError
	}
}
