package cli

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/umontpellier/scolpass/internal/activation"
	"github.com/umontpellier/scolpass/internal/login"
	"github.com/umontpellier/scolpass/internal/passpdf"
	"github.com/umontpellier/scolpass/internal/postgres"
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
written first (mode 0600); if it cannot be written no password changes, and
the file appears only once the passwords are stored.`,
		Example: `  scolpass issue-scolpass --program L1INFO --out l1info.pdf
  scolpass issue-scolpass --all --out-dir sheets/
  scolpass issue-scolpass --student 22600001 --student 22600002 --out desk.pdf --force`,
		Args: cobra.NoArgs,
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

func sortCandidates(c []postgres.IssueCandidate) {
	sort.SliceStable(c, func(i, j int) bool {
		a, b := c[i], c[j]
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
	})
}

func newBatchID(now time.Time) string {
	var b [3]byte
	_, _ = rand.Read(b[:])
	return now.In(activation.Zone()).Format("20060102-150405") + "-" + hex.EncodeToString(b[:])
}

func runIssue(cmd *cobra.Command, env *Env, opts *issueOptions) error {
	if (opts.Out == "") == (opts.OutDir == "") {
		return usagef("say where the sheets go: --out FILE.pdf or --out-dir DIR (one of them)")
	}
	validFor, err := parseDuration(opts.ValidFor)
	if err != nil || validFor <= 0 {
		return usagef("--valid-for %q is not a duration such as 120d or 720h", opts.ValidFor)
	}
	sel := postgres.IssueSelection{StudentNos: opts.Students, Programs: opts.Programs, Components: opts.Components, Years: opts.Years, All: opts.All}
	return issueSheets(cmd, env, sel, sheetTarget{File: opts.Out, Dir: opts.OutDir, Force: opts.Force}, validFor, "issue-scolpass")
}

// sheetTarget says where sheets are written.
type sheetTarget struct {
	File  string
	Dir   string
	Force bool
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

// issueSheets selects, generates, renders and stores in the order that keeps
// paper and database in agreement: the PDFs are fully written to temporary
// files, then the passwords are committed, then the files are renamed into
// place.
func issueSheets(cmd *cobra.Command, env *Env, sel postgres.IssueSelection, target sheetTarget, validFor time.Duration, what string) error {
	ctx := cmd.Context()
	if err := target.check(); err != nil {
		return err
	}
	cfg, err := env.config()
	if err != nil {
		return err
	}
	now, err := env.now()
	if err != nil {
		return err
	}
	db, err := env.open(ctx, false)
	if err != nil {
		return err
	}
	renderer, err := passpdf.NewRenderer()
	if err != nil {
		return err
	}
	batch := newBatchID(now)
	expires := now.Add(validFor)
	var pending []*passpdf.PendingFile
	abort := func() {
		for _, p := range pending {
			p.Abort()
		}
	}
	files := map[string]string{}
	prepare := func(cands []postgres.IssueCandidate) ([]postgres.IssuedCredential, error) {
		sortCandidates(cands)
		sheets := make([]passpdf.Sheet, len(cands))
		creds := make([]postgres.IssuedCredential, len(cands))
		for i, c := range cands {
			pw, err := activation.GenerateProvisional()
			if err != nil {
				return nil, err
			}
			sheets[i] = passpdf.Sheet{University: cfg.University, FirstName: c.FirstName, LastName: c.LastName,
				StudentNo: c.StudentNo, Program: c.Program, Login: cfg.Identifier(c.Login), Password: pw,
				ExpiresAt: expires, IssuedAt: now, ActivationURL: cfg.ActivationURL}
			creds[i] = postgres.IssuedCredential{StudentID: c.StudentID, Hash: activation.HashProvisional(pw), ExpiresAt: expires}
		}
		bar := newProgress(env, len(sheets), "printing SCOL'PASS sheets")
		defer bar.Finish()
		if target.File != "" {
			pf, err := passpdf.NewPendingFile(target.File, target.Force)
			if err != nil {
				return nil, fileError(err)
			}
			pending = append(pending, pf)
			if err := renderer.WriteSheetsProgress(pf, sheets, func(n int) {
				_ = bar.Set(n)
				if n == len(sheets) { // pages laid out; compressing and writing takes as long again
					bar.Describe("writing the PDF")
				}
			}); err != nil {
				return nil, fmt.Errorf("write %s: %w", target.File, err)
			}
			if err := pf.Finish(); err != nil {
				return nil, fmt.Errorf("write %s: %w", target.File, err)
			}
			for _, c := range cands {
				files[c.StudentNo] = target.File
			}
		} else {
			paths := make([]string, len(sheets))
			for i := range sheets {
				paths[i] = filepath.Join(target.Dir, passpdf.SheetFileName(sheets[i]))
				if _, err := os.Lstat(paths[i]); err == nil && !target.Force {
					return nil, usagef("%s already exists (use --force to overwrite)", paths[i])
				}
				files[cands[i].StudentNo] = paths[i]
			}
			done, err := writeSheetFiles(renderer, sheets, paths, target.Force, func(n int) { _ = bar.Set(n) })
			pending = append(pending, done...)
			if err != nil {
				return nil, err
			}
		}
		for i := range sheets {
			sheets[i].Password = ""
		}
		return creds, nil
	}
	res, err := db.Issue(ctx, sel, batch, env.actor("bulk"), now, prepare)
	if err != nil {
		abort()
		if activation.ErrorCode(err) == activation.EINTERNAL {
			return fmt.Errorf("%w (no password was changed)", err)
		}
		return err
	}
	for _, p := range pending {
		if err := p.Commit(); err != nil {
			return fmt.Errorf("the passwords are stored but the sheet could not be moved into place: %w", err)
		}
	}
	rep := issueReport{Batch: res.Batch, Issued: []issuedJSON{}, Skipped: []issuedJSON{}, NotFound: res.NotFound}
	if rep.NotFound == nil {
		rep.NotFound = []string{}
	}
	for _, c := range res.Issued {
		rep.Issued = append(rep.Issued, issuedJSON{StudentNo: c.StudentNo, LastName: c.LastName, FirstName: c.FirstName,
			Program: c.Program, Login: cfg.Identifier(c.Login), File: files[c.StudentNo], ExpiresAt: &expires})
	}
	for _, c := range res.Skipped {
		rep.Skipped = append(rep.Skipped, issuedJSON{StudentNo: c.StudentNo, LastName: c.LastName, FirstName: c.FirstName,
			Program: c.Program, Login: cfg.Identifier(c.Login)})
	}
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
			rep.Issued[0].ExpiresAt.In(activation.Zone()).Format("02/01/2006"), where)
	}
	for _, s := range rep.Skipped {
		fmt.Fprintf(env.Stderr, "skipped %s %s %s (%s): account already active, use reset --reissue\n", s.StudentNo, s.FirstName, s.LastName, s.Login)
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

// writeSheetFiles renders one PDF per sheet into pending files beside
// paths, on every core (pages are independent and the renderer is safe for
// concurrent use). Each file is finished, and its descriptor and buffer
// released, before the next one starts, so memory and open files stay
// bounded by the number of workers. It returns every pending file it
// created, also on failure, so that the caller can commit or abort them all.
func writeSheetFiles(r *passpdf.Renderer, sheets []passpdf.Sheet, paths []string, force bool, progress func(int)) ([]*passpdf.PendingFile, error) {
	workers := runtime.NumCPU()
	jobs := make(chan int)
	errs := make(chan error, workers)
	var mu sync.Mutex
	var created []*passpdf.PendingFile
	var done atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				pf, err := passpdf.NewPendingFile(paths[i], force)
				if err != nil {
					errs <- fileError(err)
					return
				}
				mu.Lock()
				created = append(created, pf)
				mu.Unlock()
				err = r.WriteSheets(pf, sheets[i:i+1])
				if err == nil {
					err = pf.Finish()
				}
				if err != nil {
					errs <- fmt.Errorf("write %s: %w", paths[i], err)
					return
				}
				progress(int(done.Add(1)))
			}
		}()
	}
	var err error
feed:
	for i := range sheets {
		select {
		case jobs <- i:
		case err = <-errs:
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	if err == nil {
		select {
		case err = <-errs:
		default:
		}
	}
	return created, err
}

// fileError makes an existing output file a usage error (exit 2: add
// --force or choose another name); other file errors stay what they are.
func fileError(err error) error {
	if errors.Is(err, fs.ErrExist) {
		return usagef("%v", err)
	}
	return err
}

// sheetFileNameFor names a student's sheet file (reset --reissue).
func sheetFileNameFor(a *activation.Account) string {
	return passpdf.SheetFileName(passpdf.Sheet{StudentNo: a.StudentNo, LastName: a.LastName, FirstName: a.FirstName})
}
