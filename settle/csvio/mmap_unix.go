//go:build unix

package csvio

import (
	"os"
	"syscall"
)

// mapFile returns the bytes of the file at path, mapped read-only from the page
// cache rather than copied into fresh memory (which costs a page fault and a
// copy per 4 KiB), and the function that releases them; nothing may hold the
// bytes after it. A file that cannot be mapped (empty, or not a regular file)
// is read.
func mapFile(path string) ([]byte, func(), error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	if size := st.Size(); st.Mode().IsRegular() && size > 0 && size == int64(int(size)) {
		data, err := syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_PRIVATE|syscall.MAP_POPULATE)
		if err == nil {
			return data, func() { syscall.Munmap(data) }, nil
		}
	}
	data, err := os.ReadFile(path)
	return data, func() {}, err
}
