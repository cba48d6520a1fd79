// Package cli is scolpass's command line: one file per command, flags in an
// Options struct, RunE filling it and calling a plain run function. Data
// goes to stdout, status and errors to stderr, and every error maps to one
// exit code of the product contract in exitCodeFor.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/umontpellier/scolpass/internal/activation"
	"github.com/umontpellier/scolpass/internal/postgres"
)

// ExitCode is the process exit status; scripts rely on these values.
type ExitCode int

// The exit codes of the product contract (SPEC §4).
const (
	ExitOK       ExitCode = 0
	ExitError    ExitCode = 1
	ExitUsage    ExitCode = 2
	ExitPaused   ExitCode = 3
	ExitPartial  ExitCode = 4
	ExitNotFound ExitCode = 5
	ExitRefused  ExitCode = 6
	ExitAuth     ExitCode = 7
	ExitToken    ExitCode = 8
	ExitPolicy   ExitCode = 9
)

// exitCodes says what each exit code means: --help prints this table and
// the README's "Exit codes" table holds the same rows (TestREADMEExitCodes).
var exitCodes = []struct {
	Code    ExitCode
	Meaning string
}{
	{ExitOK, "ok (for activate: active, or stopped where the answers ran out; next_step says which)"},
	{ExitError, "unexpected error (database unreachable, schema not migrated, SMTP down)"},
	{ExitUsage, "usage error (bad flag, unreadable file, a file that is not a student list)"},
	{ExitPaused, "paused: waiting for an emailed link (step 4 or 6-2)"},
	{ExitPartial, "partial: some rows or items rejected (import, issue, mail send, provision run)"},
	{ExitNotFound, "not found"},
	{ExitRefused, "refused by the state machine (wrong step, already active, conflict with another agent)"},
	{ExitAuth, "authentication failed or account locked (same message for an unknown login)"},
	{ExitToken, "token unknown, already used, replaced or expired"},
	{ExitPolicy, "input rejected by policy (password policy, invalid or university email, charter refused, link cap)"},
}

// exitCodesUsage is the exit-code section of --help.
func exitCodesUsage() string {
	var b strings.Builder
	b.WriteString("Exit codes:")
	for _, c := range exitCodes {
		fmt.Fprintf(&b, "\n  %d  %s", c.Code, c.Meaning)
	}
	return b.String()
}

// exitCodeFor is the one place where errors become exit codes.
func exitCodeFor(err error) ExitCode {
	if err == nil {
		return ExitOK
	}
	var ue *usageError
	if errors.As(err, &ue) {
		return ExitUsage
	}
	switch activation.ErrorCode(err) {
	case activation.EINVALID:
		return ExitUsage
	case activation.EPAUSED:
		return ExitPaused
	case activation.EPARTIAL:
		return ExitPartial
	case activation.ENOTFOUND:
		return ExitNotFound
	case activation.ESTATE:
		return ExitRefused
	case activation.EAUTH:
		return ExitAuth
	case activation.ETOKEN:
		return ExitToken
	case activation.EPOLICY:
		return ExitPolicy
	}
	return ExitError
}

// usageError is a mistake in the command line itself.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// silentError carries an exit code for an outcome already reported on
// stdout/stderr (a partial import, a paused activation).
type silentError struct{ code ExitCode }

func (e *silentError) Error() string { return fmt.Sprintf("exit %d", e.code) }

// Env is the factory every command's constructor takes (the cli/cli
// way): the IO streams, the environment, the clock and the store, and the
// global flags once parsed. Main fills it for the process (PostgreSQL, the
// system clock); a test gives buffers, an in-memory store and a fixed clock.
type Env struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	DatabaseURL    string
	Operator       string
	Output         string
	Getenv         func(string) string
	// Clock is the current time when SCOLPASS_NOW is unset (nil: the
	// system clock).
	Clock func() time.Time
	// OpenStore opens the store of the account commands (nil: PostgreSQL
	// at --database-url, checked to be migrated).
	OpenStore func(ctx context.Context) (Store, error)

	db     *postgres.DB
	csvSep rune // field separator of -o csv where a command lets people choose it
	// afterCommit, when set, tries the directory jobs of the account a
	// step just committed (provisioning on).
	afterCommit func(login string)
}

// Main runs the command line with the process's arguments and streams and
// returns the exit code.
func Main() ExitCode {
	ctx, stop := newInterruptContext(context.Background())
	defer stop()
	env := &Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}
	return Run(ctx, env, os.Args[1:])
}

