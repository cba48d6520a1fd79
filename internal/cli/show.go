package cli

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/umontpellier/scolpass/internal/activation"
	"github.com/umontpellier/scolpass/internal/postgres"
)

func newShowCmd(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:   "show LOGIN|STUDENT_NO",
		Short: "Show one account: state, step, dates, history",
		Long: `Show where one student's account stands: student data, identifier, state and
step of the guide, SCOL'PASS dates, lock, recovery and redirect addresses,
charter accepted, emailed links, and the audit history (who did what, when).
No password or token is ever shown.`,
		Example: `  scolpass show jean.dupont
  scolpass show jean.dupont@etu.umontpellier.fr
  scolpass show 22600001 -o json`,
		Args: exactArgs("LOGIN or STUDENT_NO"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runShow(cmd, env, args[0])
		},
	}
}

// showJSON is the -o json form of show.
type showJSON struct {
	StudentNo       string           `json:"student_no"`
	LastName        string           `json:"last_name"`
	FirstName       string           `json:"first_name"`
	BirthDate       string           `json:"birth_date,omitempty"`
	Program         string           `json:"program"`
	Component       string           `json:"component"`
	Year            string           `json:"year"`
	INE             string           `json:"ine"`
	Email           string           `json:"email"`
	Login           string           `json:"login"`
	Identifier      string           `json:"identifier"`
	State           activation.State `json:"state"`
	Step            string           `json:"step"`
	NextStep        string           `json:"next_step"`
	StateSince      time.Time        `json:"state_since"`
	ImportedAt      time.Time        `json:"imported_at"`
	IssuedAt        *time.Time       `json:"scolpass_issued_at,omitempty"`
	ExpiresAt       *time.Time       `json:"scolpass_expires_at,omitempty"`
	Locked          bool             `json:"locked"`
	LockedUntil     *time.Time       `json:"locked_until,omitempty"`
	FailedAttempts  int              `json:"failed_attempts"`
	RecoveryEmail   string           `json:"recovery_email,omitempty"`
	RedirectTo      string           `json:"redirect_to,omitempty"`
	KeepCopy        bool             `json:"keep_copy"`
	CharterVersion  string           `json:"charter_version,omitempty"`
	CharterInForce  string           `json:"charter_in_force,omitempty"`
	CharterOutdated bool             `json:"charter_needs_reacceptance"`
	ActivatedAt     *time.Time       `json:"activated_at,omitempty"`
	Directory       *directoryStatus `json:"directory,omitempty"`
	Links           []linkJSON       `json:"links"`
	History         []eventJSON      `json:"history"`
}

