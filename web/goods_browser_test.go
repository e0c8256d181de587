package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/jackc/pgx/v5"

	"downline/ledger"
	"downline/ledger/goodstest"
	"downline/ledger/order"
)

// onHand is what warehouse wh holds of a lot, in the ledger.
func onHand(t *testing.T, db *ledger.DB, wh, sku, batch string) (onHand, reserved int64) {
	t.Helper()
	err := db.Pool.QueryRow(context.Background(), `SELECT coalesce(sum(b.on_hand), 0), coalesce(sum(b.reserved), 0)
		FROM stock_balances b JOIN warehouses w ON w.id = b.warehouse_id JOIN lots l ON l.id = b.lot_id
		JOIN products p ON p.id = l.product_id WHERE w.code = $1 AND p.sku = $2 AND l.batch = $3`, wh, sku, batch).Scan(&onHand, &reserved)
	if err != nil {
		t.Fatal(err)
	}
	return onHand, reserved
}

// submit submits a form as Enter in one of its fields would: on a page
// whose sections load and grow around it, a click at a button's place can
// land on what moved there.
func submit(form string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.querySelector(%q).requestSubmit()`, form))
}

// confirmedOrder places an order, pays and confirms it in full, in the ledger.
func confirmedOrder(t *testing.T, db *ledger.DB, r order.Request) order.Order {
	t.Helper()
	var o order.Order
	goodstest.Tx(t, db, func(ctx context.Context, tx pgx.Tx) (err error) {
		if o, err = order.Place(ctx, tx, r); err != nil {
			return err
		}
		p, err := order.RecordPayment(ctx, tx, order.PaymentRequest{Key: r.Key + "-pay", Order: o.No, Method: order.BankTransfer, Amount: o.Total, By: "test"})
		if err != nil {
			return err
		}
		_, err = order.ConfirmPayment(ctx, tx, order.Decision{Key: r.Key + "-confirm", Payment: p.No, By: "test"})
		return err
	})
	return o
}

func sqlText(t *testing.T, db *ledger.DB, q string, args ...any) string {
	t.Helper()
	var s string
	if err := db.Pool.QueryRow(context.Background(), q, args...).Scan(&s); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return s
}

// An admin adds a product in both languages with an uploaded picture (a
// price with three decimals, missing names and a file that is no image
// are named at their fields first), records a lot of
// it, then edits VC-100's member price: the product is at revision 2 with
// the new price, AAA1's earlier order keeps 100.00, and the history shows
// both versions. Desktop in English, then the phone in Chinese.
func TestStaffGoodsCatalogue(t *testing.T) {
	requireBrowser(t)
	s := newHQOffice(t)
	aaa1 := s.orders[1] // AAA1's order of 1 × VC-100 at 100.00

	ctx := browser(t, "en-US")
	run(t, ctx, "open the catalogue", desktop(), chromedp.Navigate(s.url+"/staff/catalogue"))
	run(t, ctx, "sign in as admin", signIn("admin", password))
	wantText(t, ctx, `#cg-list tr[data-sku="VC-100"]`, "Product VC-100")
	run(t, ctx, "open the new product form", click("#cg-new"), chromedp.WaitVisible(chromedp.CSS("#cg-new-form")))
	run(t, ctx, "add with bad fields", setField("#cg-new-sku", "GT-900"), setField("#cg-new-retail_price", "88"),
		setField("#cg-new-member_price", "70.555"), setField("#cg-new-pv", "30"), setField("#cg-new-bv", "28"), click("#cg-new-save"))
	wantText(t, ctx, "#cg-new-name_zh-error", "Enter the Chinese name.")
	wantText(t, ctx, "#cg-new-name_en-error", "Enter the English name.")
	wantText(t, ctx, "#cg-new-member_price-error", "at most two decimals")
	if n := ledgertestCount(t, s.db, `SELECT count(*) FROM products WHERE sku = 'GT-900'`); n != 0 {
		t.Fatalf("a refused form added the product")
	}
	pic, _, text := files(t)
	run(t, ctx, "upload a text file as an image", chromedp.SetUploadFiles(chromedp.CSS("#cg-new-upload"), []string{text}))
	wantText(t, ctx, "#cg-new-images-error", "not a JPEG, PNG, GIF or WebP image")
	run(t, ctx, "upload a picture", chromedp.SetUploadFiles(chromedp.CSS("#cg-new-upload"), []string{pic}))
	if _, err := chromedp.Run(ctx, chromedp.PollFunction[chromedp.Void](
		`() => { const i = document.querySelector('.cg-thumbs img'); return !!i && i.complete && i.naturalWidth === 320; }`,
		chromedp.WithPollingTimeout(0))); err != nil {
		t.Fatalf("the uploaded picture is not shown: %v", err)
	}
	run(t, ctx, "fix and add", setField("#cg-new-name_zh", "人参茶"), setField("#cg-new-name_en", "Ginseng tea"),
		setField("#cg-new-description_zh", "长白山人参"), setField("#cg-new-description_en", "Changbai mountain ginseng"),
		setField("#cg-new-member_price", "70.50"), click("#cg-new-save"))
	wantText(t, ctx, "#cg-product-title", "GT-900")
	if got := sqlText(t, s.db, `SELECT array_to_string(images, ',') FROM products WHERE sku = 'GT-900'`); !strings.HasPrefix(got, "/media/") || len(got) != len("/media/")+64 {
		t.Errorf("GT-900's images in the ledger: %q, want the uploaded picture's address", got)
	}
	if got := sqlText(t, s.db, `SELECT name_zh || '|' || name_en || '|' || retail_price || '|' || member_price || '|' || pv || '|' || bv || '|' || status
		FROM products WHERE sku = 'GT-900'`); got != "人参茶|Ginseng tea|88.00|70.50|30.00|28.00|active" {
		t.Errorf("the product in the ledger: %s", got)
	}
	run(t, ctx, "record a lot", setField("#cg-lot-batch", "GT-2601"), setField("#cg-lot-produced_on", "2026-01-10"),
		setField("#cg-lot-expires_on", "2028-01-10"), click("#cg-lot-add"))
	wantText(t, ctx, `#cg-lots tr[data-batch="GT-2601"]`, "2028")
	if got := sqlText(t, s.db, `SELECT l.produced_on || '|' || l.expires_on FROM lots l JOIN products p ON p.id = l.product_id
		WHERE p.sku = 'GT-900' AND l.batch = 'GT-2601'`); got != "2026-01-10|2028-01-10" {
		t.Errorf("the lot in the ledger: %s", got)
	}
	screenshot(t, ctx, "staff-goods-product-desktop-en")

	// The price edit: a new revision; the earlier order keeps its price.
	run(t, ctx, "open VC-100", chromedp.Navigate(s.url+"/staff/catalogue/VC-100"))
	wantText(t, ctx, "#cg-product-title", "VC-100")
	run(t, ctx, "edit the member price", setField("#cg-edit-member_price", "95.00"), setField("#cg-edit-images", "/media/7"), click("#cg-edit-save"))
	wantText(t, ctx, "#cg-edit-saved", "Saved.")
	wantText(t, ctx, `#cg-history tr[data-revision="1"]`, "100.00")
	wantText(t, ctx, `#cg-history tr[data-revision="2"]`, "95.00")
	if got := sqlText(t, s.db, `SELECT revision || '|' || member_price || '|' || updated_by || '|' || array_to_string(images, ',') FROM products WHERE sku = 'VC-100'`); got != "2|95.00|user:admin|/media/7" {
		t.Errorf("VC-100 after the edit: %s", got)
	}
	if got := sqlText(t, s.db, `SELECT l.unit_price::text FROM order_lines l JOIN orders o ON o.id = l.order_id WHERE o.order_no = $1`, aaa1); got != "100.00" {
		t.Errorf("AAA1's earlier order now has the line price %s, want its own 100.00", got)
	}
	if got := sqlText(t, s.db, `SELECT r.member_price::text FROM product_revisions r JOIN products p ON p.id = r.product_id WHERE p.sku = 'VC-100' AND r.revision = 1`); got != "100.00" {
		t.Errorf("revision 1 kept the member price %s", got)
	}

	// The phone, in Chinese.
	zh := browser(t, "zh-CN")
	run(t, zh, "open the catalogue on a phone", phone(), chromedp.Navigate(s.url+"/staff/catalogue"))
	run(t, zh, "sign in as admin", signIn("admin", password))
	wantText(t, zh, "#cg-title", "产品目录")
	wantText(t, zh, `#cg-list tr[data-sku="GT-900"]`, "人参茶")
	noHorizontalScroll(t, zh, "the catalogue")
	screenshot(t, zh, "staff-goods-catalogue-phone-zh")
	run(t, zh, "open VC-100", chromedp.Navigate(s.url+"/staff/catalogue/VC-100"))
	wantText(t, zh, "#cg-history", "至今")
	run(t, zh, "a bad edit", setField("#cg-edit-name_en", " "), setField("#cg-edit-pv", "-3"), click("#cg-edit-save"))
	wantText(t, zh, "#cg-edit-name_en-error", "请输入英文名称。")
	wantText(t, zh, "#cg-edit-pv-error", "请输入业绩值")
	noHorizontalScroll(t, zh, "the product page")
	screenshot(t, zh, "staff-goods-product-phone-zh")
	if got := sqlText(t, s.db, `SELECT revision::text FROM products WHERE sku = 'VC-100'`); got != "2" {
		t.Errorf("a refused edit moved VC-100 to revision %s", got)
	}
}

