package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/umontpellier/scolpass/internal/activation"
	"github.com/umontpellier/scolpass/internal/login"
	"github.com/umontpellier/scolpass/internal/passpdf"
)

type issueOptions struct {
	Students   []string
	Programs   []string
	Components []string
	Years      []string
	All        bool
	Out        string
	OutDir     string
	Force      bool
	ValidFor   string
}

func newIssueCmd(env *Env) *cobra.Command {
	opts := &issueOptions{}
	cmd := &cobra.Command{
		Use:   "issue-scolpass",
		Short: "Give students provisional passwords and print their SCOL'PASS sheets (PDF)",
		Long: `Give each selected student a fresh provisional password and print one A4
SCOL'PASS page per student: identifier, provisional password, its expiry, the
activation address (text and QR code) and the steps of the guide (FR/EN).

Selection (filters combine): --student (repeatable), --program, --component,
--year, --all. By default only students never issued are selected. Active
accounts are skipped and listed: they need reset --reissue.

The passwords exist only on paper: the database keeps a hash. The PDF is
written first (mode 0600) under a hidden name (.NAME.pdf.scolpass-BATCH.pending);
if it cannot be written no password changes, and the file appears only once
the passwords are stored. A run killed between the two leaves the hidden
files: the next run into the same place finishes them (and removes those
whose passwords never counted), naming every file. A file that appears
under a sheet's name during the run is not overwritten: the sheet is
written beside it as NAME.BATCH.pdf.`,
		Example: `  scolpass issue-scolpass --program L1INFO --out l1info.pdf
  scolpass issue-scolpass --all --out-dir sheets/
  scolpass issue-scolpass --student 22600001 --student 22600002 --out desk.pdf --force`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runIssue(cmd, env, opts)
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&opts.Students, "student", nil, "student number (repeatable); re-issues even if already issued")
	f.StringArrayVar(&opts.Programs, "program", nil, "programme code, e.g. L1INFO (repeatable)")
	f.StringArrayVar(&opts.Components, "component", nil, "component code (repeatable)")
	f.StringArrayVar(&opts.Years, "year", nil, "academic year (repeatable)")
	f.BoolVar(&opts.All, "all", false, "select every student matching the filters, issued or not")
	f.StringVar(&opts.Out, "out", "", "one PDF with every sheet, sorted by programme, last name, first name")
	f.StringVar(&opts.OutDir, "out-dir", "", "one PDF per student in this directory")
	f.BoolVar(&opts.Force, "force", false, "overwrite existing PDF files")
	f.StringVar(&opts.ValidFor, "valid-for", "120d", "how long the provisional passwords stay valid (e.g. 120d, 30d)")
	return cmd
}

