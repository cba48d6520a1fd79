package activation

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"
)

// IssueSelection says which students get a SCOL'PASS. Filters combine with
// AND. Without All or StudentNos only students never issued are selected
// (see Selects).
type IssueSelection struct {
	StudentNos []string
	Programs   []string
	Components []string
	Years      []string
	All        bool
	// Force also issues active accounts (their password stops working);
	// otherwise they are skipped and listed.
	Force bool
}

// Selects is the default-selection rule: a bulk run without --all or
// --student takes only the students who never had a SCOL'PASS.
func (sel IssueSelection) Selects(a *Account) bool {
	return sel.All || len(sel.StudentNos) > 0 || a.State == StateImported
}

// MayIssue is who may get a new SCOL'PASS: anyone but an active account,
// which needs force (its password would stop working).
func MayIssue(a *Account, force bool) bool { return a.State != StateActive || force }

// issue is what a new SCOL'PASS does to an account: a fresh provisional
// password, back to step 1 with every choice of steps 3 to 7 forgotten, no
// lock, no final password. (The store also revokes its links and ends its
// web sessions: IssueBatch.)
func (a *Account) issue(p Provisional, now time.Time) {
	a.forgetProgress()
	a.State, a.StateSince = StateIssued, now
	a.FailedAttempts, a.LockedUntil = 0, time.Time{}
	a.PasswordHash, a.PasswordSetAt, a.ActivatedAt = "", time.Time{}, time.Time{}
	a.Provisional = &p
}

// NewSheet is one SCOL'PASS to print: the account as issued and its
// provisional password in clear, which exists nowhere else.
type NewSheet struct {
	Account  *Account
	Password string
}

// IssueResult says who got a SCOL'PASS and who did not.
type IssueResult struct {
	Batch     string
	ExpiresAt time.Time
	Issued    []*Account
	Skipped   []*Account // active accounts without Force
	NotFound  []string   // student numbers asked for that do not exist
}

// NewBatchID names a batch of SCOL'PASS: its Paris time and 6 random hex
// digits.
func NewBatchID(now time.Time) string {
	var b [3]byte
	_, _ = rand.Read(b[:])
	return now.In(Zone()).Format("20060102-150405") + "-" + hex.EncodeToString(b[:])
}

// Issue gives the selected students new provisional passwords valid for
// validFor, in one transaction: the accounts are selected and locked, who
// may be issued is decided under the lock, print receives the sheets (it
// must make them durable, or fail), and only when print succeeds are the
// new credentials stored, the accounts moved to issued and audited. If
// print fails no password changes. Accounts locked by another transaction
// give an ESTATE conflict.
func (s *Service) Issue(ctx context.Context, sel IssueSelection, validFor time.Duration, now time.Time, print func([]NewSheet) error) (IssueResult, error) {
	res := IssueResult{Batch: NewBatchID(now), ExpiresAt: now.Add(validFor)}
	if validFor <= 0 {
		return res, Errorf(EINVALID, "the validity of a provisional password must be positive")
	}
	err := s.Store.IssueBatch(ctx, sel, now, func(accounts []*Account) ([]*Account, error) {
		found := map[string]bool{}
		var sheets []NewSheet
		res.Issued, res.Skipped = nil, nil
		for _, a := range accounts {
			found[a.StudentNo] = true
			if !sel.Selects(a) {
				continue
			}
			if !MayIssue(a, sel.Force) {
				res.Skipped = append(res.Skipped, a)
				continue
			}
			pw, err := GenerateProvisional()
			if err != nil {
				return nil, err
			}
			a.issue(Provisional{Hash: HashProvisionalWith(pw, s.Config.ProvisionalKey), IssuedAt: now, ExpiresAt: res.ExpiresAt, Batch: res.Batch}, now)
			res.Issued = append(res.Issued, a)
			sheets = append(sheets, NewSheet{Account: a, Password: pw})
		}
		res.NotFound = nil
		for _, no := range sel.StudentNos {
			if !found[no] {
				res.NotFound = append(res.NotFound, no)
			}
		}
		if len(sheets) == 0 {
			return nil, nil
		}
		if err := print(sheets); err != nil {
			return nil, err
		}
		for i := range sheets {
			sheets[i].Password = ""
		}
		return res.Issued, nil
	})
	return res, err
}

// Reissue gives one account a new SCOL'PASS (reset --reissue): a lost
// sheet, an expired or forgotten password. An active account needs force;
// the decision is made under the account's lock, so an activation that
// completes meanwhile is never wiped (ESTATE instead).
func (s *Service) Reissue(ctx context.Context, key string, force bool, validFor time.Duration, now time.Time, print func([]NewSheet) error) (IssueResult, error) {
	a, err := s.Store.Load(ctx, s.Config.LoginOf(key))
	if err != nil {
		return IssueResult{}, err
	}
	res, err := s.Issue(ctx, IssueSelection{StudentNos: []string{a.StudentNo}, All: true, Force: force}, validFor, now, print)
	if err != nil {
		return res, err
	}
	if len(res.Skipped) > 0 {
		return res, &Error{Code: ESTATE, Reason: ReasonAlreadyActive,
			Message: fmt.Sprintf("%s is active: a new SCOL'PASS would end its password; add --force to do it", s.Config.Identifier(a.Login))}
	}
	if len(res.Issued) == 0 {
		return res, ErrNoStudent(key)
	}
	if a.State == StateActive {
		// Its password no longer opens the directory either (reset.go).
		if err := s.revokeDirectoryPassword(ctx, a, now); err != nil {
			return res, err
		}
	}
	return res, nil
}
