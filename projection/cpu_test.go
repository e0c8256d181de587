package projection_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"downline/internal/repo"
)

// Wall time on a shared machine says little; CPU time says what a rebuild
// costs. These read this process's CPU and that of the dev/pg cluster (the
// postmaster in .data/pg and its children) when the tests run against it.

func processCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// clusterCPU sums user+system time of the dev/pg postmaster and its children
// (0 when the cluster is not found: a server elsewhere).
func clusterCPU() time.Duration {
	root, err := repo.Root()
	if err != nil {
		return 0
	}
	b, err := os.ReadFile(filepath.Join(root, ".data", "pg", "cluster", "postmaster.pid"))
	if err != nil {
		return 0
	}
	master := strings.SplitN(string(b), "\n", 2)[0]
	procs, _ := filepath.Glob("/proc/[0-9]*/stat")
	var ticks int64
	for _, p := range procs {
		st, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		s := string(st)
		// Fields after the parenthesised command: state ppid ... utime(14) stime(15).
		f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
		if len(f) < 13 {
			continue
		}
		pid := filepath.Base(filepath.Dir(p))
		if pid != master && f[1] != master {
			continue
		}
		u, _ := strconv.ParseInt(f[11], 10, 64)
		sy, _ := strconv.ParseInt(f[12], 10, 64)
		ticks += u + sy
	}
	return time.Duration(ticks) * 10 * time.Millisecond // USER_HZ is 100 on Linux
}

func reportCPU(b *testing.B, goStart, pgStart time.Duration) {
	b.ReportMetric(float64((processCPU()-goStart).Milliseconds())/float64(b.N), "go-cpu-ms/op")
	b.ReportMetric(float64((clusterCPU()-pgStart).Milliseconds())/float64(b.N), "pg-cpu-ms/op")
}
