package simulate

import (
	"bytes"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"downline/settle/csvio"
)

var update = flag.Bool("update", false, "rewrite golden files")

const tiny = "../testdata/tiny"

func tinyConfig(out string) Config {
	return Config{
		Plan:  filepath.Join(tiny, "plan.yaml"),
		Files: csvio.Files{Members: filepath.Join(tiny, "members.csv"), Orders: filepath.Join(tiny, "orders.csv")},
		Out:   out,
	}
}

// TestTinyGolden checks the hand-computed worked example byte for byte, on both
// arithmetic paths.
func TestTinyGolden(t *testing.T) {
	for _, exact := range []bool{false, true} {
		out := filepath.Join(t.TempDir(), "new", "dir")
		cfg := tinyConfig(out)
		cfg.Exact = exact
		var stdout, stderr bytes.Buffer
		if err := Run(cfg, &stdout, &stderr); err != nil {
			t.Fatal(err)
		}
		checkTiny(t, out, exact)
		if !strings.Contains(stdout.String(), "paid       206.10 CNY") {
			t.Errorf("summary: %s", stdout.String())
		}
	}
}

// TestOutputReplaced checks that files already in the output directory are
// replaced, and that no temporary file is left.
func TestOutputReplaced(t *testing.T) {
	out := t.TempDir()
	for _, f := range []string{"bonuses.csv", "summary.csv", "carry.csv"} {
		if err := os.WriteFile(filepath.Join(out, f), []byte("an earlier period's file, longer than the tiny one's\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for range 2 {
		if err := Run(tinyConfig(out), io.Discard, io.Discard); err != nil {
			t.Fatal(err)
		}
		checkTiny(t, out, false)
		entries, err := os.ReadDir(out)
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 3 {
			t.Fatalf("%d entries in the output directory, want the 3 files: %v", len(entries), entries)
		}
	}
}

// checkTiny compares the files in out with the tiny example's expected ones.
func checkTiny(t *testing.T, out string, exact bool) {
	t.Helper()
	for _, f := range []string{"bonuses.csv", "summary.csv", "carry.csv"} {
		want, err := os.ReadFile(filepath.Join(tiny, "expected", f))
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(out, f))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("exact=%v %s:\n%s\nwant:\n%s", exact, f, got, want)
		}
	}
}
