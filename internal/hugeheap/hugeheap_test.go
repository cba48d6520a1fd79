package hugeheap

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"testing"
	"unsafe"
)

// thpOff says why the kernel gives no transparent huge page, or "".
func thpOff(t *testing.T) string {
	b, err := os.ReadFile("/sys/kernel/mm/transparent_hugepage/enabled")
	if err != nil {
		return "no transparent huge pages: " + err.Error()
	}
	if strings.Contains(string(b), "[never]") {
		return "transparent huge pages are off (never)"
	}
	return ""
}

// The test binary imports this package, so its heap went through init:
// where the kernel has transparent huge pages, the mapping that holds the
// heap's first allocations is backed by a huge page and marked for more.
func TestHeapOnHugePage(t *testing.T) {
	if why := thpOff(t); why != "" {
		t.Skip(why)
	}
	if os.Getenv("SCOLPASS_HUGEHEAP") == "0" {
		t.Skip("SCOLPASS_HUGEHEAP=0")
	}
	if Collapsed < 1 {
		t.Fatalf("init collapsed %d blocks of the heap into huge pages, want at least 1", Collapsed)
	}
	addr := uint64(uintptr(unsafe.Pointer(probe)))
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Skip(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	in, huge, advised := false, int64(-1), false
	for sc.Scan() {
		line := sc.Text()
		fields := strings.Fields(line)
		if len(fields) > 0 && strings.Contains(fields[0], "-") && !strings.HasSuffix(fields[0], ":") {
			if in {
				break
			}
			lo, hi, _ := strings.Cut(fields[0], "-")
			l, _ := strconv.ParseUint(lo, 16, 64)
			h, _ := strconv.ParseUint(hi, 16, 64)
			in = l <= addr && addr < h
			continue
		}
		if !in {
			continue
		}
		switch {
		case strings.HasPrefix(line, "AnonHugePages:"):
			huge, _ = strconv.ParseInt(fields[1], 10, 64)
		case strings.HasPrefix(line, "VmFlags:"):
			advised = strings.Contains(line, " hg")
		}
	}
	if huge < 2048 {
		t.Errorf("the heap's mapping has %d kB of huge pages, want at least 2048", huge)
	}
	if !advised {
		t.Errorf("the heap's mapping is not marked for huge pages (no hg in VmFlags)")
	}
}
