package main

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"unsafe"

	"github.com/umontpellier/scolpass/internal/smaps"
)

const hugePage = 2 << 20

// pmdMapped maps the first 4 MiB of path read-only at a 2 MiB-aligned
// address, faults it in as a program's first instructions would, and
// returns the kilobytes the kernel mapped with huge-page entries (smaps'
// FilePmdMapped).
func pmdMapped(t *testing.T, path string) int {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	const size = 2 * hugePage
	// An address range aligned on 2 MiB: reserve twice the size, map the
	// file over its aligned middle.
	area, err := syscall.Mmap(-1, 0, 2*size, syscall.PROT_NONE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Munmap(area)
	base := uintptr(unsafe.Pointer(unsafe.SliceData(area)))
	addr := (base + hugePage - 1) &^ (hugePage - 1)
	got, _, errno := syscall.Syscall6(syscall.SYS_MMAP, addr, size, syscall.PROT_READ,
		syscall.MAP_SHARED|syscall.MAP_FIXED, f.Fd(), 0)
	if errno != 0 {
		t.Fatalf("mmap %s: %v", path, errno)
	}
	defer syscall.Syscall(syscall.SYS_MUNMAP, got, size, 0)
	// Read faults over the range (MADV_POPULATE_READ, Linux 5.14).
	if _, _, errno := syscall.Syscall(syscall.SYS_MADVISE, got, size, 22); errno != 0 {
		t.Skipf("madvise(MADV_POPULATE_READ): %v", errno)
	}
	m, err := smaps.Of(got)
	if err != nil {
		t.Skipf("smaps: %v", err)
	}
	kb, ok := m.KB["FilePmdMapped"]
	if !ok {
		t.Skip("this kernel's smaps has no FilePmdMapped")
	}
	return int(kb)
}

// writeInPieces writes b to path in writes of n bytes.
func writeInPieces(t *testing.T, path string, b []byte, n int) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	for len(b) > 0 {
		k := min(n, len(b))
		if _, err := f.Write(b[:k]); err != nil {
			t.Fatal(err)
		}
		b = b[k:]
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// A file place-binary writes sits in the page cache in 2 MiB folios, which
// the kernel maps with huge-page entries; the same bytes written in 64 KiB
// pieces (as cp does) are not. The test needs a kernel and file system
// that keep large folios: a file written in one piece by the test itself
// tells, and the test is skipped without them.
func TestPlacedFileIsMappedInHugePages(t *testing.T) {
	if b, err := os.ReadFile("/sys/kernel/mm/transparent_hugepage/enabled"); err != nil || bytes.Contains(b, []byte("[never]")) {
		t.Skip("transparent huge pages are off on this machine")
	}
	// The test's files live beside the repository (its file system is
	// the one bin/scolpass is written to), not in a tmpfs.
	dir, err := os.MkdirTemp(".", ".place-binary-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	data := make([]byte, 5*hugePage+12345)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range data {
		data[i] = byte(rng.Uint32())
	}

	probe := filepath.Join(dir, "probe")
	writeInPieces(t, probe, data, len(data))
	if pmdMapped(t, probe) == 0 {
		t.Skip("this file system does not keep a file written in one piece in 2 MiB folios")
	}

	small := filepath.Join(dir, "small")
	writeInPieces(t, small, data, 64<<10)
	if kb := pmdMapped(t, small); kb != 0 {
		t.Logf("a file written in 64 KiB pieces is mapped with %d kB of huge pages", kb)
	}

	// The source as the linker leaves it: written in small pieces.
	src, dst := filepath.Join(dir, "link"), filepath.Join(dir, "scolpass")
	writeInPieces(t, src, data, 4<<10)
	if err := os.WriteFile(dst, []byte("the previous build"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := place(src, dst); err != nil {
		t.Fatal(err)
	}
	if kb := pmdMapped(t, dst); kb != 2*hugePage>>10 {
		t.Errorf("the placed file's first 4 MiB are mapped with %d kB of huge pages, want %d", kb, 2*hugePage>>10)
	}
	got, err := os.ReadFile(dst)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, data) {
		t.Error("the placed file differs from its source")
	}
	if st, err := os.Stat(dst); err != nil || st.Mode().Perm() != 0o755 {
		t.Errorf("placed file: %v, %v; want mode 0755", st, err)
	}
	if _, err := os.Stat(src); !os.IsNotExist(err) {
		t.Errorf("the source is still there: %v", err)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".scolpass.*")); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

// A failed placement leaves the destination as it was.
func TestPlaceKeepsDestinationOnError(t *testing.T) {
	dir := t.TempDir()
	dst := filepath.Join(dir, "scolpass")
	if err := os.WriteFile(dst, []byte("the previous build"), 0o755); err != nil {
		t.Fatal(err)
	}
	err := place(filepath.Join(dir, "missing"), dst)
	if err == nil {
		t.Fatal("placing a missing file succeeded")
	}
	if b, _ := os.ReadFile(dst); string(b) != "the previous build" {
		t.Errorf("destination after a failed placement: %q", b)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".scolpass.*")); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}