func ledgertestCount(t *testing.T, db *ledger.DB, q string) int {
	t.Helper()
	var n int
	if err := db.Pool.QueryRow(context.Background(), q).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// The warehouse ships a confirmed order of 2 × VC-100 and 1 × TEA-200 from
// lot B1 instead of the reserved B2: an expired lot and a lot of one unit
// are refused at the line first. The packing slip lists the lines with
// their lots in both languages and prints alone on A4; after shipping, the
// units left B1 in the ledger and B2's reservation is given back. The
// phone in Chinese first, then the desktop in English.
func TestStaffGoodsShipPickedLots(t *testing.T) {
	requireBrowser(t)
	s := newStaffOffice(t)
	goodstest.Lot(t, s.db, "VC-100", "OLD", -1, 10)
	goodstest.Lot(t, s.db, "VC-100", "FEW", 500, 1)
	o := confirmedOrder(t, s.db, order.Request{Key: "slip", Kind: order.Repeat, Member: "AAA2", By: "test",
		ShipTo: "上海市浦东新区世纪大道 100 号 韩梅梅 13800000005",
		Lines:  []order.LineRequest{{SKU: "VC-100", Qty: 2}, {SKU: "TEA-200", Qty: 1}}})
	if o.Allocations[0].Batch != "B2" {
		t.Fatalf("reserved %+v, want B2 first", o.Allocations)
	}
	card := fmt.Sprintf(`.ship-card[data-order=%q]`, o.No)
	pick := fmt.Sprintf(`#pick-%s-1`, o.No)

	zh := browser(t, "zh-CN")
	run(t, zh, "open the ship queue", phone(), chromedp.Navigate(s.url+"/staff/warehouse/shipments"))
	run(t, zh, "sign in as warehouse", signIn("warehouse", password))
	wantText(t, zh, card, "B2 × 2")
	run(t, zh, "change lots", click(card+" .pick-lots"), chromedp.WaitVisible(chromedp.CSS(pick)))
	wantText(t, zh, pick, "已过期")
	run(t, zh, "pick the expired lot", choose(pick, "OLD"))
	wantText(t, zh, pick+"-error", "已于")
	run(t, zh, "open the slip", click(card+" .open-slip"))
	wantText(t, zh, card+" .slip", "装箱单 Packing slip")
	noHorizontalScroll(t, zh, "the ship queue with a lot picker and a slip")
	screenshot(t, zh, "staff-goods-ship-phone-zh")

	ctx := browser(t, "en-US")
	run(t, ctx, "open the ship queue", desktop(), chromedp.Navigate(s.url+"/staff/warehouse/shipments"))
	run(t, ctx, "sign in as warehouse", signIn("warehouse", password))
	wantText(t, ctx, card, "B2 × 2")
	run(t, ctx, "change lots", click(card+" .pick-lots"), chromedp.WaitVisible(chromedp.CSS(pick)))
	run(t, ctx, "pick the small lot", choose(pick, "FEW"))
	wantText(t, ctx, pick+"-error", "VC-100 lot FEW has 1 available, the line needs 2.")
	run(t, ctx, "ship anyway", setField("#tracking-"+o.No, "SF-PICK-1"), click(card+" button.ship"))
	wantText(t, ctx, card+" .form-error", "has 1 available")
	if st := s.orderStatus(t, o.No); st != order.Confirmed {
		t.Fatalf("a refused pick shipped the order: %s", st)
	}
	run(t, ctx, "pick B1", choose(pick, "B1"))
	wantText(t, ctx, pick, "B1")
	if n := eval[int](t, ctx, fmt.Sprintf(`document.querySelectorAll('%s-error').length`, pick)); n != 0 {
		t.Errorf("B1 (100 available) is refused for 2 units")
	}
	wantText(t, ctx, card+" .lots", "B1 × 2")

	run(t, ctx, "open the slip", click(card+" .open-slip"))
	slip := card + " .slip"
	for _, want := range []string{o.No, "AAA2", "韩梅梅", "世纪大道 100 号", "产品 VC-100", "Product VC-100", "TEA-200", "T1", "B1", "订单号 Order no.", "批次号 Batch"} {
		wantText(t, ctx, slip, want)
	}
	if n := eval[int](t, ctx, fmt.Sprintf(`document.querySelectorAll('%s tr[data-batch="B2"]').length`, slip)); n != 0 {
		t.Errorf("the slip still lists B2")
	}
	if got := eval[string](t, ctx, fmt.Sprintf(`document.querySelector('%s tr[data-sku="VC-100"]').dataset.batch`, slip)); got != "B1" {
		t.Errorf("the slip ships VC-100 from %q, want B1", got)
	}
	// As printed: the slip alone on the page.
	run(t, ctx, "print media", chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.querySelector('%s').classList.add('printing'); document.body.classList.add('print-slip')`, slip)), media("print"))
	if v := eval[string](t, ctx, `getComputedStyle(document.querySelector('#ship-title')).visibility`); v != "hidden" {
		t.Errorf("printed, the queue's title is %s, want hidden", v)
	}
	if v := eval[string](t, ctx, fmt.Sprintf(`getComputedStyle(document.querySelector('%s .slip-lines')).visibility`, slip)); v != "visible" {
		t.Errorf("printed, the slip's lines are %s", v)
	}
	screenshot(t, ctx, "staff-goods-slip-print-en")
	run(t, ctx, "screen media", chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.querySelector('%s').classList.remove('printing'); document.body.classList.remove('print-slip')`, slip)), media(""))

	b1, _ := onHand(t, s.db, goodstest.HQ, "VC-100", "B1")
	b2, b2r := onHand(t, s.db, goodstest.HQ, "VC-100", "B2")
	run(t, ctx, "ship", click(card+" button.ship"))
	wantText(t, ctx, card+" .result", "SH")
	if st := s.orderStatus(t, o.No); st != order.Shipped {
		t.Fatalf("after shipping the order is %s", st)
	}
	nb1, nb1r := onHand(t, s.db, goodstest.HQ, "VC-100", "B1")
	nb2, nb2r := onHand(t, s.db, goodstest.HQ, "VC-100", "B2")
	if nb1 != b1-2 || nb1r != 0 || nb2 != b2 || nb2r != b2r-2 {
		t.Errorf("B1 %d→%d on hand (%d reserved), B2 %d→%d on hand, reserved %d→%d: want 2 out of B1 and B2's 2 released",
			b1, nb1, nb1r, b2, nb2, b2r, nb2r)
	}
	if got := sqlText(t, s.db, `SELECT string_agg(l.batch || ':' || sl.qty, ',' ORDER BY sl.line_no) FROM shipment_lots sl
		JOIN lots l ON l.id = sl.lot_id JOIN orders o ON o.id = sl.order_id WHERE o.order_no = $1`, o.No); got != "B1:2,T1:1" {
		t.Errorf("shipped lots %s, want B1:2,T1:1", got)
	}
	screenshot(t, ctx, "staff-goods-ship-desktop-en")
}

