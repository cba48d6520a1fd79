package deb

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestVersion: the package's version from the checkout. An untagged commit
// whose abbreviated hash starts with a digit (932ad58) once broke the
// build: the hash was read as a version number.
func TestVersion(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	script, err := filepath.Abs("version.sh")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	git := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.org",
			"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.org", "GIT_CONFIG_GLOBAL=/dev/null")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	version := func() string {
		t.Helper()
		cmd := exec.Command("bash", script)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "SOURCE_DATE_EPOCH=1796472000") // 2026-12-05
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("version.sh: %v\n%s", err, out)
		}
		return strings.TrimSpace(string(out))
	}
	git("init", "-q")
	// Commits until the abbreviated hash starts with a digit (10 in 16).
	for i := 0; ; i++ {
		git("commit", "-q", "--allow-empty", "-m", "c")
		if h := git("rev-parse", "--short", "HEAD"); h[0] >= '0' && h[0] <= '9' {
			break
		}
		if i > 50 {
			t.Fatal("no hash starting with a digit in 50 commits")
		}
	}
	short := git("rev-parse", "--short", "HEAD")
	if got, want := version(), "0~git20261205."+short; got != want {
		t.Errorf("untagged, hash %s: %q, want %q", short, got, want)
	}
	git("tag", "v1.4.0")
	if got := version(); got != "1.4.0" {
		t.Errorf("at tag v1.4.0: %q", got)
	}
	git("commit", "-q", "--allow-empty", "-m", "after")
	if got := version(); !regexp.MustCompile(`^1\.4\.0\+git1\.[0-9a-f]{7,}$`).MatchString(got) {
		t.Errorf("one commit after v1.4.0: %q", got)
	}
	if err := os.WriteFile(filepath.Join(dir, "f"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	git("add", "f")
	if got := version(); !strings.HasSuffix(got, "+dirty") {
		t.Errorf("with changes: %q, want +dirty", got)
	}
}