// linkJSON is an emailed link in show -o json (never its token).
type linkJSON struct {
	Purpose   string     `json:"purpose"`
	Email     string     `json:"email"`
	IssuedAt  time.Time  `json:"issued_at"`
	ExpiresAt time.Time  `json:"expires_at"`
	UsedAt    *time.Time `json:"used_at,omitempty"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
}

// eventJSON is an audit event in show -o json.
type eventJSON struct {
	ID       int64     `json:"id"`
	At       time.Time `json:"at"`
	Clock    string    `json:"clock"`
	Operator string    `json:"operator"`
	Channel  string    `json:"channel"`
	Action   string    `json:"action"`
	Outcome  string    `json:"outcome"`
	Detail   string    `json:"detail"`
}

func tp(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func runShow(cmd *cobra.Command, env *Env, key string) error {
	ctx := cmd.Context()
	se, err := env.storeSetup(ctx)
	if err != nil {
		return err
	}
	d, err := se.store.Details(ctx, se.cfg.LoginOf(key))
	if err != nil {
		return err
	}
	out := showOf(se.cfg, d, se.now)
	// In the directory? Told when provisioning is on, or was once.
	job, err := se.store.DirectoryStatus(ctx, d.Account.StudentID)
	if err != nil {
		return err
	}
	if env.provisioning() || job != nil {
		out.Directory = describeDirectory(job, d.Account.State == activation.StateActive)
	}
	switch env.Output {
	case "json":
		return writeJSON(env.Stdout, out)
	case "csv":
		return writeCSV(env.Stdout, historyGrid(d.History), false)
	}
	return printShow(env.Stdout, d, out, se.now)
}

// showOf is the -o json form of a student's details at now.
func showOf(cfg activation.Config, d *postgres.StudentDetails, now time.Time) showJSON {
	s, acc := d.Student, d.Account
	out := showJSON{StudentNo: s.StudentNo, LastName: s.LastName, FirstName: s.FirstName, BirthDate: d.BirthDate,
		Program: s.Program, Component: s.Component, Year: s.Year, INE: s.INE, Email: s.Email,
		Login: s.Login, Identifier: cfg.Identifier(s.Login), State: acc.State, Step: acc.State.StepNumber(),
		NextStep: acc.State.NextStep(), StateSince: acc.StateSince, ImportedAt: s.CreatedAt,
		Locked: acc.LockedAt(now), FailedAttempts: acc.FailedAttempts,
		RecoveryEmail: acc.RecoveryEmail, RedirectTo: acc.RedirectTo, KeepCopy: acc.KeepCopy,
		CharterVersion: acc.CharterVersion, CharterInForce: d.CharterInForce,
		CharterOutdated: activation.CharterNeedsReacceptance(acc.CharterVersion, d.CharterInForce),
		ActivatedAt:     tp(acc.ActivatedAt), Links: []linkJSON{}, History: []eventJSON{}}
	for _, l := range d.Links {
		out.Links = append(out.Links, linkJSON{Purpose: l.Purpose, Email: l.Email, IssuedAt: l.IssuedAt, ExpiresAt: l.ExpiresAt, UsedAt: l.UsedAt, RevokedAt: l.RevokedAt})
	}
	for _, e := range d.History {
		out.History = append(out.History, eventJSON{ID: e.ID, At: e.At, Clock: e.Clock, Operator: e.Operator, Channel: e.Channel,
			Action: e.Action, Outcome: e.Outcome, Detail: e.Detail})
	}
	if out.Locked {
		out.LockedUntil = tp(acc.LockedUntil)
	}
	if acc.Provisional != nil {
		out.IssuedAt, out.ExpiresAt = tp(acc.Provisional.IssuedAt), tp(acc.Provisional.ExpiresAt)
	}
	return out
}

// printShow writes show's table form: the account, field by field, then
// its history.
func printShow(w io.Writer, d *postgres.StudentDetails, out showJSON, now time.Time) error {
	rows := append(studentRows(d), accountRows(d, out, now)...)
	rows = append(rows, linkRows(d.Links, now)...)
	for _, r := range rows {
		fmt.Fprintf(w, "%-16s %s\n", r[0]+":", termSafe(r[1]))
	}
	fmt.Fprintln(w, "\nHistory:")
	return printHistory(w, d.History)
}

// studentRows are the student's data as imported.
func studentRows(d *postgres.StudentDetails) [][2]string {
	s := d.Student
	rows := [][2]string{
		{"Name", s.FirstName + " " + s.LastName},
		{"Student number", s.StudentNo},
		{"Programme", strings.TrimSpace(fmt.Sprintf("%s  (component %s, year %s)", s.Program, s.Component, s.Year))},
	}
	if d.BirthDate != "" {
		// A birth date is a calendar day, stored without a zone.
		rows = append(rows, [2]string{"Birth date", s.BirthDate.Time.Format("02/01/2006")})
	}
	if s.INE != "" {
		rows = append(rows, [2]string{"INE", s.INE})
	}
	if s.Email != "" {
		rows = append(rows, [2]string{"Personal email", s.Email})
	}
	return rows
}

// accountRows are where the account stands: state, SCOL'PASS, lock,
// addresses, charter, activation, directory.
func accountRows(d *postgres.StudentDetails, out showJSON, now time.Time) [][2]string {
	f := activation.ParisTime
	acc := d.Account
	rows := [][2]string{
		{"Identifier", out.Identifier},
		{"State", fmt.Sprintf("%s (step %s) since %s", acc.State, out.Step, f(acc.StateSince))},
		{"Next", out.NextStep},
		{"Imported", f(d.Student.CreatedAt)},
	}
	if p := acc.Provisional; p != nil {
		status := "valid until " + activation.ParisDate(p.ExpiresAt)
		if !p.UsedAt.IsZero() {
			status = "used " + f(p.UsedAt)
		} else if p.ExpiredAt(now) {
			status = "EXPIRED on " + activation.ParisDate(p.ExpiresAt)
		}
		rows = append(rows, [2]string{"SCOL'PASS", "issued " + f(p.IssuedAt) + ", " + status})
	}
	if out.Locked {
		rows = append(rows, [2]string{"LOCKED", "until " + f(acc.LockedUntil) + " (reset --unlock lifts it)"})
	} else if acc.FailedAttempts > 0 {
		rows = append(rows, [2]string{"Failed attempts", strconv.Itoa(acc.FailedAttempts)})
	}
	if acc.RecoveryEmail != "" {
		rows = append(rows, [2]string{"Recovery email", acc.RecoveryEmail})
	}
	if acc.RedirectTo != "" {
		rows = append(rows, [2]string{"Redirect", fmt.Sprintf("%s (keep a copy: %s)", acc.RedirectTo, yesNo(acc.KeepCopy))})
	}
	if acc.CharterVersion != "" {
		c := acc.CharterVersion + " accepted " + f(acc.CharterAcceptedAt)
		if out.CharterOutdated {
			c += " — NEEDS RE-ACCEPTANCE of version " + d.CharterInForce
		}
		rows = append(rows, [2]string{"IT charter", c})
	}
	if !acc.ActivatedAt.IsZero() {
		rows = append(rows, [2]string{"Activated", f(acc.ActivatedAt)})
	}
	if out.Directory != nil {
		rows = append(rows, [2]string{"Directory", out.Directory.String()})
	}
	return rows
}

// linkRows are the emailed links and what became of each.
func linkRows(links []postgres.LinkInfo, now time.Time) [][2]string {
	f := activation.ParisTime
	var rows [][2]string
	for _, l := range links {
		status := "pending until " + f(l.ExpiresAt)
		switch {
		case l.UsedAt != nil:
			status = "followed " + f(*l.UsedAt)
		case l.RevokedAt != nil:
			status = "replaced/revoked " + f(*l.RevokedAt)
		case (&activation.Token{ExpiresAt: l.ExpiresAt}).ExpiredAt(now):
			status = "EXPIRED " + f(l.ExpiresAt)
		}
		rows = append(rows, [2]string{"Link (" + l.Purpose + ")", fmt.Sprintf("to %s, sent %s, %s", l.Email, f(l.IssuedAt), status)})
	}
	return rows
}

// printHistory lists the audit events in Paris time. Each event made under
// a rehearsal clock (SCOLPASS_NOW) is marked with its own clock: *1, *2…
// in order of first appearance, each said below.
func printHistory(w io.Writer, h []postgres.AuditEvent) error {
	g := historyGrid(h)
	var clocks []string
	for i, e := range h {
		g.Rows[i][0] = activation.ParisSeconds(e.At)
		if e.Clock != "system" {
			n := slices.Index(clocks, e.Clock)
			if n < 0 {
				clocks, n = append(clocks, e.Clock), len(clocks)
			}
			g.Rows[i][0] += fmt.Sprintf(" *%d", n+1)
		}
	}
	if err := writeList(w, g); err != nil {
		return err
	}
	for n, c := range clocks {
		fmt.Fprintf(w, "*%d time set by %s\n", n+1, termSafe(c))
	}
	return nil
}

func historyGrid(h []postgres.AuditEvent) grid {
	g := grid{Header: []string{"WHEN", "OPERATOR", "CHANNEL", "ACTION", "FROM", "TO", "OUTCOME", "DETAIL"}}
	for _, e := range h {
		when := e.At.Format(time.RFC3339)
		if e.Clock != "system" {
			when += " (" + e.Clock + ")"
		}
		g.Rows = append(g.Rows, []string{when, e.Operator, e.Channel, e.Action, e.FromState.String, e.ToState.String, e.Outcome, e.Detail})
	}
	return g
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
