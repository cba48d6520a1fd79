package activation_test

import (
	"errors"
	"testing"
	"time"

	"github.com/umontpellier/scolpass/internal/activation"
	"github.com/umontpellier/scolpass/internal/activation/memstore"
)

func TestRetryDelay(t *testing.T) {
	for n, want := range map[int]time.Duration{
		1: time.Minute, 2: 2 * time.Minute, 3: 4 * time.Minute, 9: 256 * time.Minute,
		10: 6 * time.Hour, 11: 6 * time.Hour, 1000: 6 * time.Hour,
	} {
		if got := activation.RetryDelay(n); got != want {
			t.Errorf("RetryDelay(%d) = %s, want %s", n, got, want)
		}
	}
}

func TestSettleJob(t *testing.T) {
	now := time.Date(2026, 9, 1, 10, 0, 0, 0, time.UTC)
	down := errors.New("451 try again later")
	tests := []struct {
		name     string
		attempts int
		a        activation.Attempt
		want     activation.Settlement
	}{
		{"done", 1, activation.Attempt{Target: "uid=a"}, activation.Settlement{Status: activation.JobDone, Target: "uid=a", ClearPayload: true}},
		{"skipped: done with the note", 1, activation.Attempt{Skipped: "not written"},
			activation.Settlement{Status: activation.JobDone, LastError: "not written", ClearPayload: true}},
		{"refused for good: failed, body cleared", 2, activation.Attempt{Err: errors.New("550 no such user"), Permanent: true},
			activation.Settlement{Status: activation.JobFailed, LastError: "550 no such user", ClearPayload: true}},
		{"first failure: a minute", 1, activation.Attempt{Err: down},
			activation.Settlement{Status: activation.JobPending, LastError: down.Error(), NextAttemptAt: now.Add(time.Minute)}},
		{"third failure: four minutes", 3, activation.Attempt{Err: down},
			activation.Settlement{Status: activation.JobPending, LastError: down.Error(), NextAttemptAt: now.Add(4 * time.Minute)}},
		{"twentieth: six hours", 20, activation.Attempt{Err: down},
			activation.Settlement{Status: activation.JobPending, LastError: down.Error(), NextAttemptAt: now.Add(6 * time.Hour)}},
	}
	for _, tt := range tests {
		if got := activation.SettleJob(tt.attempts, tt.a, now); got != tt.want {
			t.Errorf("%s: %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

// The directory rules, on accounts as the in-memory store keeps them: only
// active accounts are queued and written; one issued again since its job
// was queued (or deleted) is skipped; a done job cannot be retried.
func TestDirectoryRules(t *testing.T) {
	now := time.Date(2026, 9, 1, 10, 0, 0, 0, activation.Zone())
	st := memstore.New("2026-1")
	active := st.Add(activation.Account{FirstName: "Anne", LastName: "Alpha", Login: "anne.alpha", StudentNo: "1",
		State: activation.StateActive, StateSince: now, PasswordHash: "$argon2id$v=19$m=1024,t=1,p=1$c2FsdA$aGFzaA"})
	issued := st.Add(activation.Account{FirstName: "Bruno", LastName: "Beta", Login: "bruno.beta", StudentNo: "2",
		State: activation.StateIssued, StateSince: now})

	if err := activation.MayProvision("anne.alpha", st.Account(active.StudentID).State); err != nil {
		t.Errorf("active: %v", err)
	}
	err := activation.MayProvision("bruno.beta", st.Account(issued.StudentID).State)
	if activation.ErrorCode(err) != activation.ESTATE || activation.ErrorMessage(err) != "bruno.beta is not active (issued): only active accounts go to the directory" {
		t.Errorf("issued: %v", err)
	}

	if why := activation.ProvisionSkip(st.Account(active.StudentID)); why != "" {
		t.Errorf("active account skipped: %s", why)
	}
	if why := activation.ProvisionSkip(st.Account(issued.StudentID)); why != "not written: the account is no longer active (now issued)" {
		t.Errorf("issued account: %q", why)
	}
	if why := activation.ProvisionSkip(nil); why != "not written: the account is no longer active (now deleted)" {
		t.Errorf("deleted account: %q", why)
	}

	pending := activation.Job{ID: 7}
	failed := activation.Job{ID: 8, FailedAt: &now}
	for _, j := range []activation.Job{pending, failed} {
		if err := activation.MayRetryJob(&j); err != nil {
			t.Errorf("job %d: %v", j.ID, err)
		}
	}
	done := activation.Job{ID: 9, DoneAt: &now}
	err = activation.MayRetryJob(&done)
	if activation.ErrorCode(err) != activation.ESTATE || activation.ErrorMessage(err) != "provisioning job 9 is already done (01/09/2026 10:00): nothing to retry" {
		t.Errorf("done job: %v", err)
	}
}
