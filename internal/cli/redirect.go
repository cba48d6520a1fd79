package cli

import (
	"github.com/spf13/cobra"
)

type redirectOptions struct {
	Login    string
	To       string
	KeepCopy bool
	Off      bool
}

func newRedirectCmd(env *Env) *cobra.Command {
	opts := &redirectOptions{}
	cmd := &cobra.Command{
		Use:   "set-redirect LOGIN (--to ADDR [--keep-copy] | --off)",
		Short: "Choose or change the mail redirect (step 6-1)",
		Long: `Set the redirect of the university mailbox to an external address (step 6-1
during the activation, or a later change on an active account), or remove it.
An address other than the recovery email gets its own confirmation link
(step 6-2): the redirect is pending until it is followed (exit 3). A redirect
to the university's own domain (a loop) or an invalid address is refused
(exit 9).`,
		Example: `  scolpass set-redirect jean.dupont --to jean.dupont@example.org --keep-copy
  scolpass set-redirect jean.dupont --off`,
		Args: exactArgs("LOGIN"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Login = args[0]
			if (opts.To == "") == !opts.Off {
				return usagef("give either --to ADDR or --off")
			}
			if opts.Off && opts.KeepCopy {
				return usagef("--keep-copy goes with --to, not with --off")
			}
			return runRedirect(cmd, env, opts)
		},
	}
	cmd.Flags().StringVar(&opts.To, "to", "", "external address to redirect the mail to")
	cmd.Flags().BoolVar(&opts.KeepCopy, "keep-copy", false, "keep a copy in the university mailbox")
	cmd.Flags().BoolVar(&opts.Off, "off", false, "remove the redirect")
	return cmd
}

func runRedirect(cmd *cobra.Command, env *Env, opts *redirectOptions) error {
	ctx := cmd.Context()
	run, err := env.accountService(ctx, channelFor(env))
	if err != nil {
		return err
	}
	return env.finish(run.svc.SetRedirect(ctx, run.login(opts.Login), opts.To, opts.KeepCopy, run.now))
}
