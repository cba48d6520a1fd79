// Command exec-pairs times two commands as whole processes, in turn:
//
//	go run ./scripts/exec-pairs [-n PAIRS] [-w WARMUP] -a 'CMD A…' -b 'CMD B…'
//
// A command may start with NAME=value words, as with env(1):
// -a 'SCOLPASS_PREFAULT=0 bin/scolpass version' times the same binary with
// its start-up prefaulting off.
//
// It starts A then B, PAIRS times (after WARMUP pairs not counted), each
// straight from this process (fork and exec, no shell), output thrown
// away, and prints one line: the medians of A's and B's wall and CPU
// milliseconds (CPU: user + system, the kernel's accounting of the child),
// then the medians of the ratios A/B taken pair by pair, so that a change
// in the machine's speed during the run moves both sides of a pair alike:
//
//	a_wall a_cpu b_wall b_cpu ratio_wall ratio_cpu
//
// scripts/bench-startup.sh uses it to time `scolpass version` against a
// hello-world program the way hyperfine -N would, without a shell's fork
// in either figure.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"time"
)

func main() {
	n := flag.Int("n", 40, "pairs timed")
	warm := flag.Int("w", 3, "pairs run first, not timed")
	a := flag.String("a", "", "command A, words separated by spaces")
	b := flag.String("b", "", "command B, words separated by spaces")
	flag.Parse()
	if *a == "" || *b == "" || *n < 1 {
		fmt.Fprintln(os.Stderr, "usage: exec-pairs [-n PAIRS] [-w WARMUP] -a 'CMD' -b 'CMD'")
		os.Exit(2)
	}
	cmdA, cmdB := strings.Fields(*a), strings.Fields(*b)
	var aw, ac, bw, bc, rw, rc []float64
	for i := 0; i < *warm+*n; i++ {
		wa, ca := run(cmdA)
		wb, cb := run(cmdB)
		if i < *warm {
			continue
		}
		aw, ac, bw, bc = append(aw, wa), append(ac, ca), append(bw, wb), append(bc, cb)
		rw = append(rw, wa/wb)
		if cb > 0 {
			rc = append(rc, ca/cb)
		}
	}
	fmt.Printf("%.3f %.3f %.3f %.3f %.3f %.3f\n", median(aw), median(ac), median(bw), median(bc), median(rw), median(rc))
}

// command is the command of args: leading NAME=value words are added to
// its environment, as env(1) would, without a process of env's own in the
// figures.
func command(args []string) *exec.Cmd {
	var env []string
	for len(args) > 1 && strings.Contains(args[0], "=") {
		env, args = append(env, args[0]), args[1:]
	}
	c := exec.Command(args[0], args[1:]...)
	if env != nil {
		c.Env = append(os.Environ(), env...)
	}
	return c
}

// run starts args once and returns its wall and CPU milliseconds.
func run(args []string) (wall, cpu float64) {
	c := command(args)
	start := time.Now()
	if err := c.Run(); err != nil {
		fmt.Fprintf(os.Stderr, "exec-pairs: %s: %v\n", strings.Join(args, " "), err)
		os.Exit(1)
	}
	wall = float64(time.Since(start)) / 1e6
	cpu = float64(c.ProcessState.UserTime()+c.ProcessState.SystemTime()) / 1e6
	return wall, cpu
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
