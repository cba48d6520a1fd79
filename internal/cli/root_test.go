package cli

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
)

// TestREADMEExitCodes: the README's table and --help say the same thing,
// from the one table exitCodes.
func TestREADMEExitCodes(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	help := newCLI(t).run(t, "--help")
	for _, c := range exitCodes {
		if row := fmt.Sprintf("\n| %d | %s |\n", c.Code, c.Meaning); !strings.Contains(readme, row) {
			t.Errorf("README lacks the row %q", strings.TrimSpace(row))
		}
		if line := fmt.Sprintf("\n  %d  %s\n", c.Code, c.Meaning); !strings.Contains(help.stdout, line) {
			t.Errorf("--help lacks the line %q", strings.TrimSpace(line))
		}
	}
	if n := strings.Count(readme[strings.Index(readme, "### Exit codes"):strings.Index(readme, "### `report -o json`")], "\n| "); n != len(exitCodes)+1 {
		t.Errorf("README's exit-code table has %d rows, want %d and its header", n-1, len(exitCodes))
	}
}

// TestSynopses: the README's synopsis of each command names every flag of
// the command (global flags aside), and the usage line of serve and reset
// in --help does too.
func TestSynopses(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	i := strings.Index(readme, "## Commands\n\n```\n")
	block := readme[i:]
	block = block[:strings.Index(block[20:], "```")+20]
	// synopsis is a command's lines of the block (its continuation lines
	// start with spaces).
	synopsis := func(name string) string {
		var out []string
		in := false
		for _, l := range strings.Split(block, "\n") {
			switch {
			case strings.HasPrefix(l, "scolpass "+name+" ") || l == "scolpass "+name:
				in = true
			case !strings.HasPrefix(l, " "):
				in = false
			}
			if in {
				out = append(out, l)
			}
		}
		return strings.Join(out, "\n")
	}
	root := newRootCmd(&Env{Getenv: func(string) string { return "" }}, nil)
	for _, cmd := range root.Commands() {
		if cmd.Name() == "help" || cmd.Name() == "completion" || cmd.Hidden {
			continue
		}
		syn := synopsis(cmd.Name())
		if syn == "" {
			t.Errorf("README has no synopsis of %s", cmd.Name())
			continue
		}
		for _, c := range append(cmd.Commands(), cmd) {
			c.LocalNonPersistentFlags().VisitAll(func(f *pflag.Flag) {
				if f.Name != "help" && !strings.Contains(syn, "--"+f.Name) {
					t.Errorf("README's synopsis of %s lacks --%s:\n%s", c.CommandPath(), f.Name, syn)
				}
			})
		}
	}
	for _, name := range []string{"serve", "reset"} {
		cmd, _, _ := root.Find([]string{name})
		cmd.LocalNonPersistentFlags().VisitAll(func(f *pflag.Flag) {
			if f.Name != "help" && !strings.Contains(cmd.Use, "--"+f.Name) {
				t.Errorf("scolpass %s --help's usage line lacks --%s: %s", name, f.Name, cmd.Use)
			}
		})
	}
}

func TestRootAndHelp(t *testing.T) {
	c := newCLI(t)
	c.run(t).want(t, ExitOK, `Usage:`, `Exit codes:`, `SCOLPASS_LDAP_URL`)
	c.run(t, "version").want(t, ExitOK, `^scolpass `)
	c.run(t, "frobnicate").want(t, ExitUsage, `unknown command "frobnicate" for "scolpass"`, `Run 'scolpass --help' for usage.`)
	c.run(t, "mail", "frobnicate").want(t, ExitUsage, `unknown command "frobnicate" for "scolpass mail"`)
	// The completion script goes to the command's stdout.
	if r := c.run(t, "completion", "bash"); r.code != ExitOK || !strings.Contains(r.stdout, "bash completion V2 for scolpass") {
		t.Errorf("completion bash: exit %d, %d bytes on stdout", r.code, len(r.stdout))
	}
	c.run(t, "version", "x").want(t, ExitUsage, `scolpass version takes no argument, got "x"`)
	c.run(t, "show", "x", "-o", "yaml").want(t, ExitUsage, `--output must be table, json or csv, not "yaml"`)
}

