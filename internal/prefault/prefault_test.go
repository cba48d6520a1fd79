package prefault

import (
	"fmt"
	"os"
	"os/exec"
	"reflect"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"unsafe"

	"github.com/umontpellier/scolpass/internal/smaps"
)

// The test binary imports this package, so it went through init like
// scolpass does. These tests read what init left in /proc/self/smaps.

func skipIfOff(t *testing.T, names ...string) {
	for _, name := range names {
		if os.Getenv(name) == "0" {
			t.Skip(name + "=0")
		}
	}
}

// reportEnv asks a child of TestTextMapped to report its code's mapping
// right after this package's init, before anything else runs, and exit.
const reportEnv = "PREFAULT_TEST_REPORT"

// This init runs right after the one in prefault.go (files in name order).
func init() {
	if os.Getenv(reportEnv) == "" {
		return
	}
	m, err := smaps.Of(reflect.ValueOf(TestTextMapped).Pointer())
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	fmt.Println(m.Perms, m.KB["Rss"], m.KB["Size"], TextMapped)
	os.Exit(0)
}

// startChild runs this test binary to the end of init with env added and
// returns what its init above reported: perms, Rss and Size of the mapping
// that holds the code, in kB, and TextMapped.
func startChild(t *testing.T, env ...string) (perms string, rss, size, mapped int64) {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), append(env, reportEnv+"=1")...)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("child: %v: %s", err, out)
	}
	if _, err := fmt.Sscan(string(out), &perms, &rss, &size, &mapped); err != nil {
		t.Fatalf("child said %q: %v", out, err)
	}
	return perms, rss, size, mapped
}

// Right after init, every page of the binary's code is mapped, not only
// the pages the runtime and package initialisation ran; with
// SCOLPASS_PREFAULT=0, only those.
func TestTextMapped(t *testing.T) {
	skipIfOff(t, "SCOLPASS_PREFAULT")
	if !populateReadKnown() {
		t.Skip("the kernel has no MADV_POPULATE_READ (Linux 5.14)")
	}
	perms, rss, size, mapped := startChild(t)
	if !strings.Contains(perms, "x") {
		t.Fatalf("the mapping that holds the code is %s, not executable", perms)
	}
	if mapped < size<<10 {
		t.Errorf("init mapped %d bytes of code, want at least the %d kB of the mapping that holds it", mapped, size)
	}
	if rss != size {
		t.Errorf("right after init, the code's mapping has %d kB resident of %d kB: init did not map it whole", rss, size)
	}
	_, rss, size, mapped = startChild(t, "SCOLPASS_PREFAULT=0")
	if mapped != 0 {
		t.Errorf("with SCOLPASS_PREFAULT=0, init mapped %d bytes of code, want 0", mapped)
	}
	if rss == size {
		t.Logf("with SCOLPASS_PREFAULT=0 too, all %d kB of the code were resident right after init: this kernel maps it whole anyway", size)
	}
}

// Where the kernel has transparent huge pages, the mapping that holds the
// heap's first allocations is backed by a huge page and marked for more.
func TestHeapOnHugePage(t *testing.T) {
	skipIfOff(t, "SCOLPASS_PREFAULT", "SCOLPASS_HUGEHEAP")
	b, err := os.ReadFile("/sys/kernel/mm/transparent_hugepage/enabled")
	if err != nil {
		t.Skip("no transparent huge pages: " + err.Error())
	}
	if strings.Contains(string(b), "[never]") {
		t.Skip("transparent huge pages are off (never)")
	}
	if Collapsed < 1 {
		if !hugePageAtHand() {
			t.Skip("the kernel has no free 2 MiB block at hand: init does not compact memory for one")
		}
		t.Fatalf("init collapsed %d blocks of the heap into huge pages, want 1", Collapsed)
	}
	m, err := smaps.Of(uintptr(unsafe.Pointer(probe)))
	if err != nil {
		t.Fatal(err)
	}
	if huge := m.KB["AnonHugePages"]; huge < 2048 {
		t.Errorf("the heap's mapping has %d kB of huge pages, want at least 2048", huge)
	}
	advised := false
	for _, f := range m.VmFlags {
		advised = advised || f == "hg"
	}
	if !advised {
		t.Errorf("the heap's mapping is not marked for huge pages (no hg in VmFlags %v)", m.VmFlags)
	}
}

// populateReadKnown says whether the kernel knows MADV_POPULATE_READ.
func populateReadKnown() bool {
	b, err := syscall.Mmap(-1, 0, pageSize, syscall.PROT_READ, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		return false
	}
	defer syscall.Munmap(b)
	return madvise(uintptr(unsafe.Pointer(&b[0])), pageSize, madvPopulateRead)
}

func TestFreeHugeBlocks(t *testing.T) {
	const sample = `Node 0, zone      DMA      0      0      0      0      0      0      0      0      1      1      3 
Node 0, zone    DMA32      0      4      2      2      1      2      0      3      3      1    753 
Node 0, zone   Normal   1904    895    641   1671   3973   3259   2510   1608    639    277   1664 
`
	for _, c := range []struct {
		name, text string
		want       int
	}{
		{"orders 9 and 10 of DMA32 and Normal, not DMA", sample, 1 + 753 + 277 + 1664},
		{"fragmented: nothing of order 9 or more", "Node 0, zone   Normal   1904    895    641   1671   3973   3259   2510   1608    639    0      0\n", 0},
		{"no final newline, two nodes", "Node 0, zone   Normal 0 0 0 0 0 0 0 0 0 2 0\nNode 1, zone   Normal 0 0 0 0 0 0 0 0 0 0 5", 7},
		{"empty", "", 0},
		{"not a count", "Node 0, zone Normal 0 0 0 0 0 0 0 0 0 x 1\n", 1},
	} {
		if got := freeHugeBlocks([]byte(c.text)); got != c.want {
			t.Errorf("%s: %d free blocks of 2 MiB or more, want %d", c.name, got, c.want)
		}
	}
}

// The parser agrees with a plain reading of this machine's /proc/buddyinfo.
func TestFreeHugeBlocksOfThisMachine(t *testing.T) {
	b, err := os.ReadFile("/proc/buddyinfo")
	if err != nil {
		t.Skip(err)
	}
	want := 0
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 4+10 || f[3] == "DMA" {
			continue
		}
		for _, n := range f[4+9:] {
			v, err := strconv.Atoi(n)
			if err != nil {
				t.Fatalf("%q: %v", line, err)
			}
			want += v
		}
	}
	if got := freeHugeBlocks(b); got != want {
		t.Errorf("freeHugeBlocks: %d, a plain reading: %d\n%s", got, want, b)
	}
	// Read again: far from 0 the count cannot cross it in between.
	if want > 100 && !hugePageAtHand() {
		t.Errorf("hugePageAtHand: false with %d free blocks", want)
	}
}
