// Command gen-man writes the man pages of scolpass, one per command
// (scolpass.1, scolpass-serve.1, …), from the commands' own help, into the
// directory given: the Debian package ships them (scripts/build-deb.sh).
//
//	go run ./scripts/gen-man DIR
//
// It is a program of its own so that cobra/doc and its Markdown renderer
// are not linked into scolpass, where every command would pay for their
// initialisation at start.
package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra/doc"

	"github.com/umontpellier/scolpass/internal/cli"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: gen-man DIR")
		os.Exit(2)
	}
	dir := os.Args[1]
	if err := os.MkdirAll(dir, 0o755); err != nil {
		fmt.Fprintf(os.Stderr, "gen-man: %v\n", err)
		os.Exit(1)
	}
	header := &doc.GenManHeader{Section: "1", Source: "scolpass " + cli.Version, Manual: "scolpass manual"}
	if err := doc.GenManTree(cli.ManCommand(), header, dir); err != nil {
		fmt.Fprintf(os.Stderr, "gen-man: %v\n", err)
		os.Exit(1)
	}
}
