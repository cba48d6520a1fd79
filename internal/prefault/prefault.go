// Package prefault makes a short command's start-up cheap where page faults
// are dear: it maps, in a few system calls, what start-up would otherwise
// fault in page by page.
//
// On the virtual machines the university runs (and the ones this is
// measured on), a page fault costs 10 to 25 µs: the exception leaves the
// guest. Mapping the same pages in one madvise costs 0.1 to 1 µs a page.
// A hello-world Go program spends most of its 6 ms on its 200 faults;
// `scolpass version`, whose binary and package initialisation are larger,
// took 400 and more (issue 20, README "Performance"). Two kinds of them go
// here, as early as package initialisation allows (this package imports
// only syscall and unsafe, so it runs 17th, right after the runtime's own):
//
//   - The binary's code. Package initialisation runs one init function per
//     package, some 140 of them spread over 7 MB of text: 70 faults (each
//     maps 64 KiB around it). init maps the whole executable segment at
//     once (MADV_POPULATE_READ, Linux 5.14): about 0.3 ms for 1,700 pages
//     that are already in the page cache, or three huge-page entries and a
//     tail when the page cache holds the file in 2 MiB folios (`make
//     build` writes it so: scripts/place-binary). The read-only data beside
//     it is left alone: it is larger, and start-up reads little of it
//     (populating it too cost more than it saved, either way).
//
//   - The heap. The runtime maps its heap 4 MiB at a time and has not asked
//     for huge pages since Go 1.21.1; Debian's default is "madvise", where
//     the kernel gives a huge page only to memory that asks. init asks for
//     huge pages on the chunk that holds the first allocations
//     (MADV_HUGEPAGE) and has the kernel back its first 2 MiB with one now
//     (MADV_COLLAPSE, Linux 6.1), copying the pages the runtime already
//     touched: later allocations there fault no more, and a heap that grows
//     into the next 2 MiB gets a huge page on its first fault. The cost: a
//     2 MiB page cleared, about 0.5 ms, and up to 4 MiB of memory where 1
//     would have done. It is asked for only when /proc/buddyinfo shows a
//     free 2 MiB block: never at the price of a compaction.
//
// Everything is best effort: on an older kernel, or where transparent huge
// pages are off, madvise fails and nothing changes. SCOLPASS_PREFAULT=0
// turns both off; SCOLPASS_HUGEHEAP=0 only the heap's.
package prefault

import (
	"syscall"
	"unsafe"
)

const (
	pageSize         = 4096
	hugePage         = 2 << 20 // a transparent huge page on amd64 and arm64
	heapChunk        = 4 << 20 // the runtime maps its heap in chunks of this size, aligned
	madvHugePage     = 14      // MADV_HUGEPAGE
	madvPopulateRead = 22      // MADV_POPULATE_READ
	madvCollapse     = 25      // MADV_COLLAPSE

	atPHDR  = 3 // auxiliary vector: where the program headers are mapped
	atPHENT = 4 // the size of one
	atPHNUM = 5 // how many

	ptLoad = 1 // program header types
	ptPHDR = 6
	pfX    = 1 // segment flag: executable
)

// TextMapped is how many bytes of the binary's code init mapped (0 where
// MADV_POPULATE_READ is unknown, or SCOLPASS_PREFAULT=0).
var TextMapped uintptr

// Collapsed counts the huge pages init had the kernel back the heap with
// (0 where transparent huge pages are off, or turned off here).
var Collapsed int

// probe is a heap object: its address says where the heap is.
var probe *[64]byte

func init() {
	if off("SCOLPASS_PREFAULT") {
		return
	}
	TextMapped = mapText()
	if !off("SCOLPASS_HUGEHEAP") {
		Collapsed = hugeHeap()
	}
}

func off(name string) bool {
	v, _ := syscall.Getenv(name)
	return v == "0"
}

// elfPhdr is an ELF64 program header, as the kernel mapped it.
type elfPhdr struct {
	Type, Flags                             uint32
	Off, Vaddr, Paddr, Filesz, Memsz, Align uint64
}

// runtimeAuxv is the auxiliary vector the kernel gave the process, as the
// runtime kept it (runtime.getAuxv is there for golang.org/x/sys).
//
//go:linkname runtimeAuxv runtime.getAuxv
func runtimeAuxv() []uintptr

