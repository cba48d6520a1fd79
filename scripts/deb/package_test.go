// Package deb holds the sources of the Debian package (see
// scripts/build-deb.sh) and the tests that run every shipped file: the
// package installed with dpkg, its units checked by systemd-analyze, its
// nginx and Apache sites serving the activation over https.
package deb

import (
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// need returns the path of each tool, or fails the test: make test
// installs them (scripts/ensure-tools.sh in the Makefile's test target).
func need(t *testing.T, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is not installed: make test installs it (scripts/ensure-tools.sh in the Makefile)", tool)
		}
	}
}

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// dpkg runs dpkg, waiting for the lock while another dpkg or apt-get works.
func dpkg(t *testing.T, args ...string) string {
	t.Helper()
	for {
		out, err := exec.Command("dpkg", args...).CombinedOutput()
		if err == nil {
			return string(out)
		}
		if strings.Contains(string(out), "lock") {
			time.Sleep(2 * time.Second)
			continue
		}
		t.Fatalf("dpkg %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// buildPackage returns the package to test: $SCOLPASS_DEB when set (CI
// may build it once), else one built now by scripts/build-deb.sh.
func buildPackage(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("SCOLPASS_DEB"); p != "" {
		return p
	}
	need(t, "dpkg-deb", "git")
	out := run(t, "../build-deb.sh", t.TempDir())
	deb := strings.TrimSpace(out[strings.LastIndex(strings.TrimSpace(out), "\n")+1:])
	if !strings.HasSuffix(deb, "_amd64.deb") {
		t.Fatalf("build-deb.sh printed %q, not a package", out)
	}
	return deb
}

// exposure is the overall exposure systemd-analyze security gives a unit.
var exposureRE = regexp.MustCompile(`Overall exposure level for \S+: ([0-9.]+) (\S+)`)

func checkExposure(t *testing.T, unit string) {
	t.Helper()
	out, err := exec.Command("systemd-analyze", "security", "--offline=yes", "--threshold=20", unit).CombinedOutput()
	m := exposureRE.FindStringSubmatch(string(out))
	if m == nil {
		t.Fatalf("systemd-analyze security %s: no exposure level (%v)\n%s", unit, err, out)
	}
	level, _ := strconv.ParseFloat(m[1], 64)
	if err != nil || level > 2.0 || (m[2] != "OK" && m[2] != "SAFE") {
		t.Errorf("%s: exposure %s %s, want 2.0 or less (OK); exit %v", unit, m[1], m[2], err)
	}
}

// TestServiceHardening: systemd-analyze security rates the shipped
// services OK or better (exposure at most 2.0), offline, on the sources.
func TestServiceHardening(t *testing.T) {
	need(t, "systemd-analyze")
	for _, u := range []string{"scolpass.service", "scolpass-purge.service"} {
		checkExposure(t, filepath.Join("systemd", u))
	}
	// The unit keeps what the issue asks for, word for word.
	b, err := os.ReadFile("systemd/scolpass.service")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{"User=scolpass", "NoNewPrivileges=yes", "ProtectSystem=strict", "ProtectHome=yes", "PrivateTmp=yes",
		"CapabilityBoundingSet=\n", "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX", "SystemCallFilter=@system-service",
		"MemoryMax=", "Restart=on-failure", "KillSignal=SIGTERM", "ExecStartPre=/usr/bin/scolpass check"} {
		if !strings.Contains(string(b), "\n"+line) {
			t.Errorf("scolpass.service lacks %q", strings.TrimSpace(line))
		}
	}
}

// TestDebianPackage builds the package, checks it with lintian, installs
// it with dpkg -i on this machine, runs what it installed (the command,
// a man page, the bash, zsh and fish completions, systemd-analyze verify
// and security on the installed units), then removes and purges it.
func TestDebianPackage(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("the package test installs the package with dpkg -i: run it as root (CI runs make test as root)")
	}
	need(t, "dpkg", "dpkg-deb", "lintian", "man", "systemd-analyze", "bash")
	if exec.Command("dpkg-query", "-W", "-f=${Status}", "scolpass").Run() == nil {
		if st, _ := exec.Command("dpkg-query", "-W", "-f=${Status}", "scolpass").Output(); strings.Contains(string(st), "installed") && !strings.Contains(string(st), "not-installed") && !strings.Contains(string(st), "config-files") {
			t.Fatalf("a scolpass package is already installed here (%s): the test would replace it; remove it first", st)
		}
	}
	deb := buildPackage(t)
	version := strings.TrimSpace(run(t, "dpkg-deb", "-f", deb, "Version"))

	// lintian: no error (warnings are printed for the record).
	lint, _ := exec.Command("lintian", "--tag-display-limit", "0", deb).CombinedOutput()
	for _, l := range strings.Split(string(lint), "\n") {
		if strings.HasPrefix(l, "E: ") {
			t.Errorf("lintian: %s", l)
		}
	}
	t.Logf("lintian %s:\n%s", filepath.Base(deb), lint)

	// What it holds.
	contents := run(t, "dpkg-deb", "-c", deb)
	for _, p := range []string{"./usr/bin/scolpass", "./lib/systemd/system/scolpass.service", "./lib/systemd/system/scolpass-purge.service",
		"./lib/systemd/system/scolpass-purge.timer", "./etc/scolpass/scolpass.env", "./usr/share/man/man1/scolpass-serve.1.gz",
		"./usr/share/man/man1/scolpass-check.1.gz", "./usr/share/bash-completion/completions/scolpass",
		"./usr/share/zsh/vendor-completions/_scolpass", "./usr/share/fish/vendor_completions.d/scolpass.fish",
		"./usr/share/doc/scolpass/README.md", "./usr/share/doc/scolpass/changelog.gz", "./usr/share/doc/scolpass/copyright",
		"./usr/share/doc/scolpass/examples/nginx/scolpass.conf", "./usr/share/doc/scolpass/examples/apache2/scolpass.conf",
		"./usr/share/lintian/overrides/scolpass"} {
		if !strings.Contains(contents, " "+p+"\n") {
			t.Errorf("the package lacks %s", p)
		}
	}
	if conffiles := run(t, "dpkg-deb", "--ctrl-tarfile", deb); !strings.Contains(conffiles, "conffiles") {
		t.Error("the package has no conffiles list")
	}

	dpkg(t, "-i", deb)
	purged := false
	t.Cleanup(func() {
		if !purged {
			_ = exec.Command("dpkg", "--purge", "scolpass").Run()
		}
	})

	if out := run(t, "/usr/bin/scolpass", "version"); out != "scolpass "+version+"\n" {
		t.Errorf("scolpass version: %q, want %q", out, "scolpass "+version)
	}
	checkStartsAlone(t, "/usr/bin/scolpass")
	if out := strings.TrimSpace(run(t, "man", "-w", "scolpass-serve")); out != "/usr/share/man/man1/scolpass-serve.1.gz" {
		t.Errorf("man -w scolpass-serve: %q", out)
	}
	if out := run(t, "sh", "-c", "MANWIDTH=100 man scolpass-check 2>/dev/null | col -b"); !strings.Contains(out, "argon2") || !strings.Contains(out, "--timeout") {
		t.Errorf("man scolpass-check does not show the checks and flags:\n%s", out)
	}
	if st := run(t, "dpkg-query", "-W", "-f=${Conffiles}", "scolpass"); !strings.Contains(st, "/etc/scolpass/scolpass.env") {
		t.Errorf("/etc/scolpass/scolpass.env is not a conffile: %q", st)
	}

	// Completions, in each shell, from Debian's standard places.
	if !fileExists("/usr/share/bash-completion/bash_completion") {
		t.Fatal("bash-completion is not installed: make test installs it (scripts/ensure-tools.sh)")
	}
	bash := `source /usr/share/bash-completion/bash_completion
source /usr/share/bash-completion/completions/scolpass
complete -p scolpass
COMP_WORDS=(scolpass ser); COMP_CWORD=1; COMP_LINE="scolpass ser"; COMP_POINT=${#COMP_LINE}
__start_scolpass scolpass ser scolpass
echo "reply: ${COMPREPLY[*]}"`
	if out := run(t, "bash", "-c", bash); !strings.Contains(out, "-F __start_scolpass scolpass") || !strings.Contains(out, "reply: serve") {
		t.Errorf("bash completion:\n%s", out)
	}
	if _, err := exec.LookPath("zsh"); err == nil {
		// compinit's dump goes to a file of the test's: compinit removes and
		// rewrites its dump file, and given /dev/null it would replace the
		// device with a regular file for every process of the machine.
		dump := filepath.Join(t.TempDir(), "zcompdump")
		out := run(t, "zsh", "-c", `fpath=(/usr/share/zsh/vendor-completions $fpath); autoload -U compinit; compinit -u -d `+dump+`; print -r -- "comp=${_comps[scolpass]}"`)
		if !strings.Contains(out, "comp=_scolpass") {
			t.Errorf("zsh completion:\n%s", out)
		}
	} else {
		t.Log("zsh is not installed: its completion is not run")
	}
	if _, err := exec.LookPath("fish"); err == nil {
		out := run(t, "fish", "-c", `complete -C"scolpass ser"`)
		if !strings.HasPrefix(out, "serve\t") {
			t.Errorf("fish completion:\n%s", out)
		}
	} else {
		t.Log("fish is not installed: its completion is not run")
	}

	// postinst: the system user, and nothing started or enabled.
	if pw := run(t, "getent", "passwd", "scolpass"); !strings.HasSuffix(strings.TrimSpace(pw), ":/usr/sbin/nologin") {
		t.Errorf("the scolpass user: %q", pw)
	}
	for _, p := range []string{"/etc/systemd/system/multi-user.target.wants/scolpass.service", "/etc/systemd/system/timers.target.wants/scolpass-purge.timer"} {
		if _, err := os.Lstat(p); err == nil {
			t.Errorf("%s exists: the package enabled something on install", p)
		}
	}
	if exes, _ := filepath.Glob("/proc/[0-9]*/exe"); len(exes) > 0 {
		for _, e := range exes {
			if target, err := os.Readlink(e); err == nil && target == "/usr/bin/scolpass" {
				t.Errorf("the installed scolpass runs after install (%s)", e)
			}
		}
	}

	// The installed units, as systemd reads them.
	units := []string{"/lib/systemd/system/scolpass.service", "/lib/systemd/system/scolpass-purge.service", "/lib/systemd/system/scolpass-purge.timer"}
	if out, err := exec.Command("systemd-analyze", append([]string{"verify"}, units...)...).CombinedOutput(); err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
	checkExposure(t, units[0])
	checkExposure(t, units[1])

	// Removed: the command goes, the conffile stays; purged: it goes too.
	dpkg(t, "-r", "scolpass")
	if _, err := os.Stat("/usr/bin/scolpass"); err == nil {
		t.Error("/usr/bin/scolpass is still there after dpkg -r")
	}
	if _, err := os.Stat("/etc/scolpass/scolpass.env"); err != nil {
		t.Errorf("dpkg -r removed the conffile: %v", err)
	}
	dpkg(t, "--purge", "scolpass")
	purged = true
	if _, err := os.Stat("/etc/scolpass"); err == nil {
		t.Error("/etc/scolpass is still there after dpkg --purge")
	}
	if out, err := exec.Command("dpkg-query", "-W", "-f=${Status}", "scolpass").CombinedOutput(); err == nil && !strings.Contains(string(out), "not-installed") {
		t.Errorf("after --purge dpkg still knows scolpass: %s", out)
	}
}

// checkStartsAlone checks that the binary at path starts without the
// dynamic loader: a static executable, not a position-independent one
// (no PT_INTERP, type EXEC). A PIE has the loader apply its 67,000
// relocations at every start, 3 times a hello-world program's start-up
// instead of 1.8 (README, "Performance").
func checkStartsAlone(t *testing.T, path string) {
	t.Helper()
	f, err := elf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if f.Type != elf.ET_EXEC {
		t.Errorf("%s is an ELF %v, want EXEC (position independent, it needs the dynamic loader at every start)", path, f.Type)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Errorf("%s names an interpreter: it starts through the dynamic loader", path)
		}
	}
}