// The warehouse takes two returns of a shipped order of 3 × VC-100: 2
// units back into lot B2 (the first answer is lost: the retry takes the
// return once) and then 1 written off; an over-return is named at its
// field. The returns list shows both. In English on the desktop, then
// the list on a phone in Chinese.
func TestStaffGoodsReturns(t *testing.T) {
	requireBrowser(t)
	s := newStaffOffice(t)
	o := confirmedOrder(t, s.db, order.Request{Key: "ret", Kind: order.Repeat, Member: "AAA1", By: "test",
		Lines: []order.LineRequest{{SKU: "VC-100", Qty: 3}}})
	goodstest.Tx(t, s.db, func(ctx context.Context, tx pgx.Tx) error {
		_, err := order.Ship(ctx, tx, order.ShipRequest{Key: "ret-ship", Order: o.No, Tracking: "SF-R", By: "test"})
		return err
	})
	before, _ := onHand(t, s.db, goodstest.HQ, "VC-100", "B2")
	row := `#rt-lots tr[data-batch="B2"]`

	ctx := browser(t, "en-US")
	run(t, ctx, "open returns", desktop(), chromedp.Navigate(s.url+"/staff/warehouse/returns"))
	run(t, ctx, "sign in as warehouse", signIn("warehouse", password))
	wantText(t, ctx, "#rt-title", "Returns")
	wantText(t, ctx, "#rt-list-title", "Returns taken")
	run(t, ctx, "find an unknown order", setField("#rt-order", "SO999999999"), click("#rt-find-go"))
	wantText(t, ctx, "#rt-order-error", "No order SO999999999")
	run(t, ctx, "find the order", setField("#rt-order", o.No), click("#rt-find-go"))
	wantText(t, ctx, row+` td[data-left="3"]`, "3")
	wantText(t, ctx, "#rt-order-head", "returns taken until")
	qty := `#rt-qty-1-B2`
	run(t, ctx, "return too many", setField(qty, "4"), click("#rt-take"))
	wantText(t, ctx, qty+"-error", "At most 3 can still be returned.")

	dropFirstAnswer(t, ctx, "*/orders/"+o.No+"/returns")
	run(t, ctx, "return 2 to stock", setField(qty, "2"), setField("#rt-reason", "wrong flavour"), click("#rt-take"))
	wantText(t, ctx, "#rt-error", "cannot be reached")
	run(t, ctx, "again", click("#rt-take"))
	wantText(t, ctx, "#rt-done", "refunded")
	if n := ledgertestCount(t, s.db, fmt.Sprintf(`SELECT count(*) FROM returns r JOIN orders o ON o.id = r.order_id WHERE o.order_no = '%s'`, o.No)); n != 1 {
		t.Fatalf("%d returns after a lost answer and its retry, want 1", n)
	}
	if now, _ := onHand(t, s.db, goodstest.HQ, "VC-100", "B2"); now != before+2 {
		t.Errorf("B2 on hand %d after restocking 2, want %d", now, before+2)
	}
	wantText(t, ctx, row+` td[data-left="1"]`, "1") // one left to return
	run(t, ctx, "write off the last", setField(qty, "1"), choose(row+" select.rt-where", "writeoff"), click("#rt-take"))
	wantText(t, ctx, `#rt-list tbody tr:first-child [data-disposition="writeoff"]`, "write off")
	if now, _ := onHand(t, s.db, goodstest.HQ, "VC-100", "B2"); now != before+2 {
		t.Errorf("B2 on hand %d after a write-off, want it unchanged at %d", now, before+2)
	}
	if got := sqlText(t, s.db, `SELECT string_agg(rl.disposition || ':' || rl.qty, ',' ORDER BY r.id) FROM return_lines rl
		JOIN returns r ON r.id = rl.return_id JOIN orders o ON o.id = r.order_id WHERE o.order_no = $1`, o.No); got != "restock:2,writeoff:1" {
		t.Errorf("returns of %s in the ledger: %s", o.No, got)
	}
	wantText(t, ctx, "#rt-list", "restock")
	screenshot(t, ctx, "staff-goods-returns-desktop-en")

	zh := browser(t, "zh-CN")
	run(t, zh, "open returns on a phone", phone(), chromedp.Navigate(s.url+"/staff/warehouse/returns"))
	run(t, zh, "sign in as warehouse", signIn("warehouse", password))
	wantText(t, zh, "#rt-list", "报废")
	run(t, zh, "find the order", setField("#rt-order", o.No), click("#rt-find-go"))
	wantText(t, zh, "#rt-order-head", "可退货至")
	noHorizontalScroll(t, zh, "the returns desk")
	screenshot(t, zh, "staff-goods-returns-phone-zh")

	// The catalogue is the admin's: the warehouse is refused it by address.
	run(t, zh, "open the catalogue", chromedp.Navigate(s.url+"/staff/catalogue"))
	wantText(t, zh, "#not-allowed", "无权访问")
	if n := eval[int](t, zh, `document.querySelectorAll('#cg-list, #nav-catalogue').length`); n != 0 {
		t.Errorf("the warehouse is shown the catalogue editor")
	}
}

