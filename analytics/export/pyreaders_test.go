package export_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"downline/analytics/export"
)

// pyreaders is the python with pyarrow and DuckDB that dev/pyreaders
// installs (make test does): $PYREADERS, else .data/pyreaders. Without it
// the test is skipped, except under CI, where its absence fails.
func pyreaders(t *testing.T) string {
	t.Helper()
	py := os.Getenv("PYREADERS")
	if py == "" {
		py, _ = filepath.Abs("../../.data/pyreaders/bin/python")
	}
	if _, err := os.Stat(py); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("no pyarrow and DuckDB at %s (dev/pyreaders installs them)", py)
		}
		t.Skipf("no pyarrow and DuckDB at %s: run dev/pyreaders", py)
	}
	return py
}

// readers reads each file given as FORMAT:MONEY_COLUMN:DAY_COLUMN:PATH with
// DuckDB (Parquet, CSV with the documented types) and pyarrow (Parquet,
// Arrow IPC), and prints, per file and reader, the rows, the sum of the
// money column, the first and last day and the types the reader saw.
const readers = `
import json, sys
import duckdb, pyarrow.ipc, pyarrow.parquet, pyarrow.compute as pc

out = []
for arg in sys.argv[1:]:
    fmt, money, day, path = arg.split(":", 3)
    res = {"file": path}
    if fmt in ("parquet", "csv"):
        rel = (duckdb.read_parquet(path) if fmt == "parquet" else
               duckdb.read_csv(path, header=True, dtype={money: "DECIMAL(20,2)", day: "DATE"}))
        n, s, lo, hi, mt, dt = duckdb.sql(
            f'SELECT count(*), sum("{money}")::VARCHAR, min("{day}")::VARCHAR, max("{day}")::VARCHAR, '
            f'any_value(typeof("{money}")), any_value(typeof("{day}")) FROM rel').fetchall()[0]
        res["duckdb"] = {"rows": n, "sum": s, "first": lo, "last": hi, "types": [mt, dt]}
    if fmt in ("parquet", "arrow"):
        tbl = (pyarrow.parquet.read_table(path) if fmt == "parquet" else
               pyarrow.ipc.open_file(path).read_all())
        days = tbl.column(day)
        res["pyarrow"] = {"rows": tbl.num_rows, "sum": str(pc.sum(tbl.column(money)).as_py()),
                          "first": str(pc.min(days).as_py()), "last": str(pc.max(days).as_py()),
                          "types": [str(tbl.schema.field(money).type), str(tbl.schema.field(day).type)]}
    out.append(res)
json.dump(out, sys.stdout)
`

// The exports read back by readers that share no code with arrow-go, DuckDB
// and pyarrow, hold the ledger's rows, money and days, with money a
// decimal(20,2) and days dates to both.
func TestExportsReadByDuckDBAndPyarrow(t *testing.T) {
	py := pyreaders(t)
	w := seed(t)
	dir := t.TempDir()
	type file struct {
		dataset    string
		f          export.Filters
		money, day string
		ledger     string // count, sum of the money, first and last day
		args       []any
	}
	files := []file{
		{export.Orders, export.Filters{Period: "2024-02"}, "total", "placed_on",
			`SELECT count(*)::text, sum(total)::text, min((placed_at AT TIME ZONE $1)::date)::text, max((placed_at AT TIME ZONE $1)::date)::text
				FROM orders WHERE (placed_at AT TIME ZONE $1)::date BETWEEN '2024-02-01' AND '2024-02-29'`, []any{w.zone.String()}},
		{export.OrderLines, export.Filters{}, "amount", "placed_on",
			`SELECT count(*)::text, sum(l.qty * l.unit_price)::text, min((o.placed_at AT TIME ZONE $1)::date)::text, max((o.placed_at AT TIME ZONE $1)::date)::text
				FROM order_lines l JOIN orders o ON o.id = l.order_id`, []any{w.zone.String()}},
	}
	var args []string
	var want [][]string
	for _, f := range files {
		figures := ledgerFigures(t, w, f.ledger, f.args...)
		for _, format := range export.Formats {
			e, err := export.Open(w.ctx, w.db, f.dataset, f.f)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, f.dataset+"."+string(format))
			out, err := os.Create(path)
			if err != nil {
				t.Fatal(err)
			}
			_, err = e.Write(w.ctx, out, format, nil)
			e.Close()
			if cerr := out.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				t.Fatal(err)
			}
			args = append(args, string(format)+":"+f.money+":"+f.day+":"+path)
			want = append(want, figures)
		}
	}
	cmd := exec.Command(py, append([]string{"-c", readers}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.Output()
	if err != nil {
		t.Fatalf("the readers: %v\n%s", err, stderr.String())
	}
	type read struct {
		Rows        int64
		Sum         string
		First, Last string
		Types       []string
	}
	var got []struct {
		File    string
		DuckDB  *read
		PyArrow *read
	}
	if err := json.Unmarshal(stdout, &got); err != nil || len(got) != len(args) {
		t.Fatalf("the readers said %s (%v)", stdout, err)
	}
	for i, g := range got {
		for name, r := range map[string]*read{"DuckDB": g.DuckDB, "pyarrow": g.PyArrow} {
			if r == nil {
				continue
			}
			wantTypes := map[string][]string{"DuckDB": {"DECIMAL(20,2)", "DATE"}, "pyarrow": {"decimal128(20, 2)", "date32[day]"}}[name]
			wantFigures(t, name+" reading "+filepath.Base(g.File),
				[]string{strconv.FormatInt(r.Rows, 10), r.Sum, r.First, r.Last, r.Types[0], r.Types[1]},
				append(append([]string{}, want[i]...), wantTypes...))
		}
		if g.DuckDB == nil && g.PyArrow == nil {
			t.Errorf("%s: no reader read it", g.File)
		}
	}
}