type issuedJSON struct {
	StudentNo string     `json:"student_no"`
	LastName  string     `json:"last_name"`
	FirstName string     `json:"first_name"`
	Program   string     `json:"program"`
	Login     string     `json:"login"`
	File      string     `json:"file,omitempty"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
}

type issueReport struct {
	Batch    string       `json:"batch"`
	Issued   []issuedJSON `json:"issued"`
	Skipped  []issuedJSON `json:"skipped_active"`
	NotFound []string     `json:"not_found"`
}

// sheetKey is how names and programmes sort on paper: case, accents and
// special letters ignored.
func sheetKey(s string) string { return login.SortKey(s) }

// sheetLess is the order of sheets on paper (and of the issue report):
// programme, last name, first name, student number.
func sheetLess(a, b *activation.Account) bool {
	if a.Program != b.Program {
		return sheetKey(a.Program) < sheetKey(b.Program)
	}
	if ka, kb := sheetKey(a.LastName), sheetKey(b.LastName); ka != kb {
		return ka < kb
	}
	if ka, kb := sheetKey(a.FirstName), sheetKey(b.FirstName); ka != kb {
		return ka < kb
	}
	return a.StudentNo < b.StudentNo
}

func runIssue(cmd *cobra.Command, env *Env, opts *issueOptions) error {
	if (opts.Out == "") == (opts.OutDir == "") {
		return usagef("say where the sheets go: --out FILE.pdf or --out-dir DIR (one of them)")
	}
	validFor, err := parseDuration(opts.ValidFor)
	if err != nil || validFor <= 0 {
		return usagef("--valid-for %q is not a duration such as 120d or 720h", opts.ValidFor)
	}
	target := sheetTarget{File: opts.Out, Dir: opts.OutDir, Force: opts.Force}
	if err := target.check(); err != nil {
		return err
	}
	run, err := env.accountService(cmd.Context(), "bulk")
	if err != nil {
		return err
	}
	if err := finishLeftSheets(cmd.Context(), env, run.store, target.dir()); err != nil {
		return err
	}
	sel := activation.IssueSelection{StudentNos: opts.Students, Programs: opts.Programs, Components: opts.Components, Years: opts.Years, All: opts.All}
	p := run.sheetPrinter(env, target)
	res, err := run.svc.Issue(cmd.Context(), sel, validFor, run.now, p.print)
	if err := p.finish(err); err != nil {
		return err
	}
	rep := issueReportOf(run.svc.Config, res, p.files)
	if err := printIssue(env, rep, target); err != nil {
		return err
	}
	switch {
	case len(rep.Issued) == 0 && len(sel.StudentNos) > 0 && len(rep.NotFound) == len(sel.StudentNos):
		return activation.Errorf(activation.ENOTFOUND, "no student with number %s", strings.Join(rep.NotFound, ", "))
	case len(rep.NotFound) > 0 || (len(sel.StudentNos) > 0 && len(rep.Skipped) > 0):
		return &silentError{code: ExitPartial}
	}
	return nil
}

// sheetTarget says where sheets are written.
type sheetTarget struct {
	File  string
	Dir   string
	Force bool
}

// dir is the directory the sheets go to.
func (t sheetTarget) dir() string {
	if t.File != "" {
		return filepath.Dir(t.File)
	}
	return t.Dir
}

func (t sheetTarget) check() error {
	if t.File != "" {
		if !strings.HasSuffix(strings.ToLower(t.File), ".pdf") {
			return usagef("--out %s: the file name must end in .pdf", t.File)
		}
		dir := filepath.Dir(t.File)
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			return usagef("--out %s: directory %s does not exist", t.File, dir)
		}
		if _, err := os.Stat(t.File); err == nil && !t.Force {
			return usagef("--out %s already exists (use --force to overwrite)", t.File)
		}
		return nil
	}
	if st, err := os.Stat(t.Dir); err != nil || !st.IsDir() {
		return usagef("--out-dir %s is not an existing directory", t.Dir)
	}
	return nil
}

// sheetPrinter writes a batch's sheets where the office asked, with a
// progress bar: complete files under hidden names while the passwords are
// stored, moved into place once they are (finish).
type sheetPrinter struct {
	env    *Env
	cfg    activation.Config
	target sheetTarget
	now    time.Time
	batch  *passpdf.Batch
	files  map[string]string // student number → file
}

func (r *accountRun) sheetPrinter(env *Env, target sheetTarget) *sheetPrinter {
	return &sheetPrinter{env: env, cfg: r.svc.Config, target: target, now: r.now, files: map[string]string{}}
}

func (p *sheetPrinter) print(news []activation.NewSheet) error {
	renderer, err := passpdf.NewRenderer()
	if err != nil {
		return err
	}
	sort.SliceStable(news, func(i, j int) bool { return sheetLess(news[i].Account, news[j].Account) })
	batch := news[0].Account.Provisional.Batch
	sheets := make([]passpdf.Sheet, len(news))
	for i, n := range news {
		a := n.Account
		sheets[i] = passpdf.Sheet{University: p.cfg.University, FirstName: a.FirstName, LastName: a.LastName,
			StudentNo: a.StudentNo, Program: a.Program, Login: p.cfg.Identifier(a.Login), Password: n.Password,
			ExpiresAt: a.Provisional.ExpiresAt, IssuedAt: p.now, ActivationURL: p.cfg.ActivationURL}
	}
	defer func() {
		for i := range sheets {
			sheets[i].Password = ""
		}
	}()
	bar := newProgress(p.env, len(sheets), "printing SCOL'PASS sheets")
	defer bar.Finish()
	if p.target.File != "" {
		for _, n := range news {
			p.files[n.Account.StudentNo] = p.target.File
		}
		p.batch, err = renderer.WriteOne(batch, p.target.File, p.target.Force, sheets, func(n int) {
			_ = bar.Set(n)
			if n == len(sheets) { // pages laid out; compressing and writing takes as long again
				bar.Describe("writing the PDF")
			}
		})
		return fileError(err)
	}
	paths := make([]string, len(sheets))
	for i := range sheets {
		paths[i] = filepath.Join(p.target.Dir, passpdf.SheetFileName(sheets[i]))
		if _, err := os.Lstat(paths[i]); err == nil && !p.target.Force {
			return usagef("%s already exists (use --force to overwrite)", paths[i])
		}
		p.files[news[i].Account.StudentNo] = paths[i]
	}
	p.batch, err = renderer.WriteEach(batch, sheets, paths, p.target.Force, func(n int) { _ = bar.Set(n) })
	return fileError(err)
}

// finish moves the sheets into place once the passwords are stored, or
// removes them when they are not.
func (p *sheetPrinter) finish(err error) error {
	if err != nil {
		if p.batch != nil {
			p.batch.Abort()
		}
		if activation.ErrorCode(err) == activation.EINTERNAL {
			return fmt.Errorf("%w (no password was changed)", err)
		}
		return err
	}
	if p.batch == nil {
		return nil
	}
	moved, errs := p.batch.Commit()
	for _, m := range moved {
		fmt.Fprintf(p.env.Stderr, "%s appeared during the run: the new sheet is %s\n", m.Final, m.To)
		for no, f := range p.files {
			if f == m.Final {
				p.files[no] = m.To
			}
		}
	}
	if len(errs) > 0 {
		msgs := make([]string, len(errs))
		for i, e := range errs {
			msgs[i] = e.Error()
		}
		return fmt.Errorf("the passwords are stored but %d sheet(s) could not be moved into place; their content is kept, move them by hand or run the same command again:\n  %s",
			len(errs), strings.Join(msgs, "\n  "))
	}
	return nil
}

// finishLeftSheets finds the sheets a run that died after storing its
// passwords left under hidden names in dir, and finishes them: a sheet whose
// password is in force is moved into place (or beside a file that took its
// name); one whose batch was never stored, or whose student was re-issued
// since, holds no working password and is removed. Every file is named.
func finishLeftSheets(ctx context.Context, env *Env, db Store, dir string) error {
	left, err := passpdf.FindPending(dir)
	if err != nil || len(left) == 0 {
		return nil // an unreadable directory is reported by the run itself
	}
	inForce := map[string]map[string]bool{}
	var finished, removed []string
	for _, l := range left {
		nos, ok := inForce[l.Batch]
		if !ok {
			if nos, err = db.BatchStudents(ctx, l.Batch); err != nil {
				return err
			}
			inForce[l.Batch] = nos
		}
		no, _, _ := strings.Cut(filepath.Base(l.Final), "_")
		valid := len(nos) > 0 && (nos[no] || !looksLikeSheetOf(filepath.Base(l.Final)))
		if !valid {
			if err := os.Remove(l.Pending); err != nil {
				return err
			}
			removed = append(removed, l.Pending)
			continue
		}
		to, err := l.Finish()
		if err != nil {
			return fmt.Errorf("an interrupted batch left %s: %w", l.Pending, err)
		}
		finished = append(finished, to)
	}
	if len(finished) > 0 {
		fmt.Fprintf(env.Stderr, "finished an interrupted run: %d sheet(s) whose passwords were already stored moved into place:\n  %s\n",
			len(finished), strings.Join(finished, "\n  "))
	}
	if len(removed) > 0 {
		fmt.Fprintf(env.Stderr, "removed %d sheet(s) left by an interrupted run whose passwords were never stored or were replaced since:\n  %s\n",
			len(removed), strings.Join(removed, "\n  "))
	}
	return nil
}

// looksLikeSheetOf tells a one-student sheet ("NO_NAME_First.pdf") from a
// file of many.
func looksLikeSheetOf(name string) bool {
	no, rest, ok := strings.Cut(name, "_")
	return ok && no != "" && rest != "" && strings.Count(name, "_") >= 2
}

func issueReportOf(cfg activation.Config, res activation.IssueResult, files map[string]string) issueReport {
	rep := issueReport{Batch: res.Batch, Issued: []issuedJSON{}, Skipped: []issuedJSON{}, NotFound: res.NotFound}
	if rep.NotFound == nil {
		rep.NotFound = []string{}
	}
	expires := res.ExpiresAt
	issued := append([]*activation.Account(nil), res.Issued...)
	sort.SliceStable(issued, func(i, j int) bool { return sheetLess(issued[i], issued[j]) })
	for _, a := range issued {
		rep.Issued = append(rep.Issued, issuedJSON{StudentNo: a.StudentNo, LastName: a.LastName, FirstName: a.FirstName,
			Program: a.Program, Login: cfg.Identifier(a.Login), File: files[a.StudentNo], ExpiresAt: &expires})
	}
	for _, a := range res.Skipped {
		rep.Skipped = append(rep.Skipped, issuedJSON{StudentNo: a.StudentNo, LastName: a.LastName, FirstName: a.FirstName,
			Program: a.Program, Login: cfg.Identifier(a.Login)})
	}
	return rep
}

func printIssue(env *Env, rep issueReport, target sheetTarget) error {
	if env.Output == "json" {
		return writeJSON(env.Stdout, rep)
	}
	g := grid{Header: []string{"STUDENT NO", "NAME", "PROGRAMME", "IDENTIFIER", "FILE"}}
	for _, s := range rep.Issued {
		g.Rows = append(g.Rows, []string{s.StudentNo, s.LastName + " " + s.FirstName, s.Program, s.Login, s.File})
	}
	if env.Output == "csv" {
		return writeCSV(env.Stdout, g, false)
	}
	if len(rep.Issued) == 0 {
		fmt.Fprintln(env.Stderr, "no SCOL'PASS issued: no student selected (by default only students never issued are; use --all or --student)")
	} else {
		if err := writeTable(env.Stdout, g); err != nil {
			return err
		}
		where := target.File
		if where == "" {
			where = target.Dir
		}
		fmt.Fprintf(env.Stderr, "%d SCOL'PASS issued (batch %s), expiring %s: %s\n", len(rep.Issued), rep.Batch,
			activation.ParisDate(*rep.Issued[0].ExpiresAt), where)
	}
	for _, s := range rep.Skipped {
		fmt.Fprintf(env.Stderr, "skipped %s %s %s (%s): account already active, use reset --reissue\n", termSafeText(s.StudentNo), termSafeText(s.FirstName), termSafeText(s.LastName), s.Login)
	}
	for _, no := range rep.NotFound {
		fmt.Fprintf(env.Stderr, "not found: student number %s\n", no)
	}
	return nil
}

// newProgress returns a progress bar on stderr when stderr is a terminal
// and the run is long enough to need one, and a silent one otherwise.
func newProgress(env *Env, total int, what string) *progressbar.ProgressBar {
	if total < 50 || !isTerminal(env.Stderr) {
		return progressbar.DefaultSilent(int64(total))
	}
	return progressbar.NewOptions(total,
		progressbar.OptionSetWriter(env.Stderr),
		progressbar.OptionSetDescription(what),
		progressbar.OptionShowCount(),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionThrottle(100*time.Millisecond),
	)
}

// fileError makes an existing output file a usage error (exit 2: add
// --force or choose another name); other file errors stay what they are.
func fileError(err error) error {
	if errors.Is(err, fs.ErrExist) {
		return usagef("%v", err)
	}
	return err
}
