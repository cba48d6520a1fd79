package cli

import (
	"os"
	"strings"

	"github.com/spf13/cobra"
)

// ManCommand is the command tree as the man pages describe it
// (scripts/gen-man writes them with cobra/doc, which is kept out of the
// binary: its Markdown renderer alone cost more at every start than the
// rest of the help): every command's help text turned into the Markdown
// that cobra/doc renders.
func ManCommand() *cobra.Command {
	root := newRootCmd(&Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}, nil)
	root.DisableAutoGenTag = true
	manLongTexts(root)
	return root
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
