package cli

import (
	"github.com/spf13/cobra"
)

func newVerifyCmd(env *Env) *cobra.Command {
	var answers string
	cmd := &cobra.Command{
		Use:   "verify-token TOKEN|URL|- [--answers FILE|-]",
		Short: "Follow an emailed link (step 4, 6-2, or a lost-password link)",
		Long: `Follow the link emailed at step 4 (recovery email) or step 6-2 (redirect
address). Give the bare token or the whole link; "-" reads it from stdin, so
that it stays out of the process list.

A link is valid the day it was sent until 23:59 (Paris time) and works once.
Unknown, already used, replaced and expired links are refused with exit 8; an
expired link sends the activation back to step 1.

A lost-password link (BASE_URL/reset/TOKEN, valid 1 hour) needs the new
password: --answers FILE|- with {"new_password": "…"} (never in argv). A
password the policy refuses, or the current one, is refused with exit 9 and
the link stays valid.`,
		Example: `  scolpass verify-token - < link.txt
  scolpass verify-token 'https://scolpass.umontpellier.fr/verify/Jx8…'
  scolpass verify-token 'https://scolpass.umontpellier.fr/reset/Qm3…' --answers new.json`,
		Args: exactArgs("TOKEN, URL or -"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runVerify(cmd, env, args[0], answers)
		},
	}
	cmd.Flags().StringVar(&answers, "answers", "", `JSON file (or - for stdin) with "new_password", for a lost-password link`)
	return cmd
}

func runVerify(cmd *cobra.Command, env *Env, input, answers string) error {
	ctx := cmd.Context()
	if input == "-" && answers == "-" {
		return usagef("the link and --answers cannot both come from stdin: give one of them as a file")
	}
	var newPassword *string
	if answers != "" {
		f, err := readAnswers(env, answers)
		if err != nil {
			return err
		}
		if f.NewPass == nil {
			return usagef("--answers %s: no new_password", answers)
		}
		newPassword = f.NewPass
	}
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
	return env.finish(run.svc.FollowLink(ctx, input, newPassword, run.now))
}

// channelFor tells the audit trail whether a person at a terminal or a
// script runs the command.
func channelFor(env *Env) string {
	if isTerminal(env.Stdin) {
		return "helpdesk"
	}
	return "script"
}
