// Package smaps reads this process's /proc/self/smaps: what the kernel
// mapped, and how (resident, on huge pages). Tests use it to check what
// start-up leaves mapped (internal/prefault, scripts/place-binary).
package smaps

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Mapping is one entry of /proc/self/smaps: sizes in kB by field name
// (Size, Rss, FilePmdMapped, …), and its VmFlags.
type Mapping struct {
	Lo, Hi  uint64
	Perms   string
	KB      map[string]int64
	VmFlags []string
}

// Of finds the mapping that holds addr.
func Of(addr uintptr) (Mapping, error) {
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		return Mapping{}, err
	}
	defer f.Close()
	var m *Mapping
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 {
			continue
		}
		if !strings.HasSuffix(fields[0], ":") { // a new mapping: lo-hi perms …
			if m != nil {
				break
			}
			lo, hi, _ := strings.Cut(fields[0], "-")
			l, _ := strconv.ParseUint(lo, 16, 64)
			h, _ := strconv.ParseUint(hi, 16, 64)
			if l <= uint64(addr) && uint64(addr) < h {
				m = &Mapping{Lo: l, Hi: h, Perms: fields[1], KB: map[string]int64{}}
			}
			continue
		}
		if m == nil {
			continue
		}
		if fields[0] == "VmFlags:" {
			m.VmFlags = fields[1:]
		} else if len(fields) == 3 && fields[2] == "kB" {
			n, _ := strconv.ParseInt(fields[1], 10, 64)
			m.KB[strings.TrimSuffix(fields[0], ":")] = n
		}
	}
	if m == nil {
		return Mapping{}, fmt.Errorf("no mapping in /proc/self/smaps holds %#x", addr)
	}
	return *m, sc.Err()
}
