package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/umontpellier/scolpass/internal/activation"
	"github.com/umontpellier/scolpass/internal/postgres"
	"github.com/umontpellier/scolpass/internal/roster"
)

type importOptions struct {
	File           string
	Strict         bool
	DryRun         bool
	ListRejections int
}

func newImportCmd(env *Env) *cobra.Command {
	opts := &importOptions{}
	cmd := &cobra.Command{
		Use:   "import-students FILE|-",
		Short: "Import the student list exported from Apogée/Pégase (CSV)",
		Long: `Import students from a CSV export, upserting by student number.

The delimiter (, ; or tab) and the encoding (UTF-8 with or without BOM,
Windows-1252) are detected. Header names are matched case-insensitively:
  student_no | numero_etudiant | cod_etu          (required)
  last_name  | nom | lib_nom_pat_ind              (required)
  first_name | prenom | lib_pr1_ind              (required)
  birth_date | date_naissance | date_nai_ind     (DD/MM/YYYY or YYYY-MM-DD)
  program | formation | cod_etp,  component | composante | cod_cmp,
  year | annee | cod_anu,  ine | cod_nne_ind,  email | email_perso

Each new student gets a login prenom.nom (homonyms: prenom.nom2, 3, …) that
never changes afterwards. A bad row is rejected with its line number and the
reason; the other rows are imported and the exit code is 4. With --strict any
bad row imports nothing. A new student whose names and birth date equal an
existing student's is imported and listed as a possible duplicate.

A row is one line: a quote not closed on its line rejects that row only (the
reason names the line where the quote would close) and the lines after it
are read as rows. A field holding a control character (ESC, BEL…), a
bidirectional override (U+202A-U+202E, U+2066-U+2069) or a line separator
rejects the row; invisible characters (zero-width spaces, U+FEFF…) are
removed and listed under "notes".

The first --list-rejections rejected rows (1000) are listed one by one; every
rejected row is counted by reason (the reason without the row's values), so
that a file of millions of bad rows gives a short report.`,
		Example: `  scolpass import-students apogee-2026.csv
  scolpass import-students --dry-run apogee-2026.csv
  iconv -f latin1 -t utf-8 export.csv | scolpass import-students - -o json`,
		Args: exactArgs("FILE (or - for stdin)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.File = args[0]
			return runImport(cmd, env, opts)
		},
	}
	cmd.Flags().BoolVar(&opts.Strict, "strict", false, "import nothing if any row is rejected")
	cmd.Flags().BoolVar(&opts.DryRun, "dry-run", false, "check everything, write nothing")
	cmd.Flags().IntVar(&opts.ListRejections, "list-rejections", roster.MaxListedRejections,
		"rejected rows listed one by one; the others are counted by reason")
	return cmd
}

type importReport struct {
	File       string          `json:"file"`
	Encoding   string          `json:"encoding"`
	Delimiter  string          `json:"delimiter"`
	DryRun     bool            `json:"dry_run"`
	Strict     bool            `json:"strict"`
	Rows       int             `json:"rows"`
	Created    int             `json:"created"`
	Updated    int             `json:"updated"`
	Unchanged  int             `json:"unchanged"`
	Rejected   int             `json:"rejected"`
	Rejections []rejectionJSON `json:"rejections"`
	Listed     int             `json:"rejections_listed"`
	ByReason   []reasonJSON    `json:"rejections_by_reason"`
	Notes      []noteJSON      `json:"notes"`
	Duplicates []duplicateJSON `json:"possible_duplicates"`
}

// noteJSON is a change made to an imported row: invisible characters removed.
type noteJSON struct {
	Line      int    `json:"line"`
	StudentNo string `json:"student_no"`
	Field     string `json:"field"`
	Note      string `json:"note"`
}

// reasonJSON counts the rows one rule rejected.
type reasonJSON struct {
	Field     string `json:"field,omitempty"`
	Reason    string `json:"reason"`
	Rows      int    `json:"rows"`
	FirstLine int    `json:"first_line"`
}

