// Package hugemem allocates the large per-member columns of a settlement
// period on transparent huge pages where the platform has them.
//
// The settlement passes read columns of millions of members at random
// (uplines, tree children, ids by position). With 4 KiB pages nearly every
// such read also misses the TLB, and on a virtual machine a TLB miss walks
// two sets of page tables; with 2 MiB pages few reads miss it. Linux backs
// memory with huge pages when the memory is advised so (MADV_HUGEPAGE) and
// transparent huge pages are enabled ("madvise" or "always"), which is the
// default on common distributions.
package hugemem

import "unsafe"

// Min is the size from which a slice is advised onto huge pages.
const Min = 2 << 20

// Slice returns a zeroed slice of n values. When it is large, its memory is
// advised onto huge pages before anything touches it; the kernel honours the
// advice when the memory is fresh from the system, as slices of this size
// mostly are, and otherwise may collapse the pages later.
func Slice[T any](n int) []T {
	s := make([]T, n)
	if size := uintptr(n) * unsafe.Sizeof(*new(T)); size >= Min {
		advise(unsafe.Pointer(unsafe.SliceData(s)), size)
	}
	return s
}