// Run executes one command line and returns its exit code.
func Run(ctx context.Context, env *Env, args []string) ExitCode {
	root := newRootCmd(env, args)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if env.db != nil {
		env.db.Close()
	}
	if err == nil {
		return ExitOK
	}
	var se *silentError
	if errors.As(err, &se) {
		return se.code
	}
	var ue *usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(env.Stderr, "scolpass: %s\nRun 'scolpass --help' for usage.\n", termSafeText(env.redactSecrets(err.Error())))
		return ExitUsage
	}
	// Messages can quote names and addresses from the database, and a
	// connection string: never its password.
	fmt.Fprintf(env.Stderr, "scolpass: %s\n", termSafeText(env.redactSecrets(activation.ErrorMessage(err))))
	return exitCodeFor(err)
}

// Version is the scolpass version, set at build time with -ldflags.
var Version = "dev"

// commands are scolpass's commands, in the order of --help, each with the
// name (and aliases) it answers to: a command line that names one is run
// by a tree holding only that one (see newRootCmd); TestCommandTable checks
// that the names match the commands.
var commands = []struct {
	names []string
	build func(*Env) *cobra.Command
}{
	{[]string{"migrate"}, newMigrateCmd},
	{[]string{"import-students"}, newImportCmd},
	{[]string{"issue-scolpass"}, newIssueCmd},
	{[]string{"activate"}, newActivateCmd},
	{[]string{"verify-token"}, newVerifyCmd},
	{[]string{"set-redirect"}, newRedirectCmd},
	{[]string{"reset"}, newResetCmd},
	{[]string{"show"}, newShowCmd},
	{[]string{"report"}, newReportCmd},
	{[]string{"mail"}, newMailCmd},
	{[]string{"serve"}, newServeCmd},
	{[]string{"provision"}, newProvisionCmd},
	{[]string{"version"}, newVersionCmd},
	{[]string{"check"}, newCheckCmd},
	{[]string{"purge"}, newPurgeCmd},
	{[]string{"audit"}, newAuditCmd},
	{[]string{"export-student"}, newExportStudentCmd},
}

// rootValueFlags are the root's flags that take a value in the next
// argument when written without "=".
var rootValueFlags = map[string]bool{"--database-url": true, "--operator": true, "--output": true, "-o": true}

// commandNamed is the index in commands of the command that args run, or
// -1 when it takes the whole tree to say: help, completion, an unknown
// command (cobra suggests a near name), a flag before the command that is
// not one of the root's.
func commandNamed(args []string) int {
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case rootValueFlags[a]:
			i++ // its value
			continue
		case strings.HasPrefix(a, "--database-url=") || strings.HasPrefix(a, "--operator=") ||
			strings.HasPrefix(a, "--output=") || (strings.HasPrefix(a, "-o") && len(a) > 2):
			continue
		case strings.HasPrefix(a, "-"):
			return -1
		}
		for j, c := range commands {
			for _, n := range c.names {
				if n == a {
					return j
				}
			}
		}
		return -1
	}
	return -1
}

