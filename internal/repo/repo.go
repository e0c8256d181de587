// Package repo finds the repository's root, for the tests that run its dev/
// scripts or read its data directory.
package repo

import (
	"fmt"
	"os"
	"path/filepath"
)

// Root is the nearest directory at or above the working directory that holds
// a go.mod.
func Root() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above %s", dir)
		}
		dir = parent
	}
}
