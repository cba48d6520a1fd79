package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

// Positional arguments are checked by these validators, which return usage
// errors (exit 2) that name what the command expected: the exit code never
// depends on the wording of cobra's messages.

// noArgs refuses any argument; for a command with subcommands, it names
// the unknown subcommand.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	if cmd.HasSubCommands() {
		return usagef("unknown command %q for %q", args[0], cmd.CommandPath())
	}
	return usagef("%s takes no argument, got %q", cmd.CommandPath(), strings.Join(args, " "))
}

// exactArgs wants exactly one argument per name (LOGIN, FILE…).
func exactArgs(names ...string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) == len(names) {
			return nil
		}
		what := strings.Join(names, " ")
		if len(args) < len(names) {
			return usagef("%s needs %s", cmd.CommandPath(), what)
		}
		return usagef("%s takes %s only, got %d arguments: %s", cmd.CommandPath(), what, len(args), fmt.Sprintf("%q", args))
	}
}