// newRootCmd makes the command tree that runs args: only the command that
// args name when they name one (building every command, their flags and
// the root's help was most of the start-up of a short command, README
// "Performance"), else every command.
func newRootCmd(env *Env, args []string) *cobra.Command {
	only := commandNamed(args)

	root := &cobra.Command{
		Use:   "scolpass",
		Short: "Student IT-account activation (SCOL'PASS) for Université de Montpellier",
		Long: `scolpass imports students, prints their SCOL'PASS sheets (login and provisional
password) and drives the 8-step account activation of the university's guide,
in bulk, at the helpdesk, or from scripts, on PostgreSQL.

Database: --database-url, else DATABASE_URL, else libpq's PG* variables.
Time: SCOLPASS_NOW (RFC 3339), when set, is used as the current time.

`,
		Example: `  scolpass migrate
  scolpass import-students apogee-export.csv
  scolpass issue-scolpass --program L1INFO --out l1info.pdf
  scolpass activate jean.dupont --answers answers.json -o json
  scolpass report --by component`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       Version,
	}
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return usagef("%s", err) })
	root.Args = noArgs // names an unknown command
	root.RunE = func(cmd *cobra.Command, args []string) error { return cmd.Help() }
	pf := root.PersistentFlags()
	pf.StringVar(&env.DatabaseURL, "database-url", "", "PostgreSQL URL (default: $DATABASE_URL, else libpq's PG* variables)")
	pf.StringVar(&env.Operator, "operator", "", "who runs the command, recorded in the audit trail (default: $SCOLPASS_OPERATOR, else the OS user)")
	pf.StringVarP(&env.Output, "output", "o", "table", "output format: table, json or csv")
	root.PersistentPreRunE = func(cmd *cobra.Command, args []string) error {
		switch env.Output {
		case "table", "json", "csv":
		default:
			return usagef("--output must be table, json or csv, not %q", env.Output)
		}
		if env.Operator == "" {
			env.Operator = env.Getenv("SCOLPASS_OPERATOR")
		}
		// The OS user is looked up in actor, when a command records who
		// acts: reading the user database is a tenth of a start-up.
		return nil
	}
	// The streams are set before cobra's completion command is made: it
	// takes its output stream then.
	root.SetIn(env.Stdin)
	root.SetOut(env.Stdout)
	root.SetErr(env.Stderr)
	if only >= 0 {
		root.AddCommand(groupOfCommands(commands[only].build(env)))
		return root
	}
	// The whole tree: its help is the root's help.
	root.Long += exitCodesUsage()
	root.Long += "\n\nConfiguration (environment):\n" + configHelp()
	root.Long += "\n\nSecrets (a systemd credential, else a file of mode 0600 named by the variable):\n" + secretsHelp()
	for _, c := range commands {
		root.AddCommand(groupOfCommands(c.build(env)))
	}
	// cobra's completion command, with an example like every other command.
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		if c.Name() == "completion" {
			groupOfCommands(c)
			c.Example = "  source <(scolpass completion bash)\n  scolpass completion zsh > \"${fpath[1]}/_scolpass\""
		}
	}
	return root
}

// groupOfCommands makes a command that groups others (mail, provision,
// completion) name an unknown subcommand, and print its help when run alone.
func groupOfCommands(c *cobra.Command) *cobra.Command {
	if c.HasSubCommands() && (c.Args == nil || c.Name() == "completion") {
		c.Args = noArgs
		if c.RunE == nil && c.Run == nil {
			c.RunE = func(cmd *cobra.Command, args []string) error { return cmd.Help() }
		}
	}
	return c
}

func defaultOperator() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	if s := os.Getenv("USER"); s != "" {
		return s
	}
	return "unknown"
}

// open connects to the database and, unless raw, checks that it is migrated.
func (env *Env) open(ctx context.Context, raw bool) (*postgres.DB, error) {
	if env.db == nil {
		dsn := env.DatabaseURL
		if dsn == "" {
			dsn = env.Getenv("DATABASE_URL")
		}
		dsn, err := env.withDatabasePassword(dsn)
		if err != nil {
			return nil, err
		}
		db, err := postgres.Open(ctx, dsn)
		if err != nil {
			return nil, err
		}
		if err := env.useOutboxKey(db); err != nil {
			db.Close()
			return nil, err
		}
		env.db = db
	}
	if !raw {
		if err := env.db.CheckSchema(ctx); err != nil {
			return nil, err
		}
	}
	return env.db, nil
}

// now is the current time: SCOLPASS_NOW when set (rehearsals, tests).
func (env *Env) now() (time.Time, error) {
	if v := env.Getenv("SCOLPASS_NOW"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return time.Time{}, usagef("SCOLPASS_NOW=%q is not an RFC 3339 time (e.g. 2026-09-01T09:30:00+02:00)", v)
		}
		return t, nil
	}
	if env.Clock != nil {
		return env.Clock(), nil
	}
	return time.Now(), nil
}

// actor describes who acts, for the audit trail.
func (env *Env) actor(channel string) activation.Actor {
	clock := "system"
	if v := env.Getenv("SCOLPASS_NOW"); v != "" {
		clock = "SCOLPASS_NOW=" + v
	}
	if env.Operator == "" {
		env.Operator = defaultOperator()
	}
	return activation.Actor{Operator: env.Operator, Channel: channel, Clock: clock}
}

func newVersionCmd(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:     "version",
		Short:   "Print the scolpass version",
		Example: "  scolpass version",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			fmt.Fprintf(env.Stdout, "scolpass %s\n", Version)
			return nil
		},
	}
}
