package hugemem

import (
	"syscall"
	"unsafe"
)

// hugePage is the size of a transparent huge page on x86-64 and on arm64 with
// 4 KiB base pages.
const hugePage = 2 << 20

// advise asks the kernel to back the whole huge pages inside [p, p+size)
// with huge pages. Errors are ignored: the advice is only advice.
func advise(p unsafe.Pointer, size uintptr) {
	start := (uintptr(p) + hugePage - 1) &^ (hugePage - 1)
	end := (uintptr(p) + size) &^ (hugePage - 1)
	if end <= start {
		return
	}
	syscall.Syscall(syscall.SYS_MADVISE, start, end-start, syscall.MADV_HUGEPAGE)
}
