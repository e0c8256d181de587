package web_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"downline/ledger/goodstest"
	"downline/ledger/journal"
	"downline/ledger/order"
)

// booksOffice is the staff office with its four payments confirmed: four
// payment.confirmed entries in the journal, 王芳's online payment of
// 1,200.00 the oldest.
func booksOffice(t *testing.T) staffOffice {
	t.Helper()
	s := newStaffOffice(t)
	for _, no := range s.pay {
		goodstest.Tx(t, s.db, func(ctx context.Context, tx pgx.Tx) error {
			_, err := order.ConfirmPayment(ctx, tx, order.Decision{Key: "confirm-" + no, Payment: no, By: "finance"})
			return err
		})
	}
	return s
}

// entryOf is the id of the entry that booked payment no.
func (s staffOffice) entryOf(t *testing.T, no string) int64 {
	t.Helper()
	var id int64
	if err := s.db.Pool.QueryRow(context.Background(), `SELECT id FROM journal_entries WHERE kind = 'payment.confirmed'
		AND ref LIKE $1 || ' %'`, no).Scan(&id); err != nil {
		t.Fatalf("the entry of %s: %v", no, err)
	}
	return id
}

func (s staffOffice) balance(t *testing.T, a journal.Account) decimal.Decimal {
	t.Helper()
	b, err := journal.Balance(context.Background(), s.db.Pool, a, "", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// readBack fetches what the link sel downloads, with the page's session,
// and parses it as CSV.
func readBack(t *testing.T, ctx context.Context, sel string) [][]string {
	t.Helper()
	text := eval[string](t, ctx, fmt.Sprintf(`fetch(document.querySelector(%q).href).then(r => r.ok ? r.text() : 'HTTP ' + r.status)`, sel),
		chromedp.EvalAwaitPromise)
	rows, err := csv.NewReader(strings.NewReader(text)).ReadAll()
	if err != nil {
		t.Fatalf("%s downloads %q: %v", sel, text, err)
	}
	return rows
}

// Finance opens the journal, filters it by kind and by a payment's
// reference (a backwards range is named next to its field), opens 王芳's
// entry (debits equal credits), is asked for a reason, and reverses it;
// the first answer is lost and the retry goes under the same key: one
// reversing entry, its lines the original's negated, and the online
// clearing account back where it was. The balances balance, and the
// account's lines show both entries. Desktop in English.
func TestStaffBooksJournalReversal(t *testing.T) {
	requireBrowser(t)
	s := booksOffice(t)
	wangfang := s.pay[0]
	orig := s.entryOf(t, wangfang)
	clearingBefore := s.balance(t, journal.OnlineClearing)
	if !clearingBefore.Equal(decimal.RequireFromString("1200")) {
		t.Fatalf("online clearing before: %s", clearingBefore)
	}
	ctx := browser(t, "en-US")
	run(t, ctx, "open the journal", desktop(), chromedp.Navigate(s.url+"/staff/finance/journal"))
	run(t, ctx, "sign in as finance", signIn("finance", password))
	wantText(t, ctx, "#journal-title", "Journal")
	wantText(t, ctx, "#journal-list", wangfang)
	var entries int
	var newest int64
	if err := s.db.Pool.QueryRow(context.Background(), `SELECT count(*), max(id) FROM journal_entries`).Scan(&entries, &newest); err != nil {
		t.Fatal(err)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll('#journal-list tbody tr').length`); n != entries {
		t.Errorf("the journal lists %d entries, want the ledger's %d", n, entries)
	}
	first := eval[string](t, ctx, `document.querySelector('#journal-list tbody tr').dataset.entry`)
	if want := strconv.FormatInt(newest, 10); first != want {
		t.Errorf("the first row is entry %s, want the newest, %s", first, want)
	}
	run(t, ctx, "a backwards range", setField("#jf-from", "2026-03-02"), setField("#jf-to", "2026-03-01"), click("#jf-apply"))
	wantText(t, ctx, "#jf-to-error", "The end day comes before the start day.")
	run(t, ctx, "filter by kind and reference", setField("#jf-from", ""), setField("#jf-to", ""),
		choose("#jf-kind", "payment.confirmed"), typeInto("#jf-ref", wangfang), click("#jf-apply"))
	row := fmt.Sprintf(`#journal-list tr[data-entry="%d"]`, orig)
	wantText(t, ctx, row, "¥1,200.00")
	gone(t, ctx, fmt.Sprintf(`#journal-list tr[data-entry="%s"]`, first))
	if n := eval[int](t, ctx, `document.querySelectorAll('#journal-list tbody tr').length`); n != 1 {
		t.Errorf("filtered by %s, the journal lists %d entries", wangfang, n)
	}
	rows := readBack(t, ctx, "#journal-export")
	if len(rows) != 3 || rows[1][0] != strconv.FormatInt(orig, 10) || rows[1][3] != wangfang+" "+s.orders[0] ||
		rows[1][10]+rows[2][11] != "1200.001200.00" {
		t.Errorf("the journal's CSV of the filter: %q", rows)
	}
	screenshot(t, ctx, "staff-books-journal-desktop-en")

	run(t, ctx, "open the entry", click(row+" a"))
	wantText(t, ctx, "#entry-title", fmt.Sprintf("Entry #%d", orig))
	wantText(t, ctx, "#entry-balanced", "Debits equal credits.")
	wantText(t, ctx, "#entry-debits", "¥1,200.00")
	wantText(t, ctx, "#entry-credits", "¥1,200.00")
	wantText(t, ctx, "#entry-lines", "Online payments clearing")
	run(t, ctx, "reverse without a reason", click("#reverse-submit"))
	wantText(t, ctx, "#reverse-memo-error", "Say why this entry is reversed.")
	dropFirstAnswer(t, ctx, "*/api/v1/journal/*/reverse")
	run(t, ctx, "reverse", typeInto("#reverse-memo", "paid twice by the bank"), click("#reverse-submit"))
	wantText(t, ctx, "#reverse-error", "The server cannot be reached")
	run(t, ctx, "reverse again", click("#reverse-submit"))
	wantText(t, ctx, "#reverse-done", "Reversed by the new entry #")
	wantText(t, ctx, "#entry-state", "Reversed by #")
	gone(t, ctx, "#reverse-form")

	var revs []int64
	rs, err := s.db.Pool.Query(context.Background(), `SELECT id FROM journal_entries WHERE reverses = $1`, orig)
	if err == nil {
		revs, err = pgx.CollectRows(rs, pgx.RowTo[int64])
	}
	if err != nil || len(revs) != 1 {
		t.Fatalf("reversals of %d: %v %v", orig, revs, err)
	}
	rev, err := journal.Get(context.Background(), s.db.Pool, revs[0])
	if err != nil {
		t.Fatal(err)
	}
	was, err := journal.Get(context.Background(), s.db.Pool, orig)
	if err != nil {
		t.Fatal(err)
	}
	if rev.Memo != "paid twice by the bank" || rev.By != "user:finance" || len(rev.Lines) != len(was.Lines) {
		t.Fatalf("the reversing entry: %+v", rev)
	}
	for i, l := range rev.Lines {
		if l.Account != was.Lines[i].Account || !l.Amount.Equal(was.Lines[i].Amount.Neg()) {
			t.Errorf("line %d: %+v reverses %+v", i, l, was.Lines[i])
		}
	}
	if got := s.balance(t, journal.OnlineClearing); !got.IsZero() {
		t.Errorf("online clearing after the reversal: %s, want 0", got)
	}
	wantText(t, ctx, "#reverse-done", fmt.Sprintf("#%d", rev.ID))
	screenshot(t, ctx, "staff-books-entry-reversed-desktop-en")

	run(t, ctx, "open the balances", chromedp.Navigate(s.url+"/staff/finance/balances"))
	wantText(t, ctx, "#balances-balanced", "Debit balances equal credit balances.")
	wantText(t, ctx, `tr[data-account="1010"] .debit`, "¥0.00")
	wantText(t, ctx, `tr[data-account="2200"]`, "Deferred revenue")
	var deferred decimal.Decimal
	if err := s.db.Pool.QueryRow(context.Background(), `SELECT -sum(amount) FROM journal_lines WHERE account = '2200'`).Scan(&deferred); err != nil {
		t.Fatal(err)
	}
	wantText(t, ctx, `tr[data-account="2200"] .credit`, yuan(deferred))
	screenshot(t, ctx, "staff-books-balances-desktop-en")
	run(t, ctx, "as of a day before anything", setField("#as-of", "2020-01-01"), click("#as-of-apply"))
	wantText(t, ctx, "#balances-when", "end of 2020-01-01")
	wantText(t, ctx, `tr[data-account="2200"] .debit`, "¥0.00")
	run(t, ctx, "back to now", click("#as-of-now"))
	wantText(t, ctx, "#balances-when", "Balances now.")
	run(t, ctx, "open the clearing account", click(`tr[data-account="1010"] a`))
	wantText(t, ctx, "#account-title", "Online payments clearing")
	wantText(t, ctx, fmt.Sprintf(`#account-lines tr[data-entry="%d"]`, rev.ID), "reversal")
	wantText(t, ctx, fmt.Sprintf(`#account-lines tr[data-entry="%d"]`, orig), "payment.confirmed")
	screenshot(t, ctx, "staff-books-account-desktop-en")
}

// On a phone in Chinese, finance opens an entry that another finance user
// reverses meanwhile: the reversal it then sends is refused, in Chinese,
// and the page shows who reversed it; the journal has one reversal.
func TestStaffBooksSecondReversalRefused(t *testing.T) {
	requireBrowser(t)
	s := booksOffice(t)
	id := s.entryOf(t, s.pay[1])
	ctx := browser(t, "zh-CN")
	run(t, ctx, "open the entry", chromedp.Navigate(fmt.Sprintf("%s/staff/finance/journal/%d", s.url, id)))
	run(t, ctx, "sign in as finance", signIn("finance", password))
	wantText(t, ctx, "#entry-title", fmt.Sprintf("分录 #%d", id))
	wantText(t, ctx, "#entry-balanced", "借贷相等。")
	noHorizontalScroll(t, ctx, "entry")
	screenshot(t, ctx, "staff-books-entry-phone-zh")

	var login struct{ Token string }
	if a := post(t, s.url+"/api/v1/auth/login", "", map[string]string{"login": "finance", "password": password}, &login); a.status != 200 {
		t.Fatalf("login: %d %s", a.status, a.body)
	}
	if a := postKey(t, fmt.Sprintf("%s/api/v1/journal/%d/reverse", s.url, id), login.Token, "elsewhere", map[string]string{"memo": "duplicate"}, nil); a.status != 201 {
		t.Fatalf("the other reversal: %d %s", a.status, a.body)
	}
	run(t, ctx, "reverse too", typeInto("#reverse-memo", "重复入账"), click("#reverse-submit"))
	wantText(t, ctx, "#reverse-error", "这笔分录已被冲销，不能重复冲销。")
	wantText(t, ctx, "#entry-state", "已被冲销")
	var n int
	if err := s.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM journal_entries WHERE reverses = $1`, id).Scan(&n); err != nil || n != 1 {
		t.Fatalf("reversals of %d: %d %v", id, n, err)
	}
	noHorizontalScroll(t, ctx, "entry refused")
	screenshot(t, ctx, "staff-books-entry-refused-phone-zh")

	run(t, ctx, "the journal", chromedp.Navigate(s.url+"/staff/finance/journal"))
	wantText(t, ctx, "#journal-list", "reversal")
	noHorizontalScroll(t, ctx, "journal")
	screenshot(t, ctx, "staff-books-journal-phone-zh")
	run(t, ctx, "the balances", chromedp.Navigate(s.url+"/staff/finance/balances"))
	wantText(t, ctx, "#balances-balanced", "借方余额合计等于贷方余额合计。")
	noHorizontalScroll(t, ctx, "balances")
	screenshot(t, ctx, "staff-books-balances-phone-zh")
}

// The warehouse's stock list pages through 103 lots of HQ-SH by cursor,
// filters by product, lot and expiry on the API, and downloads the
// filtered list as CSV (read back). Desktop in English, phone in Chinese.
func TestStaffBooksStockPagesAndExports(t *testing.T) {
	requireBrowser(t)
	s := newHQOffice(t)
	for i := 1; i <= 100; i++ {
		goodstest.Lot(t, s.db, "TEA-200", fmt.Sprintf("P%03d", i), 400+i, 5)
	}
	var lots int
	if err := s.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM stock_balances b JOIN warehouses w ON w.id = b.warehouse_id
		WHERE w.code = 'HQ-SH'`).Scan(&lots); err != nil || lots <= 100 {
		t.Fatalf("HQ-SH holds %d lots (%v)", lots, err)
	}
	ctx := browser(t, "en-US")
	run(t, ctx, "open the stock", desktop(), chromedp.Navigate(s.url+"/staff/warehouse/stock"))
	run(t, ctx, "sign in as warehouse", signIn("warehouse", password))
	wantText(t, ctx, "#stock-table", "P001")
	rowsOn := func() int { return eval[int](t, ctx, `document.querySelectorAll('#stock-table tbody tr').length`) }
	if n := rowsOn(); n != 100 {
		t.Errorf("the first page has %d lots, want 100", n)
	}
	run(t, ctx, "next page", click("#stock-next"))
	wantText(t, ctx, "#stock-table", "P100")
	if n := rowsOn(); n != lots-100 {
		t.Errorf("the second page has %d lots, want %d", n, lots-100)
	}
	run(t, ctx, "previous page", click("#stock-prev"))
	wantText(t, ctx, "#stock-table", "P001")

	run(t, ctx, "filter", typeInto("#stock-product", "tea"), typeInto("#stock-lot", "p00"),
		setField("#stock-expires-before", time.Now().UTC().AddDate(0, 0, 405).Format(time.DateOnly)), click("#stock-apply"))
	gone(t, ctx, `tr[data-lot="HQ-SH/TEA-200/P009"]`)
	wantText(t, ctx, `tr[data-lot="HQ-SH/TEA-200/P001"]`, "TEA-200")
	// P001 to P004 expire 401 to 404 days from today (goodstest.Lot counts in UTC days).
	n := rowsOn()
	if n != 4 {
		t.Errorf("lots P00x expiring within 405 days: %d rows, want 4", n)
	}
	rows := readBack(t, ctx, "#stock-export")
	if len(rows) != n+1 || strings.Join(rows[0], ",") != "warehouse,sku,lot,expires_on,on_hand,reserved,available" ||
		rows[1][0] != "HQ-SH" || rows[1][2] != "P001" || rows[1][4] != "5" {
		t.Errorf("the CSV of %d rows: %q", n, rows)
	}
	if href := eval[string](t, ctx, `document.querySelector('#stock-export').getAttribute('href')`); !strings.Contains(href, "product=tea") ||
		!strings.Contains(href, "lot=p00") {
		t.Errorf("the export link %q does not carry the filter", href)
	}
	screenshot(t, ctx, "staff-books-stock-filtered-desktop-en")

	run(t, ctx, "phone in Chinese", phone(), switchLanguage("zh-CN"))
	wantText(t, ctx, "#stock-title", "库存")
	wantText(t, ctx, `label[for="stock-expires-before"]`, "在此日期前过期")
	noHorizontalScroll(t, ctx, "stock")
	screenshot(t, ctx, "staff-books-stock-phone-zh")
}

// yuan writes an amount as the English page does: ¥1,234.50.
func yuan(d decimal.Decimal) string {
	s := d.StringFixed(2)
	whole, cents := s[:len(s)-3], s[len(s)-3:]
	var b strings.Builder
	for i, c := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return "¥" + b.String() + cents
}

// The warehouse opening finance's books by their addresses is refused,
// with none of the data and without the console asking the API for it.
func TestStaffBooksRefusedToTheWarehouse(t *testing.T) {
	requireBrowser(t)
	s := booksOffice(t)
	for _, page := range []string{"/staff/finance/journal", "/staff/finance/journal/1", "/staff/finance/balances/1010"} {
		ctx := browser(t, "zh-CN")
		run(t, ctx, "open "+page, chromedp.Navigate(s.url+page))
		run(t, ctx, "sign in as warehouse", signIn("warehouse", password))
		wantText(t, ctx, "#not-allowed", "无权访问")
		for _, api := range []string{"/api/v1/journal", "/api/v1/balances", "/api/v1/accounts"} {
			if n := eval[int](t, ctx, fmt.Sprintf(`performance.getEntriesByType('resource').filter(e => e.name.includes(%q)).length`, api)); n != 0 {
				t.Errorf("%s: the console asked %s %d times for the warehouse", page, api, n)
			}
		}
		if body := eval[string](t, ctx, `document.body.innerText`); strings.Contains(body, s.pay[0]) || strings.Contains(body, "payment.confirmed") {
			t.Errorf("%s shows the journal to the warehouse:\n%s", page, body)
		}
	}
}
