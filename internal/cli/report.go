package cli

import (
	"context"
	"fmt"
	"io"
	"math"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/umontpellier/scolpass/internal/activation"
	"github.com/umontpellier/scolpass/internal/passpdf"
	"github.com/umontpellier/scolpass/internal/postgres"
)

type reportOptions struct {
	By         string
	Programs   []string
	Components []string
	Years      []string
	Stuck      string
	PDF        string
	Force      bool
	Sep        string
	Resets     string
}

func newReportCmd(env *Env) *cobra.Command {
	opts := &reportOptions{}
	cmd := &cobra.Command{
		Use:   "report",
		Short: "Activation funnel and progress per programme",
		Long: `Where every programme stands: students, SCOL'PASS sheets issued, accounts at
each step of the guide, active, locked, activation rate, and a totals row.

Columns of the table: SHEETS = sheets issued; START = waiting for steps 1-2;
MAIL = steps 3-4 (recovery email, link pending); CHARTER = step 5;
MAILBOX = step 6 (redirect, link pending); PASSWD = step 7. With --by state
the table lists each state, in the order of the guide, with its step.

-o json is a contract for scripts: {"by", "groups": [{"key", "students",
"states": {every state}, "locked", "activation_rate"}], "total": {…},
"resets": {"since", "until", "count"}}: resets counts the passwords changed
after the activation (lost password, change) since --resets-since (30d).

--stuck 48h (or 7d) lists the accounts, not active, that have not moved for
that long: the helpdesk's call list. --pdf FILE writes a printable report
with the funnel drawn per group.`,
		Example: `  scolpass report
  scolpass report --by component -o csv > report.csv
  scolpass report -o csv --sep ';' > report.csv     # Excel in a French locale
  scolpass report --program L1INFO -o json
  scolpass report --stuck 7d
  scolpass report --pdf report.pdf`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runReport(cmd, env, opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.By, "by", "program", "group by program, component, year or state")
	f.StringArrayVar(&opts.Programs, "program", nil, "only this programme (repeatable)")
	f.StringArrayVar(&opts.Components, "component", nil, "only this component (repeatable)")
	f.StringArrayVar(&opts.Years, "year", nil, "only this year (repeatable)")
	f.StringVar(&opts.Stuck, "stuck", "", "list accounts that have not moved for this long (e.g. 48h, 7d)")
	f.StringVar(&opts.PDF, "pdf", "", "also write a printable PDF report to this file")
	f.BoolVar(&opts.Force, "force", false, "overwrite the --pdf file")
	f.StringVar(&opts.Sep, "sep", ",", `field separator of -o csv: "," or ";" (";" for Excel in a French locale)`)
	f.StringVar(&opts.Resets, "resets-since", "30d", `the period of "resets": passwords changed after the activation since then (e.g. 7d, 720h)`)
	return cmd
}

// reportCounts are the numbers of one group, or of the total, in the -o json
// contract (SPEC §8).
type reportCounts struct {
	Students       int                      `json:"students"`
	States         map[activation.State]int `json:"states"`
	Locked         int                      `json:"locked"`
	ActivationRate float64                  `json:"activation_rate"`
}

// reportGroup is one group: its key is always there, even when empty (the
// students with no programme, component or year).
type reportGroup struct {
	Key string `json:"key"`
	reportCounts
}

type reportJSON struct {
	By     string        `json:"by"`
	Groups []reportGroup `json:"groups"`
	Total  reportCounts  `json:"total"`
	// NotInDirectory counts the active accounts not yet (up to date) in
	// the directory; present only when provisioning is on.
	NotInDirectory *int `json:"not_in_directory,omitempty"`
	// Resets counts the passwords changed after the activation (lost
	// password, change of a known one) over a period (--resets-since).
	Resets *resetCount `json:"resets,omitempty"`
}

type resetCount struct {
	Since time.Time `json:"since"`
	Until time.Time `json:"until"`
	Count int       `json:"count"`
}

func rate(active, students int) float64 {
	if students == 0 {
		return 0
	}
	return math.Round(float64(active)/float64(students)*10000) / 10000
}

func buildReport(by string, rows []postgres.ReportRow) reportJSON {
	rep := reportJSON{By: by, Groups: []reportGroup{}, Total: reportCounts{States: map[activation.State]int{}}}
	for _, st := range activation.States {
		rep.Total.States[st] = 0
	}
	for _, r := range rows {
		g := reportGroup{Key: r.Key, reportCounts: reportCounts{Students: r.Students, States: map[activation.State]int{}, Locked: r.Locked}}
		for _, st := range activation.States {
			g.States[st] = r.States[st]
			rep.Total.States[st] += r.States[st]
		}
		g.ActivationRate = rate(g.States[activation.StateActive], g.Students)
		rep.Total.Students += r.Students
		rep.Total.Locked += r.Locked
		rep.Groups = append(rep.Groups, g)
	}
	rep.Total.ActivationRate = rate(rep.Total.States[activation.StateActive], rep.Total.Students)
	return rep
}

func runReport(cmd *cobra.Command, env *Env, opts *reportOptions) error {
	ctx := cmd.Context()
	switch opts.Sep {
	case ",", ";":
		env.csvSep = rune(opts.Sep[0])
	default:
		return usagef(`--sep must be "," or ";"`)
	}
	switch opts.By {
	case "program", "component", "year", "state":
	default:
		return usagef("--by must be program, component, year or state, not %q", opts.By)
	}
	if d, err := parseDuration(opts.Resets); err != nil || d <= 0 {
		return usagef("--resets-since %q is not a duration such as 30d or 720h", opts.Resets)
	}
	var stuck time.Duration
	if opts.Stuck != "" {
		d, err := parseDuration(opts.Stuck)
		if err != nil || d <= 0 {
			return usagef("--stuck %q is not a duration such as 48h or 7d", opts.Stuck)
		}
		stuck = d
	}
	if opts.PDF != "" {
		if err := (sheetTarget{File: opts.PDF, Force: opts.Force}).check(); err != nil {
			return err
		}
	}
	se, err := env.storeSetup(ctx)
	if err != nil {
		return err
	}
	now, db := se.now, se.store
	filter := postgres.ReportFilter{Programs: opts.Programs, Components: opts.Components, Years: opts.Years}
	if stuck > 0 {
		// A call list of tens of thousands of rows spends a quarter of its
		// time in the garbage collector at the default setting; this process
		// ends right after printing it. (Not process-wide: argon2id's 64 MiB
		// passes run markedly slower with a lazier collector.)
		debug.SetGCPercent(400)
		return printStuck(env, now, func(each func(postgres.StuckAccount) error) error {
			return db.Stuck(ctx, stuck, filter, now, each)
		})
	}
	rows, err := db.Report(ctx, opts.By, filter, now)
	if err != nil {
		return err
	}
	rep := buildReport(opts.By, rows)
	if err := countResets(ctx, db, &rep, filter, opts.Resets, now); err != nil {
		return err
	}
	if env.provisioning() {
		n, err := db.NotInDirectory(ctx, filter)
		if err != nil {
			return err
		}
		rep.NotInDirectory = &n
	}
	if opts.PDF != "" {
		if err := writeReportPDF(opts.PDF, opts.Force, rep, now); err != nil {
			return err
		}
		fmt.Fprintf(env.Stderr, "PDF report written to %s\n", opts.PDF)
	}
	return printReport(env, rep)
}

// funnel columns of the table: step groups of the guide.
var funnelColumns = []struct {
	Header string
	States []activation.State
}{
	{"START", []activation.State{activation.StateIssued}},
	{"MAIL", []activation.State{activation.StateAuthenticated, activation.StateRecoveryPending}},
	{"CHARTER", []activation.State{activation.StateRecoveryVerified}},
	{"MAILBOX", []activation.State{activation.StateCharterAccepted, activation.StateRedirectPending}},
	{"PASSWD", []activation.State{activation.StateMailboxReady}},
	{"ACTIVE", []activation.State{activation.StateActive}},
}

func reportCells(g reportCounts) []string {
	cells := []string{strconv.Itoa(g.Students), strconv.Itoa(g.Students - g.States[activation.StateImported])}
	for _, c := range funnelColumns {
		n := 0
		for _, st := range c.States {
			n += g.States[st]
		}
		cells = append(cells, strconv.Itoa(n))
	}
	return append(cells, strconv.Itoa(g.Locked), fmt.Sprintf("%.1f%%", g.ActivationRate*100))
}

func printReport(env *Env, rep reportJSON) error {
	if env.Output == "json" {
		return writeJSON(env.Stdout, rep)
	}
	keyHeader := map[string]string{"program": "PROGRAMME", "component": "COMPONENT", "year": "YEAR", "state": "STATE"}[rep.By]
	if env.Output == "csv" {
		g := grid{Header: []string{rep.By, "students"}}
		for _, st := range activation.States {
			g.Header = append(g.Header, string(st))
		}
		g.Header = append(g.Header, "locked", "activation_rate")
		row := func(key string, r reportCounts) []string {
			cells := []string{key, strconv.Itoa(r.Students)}
			for _, st := range activation.States {
				cells = append(cells, strconv.Itoa(r.States[st]))
			}
			return append(cells, strconv.Itoa(r.Locked), strconv.FormatFloat(r.ActivationRate, 'f', 4, 64))
		}
		for _, r := range rep.Groups {
			g.Rows = append(g.Rows, row(r.Key, r.reportCounts))
		}
		g.Footer = row("TOTAL", rep.Total)
		return writeCSVSep(env.Stdout, g, true, env.csvSep)
	}
	if rep.By == "state" {
		// One state a row: the funnel columns would only repeat the key.
		g := grid{Header: []string{"STATE", "STEP", "STUDENTS", "LOCKED"}}
		for _, r := range rep.Groups {
			st := activation.State(r.Key)
			g.Rows = append(g.Rows, []string{r.Key, st.StepNumber(), strconv.Itoa(r.Students), strconv.Itoa(r.Locked)})
		}
		g.Footer = []string{"TOTAL", "", strconv.Itoa(rep.Total.Students), strconv.Itoa(rep.Total.Locked)}
		if err := writeCompactTable(env.Stdout, g); err != nil {
			return err
		}
		return printNotInDirectory(env, rep)
	}
	g := grid{Header: []string{keyHeader, "STUDENTS", "SHEETS"}}
	for _, c := range funnelColumns {
		g.Header = append(g.Header, c.Header)
	}
	g.Header = append(g.Header, "LOCKED", "RATE")
	for _, r := range rep.Groups {
		key := r.Key
		if key == "" {
			key = "(none)"
		}
		g.Rows = append(g.Rows, append([]string{key}, reportCells(r.reportCounts)...))
	}
	g.Footer = append([]string{"TOTAL"}, reportCells(rep.Total)...)
	if err := writeCompactTable(env.Stdout, g); err != nil {
		return err
	}
	return printNotInDirectory(env, rep)
}

// printNotInDirectory adds, when provisioning is on, how many active
// accounts are not yet in the directory.
func printNotInDirectory(env *Env, rep reportJSON) error {
	if rep.NotInDirectory == nil {
		return nil
	}
	_, err := fmt.Fprintf(env.Stdout, "\nActive accounts not yet in the directory: %d (scolpass provision list)\n", *rep.NotInDirectory)
	return err
}

// printStuck prints the call list that read hands out, account by
// account: the JSON array as the accounts come (tens of thousands of them
// are never all kept), the table and CSV once all are in (their columns
// are aligned, or counted).
func printStuck(env *Env, now time.Time, read func(each func(postgres.StuckAccount) error) error) error {
	status := func(s postgres.StuckAccount) string {
		if s.LinkExpiry == nil {
			if s.State == string(activation.StateRecoveryPending) || s.State == string(activation.StateRedirectPending) {
				return "none"
			}
			return ""
		}
		if now.After(*s.LinkExpiry) {
			return "expired"
		}
		return "pending"
	}
	if env.Output == "json" {
		// Each element is appended field by field, without reflection.
		a := newJSONArray(env.Stdout)
		err := read(func(s postgres.StuckAccount) error {
			return a.add(func(b []byte) []byte { return appendStuckJSON(b, &s, status(s)) })
		})
		if err != nil {
			return err
		}
		return a.close()
	}
	g := grid{Header: []string{"LOGIN", "NAME", "PROGRAMME", "STEP", "SINCE", "LINK", "LOCKED"}}
	err := read(func(s postgres.StuckAccount) error {
		link := status(s)
		if s.LinkTo != nil {
			link += " (" + *s.LinkTo + ")"
		}
		g.Rows = append(g.Rows, []string{s.Login, s.LastName + " " + s.FirstName, s.Program,
			activation.State(s.State).StepNumber() + " " + s.State, activation.ParisTime(s.Since), link, yesNo(s.Locked)})
		return nil
	})
	if err != nil {
		return err
	}
	if env.Output == "csv" {
		return writeCSVSep(env.Stdout, g, true, env.csvSep)
	}
	if len(g.Rows) == 0 {
		fmt.Fprintln(env.Stderr, "no account is stuck that long")
		return nil
	}
	// A call list can run to tens of thousands of rows: aligned columns
	// without borders, written in one buffered pass.
	if err := writeList(env.Stdout, g); err != nil {
		return err
	}
	fmt.Fprintf(env.Stderr, "%d account(s) stuck\n", len(g.Rows))
	return nil
}

func writeReportPDF(path string, force bool, rep reportJSON, now time.Time) error {
	r, err := passpdf.NewRenderer()
	if err != nil {
		return err
	}
	doc := passpdf.Report{Title: "SCOL'PASS — activation report", GeneratedAt: now, By: rep.By}
	for _, st := range activation.States {
		doc.States = append(doc.States, string(st))
	}
	conv := func(key string, g reportCounts) passpdf.ReportGroup {
		out := passpdf.ReportGroup{Key: key, Students: g.Students, Issued: g.Students - g.States[activation.StateImported],
			States: map[string]int{}, Locked: g.Locked, ActivationRate: g.ActivationRate}
		for st, n := range g.States {
			out.States[string(st)] = n
		}
		return out
	}
	for _, g := range rep.Groups {
		key := g.Key
		if key == "" {
			key = "(none)" // as in the table: a blank label reads as a misprint
		}
		doc.Groups = append(doc.Groups, conv(key, g.reportCounts))
	}
	doc.Total = conv("TOTAL", rep.Total)
	return passpdf.WriteFileAtomic(path, force, func(w io.Writer) error { return r.WriteReport(w, doc) })
}

// appendStuckJSON appends one account of the call list as a JSON object:
// the fields of postgres.StuckAccount, its step and the status of its link.
func appendStuckJSON(b []byte, s *postgres.StuckAccount, linkStatus string) []byte {
	str := func(b []byte, key, v string) []byte {
		b = append(b, ',', '"')
		b = append(b, key...)
		b = append(b, '"', ':')
		return appendJSONString(b, v)
	}
	b = append(b, `{"login":`...)
	b = appendJSONString(b, s.Login)
	b = str(b, "student_no", s.StudentNo)
	b = str(b, "last_name", s.LastName)
	b = str(b, "first_name", s.FirstName)
	b = str(b, "program", s.Program)
	b = str(b, "state", s.State)
	b = str(b, "since", s.Since.Format(time.RFC3339Nano))
	b = append(b, `,"locked":`...)
	b = strconv.AppendBool(b, s.Locked)
	if s.LinkTo != nil {
		b = str(b, "link_to", *s.LinkTo)
	}
	if s.LinkExpiry != nil {
		b = str(b, "link_expires_at", s.LinkExpiry.Format(time.RFC3339Nano))
	}
	b = str(b, "step", activation.State(s.State).StepNumber())
	if linkStatus != "" {
		b = str(b, "link_status", linkStatus)
	}
	return append(b, '}')
}

// countResets fills rep.Resets: the passwords changed after the activation
// over the period since (a duration before now).
func countResets(ctx context.Context, db Store, rep *reportJSON, f postgres.ReportFilter, since string, now time.Time) error {
	d, err := parseDuration(since)
	if err != nil || d <= 0 {
		return usagef("--resets-since %q is not a duration such as 30d or 720h", since)
	}
	from := now.Add(-d)
	n, err := db.CountResets(ctx, f, from, now.Add(time.Microsecond))
	if err != nil {
		return err
	}
	rep.Resets = &resetCount{Since: from, Until: now, Count: n}
	return nil
}
