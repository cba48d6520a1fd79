package cli

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
)

// newManCmd writes the man pages, one per command (scolpass-serve.1, …),
// from the commands' own help: the Debian package ships them (make deb).
// Hidden: it is a build step, not an operator's command.
func newManCmd(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:    "man DIR",
		Short:  "Write the man pages (section 1) into DIR",
		Hidden: true,
		Args:   cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := os.MkdirAll(args[0], 0o755); err != nil {
				return usagef("man pages: %v", err)
			}
			root := cmd.Root()
			root.DisableAutoGenTag = true
			manLongTexts(root)
			header := &doc.GenManHeader{Section: "1", Source: "scolpass " + Version, Manual: "scolpass manual"}
			if err := doc.GenManTree(root, header, args[0]); err != nil {
				return fmt.Errorf("man pages: %w", err)
			}
			return nil
		},
	}
}

// manLongTexts turns each command's help text into the Markdown that
// cobra/doc renders: a paragraph laid out with indented lines (tables of
// settings, lists) stays as it is (a literal block), the others are
// escaped so that SCOLPASS_*_FILE is not read as emphasis.
func manLongTexts(c *cobra.Command) {
	c.Long = manMarkdown(c.Long)
	for _, sub := range c.Commands() {
		manLongTexts(sub)
	}
}

func manMarkdown(s string) string {
	esc := strings.NewReplacer(`\`, `\\`, "*", `\*`, "_", `\_`, "`", "\\`", "<", `\<`, "[", `\[`, "#", `\#`)
	paras := strings.Split(strings.TrimSpace(s), "\n\n")
	for i, p := range paras {
		literal := false
		for _, l := range strings.Split(p, "\n") {
			if strings.HasPrefix(l, " ") || strings.HasPrefix(l, "\t") {
				literal = true
			}
		}
		if literal {
			paras[i] = "```\n" + p + "\n```"
		} else {
			paras[i] = esc.Replace(p)
		}
	}
	return strings.Join(paras, "\n\n")
}
