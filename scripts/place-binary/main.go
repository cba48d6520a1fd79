// Command place-binary puts a freshly linked executable where it is run
// from, written so that the kernel can map its code with huge pages:
//
//	go run ./scripts/place-binary SRC DST
//
// It copies SRC to a new file beside DST in a single write, gives it SRC's
// mode, renames it over DST (a running DST keeps its old file) and
// removes SRC. `make build` and the benchmarks' builds go through it.
//
// Why: starting a program costs, on a virtual machine, mostly the page
// tables its first instructions fill. Go's linker lays an amd64 executable
// out at 0x400000 with every segment's address congruent to its file
// offset modulo 2 MiB, so a 2 MiB piece of its code or read-only data can
// be mapped by a single page-middle-directory entry instead of 512 page
// table entries, when the page cache holds that piece as one 2 MiB folio.
// Whether it does depends on how the file entered the page cache: the
// linker writes its output through a shared mapping (4 KiB folios), cp
// through copy_file_range (64 KiB at most), while one large write() gives
// 2 MiB folios on file systems that keep large folios (ext4 and xfs since
// Linux 6.x, tmpfs with huge=). scolpass's 6.5 MiB of code and 9 MiB of
// read-only data then take 6 such entries, and `scolpass version` starts
// in about 0.8× the time of the same bytes as the linker left them (README,
// "Performance"). The folios last as long as the file stays cached: after
// a reboot or a cache drop the file is read back in small folios, and the
// gain is gone until it is written again.
package main

import (
	"fmt"
	"os"
	"path/filepath"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: place-binary SRC DST")
		os.Exit(2)
	}
	if err := place(os.Args[1], os.Args[2]); err != nil {
		fmt.Fprintln(os.Stderr, "place-binary:", err)
		os.Exit(1)
	}
}

// place copies src to dst in one write, through a temporary file beside
// dst renamed over it, then removes src. On error dst is left as it was.
func place(src, dst string) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	st, err := os.Stat(src)
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(dst), "."+filepath.Base(dst)+".*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp)                  // a no-op once renamed
	if _, err := f.Write(b); err != nil { // one write(2) of the whole file
		f.Close()
		return err
	}
	if err := f.Chmod(st.Mode().Perm()); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, dst); err != nil {
		return err
	}
	return os.Remove(src)
}
