package cli

import (
	"context"

	"github.com/spf13/cobra"
)

func newExportStudentCmd(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:   "export-student LOGIN|STUDENT_NO",
		Short: "Print, as JSON, everything scolpass holds about one person (right of access)",
		Long: `Print everything scolpass holds about one student, as JSON, to answer a
right-of-access request (GDPR art. 15) in one command: the student record and
the account's states and addresses, the SCOL'PASS dates, the emailed links, the
web sessions, the emails sent (their links hidden), the audit events (with the
client addresses of web events) and the directory jobs, table by table.
Password and token hashes, session secrets and encrypted material are left
out (listed in omitted_columns). The output is always JSON.`,
		Example: `  scolpass export-student jean.dupont > jean.dupont.json
  scolpass export-student 22600001`,
		Args: exactArgs("LOGIN or STUDENT_NO"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runExportStudent(cmd.Context(), env, args[0])
		},
	}
}

func runExportStudent(ctx context.Context, env *Env, key string) error {
	ce, err := env.setup(ctx)
	if err != nil {
		return err
	}
	out, err := ce.db.ExportStudent(ctx, ce.cfg.LoginOf(key), ce.now)
	if err != nil {
		return err
	}
	return writeJSON(env.Stdout, out)
}
