package shop_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"downline/clock"
	"downline/ledger"
	"downline/ledger/goodstest"
	"downline/ledger/ledgertest"
	"downline/ledger/order"
	"downline/ledger/shop"
)

// at is a context whose clock reads t.
func at(t time.Time) context.Context { return clock.With(context.Background(), clock.Fixed(t)) }

func issue(t *testing.T, db *ledger.DB, ctx context.Context, phone, client string) (shop.Issued, error) {
	t.Helper()
	var is shop.Issued
	err := db.Transact(ctx, pgx.ReadCommitted, func(tx pgx.Tx) (err error) {
		is, err = shop.IssueCode(ctx, tx, phone, client)
		return err
	})
	return is, err
}

func refusal(t *testing.T, err error, code string) *shop.Error {
	t.Helper()
	var e *shop.Error
	if !errors.As(err, &e) || e.Code != code {
		t.Fatalf("want refusal %q, got %v", code, err)
	}
	return e
}

// A code sent five minutes before midnight at the end of January (in
// Shanghai) is good until 00:05 on 1 February and not a second later; it
// is stored only as a hash; it works once.
func TestCodeExpiresAcrossTheMonthEnd(t *testing.T) {
	db := ledgertest.DB(t)
	goodstest.World(t, db)
	sh := time.FixedZone("CST", 8*3600)
	sent := time.Date(2027, 1, 31, 23, 55, 0, 0, sh)
	is, err := issue(t, db, at(sent), "138 0013 8000", "10.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	if is.Phone != "+8613800138000" || len(is.Code) != 6 || !is.ExpiresAt.Equal(time.Date(2027, 2, 1, 0, 5, 0, 0, sh)) {
		t.Fatalf("issued %+v", is)
	}
	var stored int
	if err := db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM shop_codes WHERE position($1::bytea in code_hash) > 0 OR encode(code_hash, 'escape') LIKE '%' || $2 || '%'`,
		[]byte(is.Code), is.Code).Scan(&stored); err != nil || stored != 0 {
		t.Fatalf("the code is stored in the clear (%d rows, %v)", stored, err)
	}
	su := shop.SignUp{Phone: is.Phone, Code: is.Code, Name: "陈静", Password: "good password", Referrer: "m001"}
	_, err = shop.Register(at(time.Date(2027, 2, 1, 0, 5, 0, 0, sh)), db, su)
	e := refusal(t, err, "code_expired")
	if !strings.Contains(e.Msg, "10 minutes") || e.Field != "code" {
		t.Fatalf("expired: %q", e.Msg)
	}
	// A second before the end it is good, once.
	c, err := shop.Register(at(time.Date(2027, 2, 1, 0, 4, 59, 0, sh)), db, su)
	if err != nil {
		t.Fatal(err)
	}
	if c.Login != "c8613800138000" || c.Referrer != "M001" || c.Name != "陈静" {
		t.Fatalf("customer %+v", c)
	}
	su.Phone = "+8613800138000"
	_, err = shop.Register(at(time.Date(2027, 2, 1, 0, 4, 59, 0, sh)), db, su)
	es := shoperrs(t, err)
	if es.Of("phone") == nil || es.Of("phone").Code != "phone_taken" {
		t.Fatalf("second sign-up: %v", err)
	}
}

func shoperrs(t *testing.T, err error) shop.Errors {
	t.Helper()
	var es shop.Errors
	if !errors.As(err, &es) {
		t.Fatalf("want field errors, got %v", err)
	}
	return es
}

// Wrong codes count: the fifth kills the code, even the right one after it.
func TestCodeTriesAreLimited(t *testing.T) {
	db := ledgertest.DB(t)
	goodstest.World(t, db)
	now := time.Date(2028, 2, 29, 12, 0, 0, 0, time.UTC)
	is, err := issue(t, db, at(now), "+8613900139000", "10.0.0.2")
	if err != nil {
		t.Fatal(err)
	}
	wrong := "000000"
	if is.Code == wrong {
		wrong = "111111"
	}
	su := shop.SignUp{Phone: is.Phone, Code: wrong, Name: "Lee", Password: "good password"}
	for i := 1; i <= shop.MaxTries; i++ {
		_, err := shop.Register(at(now), db, su)
		if i < shop.MaxTries {
			e := refusal(t, err, "code_wrong")
			if !strings.Contains(e.Msg, "tries left") {
				t.Fatal(e.Msg)
			}
		} else {
			refusal(t, err, "code_locked")
		}
	}
	su.Code = is.Code
	_, err = shop.Register(at(now), db, su)
	refusal(t, err, "code_locked")
	// Fields are checked before the code, and a wrong field costs no try.
	_, err = shop.Register(at(now), db, shop.SignUp{Phone: "12345", Code: is.Code, Name: " ", Password: "short", Referrer: "NOBODY"})
	es := shoperrs(t, err)
	for _, f := range []string{"phone", "name", "password", "referrer"} {
		if es.Of(f) == nil {
			t.Errorf("no refusal for %s in %v", f, es)
		}
	}
}

// Sending is limited per phone (one a minute, five an hour) and per
// client address, with the wait named.
func TestCodeSendingIsRateLimited(t *testing.T) {
	db := ledgertest.DB(t)
	goodstest.World(t, db)
	t0 := time.Date(2027, 12, 31, 23, 30, 0, 0, time.UTC)
	if _, err := issue(t, db, at(t0), "+8613700137000", "10.0.0.3"); err != nil {
		t.Fatal(err)
	}
	_, err := issue(t, db, at(t0.Add(20*time.Second)), "+8613700137000", "10.0.0.3")
	e := refusal(t, err, "wait_phone")
	if e.Seconds() != 40 || !strings.Contains(e.Msg, "40 seconds") || !errors.Is(err, ledger.ErrConflict) {
		t.Fatalf("wait %d: %q", e.Seconds(), e.Msg)
	}
	for i := 1; i < shop.PhonePerHour; i++ {
		if _, err := issue(t, db, at(t0.Add(time.Duration(i)*time.Minute)), "+8613700137000", "10.0.0.3"); err != nil {
			t.Fatal(i, err)
		}
	}
	// The sixth within the hour waits for the first to be an hour old.
	_, err = issue(t, db, at(t0.Add(10*time.Minute)), "+8613700137000", "10.0.0.3")
	e = refusal(t, err, "wait_phone")
	if e.Wait != 50*time.Minute || !strings.Contains(e.Msg, "50 minutes") {
		t.Fatalf("hourly wait %v: %q", e.Wait, e.Msg)
	}
	// Across the new year, an hour later, it goes.
	if _, err := issue(t, db, at(t0.Add(time.Hour+time.Second)), "+8613700137000", "10.0.0.3"); err != nil {
		t.Fatal(err)
	}
	// One address asking for many phones.
	for i := 0; i < shop.ClientPerHour-1; i++ { // with the one above, the hour's allowance
		if _, err := issue(t, db, at(t0.Add(2*time.Hour)), "+86136001360"+string(rune('1'+i/10))+string(rune('0'+i%10)), "10.0.0.3"); err != nil {
			t.Fatal(i, err)
		}
	}
	_, err = issue(t, db, at(t0.Add(2*time.Hour)), "+8613500135000", "10.0.0.3")
	e = refusal(t, err, "wait_client")
	if !strings.Contains(e.Msg, "this address") || e.Wait <= 0 {
		t.Fatalf("client wait: %q", e.Msg)
	}
	// Another address is not held up.
	if _, err := issue(t, db, at(t0.Add(2*time.Hour)), "+8613500135000", "10.0.0.4"); err != nil {
		t.Fatal(err)
	}
	_, err = issue(t, db, at(t0), "not a phone", "10.0.0.4")
	refusal(t, err, "phone_format")
}

func customer(t *testing.T, db *ledger.DB, ctx context.Context, phone, ref string) shop.Customer {
	t.Helper()
	is, err := issue(t, db, ctx, phone, "10.1.1.1")
	if err != nil {
		t.Fatal(err)
	}
	c, err := shop.Register(ctx, db, shop.SignUp{Phone: phone, Code: is.Code, Name: "Customer " + phone, Password: "good password", Referrer: ref})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var addr = shop.Address{Recipient: "陈静", Phone: "13800138000", Province: "上海市", City: "上海市", Street: "浦东新区世纪大道 100 号", Postcode: "200120"}

// A customer's cart becomes one order under one key; the referrer is on it;
// a return is asked for within the window, which runs across a month end,
// and refused a second after it.
func TestCheckoutTrackAndReturnWindow(t *testing.T) {
	db := ledgertest.DB(t)
	goodstest.World(t, db)
	placed := time.Date(2027, 1, 20, 10, 0, 0, 0, time.UTC)
	ctx := at(placed)
	c := customer(t, db, ctx, "+8613800138001", "M002")
	const cart = "cookie-value-1"
	for _, l := range []struct {
		sku string
		qty int64
		add bool
	}{{"VC-100", 1, true}, {"VC-100", 2, true}, {"TEA-200", 4, false}, {"TEA-200", 0, false}, {"TEA-200", 2, false}} {
		if err := shop.SetQty(ctx, db.Pool, cart, l.sku, l.qty, l.add); err != nil {
			t.Fatal(err)
		}
	}
	refusal(t, shop.SetQty(ctx, db.Pool, cart, "VC-100", 1000, false), "qty_range")
	refusal(t, shop.SetQty(ctx, db.Pool, cart, "NOPE", 1, false), "sku_unknown")
	got, err := shop.GetCart(ctx, db.Pool, cart, false)
	if err != nil {
		t.Fatal(err)
	}
	// Retail: VC-100 125.00 × 3, TEA-200 44.38 × 2 (35.50 × 1.25 rounded).
	if len(got.Lines) != 2 || got.Total.StringFixed(2) != "463.76" || got.Lines[1].Available != 200 {
		t.Fatalf("cart %+v", got)
	}
	mem, err := shop.GetCart(ctx, db.Pool, cart, true)
	if err != nil || mem.Total.StringFixed(2) != "371.00" {
		t.Fatalf("member-priced cart %v %v", mem.Total, err)
	}

	// A bad address: every wrong field named, nothing placed.
	bad := shop.Checkout{Key: "k1", Customer: c, Cart: cart, Address: shop.Address{Recipient: " ", Phone: "x", Street: "1", Postcode: "2001"}}
	_, err = place(db, ctx, bad)
	es := shoperrs(t, err)
	for _, f := range []string{"recipient", "phone", "province", "city", "street", "postcode"} {
		if es.Of(f) == nil {
			t.Errorf("no refusal for %s", f)
		}
	}
	good := shop.Checkout{Key: "k1", Customer: c, Cart: cart, Address: addr}
	o1, err := place(db, ctx, good)
	if err != nil {
		t.Fatal(err)
	}
	o2, err := place(db, ctx, good) // the double click: the cart is empty now
	if err != nil || o2.No != o1.No {
		t.Fatalf("second click: %s %v (first %s)", o2.No, err, o1.No)
	}
	var n int
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM orders WHERE kind = 'shop'`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("%d shop orders", n)
	}
	if o1.Kind != order.Shop || o1.Total.StringFixed(2) != "463.76" || !o1.PV.IsZero() {
		t.Fatalf("order %+v", o1)
	}
	if cnt, total, err := shop.ReferredOrders(ctx, db.Pool, "M002"); err != nil || cnt != 1 || total.StringFixed(2) != "463.76" {
		t.Fatalf("referred: %d %v %v", cnt, total, err)
	}

	// Pay, confirm, ship.
	var p shop.Payment
	goodstest.Tx(t, db, func(_ context.Context, tx pgx.Tx) (err error) {
		p, err = shop.OpenPayment(ctx, tx, o1.No, "local")
		return err
	})
	goodstest.Tx(t, db, func(_ context.Context, tx pgx.Tx) error {
		if _, err := shop.Paid(ctx, tx, p.Ref, o1.Total.Add(goodstest.D("1"))); !errors.Is(err, ledger.ErrInvalid) {
			t.Errorf("wrong amount: %v", err)
		}
		return nil
	})
	for i := 0; i < 2; i++ { // the provider repeats its callback
		goodstest.Tx(t, db, func(_ context.Context, tx pgx.Tx) (err error) {
			p, err = shop.Paid(ctx, tx, p.Ref, o1.Total)
			return err
		})
	}
	pays, err := order.Payments(ctx, db.Pool, o1.No)
	if err != nil || len(pays) != 1 || pays[0].No != p.PaymentNo || p.Status != "paid" {
		t.Fatalf("payments %+v %v", pays, err)
	}
	shipped := time.Date(2027, 1, 31, 15, 0, 0, 0, time.UTC)
	goodstest.Tx(t, db, func(_ context.Context, tx pgx.Tx) error {
		if _, err := order.ConfirmPayment(ctx, tx, order.Decision{Key: "c", Payment: p.PaymentNo, By: "finance"}); err != nil {
			return err
		}
		_, err := order.Ship(at(shipped), tx, order.ShipRequest{Key: "s", Order: o1.No, Tracking: "SF123", Carrier: "SF Express", By: "wh"})
		return err
	})
	tr, err := shop.Track(ctx, db.Pool, c.ID, o1.No)
	if err != nil || tr.Status != order.Shipped || tr.Tracking != "SF123" || tr.Carrier != "SF Express" || tr.Referrer != "M002" || tr.Payment != "paid" {
		t.Fatalf("tracked %+v %v", tr, err)
	}
	// Shipped on 31 January, the 30-day window ends on 2 March (2027 is
	// not a leap year).
	if want := shipped.AddDate(0, 0, 30); !tr.ReturnBy.Equal(want) || want.Month() != time.March || want.Day() != 2 {
		t.Fatalf("return by %v", tr.ReturnBy)
	}
	other := customer(t, db, ctx, "+8613800138002", "")
	req := func(when time.Time, cust int64, reason string) error {
		return db.Transact(at(when), pgx.ReadCommitted, func(tx pgx.Tx) error {
			_, err := shop.RequestReturn(at(when), tx, cust, o1.No, reason)
			return err
		})
	}
	if err := req(shipped.AddDate(0, 0, 30).Add(time.Second), c.ID, "too late"); err == nil {
		t.Fatal("a return after the window was taken")
	} else {
		e := refusal(t, err, "return_closed")
		if !strings.Contains(e.Msg, "30-day return window") || !strings.Contains(e.Msg, "2027-03-02") {
			t.Fatalf("refusal: %q", e.Msg)
		}
	}
	if err := req(shipped.AddDate(0, 0, 30), other.ID, "not mine"); !errors.Is(err, ledger.ErrNotFound) {
		t.Fatalf("another customer's order: %v", err)
	}
	refusal(t, req(shipped.AddDate(0, 0, 30), c.ID, " "), "reason_required")
	if err := req(shipped.AddDate(0, 0, 30), c.ID, "wrong size"); err != nil {
		t.Fatal(err)
	}
	refusal(t, req(shipped.AddDate(0, 0, 29), c.ID, "again"), "return_requested")
	rs, err := shop.ReturnRequests(ctx, db.Pool)
	if err != nil || len(rs) != 1 || rs[0].Order != o1.No || rs[0].Reason != "wrong size" {
		t.Fatalf("requests %+v %v", rs, err)
	}
}

func place(db *ledger.DB, ctx context.Context, c shop.Checkout) (order.Order, error) {
	var o order.Order
	err := db.Transact(ctx, pgx.ReadCommitted, func(tx pgx.Tx) (err error) {
		o, err = shop.PlaceOrder(ctx, tx, c)
		return err
	})
	return o, err
}
