package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/umontpellier/scolpass/internal/activation"
)

func TestIssue(t *testing.T) {
	c := newCLI(t)
	c.store.add("2", "Émile", "Zola", "emile.zola", "L1INFO", "", testNow)
	c.store.add("1", "Anne", "Alpha", "anne.alpha", "L1INFO", "", testNow)
	c.store.add("3", "Paul", "Petit", "paul.petit", "L2MATH", "", testNow)
	out := filepath.Join(c.dir, "l1.pdf")
	r := c.run(t, "issue-scolpass", "--program", "L1INFO", "--out", out)
	r.want(t, ExitOK, `STUDENT NO`, `2 SCOL'PASS issued \(batch \S+\), expiring 30/12/2026: `)
	if i, j := strings.Index(r.stdout, "Alpha"), strings.Index(r.stdout, "Zola"); i < 0 || j < i {
		t.Errorf("sheets not sorted by name:\n%s", r.stdout)
	}
	st, err := os.Stat(out)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("the PDF: %v, %v", st, err)
	}
	c.run(t, "issue-scolpass", "--program", "L1INFO", "--out", filepath.Join(c.dir, "again.pdf")).want(t, ExitOK, `no SCOL'PASS issued: no student selected`)
	c.run(t, "issue-scolpass", "--program", "L1INFO", "--out", out).want(t, ExitUsage, `already exists \(use --force to overwrite\)`)

	dir := filepath.Join(c.dir, "sheets")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	r = c.run(t, "issue-scolpass", "--all", "--out-dir", dir, "-o", "json")
	r.want(t, ExitOK)
	var rep issueReport
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Issued) != 3 || rep.Issued[0].Login != "anne.alpha@etu.umontpellier.fr" || !strings.HasPrefix(rep.Issued[0].File, dir) {
		t.Errorf("-o json: %+v", rep)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.pdf"))
	if len(files) != 3 {
		t.Errorf("--out-dir wrote %v", files)
	}
	c.run(t, "issue-scolpass", "--student", "3", "--out", filepath.Join(c.dir, "p.pdf"), "-o", "csv").want(t, ExitOK, `STUDENT NO,NAME,PROGRAMME,IDENTIFIER,FILE\n3,Petit Paul,L2MATH,paul.petit@etu.umontpellier.fr,`)
	c.run(t, "issue-scolpass", "--student", "9", "--out", filepath.Join(c.dir, "n.pdf")).want(t, ExitNotFound, `no student with number 9`)
	c.run(t, "issue-scolpass", "--student", "3", "--student", "9", "--out", filepath.Join(c.dir, "m.pdf")).want(t, ExitPartial, `not found: student number 9`)

	// An active account gets no new SCOL'PASS here.
	a := c.store.Account(1)
	a.State = activation.StateActive
	c.save(t, a)
	c.run(t, "issue-scolpass", "--student", "2", "--out", filepath.Join(c.dir, "z.pdf")).want(t, ExitPartial, `skipped 2 Émile Zola \(emile.zola@etu.umontpellier.fr\): account already active, use reset --reissue`)
}

func TestIssueFlags(t *testing.T) {
	c := newCLI(t)
	for _, tc := range []struct {
		args []string
		says string
	}{
		{[]string{"issue-scolpass"}, `say where the sheets go: --out FILE.pdf or --out-dir DIR`},
		{[]string{"issue-scolpass", "--out", "a.pdf", "--out-dir", "."}, `say where the sheets go`},
		{[]string{"issue-scolpass", "--out", "a.pdf", "--valid-for", "ever"}, `--valid-for "ever" is not a duration`},
		{[]string{"issue-scolpass", "--out", "a.txt"}, `--out a.txt: the file name must end in .pdf`},
		{[]string{"issue-scolpass", "--out", "/nonexistent/a.pdf"}, `directory /nonexistent does not exist`},
		{[]string{"issue-scolpass", "--out-dir", "/nonexistent"}, `--out-dir /nonexistent is not an existing directory`},
	} {
		c.run(t, tc.args...).want(t, ExitUsage, tc.says)
	}
}

func TestResetAndRedirect(t *testing.T) {
	c := newCLI(t)
	a := c.store.add("22600001", "Jean", "Dupont", "jean.dupont", "L1INFO", "", testNow)
	c.store.issue(t, a, testPW, testNow)
	c.paused(t, "jean.dupont")
	c.run(t, "reset", "jean.dupont", "--restart").want(t, ExitOK, `State:\s+issued`)
	if got := c.store.Account(a.StudentID); got.RecoveryEmail != "" || got.State != activation.StateIssued {
		t.Errorf("after --restart: %+v", got)
	}
	c.run(t, "reset", "jean.dupont", "--unlock").want(t, ExitOK)

	// --reissue writes the sheet where asked (or under the student's name).
	old := c.store.Account(a.StudentID).Provisional.Hash
	out := filepath.Join(c.dir, "jean.pdf")
	c.run(t, "reset", "jean.dupont", "--reissue", "--out", out).want(t, ExitOK, `1 SCOL'PASS issued`)
	if _, err := os.Stat(out); err != nil {
		t.Error(err)
	}
	if c.store.Account(a.StudentID).Provisional.Hash == old {
		t.Error("--reissue kept the old provisional password")
	}
	c.run(t, "reset", "jean.dupont", "--reissue", "--out", out).want(t, ExitUsage, `already exists`)
	wd, _ := os.Getwd()
	t.Cleanup(func() { os.Chdir(wd) })
	if err := os.Chdir(c.dir); err != nil {
		t.Fatal(err)
	}
	c.run(t, "reset", "22600001", "--reissue", "-o", "json").want(t, ExitOK, `"file": "22600001_DUPONT_Jean.pdf"`)

	// set-redirect on an active account: another address needs its link.
	acc := c.store.Account(a.StudentID)
	acc.State, acc.RecoveryEmail = activation.StateActive, "jean@example.org"
	c.save(t, acc)
	c.run(t, "set-redirect", "jean.dupont", "--to", "jd@example.net", "--keep-copy").want(t, ExitPaused, `Link sent to jd@example.net`)
	c.run(t, "set-redirect", "jean.dupont", "--to", "x@etu.umontpellier.fr").want(t, ExitPolicy)
	c.run(t, "set-redirect", "jean.dupont", "--off").want(t, ExitOK)

	for _, tc := range []struct {
		args []string
		says string
	}{
		{[]string{"reset", "jean.dupont"}, `give exactly one of --unlock, --restart, --reissue`},
		{[]string{"reset", "jean.dupont", "--unlock", "--restart"}, `give exactly one of`},
		{[]string{"reset", "jean.dupont", "--unlock", "--out", "a.pdf"}, `--out goes with --reissue`},
		{[]string{"reset", "jean.dupont", "--reissue", "--valid-for", "x"}, `--valid-for "x" is not a duration`},
		{[]string{"set-redirect", "jean.dupont"}, `give either --to ADDR or --off`},
		{[]string{"set-redirect", "jean.dupont", "--to", "a@b.c", "--off"}, `give either --to ADDR or --off`},
		{[]string{"set-redirect", "jean.dupont", "--off", "--keep-copy"}, `--keep-copy goes with --to, not with --off`},
	} {
		c.run(t, tc.args...).want(t, ExitUsage, tc.says)
	}
	c.run(t, "reset", "nobody", "--restart").want(t, ExitNotFound)
}