// TestEnvironmentSettings: a setting in error is named, with what it
// should be, before anything is done (exit 2).
func TestEnvironmentSettings(t *testing.T) {
	for name, tc := range map[string]struct{ value, says string }{
		"SCOLPASS_NOW":                  {"tomorrow", `SCOLPASS_NOW="tomorrow" is not an RFC 3339 time`},
		"SCOLPASS_LOCK_AFTER":           {"five", `SCOLPASS_LOCK_AFTER="five" must be a positive whole number`},
		"SCOLPASS_LINKS_PER_DAY":        {"0", `SCOLPASS_LINKS_PER_DAY="0" must be a positive whole number`},
		"SCOLPASS_LOCK_FOR":             {"a while", `SCOLPASS_LOCK_FOR="a while" must be a duration such as 15m, 2h or 7d`},
		"SCOLPASS_PASSWORD_MIN_CLASSES": {"5", `SCOLPASS_PASSWORD_MIN_CLASSES must be between 1 and 4`},
	} {
		t.Run(name, func(t *testing.T) {
			c := newCLI(t)
			c.env[name] = tc.value
			c.run(t, "show", "jean.dupont").want(t, ExitUsage, tc.says)
		})
	}
	// Settings that hold: the domain, the lock, the argon2id threads.
	c := newCLI(t)
	c.env["SCOLPASS_MAIL_DOMAIN"] = "etu.example.fr"
	c.env["SCOLPASS_LOCK_FOR"] = "1d"
	c.env["SCOLPASS_ARGON2_THREADS"] = "300"
	c.env["SCOLPASS_BASE_URL"] = "https://act.example.fr/"
	cfg, err := (&Env{Getenv: func(k string) string { return c.env[k] }}).config()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.MailDomain != "etu.example.fr" || cfg.LockFor != 24*time.Hour || cfg.Argon2.Threads != 255 || cfg.ActivationURL != "https://act.example.fr/activation" {
		t.Errorf("config: %+v", cfg)
	}
	c.store.add("1", "Jean", "Dupont", "jean.dupont", "L1INFO", "", testNow)
	c.run(t, "show", "jean.dupont@etu.example.fr").want(t, ExitOK, `Identifier:\s+jean.dupont@etu.example.fr`)
}

// TestOperator: --operator, else SCOLPASS_OPERATOR, is who the audit names.
func TestOperator(t *testing.T) {
	c := newCLI(t)
	a := c.store.add("1", "Jean", "Dupont", "jean.dupont", "L1INFO", "", testNow)
	c.store.issue(t, a, testPW, testNow)
	c.env["SCOLPASS_OPERATOR"] = "agent.env"
	c.run(t, "reset", "jean.dupont", "--unlock").want(t, ExitOK)
	c.run(t, "reset", "jean.dupont", "--restart", "--operator", "agent.flag").want(t, ExitOK)
	ev := c.store.Events(a.StudentID)
	if len(ev) < 2 || ev[len(ev)-2].Actor.Operator != "agent.env" || ev[len(ev)-1].Actor.Operator != "agent.flag" {
		t.Errorf("operators: %+v", ev)
	}
	if ev[len(ev)-1].Actor.Clock != "system" {
		t.Errorf("clock %q, want system (SCOLPASS_NOW unset)", ev[len(ev)-1].Actor.Clock)
	}
}