type rejectionJSON struct {
	Line      int    `json:"line"`
	StudentNo string `json:"student_no,omitempty"`
	Field     string `json:"field,omitempty"`
	Reason    string `json:"reason"`
}

func runImport(cmd *cobra.Command, env *Env, opts *importOptions) error {
	ctx := cmd.Context()
	// No garbage collection below 256 MiB: the rows of the file stay in
	// memory until the import ends, and the collector would scan them for
	// nothing (about 10% of the CPU time of a 100,000-row import, which
	// allocates some 60 MiB in all). This process ends right after the
	// import; a larger file is collected once it reaches the limit, which
	// leaves the process under 512 MiB even for millions of bad rows (only
	// the first --list-rejections are kept one by one).
	debug.SetGCPercent(-1)
	debug.SetMemoryLimit(256 << 20)
	in, name, closeIn, err := openImportInput(env, opts.File)
	if err != nil {
		return err
	}
	defer closeIn()
	now, err := env.now()
	if err != nil {
		return err
	}
	rd := startReading(in, now, opts)
	fileError := func(err error) error {
		var fe *roster.FileError
		if errors.As(err, &fe) {
			return usagef("%s: %s", name, fe.Error())
		}
		return fmt.Errorf("read %s: %w", name, err)
	}
	db, err := env.open(ctx, false)
	if err != nil {
		for range rd.batches {
		}
		if _, _, ferr := rd.finish(); ferr != nil { // a bad file is said first
			return fileError(errors.Unwrap(ferr))
		}
		return err
	}
	sum, err := db.ImportStream(ctx, postgres.RowStream{Batches: rd.batches, Finish: rd.finish}, env.actor("bulk"), now)
	if err != nil {
		// ImportStream has let the reading finish: a bad file is said first.
		if _, _, ferr := rd.finish(); ferr != nil {
			return fileError(errors.Unwrap(ferr))
		}
		return err
	}
	if err := printImport(env, newImportReport(name, opts, rd.res, sum)); err != nil {
		return err
	}
	return importOutcome(env, opts, rd.res)
}

// openImportInput opens the student file, or stdin for "-".
func openImportInput(env *Env, file string) (in io.Reader, name string, closeIn func(), err error) {
	if file == "-" {
		return env.Stdin, "stdin", func() {}, nil
	}
	f, err := os.Open(file)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, "", nil, usagef("cannot read %s: no such file", file)
		}
		return nil, "", nil, usagef("cannot read %s: %v", file, errors.Unwrap(err))
	}
	return f, file, func() { f.Close() }, nil
}

// importReading is the student file read on its own goroutine, its rows
// handed over in batches, so that an import into an empty table writes
// them while the rest of the file is read.
type importReading struct {
	batches chan []activation.ImportRecord
	done    chan importParsed
	opts    *importOptions
	res     *roster.Result
	p       importParsed
	waited  bool
}

// importParsed is the end of the file: the reader's result and the rows it
// accepted, as the domain's import records.
type importParsed struct {
	res     *roster.Result
	records []activation.ImportRecord
	err     error
}

// startReading reads the file on its own goroutine. The store takes the
// domain's import records: each row the reader accepts becomes one, handed
// over 1,000 at a time.
// importBatch is how many rows go to the store at a time while the file
// is read.
const importBatch = 1000

func startReading(in io.Reader, now time.Time, opts *importOptions) *importReading {
	rd := &importReading{batches: make(chan []activation.ImportRecord, 8), done: make(chan importParsed, 1), opts: opts}
	list := opts.ListRejections
	if list == 0 {
		list = -1 // roster: none listed
	}
	go func() {
		// Batches of 1,000 rows go to the store as they are read, as
		// pieces of the reader's own list of rows (Result.Students), which
		// is also the whole file: no row is copied (a copy of 100,000 rows
		// is 17.6 MB of fresh memory, 4,300 page faults).
		res, err := roster.Read(in, roster.Options{Now: now, ListRejections: list, Batch: importBatch,
			EachBatch: func(b []roster.Student) { rd.batches <- b }})
		close(rd.batches)
		var records []activation.ImportRecord
		if res != nil {
			records = res.Students
		}
		rd.done <- importParsed{res, records, err}
	}()
	return rd
}

