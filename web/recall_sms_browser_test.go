package web_test

import (
	"context"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/jackc/pgx/v5"

	"downline/ledger/goodstest"
	"downline/ledger/order"
)

// A lot's recall list made a bulk message: the lot's journey links to the
// SMS console with the lot filled in, and the preview counts the members
// to whom goods of the lot were shipped (AAA1), not one who only ordered
// (AAA2: confirmed, not shipped). A product without its batch is named at
// the batch field.
func TestStaffSMSToALotsRecipients(t *testing.T) {
	requireBrowser(t)
	a := newAgencyOffice(t)
	goodstest.Tx(t, a.db, func(ctx context.Context, tx pgx.Tx) error {
		o, err := goodstest.Buy(ctx, tx, "aaa1-buys", "AAA1", 2)
		if err != nil {
			return err
		}
		if _, err := order.Ship(ctx, tx, order.ShipRequest{Key: "aaa1-ship", Order: o.No, Tracking: "SF9", By: "wh"}); err != nil {
			return err
		}
		_, err = goodstest.Buy(ctx, tx, "aaa2-buys", "AAA2", 1)
		return err
	})
	var batch string
	if err := a.db.Pool.QueryRow(context.Background(), `SELECT l.batch FROM shipment_lots sl JOIN lots l ON l.id = sl.lot_id
		JOIN orders o ON o.id = sl.order_id JOIN members m ON m.id = o.member_id WHERE m.code = 'AAA1'`).Scan(&batch); err != nil {
		t.Fatal(err)
	}

	ctx := browser(t, "en-US")
	run(t, ctx, "open the SMS console for the lot", desktop(), chromedp.Navigate(a.url+"/staff/sms?lot_sku=VC-100&lot_batch="+batch))
	run(t, ctx, "sign in as admin", signIn("admin", password), chromedp.WaitVisible(chromedp.CSS("#seg-lotSku")))
	if got := eval[string](t, ctx, `document.querySelector('#seg-lotSku').value + '/' + document.querySelector('#seg-lotBatch').value`); got != "VC-100/"+batch {
		t.Fatalf("the lot in the segment: %q", got)
	}
	run(t, ctx, "a text and preview", typeInto("#body-en", "Recall: please return lot "+batch+"."), click("#preview"))
	wantText(t, ctx, "#preview-recipients", "1")
	run(t, ctx, "drop the batch", typeInto("#seg-lotBatch", ""), click("#preview"))
	wantText(t, ctx, "#seg-lotBatch-error", "Name the lot by both its product and its batch.")
	screenshot(t, ctx, "staff-sms-lot-recall-en")
}