// TestFinishLeftSheets: sheets a killed run left under hidden names are
// finished by the next run into the same place: moved into place when
// their batch's passwords are stored, removed when they never were.
func TestFinishLeftSheets(t *testing.T) {
	c := newCLI(t)
	a := c.store.add("22600001", "Jean", "Dupont", "jean.dupont", "L1INFO", "", testNow)
	c.store.issue(t, a, testPW, testNow) // batch b1
	dir := filepath.Join(c.dir, "sheets")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	kept := filepath.Join(dir, ".22600001_DUPONT_Jean.pdf.scolpass-b1.pending")
	gone := filepath.Join(dir, ".22600002_MARTIN_Paul.pdf.scolpass-b0.pending")
	for _, f := range []string{kept, gone} {
		if err := os.WriteFile(f, []byte("%PDF-1.4\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	r := c.run(t, "issue-scolpass", "--out-dir", dir)
	r.want(t, ExitOK, `finished an interrupted run: 1 sheet\(s\)`, `22600001_DUPONT_Jean.pdf`, `removed 1 sheet\(s\) left by an interrupted run`)
	if _, err := os.Stat(filepath.Join(dir, "22600001_DUPONT_Jean.pdf")); err != nil {
		t.Error(err)
	}
	if _, err := os.Stat(gone); !os.IsNotExist(err) {
		t.Errorf("the sheet of a batch never stored is still there: %v", err)
	}
	if !looksLikeSheetOf("22600001_DUPONT_Jean.pdf") || looksLikeSheetOf("l1info.pdf") {
		t.Error("looksLikeSheetOf")
	}
}

// Every entry of the commands table answers to the names the command it
// builds has, and every command is in the table: a command line naming one
// builds a tree with that command alone.
func TestCommandTable(t *testing.T) {
	env := &Env{Getenv: func(string) string { return "" }}
	seen := map[string]bool{}
	for _, c := range commands {
		cmd := c.build(env)
		want := append([]string{cmd.Name()}, cmd.Aliases...)
		if strings.Join(c.names, ",") != strings.Join(want, ",") {
			t.Errorf("commands table names %v for a command that answers to %v", c.names, want)
		}
		seen[cmd.Name()] = true
	}
	root := newRootCmd(env, nil)
	for _, cmd := range root.Commands() {
		if name := cmd.Name(); !seen[name] && name != "completion" && name != "help" {
			t.Errorf("scolpass %s is not in the commands table", name)
		}
	}
}

func TestCommandNamed(t *testing.T) {
	index := func(name string) int {
		for i, c := range commands {
			if c.names[0] == name {
				return i
			}
		}
		t.Fatalf("no command %s", name)
		return -1
	}
	for _, tc := range []struct {
		args []string
		want int
	}{
		{[]string{"version"}, index("version")},
		{[]string{"report", "--by", "component"}, index("report")},
		{[]string{"-o", "json", "show", "x"}, index("show")},
		{[]string{"-ojson", "show", "x"}, index("show")},
		{[]string{"--output=json", "--operator", "helpdesk", "--database-url", "postgres://h/db", "mail", "list"}, index("mail")},
		{[]string{"--database-url=postgres://h/db", "import-students", "-"}, index("import-students")},
		{nil, -1},
		{[]string{"help", "version"}, -1},
		{[]string{"completion", "bash"}, -1},
		{[]string{"__complete", "rep"}, -1},
		{[]string{"--help"}, -1},
		{[]string{"--version"}, -1},
		{[]string{"--bogus", "version"}, -1},
		{[]string{"-o"}, -1},
		{[]string{"reprot"}, -1},
	} {
		if got := commandNamed(tc.args); got != tc.want {
			t.Errorf("commandNamed(%q) = %d, want %d", tc.args, got, tc.want)
		}
	}
}

// A command line run by the one-command tree prints and exits as the whole
// tree does: help, usage errors, flag errors.
func TestOneCommandTreeRunsAsTheWholeTree(t *testing.T) {
	run := func(whole bool, args []string) (string, ExitCode) {
		var out bytes.Buffer
		env := &Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &out, Getenv: func(string) string { return "" }}
		treeArgs := args
		if whole {
			treeArgs = nil
		}
		root := newRootCmd(env, treeArgs)
		root.SetArgs(args)
		err := root.ExecuteContext(context.Background())
		code := ExitOK
		if err != nil {
			code = ExitError
			out.WriteString("error: " + err.Error())
		}
		return out.String(), code
	}
	for _, args := range [][]string{
		{"version"},
		{"version", "--help"},
		{"-o", "json", "version"},
		{"version", "extra"},
		{"import-students", "--help"},
		{"mail", "--help"},
		{"mail", "bogus"},
		{"provision", "queue", "--help"},
		{"serve", "--help"},
		{"report", "--bogus"},
		{"reset", "-h"},
	} {
		if commandNamed(args) < 0 {
			t.Fatalf("%q does not name one command", args)
		}
		wantOut, wantCode := run(true, args)
		gotOut, gotCode := run(false, args)
		if gotOut != wantOut || gotCode != wantCode {
			t.Errorf("scolpass %s: the one-command tree printed (exit %d)\n%s\nthe whole tree (exit %d)\n%s", strings.Join(args, " "), gotCode, gotOut, wantCode, wantOut)
		}
	}
}
