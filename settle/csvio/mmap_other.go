//go:build !unix

package csvio

import "os"

// mapFile reads the file at path; the function returned releases nothing.
func mapFile(path string) ([]byte, func(), error) {
	data, err := os.ReadFile(path)
	return data, func() {}, err
}
