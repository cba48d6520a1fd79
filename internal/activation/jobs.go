package activation

import (
	"fmt"
	"time"
)

// A job is one piece of work done after a step has committed, outside any
// database transaction: an email of the outbox to deliver over SMTP, a
// directory (LDAP) write of an account. Both live in one kind of queue
// (internal/jobs): a worker claims due jobs with a lease (a short
// transaction, committed), does the network I/O, then records the outcome
// in a second short transaction. The rules of that life cycle are here;
// the stores carry them out.

// JobStatus is where a job stands.
type JobStatus string

// The statuses of a job. The outbox names JobDone "sent" and JobPending
// "queued" on screen (JobStatus.Word).
const (
	JobPending JobStatus = "pending" // due now or later (held by a worker while its lease runs)
	JobDone    JobStatus = "done"    // written, delivered, or nothing left to do (Note says why)
	JobFailed  JobStatus = "failed"  // refused for good: no retry until an operator asks
)

// JobLease is how long a claimed job belongs to the worker that claimed
// it. A worker that dies (killed, its host gone) holds the job no longer:
// once the lease has run out another worker claims it again. It is far
// above the time one job takes (an SMTP or LDAP exchange, each command
// bounded by a 10 s timeout).
const JobLease = 5 * time.Minute

// Job is one job of a queue as the store holds it.
type Job struct {
	ID            int64
	Queue         string // "mail" or "directory"
	Login         string // the account ("" once deleted)
	Kind          string // why: the email's kind, or the provisioning reason
	To            string // mail: the recipient
	Subject       string // mail: the subject
	CreatedAt     time.Time
	Attempts      int // claims so far (an attempt cut short by a crash counts)
	NextAttemptAt time.Time
	LeasedUntil   time.Time // zero: not held
	LastError     string    // the last failure, or a note on a job done without writing
	Target        string    // directory: the entry written (DN), once known
	DoneAt        *time.Time
	FailedAt      *time.Time
}

// Status says where j stands.
func (j *Job) Status() JobStatus {
	switch {
	case j.DoneAt != nil:
		return JobDone
	case j.FailedAt != nil:
		return JobFailed
	}
	return JobPending
}

// Attempt is what one attempt at a job gave.
type Attempt struct {
	Err       error  // nil: the work was done
	Permanent bool   // Err is a refusal no retry can fix (SMTP 5xx, LDAP no such entry…)
	Skipped   string // nothing was done and nothing is left to do: why
	Target    string // directory: the entry written or refused
}

// Settlement is what the store records after an attempt: the job's new
// status, when it is next due (JobPending), the error or note to keep, and
// whether its payload (an email body, which carries a link) is dropped.
type Settlement struct {
	Status        JobStatus
	NextAttemptAt time.Time // JobPending: due again then
	LastError     string
	Target        string
	ClearPayload  bool // every terminal state: nothing of the email survives
}

// RetryDelay is the wait after the n-th failed attempt at a job (n ≥ 1):
// 1 min, 2, 4, … doubling, capped at 6 hours.
func RetryDelay(n int) time.Duration {
	const max = 6 * time.Hour
	d := time.Minute
	for i := 1; i < n && d < max; i++ {
		d *= 2
	}
	return min(d, max)
}

// SettleJob is the rule of retries and permanent failure: after attempt
// number attempts (counting this one) ended in o at now, a job is done
// (the work done, or skipped with a note), failed for good (a permanent
// refusal), or due again after RetryDelay(attempts). A terminal state
// (done or failed) clears the payload.
func SettleJob(attempts int, o Attempt, now time.Time) Settlement {
	s := Settlement{Target: o.Target}
	switch {
	case o.Skipped != "":
		s.Status, s.LastError = JobDone, o.Skipped
	case o.Err == nil:
		s.Status = JobDone
	case o.Permanent:
		s.Status, s.LastError = JobFailed, o.Err.Error()
	default:
		s.Status, s.LastError = JobPending, o.Err.Error()
		s.NextAttemptAt = now.Add(RetryDelay(attempts))
		return s
	}
	s.ClearPayload = true
	return s
}

// MayProvision is the rule "only active accounts go to the directory":
// a directory job may be queued for an account in state only when it is
// active (ESTATE otherwise, naming the account).
func MayProvision(who string, state State) error {
	if state != StateActive {
		return Errorf(ESTATE, "%s is not active (%s): only active accounts go to the directory", who, state)
	}
	return nil
}

// ProvisionSkip is the rule "skip accounts no longer active": when a
// directory job runs, an account that is not active any more (issued
// again, or deleted: a is nil) is not written; the job is done with the
// note returned. "" means write it.
func ProvisionSkip(a *Account) string {
	if a == nil {
		return "not written: the account is no longer active (now deleted)"
	}
	if a.State != StateActive || a.PasswordHash == "" {
		return fmt.Sprintf("not written: the account is no longer active (now %s)", a.State)
	}
	return ""
}

// ProvisionRevokes says whether a directory job of that reason, on the
// account as it stands now, takes the password out of the directory: a
// revocation queued by a re-issue, the account not active again since.
func ProvisionRevokes(reason string, a *Account) bool {
	return reason == ProvisionRevoked && (a == nil || a.State != StateActive)
}

// MayRetryJob is the rule "a done job can't be retried": an operator may
// make a failed or pending job due again, not one already done (ESTATE).
func MayRetryJob(j *Job) error {
	if j.DoneAt != nil {
		return Errorf(ESTATE, "provisioning job %d is already done (%s): nothing to retry", j.ID,
			ParisTime(*j.DoneAt))
	}
	return nil
}
