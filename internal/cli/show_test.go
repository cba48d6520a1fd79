package cli

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/umontpellier/scolpass/internal/activation"
)

// paused brings an account to step 4: a link sent to jean@example.org.
func (c *cliRun) paused(t *testing.T, login string) {
	t.Helper()
	c.stdin = `{"provisional_password": "` + testPW + `", "recovery_email": "jean@example.org"}`
	c.run(t, "activate", login, "--answers", "-").want(t, ExitPaused)
}

func TestShow(t *testing.T) {
	c := newCLI(t)
	a := c.store.add("22600001", "Jean", "Dupont", "jean.dupont", "L1INFO", "", testNow.Add(-48*time.Hour))
	c.store.issue(t, a, testPW, testNow.Add(-24*time.Hour))
	c.paused(t, "jean.dupont")

	r := c.run(t, "show", "jean.dupont")
	r.want(t, ExitOK, `Name:\s+Jean Dupont`, `Student number:\s+22600001`, `Birth date:\s+04/05/2006`, `INE:\s+INE22600001`,
		`Identifier:\s+jean.dupont@etu.umontpellier.fr`, `State:\s+recovery_pending \(step 4\) since 01/09/2026 10:00`,
		`SCOL'PASS:\s+issued 31/08/2026 10:00, valid until 29/12/2026`, `Recovery email:\s+jean@example.org`,
		`Link \(recovery\):\s+to jean@example.org, sent 01/09/2026 10:00, pending until 01/09/2026 23:59`,
		`History:`, `recovery-email`)
	if strings.Contains(r.stdout, "Directory:") {
		t.Error("directory told while provisioning is off and no job was ever queued")
	}

	r = c.run(t, "show", "22600001", "-o", "json")
	r.want(t, ExitOK)
	var out showJSON
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatal(err)
	}
	if out.State != activation.StateRecoveryPending || out.Step != "4" || len(out.Links) != 1 || out.CharterOutdated || out.Locked {
		t.Errorf("-o json: %+v", out)
	}
	c.run(t, "show", "jean.dupont", "-o", "csv").want(t, ExitOK, `^WHEN,OPERATOR,CHANNEL,ACTION,FROM,TO,OUTCOME,DETAIL\n`, `,script,recovery-email,authenticated,recovery_pending,ok,`)
	c.env["SCOLPASS_NOW"] = "2027-01-05T09:00:00+01:00"
	c.run(t, "show", "jean.dupont").want(t, ExitOK, `SCOL'PASS:\s+issued 31/08/2026 10:00, EXPIRED on 29/12/2026`,
		`Link \(recovery\):\s+to jean@example.org, sent 01/09/2026 10:00, EXPIRED 01/09/2026 23:59`)
	c.run(t, "show", "nobody").want(t, ExitNotFound, `nobody`)
	c.run(t, "show").want(t, ExitUsage, `show needs LOGIN or STUDENT_NO`)
}

// TestShowCharterAndLock: a newer charter since step 5 is flagged, a lock
// is shown with its end, a clock set by SCOLPASS_NOW is named.
func TestShowCharterAndLock(t *testing.T) {
	c := newCLI(t)
	a := c.store.add("1", "Jean", "Dupont", "jean.dupont", "L1INFO", activation.StateMailboxReady, testNow)
	c.store.issue(t, a, testPW, testNow)
	acc := c.store.Account(a.StudentID)
	acc.CharterVersion, acc.CharterAcceptedAt = "2026-09", testNow
	acc.LockedUntil, acc.FailedAttempts = testNow.Add(10*time.Minute), 5
	acc.RedirectTo, acc.KeepCopy = "jd@example.org", true
	c.save(t, acc)
	c.run(t, "show", "jean.dupont").want(t, ExitOK, `IT charter:\s+2026-09 accepted 01/09/2026 10:00\n`, `LOCKED:\s+until 01/09/2026 10:10`,
		`Redirect:\s+jd@example.org \(keep a copy: yes\)`)

	c.store.Publish("2027-01")
	c.env["SCOLPASS_NOW"] = "2026-09-01T10:05:00+02:00"
	c.run(t, "reset", "jean.dupont", "--unlock").want(t, ExitOK)
	r := c.run(t, "show", "jean.dupont")
	r.want(t, ExitOK, `NEEDS RE-ACCEPTANCE of version 2027-01`, `\*1 time set by SCOLPASS_NOW=2026-09-01T10:05:00\+02:00`)
	if strings.Contains(r.stdout, "LOCKED") {
		t.Errorf("still shown locked after reset --unlock:\n%s", r.stdout)
	}
	c.run(t, "show", "jean.dupont", "-o", "json").want(t, ExitOK, `"charter_needs_reacceptance": true`)
}

// TestShowDirectory: with provisioning on, show says where the account
// stands in the directory.
func TestShowDirectory(t *testing.T) {
	c := newCLI(t)
	a := c.store.add("1", "Jean", "Dupont", "jean.dupont", "L1INFO", activation.StateActive, testNow)
	b := c.store.add("2", "Anne", "Alpha", "anne.alpha", "L1INFO", activation.StateActive, testNow)
	d := c.store.add("3", "Paul", "Petit", "paul.petit", "L1INFO", activation.StateActive, testNow)
	done, failed := testNow, testNow.Add(time.Minute)
	c.store.jobs[a.StudentID] = &activation.Job{ID: 7, DoneAt: &done, Target: "uid=jean.dupont,ou=people"}
	c.store.jobs[b.StudentID] = &activation.Job{ID: 8, FailedAt: &failed, LastError: "no such object"}
	c.store.jobs[d.StudentID] = &activation.Job{ID: 9, Attempts: 2, NextAttemptAt: testNow.Add(4 * time.Minute), LastError: "connection refused"}
	c.run(t, "show", "jean.dupont").want(t, ExitOK, `Directory:\s+done 01/09/2026 10:00 \(uid=jean.dupont,ou=people\)`)
	c.run(t, "show", "anne.alpha").want(t, ExitOK, `Directory:\s+FAILED 01/09/2026 10:01 \(job 8\): no such object — fix it, then scolpass provision retry 8`)
	c.run(t, "show", "paul.petit").want(t, ExitOK, `Directory:\s+pending \(job 9, 2 attempt\(s\), next 01/09/2026 10:04: connection refused\)`)
	c.store.add("4", "Zoé", "Zed", "zoe.zed", "L1INFO", activation.StateActive, testNow)
	c.env["SCOLPASS_LDAP_URL"] = "ldap://localhost"
	c.run(t, "show", "zoe.zed").want(t, ExitOK, `Directory:\s+not in the directory: no job was ever queued`)
	c.run(t, "show", "zoe.zed", "-o", "json").want(t, ExitOK, `"status": "not queued"`)
}

// save writes an account as a test sets it up.
func (c *cliRun) save(t *testing.T, a *activation.Account) {
	t.Helper()
	if err := c.store.Store.Update(t.Context(), a.StudentID, -1, testNow, func(tx activation.Tx, _ *activation.Account) error {
		if a.State == activation.StateActive && a.PasswordHash == "" {
			a.PasswordHash = "x"
		}
		return tx.SaveAccount(a)
	}); err != nil {
		t.Fatal(err)
	}
}
