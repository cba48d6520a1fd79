package jobs_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/umontpellier/scolpass/internal/activation"
	"github.com/umontpellier/scolpass/internal/jobs"
)

// listQueue hands out its jobs in order and records what the runner did
// with them; it decides nothing (settlements come from the runner).
type listQueue struct {
	mu       sync.Mutex
	due      []activation.Job
	settled  map[int64]activation.Settlement
	released []int64
}

func (q *listQueue) Claim(_ context.Context, _ time.Time, n int, _ time.Duration) ([]jobs.Claimed[string], error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	var out []jobs.Claimed[string]
	for len(q.due) > 0 && len(out) < n {
		j := q.due[0]
		q.due = q.due[1:]
		j.Attempts++
		out = append(out, jobs.Claimed[string]{Job: j, Payload: "job"})
	}
	return out, nil
}

func (q *listQueue) Settle(_ context.Context, _ time.Time, done []jobs.Settled) ([]activation.Job, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.settled == nil {
		q.settled = map[int64]activation.Settlement{}
	}
	var left []activation.Job
	for _, d := range done {
		j, s := d.Job, d.Settlement
		q.settled[j.ID] = s
		j.LastError = s.LastError
		switch s.Status {
		case activation.JobDone:
			j.DoneAt = &time.Time{}
		case activation.JobFailed:
			j.FailedAt = &time.Time{}
		}
		left = append(left, j)
	}
	return left, nil
}

func (q *listQueue) Release(_ context.Context, js []activation.Job) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, j := range js {
		q.released = append(q.released, j.ID)
	}
	return nil
}

func newList(n int) *listQueue {
	q := &listQueue{}
	for i := 1; i <= n; i++ {
		q.due = append(q.due, activation.Job{ID: int64(i)})
	}
	return q
}

// Three transient failures in a row: the server is down, the run stops,
// and the jobs claimed but not tried are handed back.
func TestRunStopsWhenDownAndReleasesTheRest(t *testing.T) {
	q := newList(10)
	r := jobs.Runner[string]{Queue: q, Batch: 10, Do: func(context.Context, int, jobs.Claimed[string]) activation.Attempt {
		return activation.Attempt{Err: errors.New("connection refused")}
	}}
	sum, err := r.Run(context.Background(), time.Now())
	if err != nil || sum.Retry != jobs.DownAfter || sum.Done+sum.Failed != 0 || sum.Last != "connection refused" {
		t.Fatalf("%+v, %v", sum, err)
	}
	if len(q.settled) != jobs.DownAfter || len(q.released) != 10-jobs.DownAfter {
		t.Fatalf("settled %d, released %v", len(q.settled), q.released)
	}
}

// Several workers: every job is done exactly once; a permanent refusal
// does not count as the server being down.
func TestRunDoesEveryJobOnce(t *testing.T) {
	q := newList(50)
	var mu sync.Mutex
	tries := map[int64]int{}
	r := jobs.Runner[string]{Queue: q, Workers: 4, Batch: 7, Do: func(_ context.Context, _ int, c jobs.Claimed[string]) activation.Attempt {
		mu.Lock()
		tries[c.Job.ID]++
		mu.Unlock()
		if c.Job.ID%2 == 0 {
			return activation.Attempt{Err: errors.New("550 refused"), Permanent: true}
		}
		return activation.Attempt{}
	}}
	sum, err := r.Run(context.Background(), time.Now())
	if err != nil || sum.Done != 25 || sum.Failed != 25 || sum.Retry != 0 {
		t.Fatalf("%+v, %v", sum, err)
	}
	for id := int64(1); id <= 50; id++ {
		if tries[id] != 1 {
			t.Errorf("job %d tried %d times", id, tries[id])
		}
	}
	if len(q.released) != 0 {
		t.Errorf("released %v", q.released)
	}
}

// failingClaims fails its second claim, as a database lost mid-run would.
type failingClaims struct {
	*listQueue
	claims int
}

func (q *failingClaims) Claim(ctx context.Context, now time.Time, n int, lease time.Duration) ([]jobs.Claimed[string], error) {
	q.claims++
	if q.claims == 2 {
		return nil, errors.New("connection lost")
	}
	return q.listQueue.Claim(ctx, now, n, lease)
}

// A claim that fails ends the run with its error, prefetched or not.
func TestRunReportsAFailedClaim(t *testing.T) {
	for _, prefetch := range []bool{false, true} {
		q := &failingClaims{listQueue: newList(10)}
		r := jobs.Runner[string]{Queue: q, Batch: 2, Prefetch: prefetch, Do: func(context.Context, int, jobs.Claimed[string]) activation.Attempt {
			return activation.Attempt{}
		}}
		sum, err := r.Run(context.Background(), time.Now())
		if err == nil || err.Error() != "connection lost" || sum.Done != 2 {
			t.Errorf("prefetch %v: %+v, %v", prefetch, sum, err)
		}
	}
}
