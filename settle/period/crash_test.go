package period_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"downline/ledger"
	"downline/ledger/ledgertest"
	"downline/ledger/user"
	"downline/settle/period"
)

// linesHash hashes the run's lines as bonuses.csv, read back from the database.
func linesHash(t *testing.T, db *ledger.DB, code string) string {
	t.Helper()
	var b bytes.Buffer
	if err := period.WriteLinesCSV(ctx, db.Pool, code, &b); err != nil {
		t.Fatal(err)
	}
	h := sha256.Sum256(b.Bytes())
	return hex.EncodeToString(h[:])
}

// TestCrash kills `downline settle run` with SIGKILL at random points, most
// of them while it writes, and checks that nothing of the killed attempt is
// visible (no run at all, or the previous draft untouched) and that the run
// that finally completes writes exactly the lines of an uninterrupted run
// on an identical database.
func TestCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and seeds two databases")
	}
	bin := filepath.Join(t.TempDir(), "downline")
	build := exec.Command("go", "build", "-o", bin, "downline/cmd/downline")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	const n = 20000
	seed := func() (string, *ledger.DB) {
		url := ledgertest.NewDatabase(t)
		db, err := ledger.Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(db.Close)
		seedBulk(t, db, n, 2*n)
		defineBulk(t, db, "C1")
		return url, db
	}
	run := func(url string) *exec.Cmd {
		c := exec.Command(bin, "settle", "run", "--period", "C1", "--database-url", url) // as the operating-system user
		c.Env = append(os.Environ(), "NEO4J_URI=")
		return c
	}

	// The reference: an uninterrupted run on its own database.
	refURL, refDB := seed()
	start := time.Now()
	if out, err := run(refURL).CombinedOutput(); err != nil {
		t.Fatalf("reference run: %v\n%s", err, out)
	}
	full := time.Since(start)
	want := linesHash(t, refDB, "C1")
	t.Logf("uninterrupted run %s, lines sha256 %s", full.Round(time.Millisecond), want)

	url, db := seed()
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	// kill starts a run and kills it after a random delay, or a random delay
	// after it starts writing.
	kill := func(whileWriting bool) string {
		c := run(url)
		var stderr bytes.Buffer
		c.Stderr = &stderr
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan error, 1)
		go func() { exited <- c.Wait() }()
		if whileWriting {
			for !strings.Contains(stderr.String(), "writing") {
				select {
				case <-exited:
					t.Fatalf("the run ended before it was killed:\n%s", stderr.String())
				case <-time.After(2 * time.Millisecond):
				}
			}
		}
		time.Sleep(time.Duration(rng.Int64N(int64(full) / 3)))
		c.Process.Signal(syscall.SIGKILL)
		if err := <-exited; err == nil {
			return "completed"
		}
		lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
		return lines[len(lines)-1]
	}
	count := func(table string) int {
		var k int
		if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM `+table).Scan(&k); err != nil {
			t.Fatal(err)
		}
		return k
	}

	// Killed before any run exists: nothing may be visible.
	for i := 0; i < 6; i++ {
		at := kill(i%3 != 0)
		if at == "completed" {
			t.Logf("attempt %d completed before the kill", i)
			break
		}
		if r, l, m := count("settle_runs"), count("settle_run_lines"), count("settle_run_members"); r+l+m > 0 {
			// Killed after the commit, before the process exited: the
			// run must then be whole.
			if run := must(period.GetRun(ctx, db.Pool, "C1")); r == 1 && int64(l) == run.Lines && linesHash(t, db, "C1") == want {
				t.Logf("attempt %d was killed after it committed: the run is whole", i)
				break
			}
			t.Fatalf("killed at %q: %d runs, %d lines, %d members visible", at, r, l, m)
		}
		t.Logf("attempt %d killed at %q: nothing visible", i, at)
	}
	if out, err := run(url).CombinedOutput(); err != nil {
		t.Fatalf("run after the kills: %v\n%s", err, out)
	}
	if got := linesHash(t, db, "C1"); got != want {
		t.Fatalf("lines after the kills hash to %s, an uninterrupted run to %s", got, want)
	}

	// Killed while re-running the draft: the draft stays as it was.
	before := must(period.GetRun(ctx, db.Pool, "C1"))
	for i := 0; i < 4; i++ {
		at := kill(true)
		if at == "completed" {
			before = must(period.GetRun(ctx, db.Pool, "C1"))
			continue
		}
		r := must(period.GetRun(ctx, db.Pool, "C1"))
		if r.Attempt == before.Attempt+1 && r.LinesSHA256 == want && linesHash(t, db, "C1") == want && count("settle_run_lines") == int(r.Lines) {
			t.Logf("re-run %d was killed after it committed: the new draft is whole", i)
			before = r
			continue
		}
		if r.Attempt != before.Attempt || r.LinesSHA256 != before.LinesSHA256 || linesHash(t, db, "C1") != want || count("settle_run_lines") != int(r.Lines) {
			t.Fatalf("re-run killed at %q changed the draft: %+v, before %+v", at, r, before)
		}
		t.Logf("re-run %d killed at %q: the draft is intact", i, at)
	}
	if out, err := run(url).CombinedOutput(); err != nil {
		t.Fatalf("final re-run: %v\n%s", err, out)
	}
	final := must(period.GetRun(ctx, db.Pool, "C1"))
	if got := linesHash(t, db, "C1"); got != want || final.LinesSHA256 != want {
		t.Fatalf("final lines hash to %s (stored %s), want %s", got, final.LinesSHA256, want)
	}
	ledgerClean(t, db, "the crashes")
	// The lines the killed attempts wrote are gone with them.
	var orphans, tables int
	if err := db.Pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM settle_line_sets s WHERE NOT EXISTS (SELECT 1 FROM settle_runs r WHERE r.lines_set = s.id)),
		(SELECT count(*) FROM pg_class WHERE relname ~ '^settle_run_lines_[0-9]' AND relkind IN ('r', 'p') AND relname !~ ('^settle_run_lines_' || $1::bigint || '(_[0-9]+)?$'))`,
		final.LinesSet).Scan(&orphans, &tables); err != nil || orphans+tables > 0 {
		t.Fatalf("after the crashes: %d unpublished line sets, %d tables of other sets (%v)", orphans, tables, err)
	}

	// The rest of the cycle through the command line, approved and paid by
	// a finance user signed in with a password.
	if err := db.Transact(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		_, err := user.Create(ctx, tx, user.New{Login: "bob", Role: user.Finance, Password: "bob's password 1"})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cli := func(args ...string) string {
		t.Helper()
		c := exec.Command(bin, append(args, "--database-url", url)...)
		c.Env = append(os.Environ(), "DOWNLINE_PASSWORD=bob's password 1", "DOWNLINE_TOKEN=")
		out, err := c.CombinedOutput()
		if err != nil {
			t.Fatalf("downline %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	if c := exec.Command(bin, "settle", "approve", "--period", "C1", "--reason", "x", "--database-url", url); c.Run() == nil {
		t.Fatal("the operating-system user who ran the period approved it")
	}
	cli("settle", "approve", "--period", "C1", "--as", "bob", "--reason", "checked")
	cli("settle", "pay", "--period", "C1", "--as", "bob", "--min", "100", "--csv", filepath.Join(dir, "pay.csv"), "--xlsx", filepath.Join(dir, "pay.xlsx"))
	show := cli("settle", "show", "--period", "C1")
	if !strings.Contains(show, "status       paid") || !strings.Contains(show, want) {
		t.Fatalf("settle show:\n%s", show)
	}
	if lines := cli("settle", "lines", "--period", "C1"); hex.EncodeToString(sha(lines)) != want {
		t.Fatal("settle lines differs from the run's hash")
	}
	member := strings.SplitN(strings.SplitN(string(must(os.ReadFile(filepath.Join(dir, "pay.csv")))), "\n", 3)[1], ",", 2)[0]
	if st := cli("settle", "statement", "--period", "C1", "--member", member, "--lang", "zh-CN"); !strings.Contains(st, "合计") {
		t.Fatalf("statement:\n%s", st)
	}
	cli("ledger", "check")
}

func sha(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}