// finish waits for the end of the file (postgres.RowStream.Finish): the
// rows, and whether to write them.
func (rd *importReading) finish() ([]activation.ImportRecord, postgres.ImportOptions, error) {
	if !rd.waited {
		rd.p, rd.waited = <-rd.done, true
	}
	if rd.p.err != nil {
		return nil, postgres.ImportOptions{}, &readError{rd.p.err}
	}
	rd.res = rd.p.res
	dry := rd.opts.DryRun || (rd.opts.Strict && rd.res.RejectedRows > 0)
	return rd.p.records, postgres.ImportOptions{DryRun: dry, Columns: rd.res.Columns}, nil
}

// newImportReport is what import prints.
func newImportReport(name string, opts *importOptions, res *roster.Result, sum postgres.ImportSummary) importReport {
	rep := importReport{File: name, Encoding: res.Encoding, Delimiter: delimiterName(res.Delimiter),
		DryRun: opts.DryRun, Strict: opts.Strict, Rows: len(res.Students) + res.RejectedRows, Rejected: res.RejectedRows,
		Rejections: []rejectionJSON{}, Listed: len(res.Rejected), ByReason: []reasonJSON{},
		Notes: []noteJSON{}, Duplicates: []duplicateJSON{}}
	for _, r := range res.Rejected {
		rep.Rejections = append(rep.Rejections, rejectionJSON{Line: r.Line, StudentNo: r.StudentNo, Field: r.Field, Reason: r.Reason})
	}
	for _, r := range res.Reasons {
		rep.ByReason = append(rep.ByReason, reasonJSON{Field: r.Field, Reason: r.Reason, Rows: r.Rows, FirstLine: r.FirstLine})
	}
	for _, n := range res.Notices {
		rep.Notes = append(rep.Notes, noteJSON{Line: n.Line, StudentNo: n.StudentNo, Field: n.Field, Note: n.Note})
	}
	if !(opts.Strict && res.RejectedRows > 0) {
		rep.Created, rep.Updated, rep.Unchanged = sum.Created, sum.Updated, sum.Unchanged
	}
	for _, d := range sum.PossibleDuplicates {
		rep.Duplicates = append(rep.Duplicates, duplicateJSON{Line: d.Line, StudentNo: d.StudentNo, Login: d.Login, SameAsNo: d.SameAsNo, SameAsName: d.SameAsName})
	}
	return rep
}

// importOutcome says on stderr how the import ended and gives its exit
// code: 4 when rows were rejected.
func importOutcome(env *Env, opts *importOptions, res *roster.Result) error {
	switch {
	case opts.Strict && res.RejectedRows > 0:
		fmt.Fprintf(env.Stderr, "--strict: %d row(s) rejected, nothing imported\n", res.RejectedRows)
		return &silentError{code: ExitPartial}
	case res.RejectedRows > 0:
		verb := "imported"
		if opts.DryRun {
			verb = "would be imported (dry run)"
		}
		if len(res.Students) == 0 {
			fmt.Fprintf(env.Stderr, "all %d row(s) rejected: nothing imported\n", res.RejectedRows)
		} else {
			fmt.Fprintf(env.Stderr, "%d row(s) rejected, the others %s\n", res.RejectedRows, verb)
		}
		return &silentError{code: ExitPartial}
	case opts.DryRun:
		fmt.Fprintln(env.Stderr, "dry run: nothing was written")
	}
	return nil
}

// readError carries an error reading the student file through the import,
// which rolls back on it.
type readError struct{ err error }

func (e *readError) Error() string { return e.err.Error() }
func (e *readError) Unwrap() error { return e.err }

func delimiterName(r rune) string {
	if r == '\t' {
		return "tab"
	}
	return string(r)
}

