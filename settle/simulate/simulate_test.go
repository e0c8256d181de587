package simulate

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"downline/settle/csvio"
)

var update = flag.Bool("update", false, "rewrite golden files")

const tiny = "../../../shared/examples/tiny"

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
		if !strings.Contains(stdout.String(), "paid       206.10 CNY") {
			t.Errorf("summary: %s", stdout.String())
		}
	}
}
