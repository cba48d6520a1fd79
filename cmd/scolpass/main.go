// Command scolpass runs the SCOL'PASS student IT-account activation.
package main

import (
	"os"

	"github.com/umontpellier/scolpass/internal/cli"
)

func main() { os.Exit(int(cli.Main())) }
