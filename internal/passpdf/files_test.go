package passpdf

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeString(s string) func(io.Writer) error {
	return func(w io.Writer) error { _, err := io.WriteString(w, s); return err }
}

// entries lists the names in dir, to prove that no temporary file is left.
func entries(t *testing.T, dir string) []string {
	t.Helper()
	des, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, de := range des {
		names = append(names, de.Name())
	}
	return names
}

func TestWriteFileAtomicCreatesMode0600(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sheets.pdf")
	if err := WriteFileAtomic(path, false, writeString("v1")); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
	if b, _ := os.ReadFile(path); string(b) != "v1" {
		t.Errorf("content %q", b)
	}
	if got := entries(t, dir); len(got) != 1 {
		t.Errorf("directory holds %v, want only sheets.pdf", got)
	}
}

func TestWriteFileAtomicNeverOverwritesWithoutForce(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sheets.pdf")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	called := false
	err := WriteFileAtomic(path, false, func(w io.Writer) error { called = true; return nil })
	if err == nil || !strings.Contains(err.Error(), "already exists (use --force to overwrite)") {
		t.Fatalf("got %v, want an already-exists error", err)
	}
	if called {
		t.Error("the document was rendered although it could not be written")
	}
	if b, _ := os.ReadFile(path); string(b) != "old" {
		t.Errorf("the existing file was changed: %q", b)
	}

	if err := WriteFileAtomic(path, true, writeString("new")); err != nil {
		t.Fatalf("with force: %v", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "new" {
		t.Errorf("with force: content %q", b)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("with force: mode %v, want 0600", fi.Mode().Perm())
	}
	if got := entries(t, dir); len(got) != 1 {
		t.Errorf("directory holds %v, want only sheets.pdf", got)
	}
}

func TestWriteFileAtomicFailureLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sheets.pdf")
	if err := os.WriteFile(path, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("render failed")
	err := WriteFileAtomic(path, true, func(w io.Writer) error {
		io.WriteString(w, "half a document")
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("got %v, want the writer's error", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "old" {
		t.Errorf("the existing file was changed: %q", b)
	}
	if got := entries(t, dir); len(got) != 1 {
		t.Errorf("directory holds %v after a failure, want only sheets.pdf", got)
	}

	// A new file that fails is not created at all.
	fresh := filepath.Join(dir, "fresh.pdf")
	if err := WriteFileAtomic(fresh, false, func(io.Writer) error { return boom }); !errors.Is(err, boom) {
		t.Fatalf("got %v, want the writer's error", err)
	}
	if _, err := os.Stat(fresh); !os.IsNotExist(err) {
		t.Errorf("%s exists after a failure", fresh)
	}
}

func TestWriteFileAtomicMissingDirectory(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "no", "such", "dir", "sheets.pdf")
	err := WriteFileAtomic(path, false, writeString("x"))
	if err == nil {
		t.Fatal("no error for a missing directory")
	}
	if !strings.Contains(err.Error(), path) {
		t.Errorf("error %q does not name the file", err)
	}
	if got := entries(t, dir); len(got) != 0 {
		t.Errorf("left behind: %v", got)
	}
}

func TestWriteFileAtomicReadOnlyDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ro")
	if err := os.Mkdir(dir, 0o500); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(dir, 0o700) })
	// root ignores directory permissions: then there is nothing to test.
	if f, err := os.CreateTemp(dir, "probe"); err == nil {
		f.Close()
		os.Remove(f.Name())
		t.Skip("directory permissions are not enforced for this user (root?)")
	}
	path := filepath.Join(dir, "sheets.pdf")
	if err := WriteFileAtomic(path, false, writeString("x")); err == nil {
		t.Fatal("no error for a read-only directory")
	}
	if got := entries(t, dir); len(got) != 0 {
		t.Errorf("left behind: %v", got)
	}
}

func TestSheetFileName(t *testing.T) {
	for _, tc := range []struct {
		first, last, no, want string
	}{
		{"Jean", "Dupont", "21001234", "21001234_DUPONT_Jean.pdf"},
		{"Jean-Pierre", "DUPONT", "21001235", "21001235_DUPONT_Jean-Pierre.pdf"},
		{"Łukasz", "Wałęsa", "1", "1_WALESA_Lukasz.pdf"},
		{"Antonín", "Dvořák", "2", "2_DVORAK_Antonin.pdf"},
		{"Thị Minh Khai", "Nguyễn", "3", "3_NGUYEN_Thi-Minh-Khai.pdf"},
		{"Søren", "Ærøskøbing", "4", "4_AEROSKOBING_Soren.pdf"},
		{"Şükrü", "Öztürk", "5", "5_OZTURK_Sukru.pdf"},
		{"Aïcha", "N'Diaye", "6", "6_NDIAYE_Aicha.pdf"},
		{"Œdipe", "Bœuf", "7", "7_BOEUF_OEdipe.pdf"},
		{"Marie Claire", "De La Fontaine", "8", "8_DE-LA-FONTAINE_Marie-Claire.pdf"},
		{"../../etc", "/passwd", "../9", "9_PASSWD_etc.pdf"},
		{"", "", "", "scolpass.pdf"},
		{"李", "王", "10", "10.pdf"},
	} {
		got := SheetFileName(Sheet{FirstName: tc.first, LastName: tc.last, StudentNo: tc.no})
		if got != tc.want {
			t.Errorf("SheetFileName(%q, %q, %q) = %q, want %q", tc.first, tc.last, tc.no, got, tc.want)
		}
	}
	long := SheetFileName(Sheet{FirstName: strings.Repeat("Anne-", 40), LastName: strings.Repeat("Dupont ", 40), StudentNo: "21000001"})
	if len(long) > 120 || strings.ContainsAny(long, `/\ `) {
		t.Errorf("long name gives %q (%d bytes)", long, len(long))
	}
}

func TestPendingFileCommitAndAbort(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sheets.pdf")
	p, err := NewPendingFile(path, false)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(p, "content")
	if err := p.Finish(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatal("the final file exists before Commit")
	}
	if err := p.Commit(); err != nil {
		t.Fatal(err)
	}
	p.Abort() // no-op after Commit
	if b, _ := os.ReadFile(path); string(b) != "content" {
		t.Errorf("content %q", b)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}

	// Aborted: nothing left, the existing file untouched.
	q, err := NewPendingFile(path, true)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(q, "other")
	q.Abort()
	if b, _ := os.ReadFile(path); string(b) != "content" {
		t.Errorf("abort changed the file: %q", b)
	}
	if got := entries(t, dir); len(got) != 1 {
		t.Errorf("directory holds %v after Abort", got)
	}
}

func TestPendingFileRefusesAFileThatAppearedMeanwhile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sheets.pdf")
	p, err := NewPendingFile(path, false)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(p, "mine")
	if err := os.WriteFile(path, []byte("theirs"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := p.Commit(); err == nil {
		t.Fatal("Commit replaced a file that appeared meanwhile")
	}
	if b, _ := os.ReadFile(path); string(b) != "theirs" {
		t.Errorf("the other file was changed: %q", b)
	}

	// WriteFileAtomic in the same race says so and cleans up.
	err = WriteFileAtomic(filepath.Join(dir, "race.pdf"), false, func(w io.Writer) error {
		return os.WriteFile(filepath.Join(dir, "race.pdf"), []byte("theirs"), 0o600)
	})
	if err == nil || !strings.Contains(err.Error(), "already exists (use --force to overwrite)") {
		t.Fatalf("got %v, want an already-exists error", err)
	}
	for _, name := range entries(t, dir) {
		if strings.HasPrefix(name, ".race.pdf.tmp-") {
			t.Errorf("temporary file %s left behind", name)
		}
	}
}

// A batch's sheet whose final name was taken during the run goes beside it,
// and every other sheet still moves into place.
func TestBatchCommitAroundATakenName(t *testing.T) {
	dir := t.TempDir()
	var files []*PendingFile
	for _, n := range []string{"a.pdf", "b.pdf", "c.pdf"} {
		p, err := NewBatchFile(filepath.Join(dir, n), "20260901-090000-abcdef", false)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.Write([]byte("sheet " + n)); err != nil {
			t.Fatal(err)
		}
		files = append(files, p)
	}
	if err := os.WriteFile(filepath.Join(dir, "b.pdf"), []byte("someone else's"), 0o600); err != nil {
		t.Fatal(err)
	}
	left, err := FindPending(dir)
	if err != nil || len(left) != 3 || left[0].Batch != "20260901-090000-abcdef" || left[0].Final != filepath.Join(dir, "a.pdf") {
		t.Fatalf("FindPending = %+v, %v", left, err)
	}
	b := &Batch{ID: "20260901-090000-abcdef", files: files}
	moved, errs := b.Commit()
	if len(errs) != 0 || len(moved) != 1 || moved[0].To != filepath.Join(dir, "b.20260901-090000-abcdef.pdf") {
		t.Fatalf("Commit = %+v, %v", moved, errs)
	}
	for n, want := range map[string]string{"a.pdf": "sheet a.pdf", "b.pdf": "someone else's", "b.20260901-090000-abcdef.pdf": "sheet b.pdf", "c.pdf": "sheet c.pdf"} {
		if got, _ := os.ReadFile(filepath.Join(dir, n)); string(got) != want {
			t.Errorf("%s = %q, want %q", n, got, want)
		}
	}
	if left, _ := FindPending(dir); len(left) != 0 {
		t.Fatalf("left behind: %+v", left)
	}
}