// mapText maps the binary's executable segments and says how many bytes.
// It finds them through the program headers the kernel names in the
// auxiliary vector: no file is opened, and a position-independent build
// is handled by the load bias that PT_PHDR gives.
func mapText() uintptr {
	var phdr, phent, phnum uintptr
	av := runtimeAuxv()
	for i := 0; i+1 < len(av); i += 2 {
		switch av[i] {
		case atPHDR:
			phdr = av[i+1]
		case atPHENT:
			phent = av[i+1]
		case atPHNUM:
			phnum = av[i+1]
		}
	}
	if phdr == 0 || phnum == 0 || phent != unsafe.Sizeof(elfPhdr{}) {
		return 0
	}
	// The headers are in the binary's first page, outside the Go heap.
	headers := unsafe.Slice((*elfPhdr)(unsafe.Add(nil, phdr)), phnum)
	bias, found := uintptr(0), false
	for _, h := range headers {
		if h.Type == ptPHDR {
			bias, found = phdr-uintptr(h.Vaddr), true
		}
	}
	if !found {
		return 0
	}
	var mapped uintptr
	for _, h := range headers {
		if h.Type != ptLoad || h.Flags&pfX == 0 || h.Filesz == 0 {
			continue
		}
		start := (bias + uintptr(h.Vaddr)) &^ (pageSize - 1)
		end := (bias + uintptr(h.Vaddr) + uintptr(h.Filesz) + pageSize - 1) &^ (pageSize - 1)
		if madvise(start, end-start, madvPopulateRead) {
			mapped += end - start
		}
	}
	return mapped
}

// hugeHeap backs the heap's block that holds the first allocations with a
// huge page, and marks the chunk around it for more; it says how many
// blocks it collapsed (0 or 1). It asks only when the kernel has a free
// 2 MiB block at hand: MADV_COLLAPSE would otherwise compact memory first,
// synchronously, and a short command must not wait on that (nor load a
// busy server with it at every call).
func hugeHeap() int {
	if !hugePageAtHand() {
		return 0
	}
	probe = new([64]byte)
	at := uintptr(unsafe.Pointer(probe))
	if !madvise(at&^(heapChunk-1), heapChunk, madvHugePage) {
		return 0
	}
	if !madvise(at&^(hugePage-1), hugePage, madvCollapse) {
		return 0
	}
	return 1
}

// hugePageAtHand says whether /proc/buddyinfo shows a free block of 2 MiB
// or more: about 20 µs, against the milliseconds a compaction can take.
func hugePageAtHand() bool {
	fd, err := syscall.Open("/proc/buddyinfo", syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return false
	}
	defer syscall.Close(fd)
	var buf [4096]byte
	n, err := syscall.Read(fd, buf[:])
	if err != nil || n <= 0 {
		return false
	}
	return freeHugeBlocks(buf[:n]) > 0
}

// freeHugeBlocks counts, in the text of /proc/buddyinfo, the free blocks
// of order 9 (2 MiB of 4 KiB pages) and more, leaving out the DMA zone
// (16 MiB kept for old devices). Its lines read
//
//	Node 0, zone   Normal   1904    895 …    277   1664
//
// the free blocks of orders 0, 1, … after the zone's name.
func freeHugeBlocks(buddyinfo []byte) int {
	const hugeOrder = 9
	total := 0
	for len(buddyinfo) > 0 {
		line := buddyinfo
		if i := indexByte(buddyinfo, '\n'); i >= 0 {
			line, buddyinfo = buddyinfo[:i], buddyinfo[i+1:]
		} else {
			buddyinfo = nil
		}
		field := 0
		zone := ""
		for len(line) > 0 {
			for len(line) > 0 && line[0] == ' ' {
				line = line[1:]
			}
			end := indexByte(line, ' ')
			if end < 0 {
				end = len(line)
			}
			word := line[:end]
			line = line[end:]
			if len(word) == 0 {
				break
			}
			switch {
			case field == 3:
				zone = string(word)
			case field >= 4 && field-4 >= hugeOrder && zone != "DMA":
				total += atoi(word)
			}
			field++
		}
	}
	return total
}

func indexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}

// atoi reads a count; anything else reads as 0.
func atoi(b []byte) int {
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0
		}
		n = n*10 + int(c-'0')
	}
	return n
}

func madvise(addr, n, advice uintptr) bool {
	_, _, e := syscall.Syscall(syscall.SYS_MADVISE, addr, n, advice)
	return e == 0
}
