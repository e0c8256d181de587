package web_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/chromedp/chromedp"
	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"downline/ledger/goodstest"
	"downline/ledger/user"
)

// readParquet reads a downloaded Parquet file back: its rows and the sum of
// one money column.
func readParquet(t *testing.T, b []byte, money string) (int64, string) {
	t.Helper()
	tbl, err := pqarrow.ReadTable(context.Background(), bytes.NewReader(b), parquet.NewReaderProperties(memory.DefaultAllocator),
		pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
	if err != nil {
		t.Fatalf("the download is not Parquet: %v", err)
	}
	defer tbl.Release()
	idx := tbl.Schema().FieldIndices(money)
	if len(idx) != 1 {
		t.Fatalf("no column %s in %v", money, tbl.Schema())
	}
	sum := decimal.Zero
	for _, chunk := range tbl.Column(idx[0]).Data().Chunks() {
		a := chunk.(*array.Decimal128)
		scale := a.DataType().(*arrow.Decimal128Type).Scale
		for i := 0; i < a.Len(); i++ {
			sum = sum.Add(decimal.RequireFromString(a.Value(i).ToString(scale)))
		}
	}
	return tbl.NumRows(), sum.StringFixed(2)
}

// setSelect picks an option of a select as a person would (a change event).
func setSelect(sel, value string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => {
		const s = document.querySelector(%q);
		s.value = %q;
		s.dispatchEvent(new Event('change', { bubbles: true }));
	})()`, sel, value))
}

// An analyst downloads the orders and a settled period's bonus lines as
// Parquet and the lot movements as CSV from the exports page; read back,
// they hold the ledger's rows and money. Filters a dataset needs are asked
// for under their fields, and a run the ledger lacks is named there, in
// both languages; a member is refused the page.
func TestStaffExports(t *testing.T) {
	requireBrowser(t)
	o := newOffice(t)
	period := settled(t, o)
	goodstest.Tx(t, o.db, func(ctx context.Context, tx pgx.Tx) error {
		_, err := user.Create(ctx, tx, user.New{Login: "analyst", Password: password, Role: user.Analyst})
		return err
	})
	ledger := func(sql string, args ...any) (n int64, sum string) {
		t.Helper()
		if err := o.db.Pool.QueryRow(context.Background(), sql, args...).Scan(&n, &sum); err != nil {
			t.Fatal(err)
		}
		return n, sum
	}

	ctx := browser(t, "zh-CN")
	dir := downloads(t, ctx)
	run(t, ctx, "open the exports", desktop(), chromedp.Navigate(o.url+"/staff/analytics/exports"), signIn("analyst", password))
	wantText(t, ctx, "#nav-analytics-exports[aria-current=page]", "数据导出")
	wantText(t, ctx, "#exp-orders-card h2", "订单")
	if got := eval[string](t, ctx, `[...document.querySelectorAll('[data-dataset]')].map(c => c.dataset.dataset).join(' ')`); got != "members links orders order_lines lot_moves bonus_lines" {
		t.Errorf("the datasets offered: %q", got)
	}

	run(t, ctx, "download the orders", click("#exp-orders-download"))
	rows, total := readParquet(t, downloaded(t, ctx, dir, "orders.parquet"), "total")
	wantRows, wantTotal := ledger(`SELECT count(*), sum(total)::text FROM orders`)
	if rows != wantRows || total != wantTotal || rows == 0 {
		t.Errorf("orders.parquet: %d orders totalling %s, the ledger has %d totalling %s", rows, total, wantRows, wantTotal)
	}
	wantText(t, ctx, "#exp-orders-status", "已下载 orders.parquet")

	run(t, ctx, "bonus lines without a period", click("#exp-bonus_lines-download"))
	wantText(t, ctx, "#exp-bonus_lines-period-error", "请填写结算期或结算编号（二选一）。")
	run(t, ctx, "a run that is not there", typeInto("#exp-bonus_lines-run", "999"), click("#exp-bonus_lines-download"))
	wantText(t, ctx, "#exp-bonus_lines-run-error", "没有这次结算，或该期还没有已审核的结算。")
	run(t, ctx, "the settled period's lines", typeInto("#exp-bonus_lines-run", ""), typeInto("#exp-bonus_lines-period", period),
		click("#exp-bonus_lines-download"))
	rows, total = readParquet(t, downloaded(t, ctx, dir, "bonus_lines.parquet"), "amount")
	wantRows, wantTotal = ledger(`SELECT r.lines, round(r.bonus_total, 2)::text FROM settle_runs r JOIN settle_periods p ON p.id = r.period_id WHERE p.code = $1`, period)
	if rows != wantRows || total != wantTotal || rows == 0 {
		t.Errorf("bonus_lines.parquet of %s: %d lines totalling %s, the run has %d totalling %s", period, rows, total, wantRows, wantTotal)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll('.field-error').length`); n != 0 {
		t.Errorf("%d field errors left after a good download", n)
	}
	screenshot(t, ctx, "staff-exports-desktop-zh")

	run(t, ctx, "in English on a phone", phone(), switchLanguage("en"))
	wantText(t, ctx, "#exp-title", "Exports for your own tools")
	run(t, ctx, "lot moves of a product as CSV", setSelect("#exp-lot_moves-format", "csv"), typeInto("#exp-lot_moves-batch", "B2"),
		click("#exp-lot_moves-download"))
	wantText(t, ctx, "#exp-lot_moves-sku-error", "A batch needs its product.")
	run(t, ctx, "with its product", typeInto("#exp-lot_moves-sku", "VC-100"), click("#exp-lot_moves-download"))
	csv := string(downloaded(t, ctx, dir, "lot_moves.csv"))
	lines := strings.Split(strings.TrimSuffix(csv, "\r\n"), "\r\n")
	moves, _ := ledger(`SELECT count(*), '' FROM stock_moves m JOIN lots l ON l.id = m.lot_id WHERE l.batch = 'B2'`)
	if lines[0] != "move_id,moved_at,moved_on,warehouse_code,agency_code,sku,batch,lot_id,kind,on_hand_delta,reserved_delta,ref" ||
		int64(len(lines)-1) != moves || moves == 0 {
		t.Errorf("lot_moves.csv: %d moves (the ledger has %d), header %q", len(lines)-1, moves, lines[0])
	}
	wantText(t, ctx, "#exp-lot_moves-status", "Downloaded lot_moves.csv")
	noHorizontalScroll(t, ctx, "exports")
	screenshot(t, ctx, "staff-exports-phone-en")

	// A member is refused the page, and the API refuses the files.
	member := browser(t, "en-US")
	run(t, member, "a member opens the exports", chromedp.Navigate(o.url+"/staff/analytics/exports"), signIn("wangfang", password))
	wantText(t, member, "#not-allowed", "Not allowed")
	if n := eval[int](t, member, `document.querySelectorAll('[data-dataset]').length`); n != 0 {
		t.Errorf("a member sees %d datasets", n)
	}
	if s := status(t, member, "/api/v1/analytics/exports/members.parquet"); s != 403 {
		t.Errorf("a member's export answers %d, want 403", s)
	}
}
