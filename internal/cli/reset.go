package cli

import (
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/umontpellier/scolpass/internal/activation"
	"github.com/umontpellier/scolpass/internal/passpdf"
)

type resetOptions struct {
	Login    string
	Unlock   bool
	Restart  bool
	Reissue  bool
	Out      string
	Force    bool
	ValidFor string
	SendLink bool
}

func newResetCmd(env *Env) *cobra.Command {
	opts := &resetOptions{}
	cmd := &cobra.Command{
		Use:   "reset LOGIN (--unlock | --restart | --reissue [--out FILE.pdf] [--force] [--valid-for 120d] | --send-link)",
		Short: "Unlock, restart from step 1, or re-issue a SCOL'PASS",
		Long: `Helpdesk actions on one account:
  --unlock    lift a lock after too many wrong provisional passwords
  --restart   back to step 1: links revoked, recovery email, charter and
              redirect choices forgotten; the SCOL'PASS stays valid
  --reissue   a new SCOL'PASS (lost sheet, expired or forgotten password):
              the old provisional password stops working, the account goes
              back to step 1. An active account needs --force (its password
              stops working). The sheet goes to --out (default
              ./<student number>_<NAME>_<First>.pdf). An active account's
              password is also taken out of the directory at once.
  --send-link a forgotten password of an active account: the lost-password
              link goes to the confirmed recovery address on file (valid
              1 hour, SCOLPASS_RESET_LINK_VALID_FOR); you are told where it
              went, masked (j•••@e•••.org). An account that is not active is
              refused (exit 6): use --restart or --reissue instead.`,
		Example: `  scolpass reset jean.dupont --unlock
  scolpass reset jean.dupont --restart
  scolpass reset jean.dupont --reissue --out jean.pdf
  scolpass reset jean.dupont --reissue --force     # a new SCOL'PASS for an active account
  scolpass reset jean.dupont --send-link           # forgotten password: a link to the recovery address`,
		Args: exactArgs("LOGIN"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Login = args[0]
			n := 0
			for _, b := range []bool{opts.Unlock, opts.Restart, opts.Reissue, opts.SendLink} {
				if b {
					n++
				}
			}
			if n != 1 {
				return usagef("give exactly one of --unlock, --restart, --reissue, --send-link")
			}
			if opts.Out != "" && !opts.Reissue {
				return usagef("--out goes with --reissue")
			}
			return runReset(cmd, env, opts)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&opts.Unlock, "unlock", false, "lift a lock")
	f.BoolVar(&opts.Restart, "restart", false, "back to step 1, links revoked")
	f.BoolVar(&opts.Reissue, "reissue", false, "new SCOL'PASS (new provisional password and sheet)")
	f.StringVar(&opts.Out, "out", "", "with --reissue: where to write the sheet")
	f.BoolVar(&opts.Force, "force", false, "with --reissue: also for an active account, and overwrite --out")
	f.StringVar(&opts.ValidFor, "valid-for", "120d", "with --reissue: validity of the new provisional password")
	f.BoolVar(&opts.SendLink, "send-link", false, "mail a lost-password link to the recovery address of an active account")
	return cmd
}

func runReset(cmd *cobra.Command, env *Env, opts *resetOptions) error {
	ctx := cmd.Context()
	run, err := env.accountService(ctx, channelFor(env))
	if err != nil {
		return err
	}
	login := run.login(opts.Login)
	switch {
	case opts.Unlock:
		return env.finish(run.svc.Unlock(ctx, login, run.now))
	case opts.Restart:
		return env.finish(run.svc.Restart(ctx, login, run.now))
	case opts.SendLink:
		return env.finish(run.svc.SendResetLink(ctx, login, run.now))
	}
	return reissue(cmd, env, run, login, opts)
}

// reissue prints a new SCOL'PASS for one account. Whether it may be
// re-issued (an active account needs --force) is decided by the domain under
// the account's lock.
func reissue(cmd *cobra.Command, env *Env, run *accountRun, login string, opts *resetOptions) error {
	validFor, err := parseDuration(opts.ValidFor)
	if err != nil || validFor <= 0 {
		return usagef("--valid-for %q is not a duration such as 120d", opts.ValidFor)
	}
	a, err := run.svc.Store.Load(cmd.Context(), login)
	if err != nil {
		return err
	}
	out := opts.Out
	if out == "" {
		out = filepath.Join(".", passpdf.SheetFileName(passpdf.Sheet{StudentNo: a.StudentNo, LastName: a.LastName, FirstName: a.FirstName}))
	}
	target := sheetTarget{File: out, Force: opts.Force}
	if err := target.check(); err != nil {
		return err
	}
	if err := finishLeftSheets(cmd.Context(), env, run.store, target.dir()); err != nil {
		return err
	}
	p := run.sheetPrinter(env, target)
	res, err := run.svc.Reissue(cmd.Context(), login, opts.Force, validFor, run.now, p.print)
	if err := p.finish(err); err != nil {
		return err
	}
	if env.afterCommit != nil && a.State == activation.StateActive {
		env.afterCommit(login) // the directory password is revoked at once
	}
	return printIssue(env, issueReportOf(run.svc.Config, res, p.files), target)
}
