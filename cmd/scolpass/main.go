// Command scolpass runs the SCOL'PASS student IT-account activation.
package main

import (
	"os"

	"github.com/umontpellier/scolpass/internal/cli"
	_ "github.com/umontpellier/scolpass/internal/prefault" // first: start-up maps code and heap in a few calls
)

func main() { os.Exit(int(cli.Main())) }
