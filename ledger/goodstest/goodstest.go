// Package goodstest builds the catalogue, stock, members and agencies that
// tests of the order-to-delivery packages start from.
package goodstest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"downline/ledger"
	"downline/ledger/agency"
	"downline/ledger/catalog"
	"downline/ledger/member"
	"downline/ledger/order"
	"downline/ledger/stock"
)

// HQ is the code of the HQ warehouse World creates.
const HQ = "HQ-SH"

// Tx runs fn in a read-committed transaction and fails the test on error.
func Tx(t testing.TB, db *ledger.DB, fn func(ctx context.Context, tx pgx.Tx) error) {
	t.Helper()
	ctx := context.Background()
	if err := db.Transact(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error { return fn(ctx, tx) }); err != nil {
		t.Fatal(err)
	}
}

// D parses a decimal.
func D(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// Product adds an active product priced retail/member with the given PV and
// BV (BV = PV), unit cost 40% of the member price, and no lots.
func Product(t testing.TB, db *ledger.DB, sku, member, pv string) catalog.Product {
	t.Helper()
	var p catalog.Product
	Tx(t, db, func(ctx context.Context, tx pgx.Tx) (err error) {
		mp := D(member)
		p, err = catalog.CreateProduct(ctx, tx, catalog.Product{SKU: sku, NameZH: "产品 " + sku, NameEN: "Product " + sku,
			RetailPrice: mp.Mul(D("1.25")).Round(2), MemberPrice: mp, AgencyPrice: mp.Mul(D("0.8")).Round(2),
			UnitCost: mp.Mul(D("0.4")).Round(2), PV: D(pv), BV: D(pv)})
		return err
	})
	return p
}

// Lot adds a lot of sku expiring after the given number of days, and
// receives qty units of it into warehouse HQ (when qty > 0).
func Lot(t testing.TB, db *ledger.DB, sku, batch string, expiresInDays int, qty int64) catalog.Lot {
	t.Helper()
	var l catalog.Lot
	Tx(t, db, func(ctx context.Context, tx pgx.Tx) (err error) {
		now := time.Now().UTC().Truncate(24 * time.Hour)
		l, err = catalog.CreateLot(ctx, tx, catalog.Lot{SKU: sku, Batch: batch, ProducedOn: now.AddDate(0, 0, -30),
			ExpiresOn: now.AddDate(0, 0, expiresInDays)})
		if err != nil || qty == 0 {
			return err
		}
		_, err = stock.Receive(ctx, tx, stock.Receipt{Key: "recv-" + sku + "-" + batch, Warehouse: HQ, SKU: sku, Batch: batch, Qty: qty, By: "test"})
		return err
	})
	return l
}

// Register registers r through ledger/member in a transaction of its own
// and returns the member.
func Register(t testing.TB, db *ledger.DB, r member.Registration) member.Member {
	t.Helper()
	var m member.Member
	Tx(t, db, func(ctx context.Context, tx pgx.Tx) (err error) {
		m, err = member.Register(ctx, tx, r)
		if err != nil {
			return fmt.Errorf("register %s: %w", r.Code, err)
		}
		return nil
	})
	return m
}

// Member inserts a member row directly (the registration path lives in
// ledger/member) and returns its code.
func Member(t testing.TB, db *ledger.DB, code string) string {
	t.Helper()
	Tx(t, db, func(ctx context.Context, tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO members (code, name, phone) VALUES ($1, $2, '+8613800000000')`, code, "Member "+code)
		return err
	})
	return code
}

// Agency creates an agency with warehouse code+"-WH".
func Agency(t testing.TB, db *ledger.DB, code string) agency.Agency {
	t.Helper()
	var a agency.Agency
	Tx(t, db, func(ctx context.Context, tx pgx.Tx) (err error) {
		a, err = agency.Create(ctx, tx, code, "Agency "+code, "", "")
		return err
	})
	return a
}

// World creates the HQ warehouse, products VC-100 (member price 100.00, PV
// 50) and TEA-200 (member price 35.50, PV 20) with lots, and members M001..M003.
func World(t testing.TB, db *ledger.DB) {
	t.Helper()
	Tx(t, db, func(ctx context.Context, tx pgx.Tx) error {
		_, err := stock.CreateWarehouse(ctx, tx, HQ, "HQ Shanghai", 0)
		return err
	})
	Product(t, db, "VC-100", "100.00", "50")
	Product(t, db, "TEA-200", "35.50", "20")
	Lot(t, db, "VC-100", "B1", 400, 100)
	Lot(t, db, "VC-100", "B2", 200, 100)
	Lot(t, db, "TEA-200", "T1", 300, 500)
	for i := 1; i <= 3; i++ {
		Member(t, db, fmt.Sprintf("M%03d", i))
	}
}

// ProductID is the id of sku.
func ProductID(t testing.TB, q ledger.Querier, sku string) int64 {
	t.Helper()
	p, err := catalog.Get(context.Background(), q, sku)
	if err != nil {
		t.Fatal(err)
	}
	return p.ID
}

// Buy places a repeat order of qty VC-100 for member under key, records
// its payment in full and confirms it, in tx (at the clock of ctx): a
// confirmed order with its volumes, as after a day at the desk.
func Buy(ctx context.Context, tx pgx.Tx, key, member string, qty int64) (order.Order, error) {
	o, err := order.Place(ctx, tx, order.Request{Key: key + "-order", Kind: order.Repeat, Member: member,
		Lines: []order.LineRequest{{SKU: "VC-100", Qty: qty}}, By: "test"})
	if err != nil {
		return o, err
	}
	p, err := order.RecordPayment(ctx, tx, order.PaymentRequest{Key: key + "-pay", Order: o.No, Method: order.BankTransfer, Amount: o.Total, By: "test"})
	if err != nil {
		return o, err
	}
	_, err = order.ConfirmPayment(ctx, tx, order.Decision{Key: key + "-confirm", Payment: p.No, By: "test"})
	return o, err
}
