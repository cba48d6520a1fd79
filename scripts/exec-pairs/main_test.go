package main

import (
	"slices"
	"testing"
)

func TestCommandTakesLeadingAssignmentsAsEnvironment(t *testing.T) {
	c := command([]string{"SCOLPASS_PREFAULT=0", "GODEBUG=", "sh", "-c", "exit 0", "X=1"})
	if want := []string{"sh", "-c", "exit 0", "X=1"}; !slices.Equal(c.Args, want) {
		t.Errorf("argv %q, want %q", c.Args, want)
	}
	if n := len(c.Env); n < 2 || c.Env[n-2] != "SCOLPASS_PREFAULT=0" || c.Env[n-1] != "GODEBUG=" {
		t.Errorf("environment ends %q, want the two assignments", c.Env[max(0, n-2):])
	}
	if err := c.Run(); err != nil {
		t.Error(err)
	}
	if c := command([]string{"true"}); c.Env != nil {
		t.Errorf("a command without assignments gets an environment of its own: %q", c.Env)
	}
}
