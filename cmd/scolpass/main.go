// Command scolpass runs the SCOL'PASS student IT-account activation.
package main

import (
	"os"

	"github.com/umontpellier/scolpass/internal/cli"
	_ "github.com/umontpellier/scolpass/internal/hugeheap" // first: the heap on a huge page
)

func main() { os.Exit(int(cli.Main())) }
