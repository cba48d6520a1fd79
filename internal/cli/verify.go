package cli

import (
	"github.com/spf13/cobra"
)

func newVerifyCmd(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:   "verify-token TOKEN|URL|-",
		Short: "Follow an emailed link (step 4 or 6-2)",
		Long: `Follow the link emailed at step 4 (recovery email) or step 6-2 (redirect
address). Give the bare token or the whole link; "-" reads it from stdin, so
that it stays out of the process list.

A link is valid the day it was sent until 23:59 (Paris time) and works once.
Unknown, already used, replaced and expired links are refused with exit 8; an
expired link sends the activation back to step 1.`,
		Example: `  scolpass verify-token - < link.txt
  scolpass verify-token 'https://scolpass.umontpellier.fr/verify/Jx8…'`,
		Args: exactArgs("TOKEN, URL or -"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runVerify(cmd, env, args[0])
		},
	}
}

func runVerify(cmd *cobra.Command, env *Env, input string) error {
	ctx := cmd.Context()
	if input == "-" {
		s, err := readSecretLine(env.Stdin)
		if err != nil {
			return err
		}
		input = s
	}
	run, err := env.accountService(ctx, channelFor(env))
	if err != nil {
		return err
	}
	return env.finish(run.svc.VerifyToken(ctx, input, run.now))
}

// channelFor tells the audit trail whether a person at a terminal or a
// script runs the command.
func channelFor(env *Env) string {
	if isTerminal(env.Stdin) {
		return "helpdesk"
	}
	return "script"
}
