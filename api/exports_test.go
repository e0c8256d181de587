package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/shopspring/decimal"
)

// Analysts and admins download a dataset as a file with its type and name;
// the Parquet file, read back, holds the ledger's orders. Nobody else may,
// and bad names and filters are refused before any byte of a file.
func TestExportFiles(t *testing.T) {
	w := newWorld(t)
	var count int64
	var total string
	if err := w.db.Pool.QueryRow(context.Background(), `SELECT count(*), sum(total)::text FROM orders`).Scan(&count, &total); err != nil || count == 0 {
		t.Fatalf("the world has %d orders (%v)", count, err)
	}
	for _, login := range []string{"analyst", "admin"} {
		res := w.call("GET", "/api/v1/analytics/exports/orders.parquet", w.token(login), nil)
		if res.status != 200 {
			t.Fatalf("orders.parquet as %s: %d %s", login, res.status, res.body)
		}
		if ct, cd := res.header.Get("Content-Type"), res.header.Get("Content-Disposition"); ct != "application/vnd.apache.parquet" || cd != `attachment; filename="orders.parquet"` {
			t.Errorf("orders.parquet: Content-Type %q, Content-Disposition %q", ct, cd)
		}
		tbl, err := pqarrow.ReadTable(context.Background(), bytes.NewReader(res.body), parquet.NewReaderProperties(memory.DefaultAllocator),
			pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
		if err != nil {
			t.Fatal(err)
		}
		sum := decimal.Zero
		idx := tbl.Schema().FieldIndices("total")[0]
		for _, chunk := range tbl.Column(idx).Data().Chunks() {
			a := chunk.(*array.Decimal128)
			for i := 0; i < a.Len(); i++ {
				sum = sum.Add(decimal.RequireFromString(a.Value(i).ToString(2)))
			}
		}
		if tbl.NumRows() != count || sum.StringFixed(2) != total {
			t.Errorf("orders.parquet as %s: %d rows totalling %s, the ledger has %d totalling %s", login, tbl.NumRows(), sum.StringFixed(2), count, total)
		}
		tbl.Release()
	}
	res := w.call("GET", "/api/v1/analytics/exports/members.csv?from=2000-01-01", w.token("analyst"), nil)
	if res.status != 200 || res.header.Get("Content-Type") != "text/csv; charset=utf-8" || !strings.HasPrefix(string(res.body), "member_id,code,name,") {
		t.Errorf("members.csv: %d %q %.80s", res.status, res.header.Get("Content-Type"), res.body)
	}
	if res := w.call("GET", "/api/v1/analytics/exports/links.arrow", w.token("analyst"), nil); res.status != 200 ||
		res.header.Get("Content-Type") != "application/vnd.apache.arrow.file" || !bytes.HasPrefix(res.body, []byte("ARROW1")) {
		t.Errorf("links.arrow: %d %q %.8q", res.status, res.header.Get("Content-Type"), res.body)
	}
	var audited int
	if err := w.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE action = 'GET /api/v1/analytics/exports/{file}'`).Scan(&audited); err != nil || audited != 4 {
		t.Errorf("%d exports audited (%v), want 4", audited, err)
	}

	res = w.call("GET", "/api/v1/analytics/exports", w.token("analyst"), nil)
	var list []struct {
		Name    string
		Filters []string
		Columns []struct{ Name, Type, Doc string }
	}
	if err := json.Unmarshal(res.body, &list); err != nil || len(list) != 6 || list[0].Name != "members" || list[0].Columns[0].Type != "int64" {
		t.Errorf("the datasets: %d %s (%v)", res.status, res.body, err)
	}

	for _, c := range []struct {
		login, path string
		want        int
		says        string
	}{
		{"AAA", "/api/v1/analytics/exports/members.parquet", 403, ""},
		{"finance", "/api/v1/analytics/exports/orders.csv", 403, ""},
		{"agency1", "/api/v1/analytics/exports/orders.csv", 403, ""},
		{"AAA", "/api/v1/analytics/exports", 403, ""},
		{"analyst", "/api/v1/analytics/exports/members", 404, "DATASET.FORMAT"},
		{"analyst", "/api/v1/analytics/exports/members.xlsx", 404, "parquet, arrow or csv"},
		{"analyst", "/api/v1/analytics/exports/payroll.csv", 404, `no dataset "payroll"`},
		{"analyst", "/api/v1/analytics/exports/orders.csv?period=2024-13", 422, `period "2024-13"`},
		{"analyst", "/api/v1/analytics/exports/members.csv?run=3", 422, "members takes no run filter"},
		{"analyst", "/api/v1/analytics/exports/bonus_lines.parquet?run=999", 404, "no settlement run 999"},
	} {
		res := w.call("GET", c.path, w.token(c.login), nil)
		var problem struct{ Detail string }
		_ = json.Unmarshal(res.body, &problem)
		if res.status != c.want || !strings.Contains(problem.Detail, c.says) {
			t.Errorf("GET %s as %s: %d %s, want %d saying %q", c.path, c.login, res.status, res.body, c.want, c.says)
		}
	}
}