func printImport(env *Env, rep importReport) error {
	switch env.Output {
	case "json":
		return writeJSON(env.Stdout, rep)
	case "csv":
		g := grid{Header: []string{"line", "student_no", "outcome", "detail"}}
		for _, r := range rep.Rejections {
			g.Rows = append(g.Rows, []string{strconv.Itoa(r.Line), r.StudentNo, "rejected", r.Reason})
		}
		if rep.Rejected > rep.Listed {
			for _, r := range rep.ByReason {
				g.Rows = append(g.Rows, []string{strconv.Itoa(r.FirstLine), "", "rejected_total",
					fmt.Sprintf("%d row(s): %s", r.Rows, r.Reason)})
			}
		}
		for _, n := range rep.Notes {
			g.Rows = append(g.Rows, []string{strconv.Itoa(n.Line), n.StudentNo, "cleaned", n.Note})
		}
		for _, d := range rep.Duplicates {
			g.Rows = append(g.Rows, []string{strconv.Itoa(d.Line), d.StudentNo, "possible_duplicate", "same names and birth date as " + d.SameAsNo})
		}
		return writeCSV(env.Stdout, g, false)
	}
	title := "Import of " + rep.File
	if rep.DryRun {
		title += " (dry run: nothing written)"
	}
	fmt.Fprintf(env.Stdout, "%s — %s, delimiter %s\n", termSafe(title), rep.Encoding, rep.Delimiter)
	if err := writeTable(env.Stdout, grid{
		Header: []string{"CREATED", "UPDATED", "UNCHANGED", "REJECTED"},
		Rows:   [][]string{{strconv.Itoa(rep.Created), strconv.Itoa(rep.Updated), strconv.Itoa(rep.Unchanged), strconv.Itoa(rep.Rejected)}},
	}); err != nil {
		return err
	}
	if err := printRejections(env, rep); err != nil {
		return err
	}
	if len(rep.Notes) > 0 {
		fmt.Fprintln(env.Stdout, "\nInvisible characters removed (rows imported):")
		g := grid{Header: []string{"LINE", "STUDENT NO", "FIELD", "NOTE"}}
		for _, n := range rep.Notes {
			g.Rows = append(g.Rows, []string{strconv.Itoa(n.Line), n.StudentNo, n.Field, n.Note})
		}
		if err := writeTable(env.Stdout, g); err != nil {
			return err
		}
	}
	if len(rep.Duplicates) > 0 {
		fmt.Fprintln(env.Stdout, "\nPossible duplicates (imported; check them):")
		g := grid{Header: []string{"LINE", "STUDENT NO", "SAME AS", "NAME"}}
		for _, d := range rep.Duplicates {
			g.Rows = append(g.Rows, []string{strconv.Itoa(d.Line), d.StudentNo, d.SameAsNo, d.SameAsName})
		}
		return writeTable(env.Stdout, g)
	}
	return nil
}

// duplicateJSON is a possible duplicate in import -o json.
type duplicateJSON struct {
	Line       int    `json:"line"`
	StudentNo  string `json:"student_no"`
	Login      string `json:"login,omitempty"`
	SameAsNo   string `json:"same_as_student_no"`
	SameAsName string `json:"same_as_name"`
}

// printRejections lists the rejected rows kept one by one and, when there
// are more, counts them all by reason.
func printRejections(env *Env, rep importReport) error {
	if len(rep.Rejections) > 0 {
		fmt.Fprintln(env.Stdout, "\nRejected rows:")
		g := grid{Header: []string{"LINE", "STUDENT NO", "FIELD", "REASON"}}
		for _, r := range rep.Rejections {
			g.Rows = append(g.Rows, []string{strconv.Itoa(r.Line), r.StudentNo, r.Field, r.Reason})
		}
		if err := writeTable(env.Stdout, g); err != nil {
			return err
		}
	}
	if rep.Rejected <= rep.Listed {
		return nil
	}
	fmt.Fprintf(env.Stdout, "\n%d rejected row(s), the first %d listed (--list-rejections N lists more); by reason:\n", rep.Rejected, rep.Listed)
	g := grid{Header: []string{"ROWS", "FIELD", "REASON", "FIRST LINE"}}
	for _, r := range rep.ByReason {
		g.Rows = append(g.Rows, []string{strconv.Itoa(r.Rows), r.Field, r.Reason, strconv.Itoa(r.FirstLine)})
	}
	return writeTable(env.Stdout, g)
}