// An agency takes back 1 × VC-100 its member AAA1 bought at its counter
// (back into its own warehouse) and sends 2 × TEA-200 of its delivered
// purchase back to HQ (out of its warehouse, into HQ's lot T1). On a
// phone in Chinese.
func TestStaffGoodsAgencyReturns(t *testing.T) {
	requireBrowser(t)
	a := newAgencyOffice(t)
	purchase := sqlText(t, a.db, `SELECT o.order_no FROM orders o JOIN agencies ag ON ag.id = o.buyer_agency_id WHERE ag.code = 'AG1'`)
	var sale order.PaidOrder
	goodstest.Tx(t, a.db, func(ctx context.Context, tx pgx.Tx) (err error) {
		sale, err = order.PlaceAndPay(ctx, tx, order.CounterSale{Method: order.CashAtAgency, Order: order.Request{Key: "ag-sale",
			Kind: order.Repeat, Member: "AAA1", Seller: "AG1", Lines: []order.LineRequest{{SKU: "VC-100", Qty: 3}}, By: "agency1"}})
		if err != nil {
			return err
		}
		_, err = order.Ship(ctx, tx, order.ShipRequest{Key: "ag-sale-ship", Order: sale.Order.No, Tracking: "DESK", By: "agency1"})
		return err
	})
	agVC, _ := onHand(t, a.db, "AG1-WH", "VC-100", "B2")
	agTea, _ := onHand(t, a.db, "AG1-WH", "TEA-200", "T1")
	hqTea, _ := onHand(t, a.db, goodstest.HQ, "TEA-200", "T1")

	zh := browser(t, "zh-CN")
	run(t, zh, "open the agency console", phone(), chromedp.Navigate(a.url+"/staff/agency"))
	run(t, zh, "sign in as agency1", signIn("agency1", password))
	wantText(t, zh, "#rt-title", "退货")
	run(t, zh, "find the member's order", setField("#rt-order", sale.Order.No), submit("#rt-find"))
	wantText(t, zh, "#rt-order-head", "AAA1")
	run(t, zh, "take 1 back", setField("#rt-qty-1-B2", "1"), submit("#rt-form"))
	wantText(t, zh, "#rt-done", "已办理")
	if now, _ := onHand(t, a.db, "AG1-WH", "VC-100", "B2"); now != agVC+1 {
		t.Errorf("AG1-WH VC-100/B2 on hand %d after the member's return, want %d", now, agVC+1)
	}

	run(t, zh, "find the purchase", setField("#rt-order", purchase), submit("#rt-find"))
	wantText(t, zh, `#rt-lots tr[data-batch="T1"] td[data-left="20"]`, "20")
	run(t, zh, "send 2 back to HQ", setField("#rt-qty-2-T1", "2"), submit("#rt-form"))
	wantText(t, zh, "#rt-done", "已办理")
	if now, _ := onHand(t, a.db, "AG1-WH", "TEA-200", "T1"); now != agTea-2 {
		t.Errorf("AG1-WH TEA-200 on hand %d after sending 2 back, want %d", now, agTea-2)
	}
	if now, _ := onHand(t, a.db, goodstest.HQ, "TEA-200", "T1"); now != hqTea+2 {
		t.Errorf("HQ TEA-200 on hand %d after the agency's return, want %d", now, hqTea+2)
	}
	wantText(t, zh, `#agency-stock`, "18") // its stock read again: 20 - 2 TEA-200
	wantText(t, zh, "#rt-list", purchase)
	wantText(t, zh, "#rt-list", sale.Order.No)
	noHorizontalScroll(t, zh, "the agency console with returns")
	screenshot(t, zh, "staff-goods-agency-returns-phone-zh")

	// Another agency sees neither the orders nor the returns.
	other := browser(t, "en-US")
	run(t, other, "open the agency console", desktop(), chromedp.Navigate(a.url+"/staff/agency"))
	run(t, other, "sign in as agency2", signIn("agency2", password))
	wantText(t, other, "#rt-returns", "No returns yet.")
	run(t, other, "find AG1's purchase", setField("#rt-order", purchase), submit("#rt-find"))
	wantText(t, other, "#rt-order-error", "No order "+purchase)
	run(t, other, "open the warehouse's returns", chromedp.Navigate(a.url+"/staff/warehouse/returns"))
	wantText(t, other, "#not-allowed", "Not allowed")
}
