package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/umontpellier/scolpass/internal/activation"
)

// reportStore: three students of L1INFO (one paused at step 4 since two
// days, one locked, one active) and one of L2MATH never issued.
func reportStore(t *testing.T) *cliRun {
	c := newCLI(t)
	old := testNow.Add(-72 * time.Hour)
	a := c.store.add("1", "Jean", "Dupont", "jean.dupont", "L1INFO", "", old)
	c.store.issue(t, a, testPW, old)
	c.env["SCOLPASS_NOW"] = old.Format(time.RFC3339)
	c.paused(t, "jean.dupont")
	delete(c.env, "SCOLPASS_NOW")
	b := c.store.add("2", "Anne", "Alpha", "anne.alpha", "L1INFO", activation.StateIssued, old)
	acc := c.store.Account(b.StudentID)
	acc.LockedUntil = testNow.Add(time.Minute)
	c.save(t, acc)
	c.store.add("3", "Paul", "=Petit", "paul.petit", "L1INFO", activation.StateActive, testNow)
	c.store.add("4", "Zoé", "Zed", "zoe.zed", "L2MATH", "", testNow)
	return c
}

func TestReport(t *testing.T) {
	c := reportStore(t)
	c.run(t, "report").want(t, ExitOK, `PROGRAMME\s+STUDENTS\s+SHEETS\s+START\s+MAIL\s+CHARTER\s+MAILBOX\s+PASSWD\s+ACTIVE\s+LOCKED\s+RATE`,
		`L1INFO\s+3\s+3\s+1\s+1\s+0\s+0\s+0\s+1\s+1\s+33.3%`, `L2MATH\s+1\s+0\s+0\s+0\s+0\s+0\s+0\s+0\s+0\s+0.0%`, `TOTAL\s+4\s+3\s+1\s+1\s+0\s+0\s+0\s+1\s+1\s+25.0%`)
	r := c.run(t, "report", "-o", "json")
	r.want(t, ExitOK)
	var rep reportJSON
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Groups) != 2 || rep.Total.Students != 4 || rep.Total.Locked != 1 || rep.Total.ActivationRate != 0.25 || len(rep.Total.States) != len(activation.States) {
		t.Errorf("-o json: %+v", rep)
	}
	c.run(t, "report", "-o", "csv", "--sep", ";").want(t, ExitOK, "^\ufeffprogram;students;imported;issued;", `\nL1INFO;3;0;1;0;1;0;0;0;0;1;1;0.3333\r?\n`, `\nTOTAL;4;1;`)
	c.run(t, "report", "--by", "state").want(t, ExitOK, `STATE\s+STEP\s+STUDENTS\s+LOCKED`, `recovery_pending\s+4\s+1\s+0`, `TOTAL\s+4\s+1`)
	c.run(t, "report", "--program", "L2MATH", "-o", "json").want(t, ExitOK, `"key": "L2MATH"`, `"students": 1`)
	c.env["SCOLPASS_LDAP_URL"] = "ldap://localhost"
	c.run(t, "report").want(t, ExitOK, `Active accounts not yet in the directory: 1`)
	c.run(t, "report", "--by", "state").want(t, ExitOK, `Active accounts not yet in the directory: 1`)

	pdf := filepath.Join(c.dir, "report.pdf")
	c.run(t, "report", "--pdf", pdf).want(t, ExitOK, `PDF report written to`)
	if b, err := os.ReadFile(pdf); err != nil || len(b) < 1000 || string(b[:5]) != "%PDF-" {
		t.Errorf("report PDF: %d bytes, %v", len(b), err)
	}
	c.run(t, "report", "--pdf", pdf).want(t, ExitUsage, `already exists \(use --force`)
	c.run(t, "report", "--pdf", pdf, "--force").want(t, ExitOK)
}

func TestReportStuck(t *testing.T) {
	c := reportStore(t)
	c.run(t, "report", "--stuck", "48h").want(t, ExitOK, `LOGIN\s+NAME\s+PROGRAMME\s+STEP\s+SINCE\s+LINK\s+LOCKED`,
		`jean.dupont\s+Dupont Jean\s+L1INFO\s+4 recovery_pending\s+29/08/2026 10:00\s+expired \(jean@example.org\)\s+no`,
		`anne.alpha\s+Alpha Anne\s+L1INFO\s+1 issued\s+29/08/2026 10:00\s+yes`, `2 account\(s\) stuck`)
	c.run(t, "report", "--stuck", "7d").want(t, ExitOK, `no account is stuck that long`)
	if r := c.run(t, "report", "--stuck", "7d", "-o", "json"); r.stdout != "[]\n" {
		t.Errorf("--stuck -o json with no account: %q, want an empty array", r.stdout)
	}
	r := c.run(t, "report", "--stuck", "2d", "-o", "json")
	r.want(t, ExitOK)
	var list []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &list); err != nil {
		t.Fatalf("%v: %s", err, r.stdout)
	}
	if len(list) != 2 || list[0]["link_status"] != "expired" || list[0]["step"] != "4" || list[1]["locked"] != true {
		t.Errorf("--stuck -o json: %v", list)
	}
	c.run(t, "report", "--stuck", "2d", "-o", "csv").want(t, ExitOK, `LOGIN,NAME,PROGRAMME,STEP,SINCE,LINK,LOCKED`)
}

func TestReportFlags(t *testing.T) {
	c := newCLI(t)
	for _, tc := range []struct {
		args []string
		says string
	}{
		{[]string{"report", "--by", "town"}, `--by must be program, component, year or state, not "town"`},
		{[]string{"report", "--sep", "|"}, `--sep must be "," or ";"`},
		{[]string{"report", "--stuck", "soon"}, `--stuck "soon" is not a duration`},
		{[]string{"report", "--stuck", "-2h"}, `--stuck "-2h" is not a duration`},
		{[]string{"report", "--pdf", "report.txt"}, `must end in .pdf`},
		{[]string{"report", "--pdf", "/nonexistent/r.pdf"}, `directory /nonexistent does not exist`},
		{[]string{"report", "extra"}, `report takes no argument, got "extra"`},
	} {
		c.run(t, tc.args...).want(t, ExitUsage, tc.says)
	}
}
