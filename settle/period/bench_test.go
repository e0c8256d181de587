package period_test

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"downline/ledger"
	"downline/ledger/ledgertest"
	"downline/settle/period"
)

var (
	benchMembers = flag.Int("period.members", 1_000_000, "members in BenchmarkPeriodRun")
	benchKeep    = flag.String("period.keep", "", "keep BenchmarkPeriodRun's database under this name (to study it afterwards)")
)

// cpuMeter reads the CPU time (user+sys) used so far by this process and by
// the Postgres cluster behind db (the postmaster, its live children and the
// children it has reaped), so that each stage can say where its CPU went.
type cpuMeter struct {
	postmaster int
	tick       float64
}

func newCPUMeter(t testing.TB, db *ledger.DB) *cpuMeter {
	t.Helper()
	var dir string
	if err := db.Pool.QueryRow(ctx, `SELECT current_setting('data_directory')`).Scan(&dir); err != nil {
		t.Fatal(err)
	}
	m := &cpuMeter{tick: 100} // USER_HZ on Linux
	b, err := os.ReadFile(filepath.Join(dir, "postmaster.pid"))
	if err != nil {
		t.Logf("Postgres CPU not measured: %v", err)
		return m
	}
	m.postmaster, _ = strconv.Atoi(strings.TrimSpace(strings.SplitN(string(b), "\n", 2)[0]))
	return m
}

// stat returns the parent pid and the CPU seconds of pid (children's reaped
// time included when kids is set).
func (m *cpuMeter) stat(pid int, kids bool) (int, float64) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, 0
	}
	// Fields after the command name (which is in parentheses).
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+2:]))
	num := func(i int) float64 { v, _ := strconv.ParseFloat(f[i], 64); return v }
	ppid, _ := strconv.Atoi(f[1])
	s := num(11) + num(12) // utime, stime
	if kids {
		s += num(13) + num(14) // cutime, cstime
	}
	return ppid, s / m.tick
}

// read returns the CPU seconds of this process and of the Postgres cluster.
func (m *cpuMeter) read() (goCPU, pgCPU float64) {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	goCPU = time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
	if m.postmaster == 0 {
		return goCPU, 0
	}
	_, pgCPU = m.stat(m.postmaster, true)
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == m.postmaster {
			continue
		}
		if ppid, s := m.stat(pid, false); ppid == m.postmaster {
			pgCPU += s
		}
	}
	return goCPU, pgCPU
}

// since logs and reports the wall time and CPU of a stage that started at
// t0 with CPU readings g0, p0.
func (m *cpuMeter) since(b *testing.B, name string, t0 time.Time, g0, p0 float64) {
	g, p := m.read()
	b.ReportMetric(time.Since(t0).Seconds(), name+"-s")
	b.ReportMetric(g-g0, name+"-go-cpu-s")
	b.ReportMetric(p-p0, name+"-pg-cpu-s")
	b.Logf("%s: %s wall, Go CPU %.1fs, Postgres CPU %.1fs", name, time.Since(t0).Round(time.Millisecond), g-g0, p-p0)
}

func loadavg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	return strings.Join(strings.Fields(string(b))[:3], " ")
}

// BenchmarkPeriodRun settles a period of -period.members members with about
// two orders each from Postgres back to Postgres, approves it and pays it.
// Seeding and loading the graph store are not timed. Each stage logs its
// wall time and the CPU (user+sys) of the Go process and of the Postgres
// cluster. Run it once:
//
//	go test -run '^$' -bench PeriodRun -benchtime 1x -timeout 60m ./settle/period
func BenchmarkPeriodRun(b *testing.B) {
	n := *benchMembers
	db := ledgertest.DB(b)
	t0 := time.Now()
	seedBulk(b, db, n, 2*n)
	b.Logf("seeded %d members, %d orders in %s", n, 2*n, time.Since(t0).Round(time.Second))
	defineBulk(b, db, "B1")
	t0 = time.Now()
	r := runner(b, db)
	b.Logf("graph store loaded in %s", time.Since(t0).Round(time.Millisecond))
	cpu := newCPUMeter(b, db)
	var g0, p0 float64
	r.Progress = func(s string) {
		g, p := cpu.read()
		b.Logf("%6.2fs %s (Go CPU %.1fs, Postgres CPU %.1fs so far)", time.Since(t0).Seconds(), s, g-g0, p-p0)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.Logf("load average %s", loadavg())
		t0 = time.Now()
		g0, p0 = cpu.read()
		out, err := r.Run(ctx, "B1", "alice")
		if err != nil {
			b.Fatal(err)
		}
		cpu.since(b, "run", t0, g0, p0)
		b.ReportMetric(float64(out.Run.ReadMS)/1000, "read-s")
		b.ReportMetric(float64(out.Run.ComputeMS)/1000, "compute-s")
		b.ReportMetric(float64(out.Run.WriteMS)/1000, "write-s")
		b.ReportMetric(out.Commit.Seconds(), "commit-s")
		b.ReportMetric(float64(out.Run.Lines), "lines")
		b.Logf("run: %d members, %d orders, %d lines; read %dms compute %dms write %dms commit %s",
			out.Read.Members, out.Read.Orders, out.Run.Lines, out.Run.ReadMS, out.Run.ComputeMS, out.Run.WriteMS, out.Commit.Round(time.Millisecond))
	}
	b.StopTimer()
	b.Logf("load average %s", loadavg())
	t0 = time.Now()
	g0, p0 = cpu.read()
	if _, err := period.Approve(ctx, db, "B1", "bob", "benchmark"); err != nil {
		b.Fatal(err)
	}
	cpu.since(b, "approve", t0, g0, p0)
	b.Logf("load average %s", loadavg())
	t0 = time.Now()
	g0, p0 = cpu.read()
	po, err := period.Pay(ctx, db, "B1", decimal.NewFromInt(100), "carol")
	if err != nil {
		b.Fatal(err)
	}
	cpu.since(b, "pay", t0, g0, p0)
	b.Logf("paid %d members %s, carried %d; load average %s", po.PaidCount, po.PaidTotal, po.CarriedCount, loadavg())
	if *benchKeep != "" {
		var name string
		if err := db.Pool.QueryRow(ctx, `SELECT current_database()`).Scan(&name); err != nil {
			b.Fatal(err)
		}
		db.Close()
		admin, err := ledger.Open(ctx, ledgertest.URL(b))
		if err != nil {
			b.Fatal(err)
		}
		defer admin.Close()
		if _, err := admin.Pool.Exec(ctx, `ALTER DATABASE `+name+` RENAME TO `+*benchKeep); err != nil {
			b.Fatal(err)
		}
		b.Logf("database kept as %s", *benchKeep)
	}
}
