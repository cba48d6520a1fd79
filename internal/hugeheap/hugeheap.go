// Package hugeheap backs the start of the Go heap with one transparent huge
// page, so that a short command does not pay one page fault per 4 KiB page
// that its start-up touches.
//
// A scolpass command touches about a megabyte of fresh heap before it does
// anything (package initialisation, the command tree): some 250 pages, each
// a page fault. On the virtual machines the university runs (and the ones
// this is measured on) a page fault costs 10 to 20 µs, so these faults were
// most of what `scolpass version` cost beyond a hello-world program (issue
// 20, README "Performance"). The Go runtime does not ask for huge pages
// (it stopped in Go 1.21.1), and Debian's default is "madvise": the kernel
// gives a huge page only to memory that asks for one.
//
// So, as early as package initialisation allows, init asks for huge pages
// on the 2 MiB-aligned block of the heap that holds the first allocations
// (MADV_HUGEPAGE) and has the kernel back it with one now (MADV_COLLAPSE,
// Linux 6.1), copying the few pages the runtime already touched: later
// allocations in that block fault no more. The next block is marked too, so
// that a growing heap gets a huge page on its first fault (the runtime maps
// its heap 4 MiB at a time: the two blocks are the chunk it mapped first).
// The cost: a 2 MiB page cleared once, about 0.3 ms here, against some 150
// page faults saved; and up to 4 MiB of memory where 1 would have done.
//
// Everything is best effort: where transparent huge pages are off, or the
// kernel is older, madvise fails and nothing changes. SCOLPASS_HUGEHEAP=0
// turns it off.
package hugeheap

import (
	"syscall"
	"unsafe"
)

const (
	hugePage     = 2 << 20 // a transparent huge page on amd64 and arm64
	heapChunk    = 4 << 20 // the runtime maps its heap in chunks of this size, aligned
	madvHugePage = 14      // MADV_HUGEPAGE
	madvCollapse = 25      // MADV_COLLAPSE
)

// Collapsed counts the huge pages init had the kernel back the heap with
// (0 where transparent huge pages are off, or SCOLPASS_HUGEHEAP=0).
var Collapsed int

// probe is a heap object: its address says where the heap is.
var probe *[64]byte

func init() {
	if v, _ := syscall.Getenv("SCOLPASS_HUGEHEAP"); v == "0" {
		return
	}
	probe = new([64]byte)
	chunk := uintptr(unsafe.Pointer(probe)) &^ (heapChunk - 1)
	if _, _, e := syscall.Syscall(syscall.SYS_MADVISE, chunk, heapChunk, madvHugePage); e != 0 {
		return
	}
	for block := chunk; block < chunk+heapChunk; block += hugePage {
		if _, _, e := syscall.Syscall(syscall.SYS_MADVISE, block, hugePage, madvCollapse); e == 0 {
			Collapsed++
		}
	}
}
