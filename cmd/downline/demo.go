package main

import (
	"context"
	crand "crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"downline/ledger"
	"downline/ledger/agency"
	"downline/ledger/catalog"
	"downline/ledger/order"
	"downline/ledger/stock"
	"downline/ledger/user"
)

// demoCompany adds to a seeded network what the demo company needs: users
// of every role, the catalogue with lots in stock, two agencies (one
// stocked), and three months of orders: most paid, confirmed and shipped,
// some still awaiting payment or confirmation. Order dates are spread over
// the three months; the journal entries carry the time of seeding, since the
// journal is append-only. Settled periods come with the settlement runs.
func demoCompany(ctx context.Context, db *ledger.DB, codes []string, password string, seed uint64, out io.Writer) error {
	tx := func(fn func(pgx.Tx) error) error { return db.Transact(ctx, pgx.ReadCommitted, fn) }
	d := decimal.RequireFromString
	products := []catalog.Product{
		{SKU: "VC-100", NameZH: "维生素C", NameEN: "Vitamin C", RetailPrice: d("125.00"), MemberPrice: d("100.00"), AgencyPrice: d("80.00"), UnitCost: d("40.00"), PV: d("50"), BV: d("50")},
		{SKU: "TEA-200", NameZH: "绿茶", NameEN: "Green tea", RetailPrice: d("44.00"), MemberPrice: d("35.50"), AgencyPrice: d("28.40"), UnitCost: d("14.20"), PV: d("20"), BV: d("20")},
		{SKU: "PRO-300", NameZH: "蛋白粉", NameEN: "Protein powder", RetailPrice: d("299.00"), MemberPrice: d("239.00"), AgencyPrice: d("191.20"), UnitCost: d("95.60"), PV: d("120"), BV: d("110")},
		{SKU: "OIL-400", NameZH: "鱼油", NameEN: "Fish oil", RetailPrice: d("159.00"), MemberPrice: d("128.00"), AgencyPrice: d("102.40"), UnitCost: d("51.20"), PV: d("64"), BV: d("60")},
		{SKU: "KIT-500", NameZH: "入会套装", NameEN: "Starter kit", RetailPrice: d("599.00"), MemberPrice: d("499.00"), AgencyPrice: d("399.20"), UnitCost: d("199.60"), PV: d("250"), BV: d("240")},
	}
	today := time.Now().UTC().Truncate(24 * time.Hour)
	err := tx(func(tx pgx.Tx) error {
		if _, err := stock.CreateWarehouse(ctx, tx, "HQ-SH", "HQ Shanghai", 0); err != nil {
			return err
		}
		for _, p := range products {
			p.LaunchDate = today.AddDate(-1, 0, 0)
			if _, err := catalog.CreateProduct(ctx, tx, p); err != nil {
				return err
			}
			for i, exp := range []int{200, 500} {
				batch := fmt.Sprintf("%s-B%d", p.SKU, i+1)
				if _, err := catalog.CreateLot(ctx, tx, catalog.Lot{SKU: p.SKU, Batch: batch, ProducedOn: today.AddDate(0, -4, 0), ExpiresOn: today.AddDate(0, 0, exp)}); err != nil {
					return err
				}
				if _, err := stock.Receive(ctx, tx, stock.Receipt{Key: "demo-receipt-" + batch, Warehouse: "HQ-SH", SKU: p.SKU, Batch: batch, Qty: 50_000, By: "demo"}); err != nil {
					return err
				}
			}
			if err := stock.SetThreshold(ctx, tx, "HQ-SH", p.SKU, 1_000); err != nil {
				return err
			}
		}
		for _, a := range [][2]string{{"AG1", "Agency Pudong"}, {"AG2", "Agency Hangzhou"}} {
			if _, err := agency.Create(ctx, tx, a[0], a[1], "+8621000000"+a[0][2:], ""); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("demo catalogue and agencies: %w", err)
	}

	// Users: staff with their own salt; members share one hash of the demo
	// password so that thousands of accounts seed in seconds.
	memberHash := user.HashPassword(password)
	err = tx(func(tx pgx.Tx) error {
		for _, n := range []user.New{
			{Login: "admin", Role: user.Admin}, {Login: "finance", Role: user.Finance}, {Login: "finance2", Role: user.Finance},
			{Login: "warehouse", Role: user.Warehouse}, {Login: "agency1", Role: user.Agency, Agency: "AG1"},
			{Login: "agency2", Role: user.Agency, Agency: "AG2"}, {Login: "customer", Role: user.Customer},
		} {
			n.Password = password
			if _, err := user.Create(ctx, tx, n); err != nil {
				return err
			}
		}
		_, err := tx.Exec(ctx, `INSERT INTO users (login, password_hash, role, member_id)
			SELECT code, $1, 'member', id FROM members ORDER BY id`, memberHash)
		return err
	})
	if err != nil {
		return fmt.Errorf("demo users: %w", err)
	}

	rng := rand.New(rand.NewPCG(seed, 42))
	step := func(at time.Time, no string, fn func(tx pgx.Tx) error) error {
		return tx(func(tx pgx.Tx) error {
			if err := fn(tx); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `UPDATE orders SET placed_at = $2::timestamptz,
				paid_at = CASE WHEN paid_at IS NOT NULL THEN $2::timestamptz + interval '2 hours' END,
				confirmed_at = CASE WHEN confirmed_at IS NOT NULL THEN $2::timestamptz + interval '1 day' END,
				shipped_at = CASE WHEN shipped_at IS NOT NULL THEN $2::timestamptz + interval '2 days' END,
				delivered_at = CASE WHEN delivered_at IS NOT NULL THEN $2::timestamptz + interval '4 days' END
				WHERE order_no = $1`, no, at)
			return err
		})
	}
	// AG1 buys stock from HQ first, delivered, so it can sell.
	var agOrder order.Order
	start := today.AddDate(0, -3, 0)
	if err := tx(func(tx pgx.Tx) (err error) {
		agOrder, err = order.Place(ctx, tx, order.Request{Key: "demo-ag1-stock", Kind: order.Agency, BuyerAgency: "AG1", By: "user:agency1",
			Lines: []order.LineRequest{{SKU: "VC-100", Qty: 500}, {SKU: "TEA-200", Qty: 500}}})
		return err
	}); err != nil {
		return err
	}
	if err := step(start, agOrder.No, func(tx pgx.Tx) error {
		p, err := order.RecordPayment(ctx, tx, order.PaymentRequest{Key: "demo-ag1-pay", Order: agOrder.No, Method: order.OnAccount, Amount: agOrder.Total, By: "user:agency1"})
		if err != nil {
			return err
		}
		if _, err := order.ConfirmPayment(ctx, tx, order.Decision{Key: "demo-ag1-conf", Payment: p.No, By: "user:finance"}); err != nil {
			return err
		}
		if _, err := order.Ship(ctx, tx, order.ShipRequest{Key: "demo-ag1-ship", Order: agOrder.No, Tracking: "SF-DEMO-AG1", By: "user:warehouse"}); err != nil {
			return err
		}
		_, err = order.Deliver(ctx, tx, order.StatusChange{Key: "demo-ag1-deliver", Order: agOrder.No, By: "user:agency1"})
		return err
	}); err != nil {
		return fmt.Errorf("demo agency stock: %w", err)
	}

	const perDay = 4
	days := int(today.Sub(start).Hours() / 24)
	n := 0
	for day := 0; day < days; day++ {
		for k := 0; k < perDay; k++ {
			n++
			at := start.AddDate(0, 0, day).Add(time.Duration(9+rng.IntN(10)) * time.Hour)
			buyer := codes[rng.IntN(len(codes))]
			p := products[rng.IntN(len(products)-1)]
			key := fmt.Sprintf("demo-order-%d", n)
			r := order.Request{Key: key, Kind: order.Repeat, Member: buyer, By: "user:" + buyer,
				Lines: []order.LineRequest{{SKU: p.SKU, Qty: int64(1 + rng.IntN(3))}}}
			if n%5 == 0 { // an agency sale from its own stock
				r.Seller, r.By = "AG1", "user:agency1"
				r.Lines[0].SKU = []string{"VC-100", "TEA-200"}[rng.IntN(2)]
			}
			var o order.Order
			recent := day >= days-3
			if err := step(at, "", func(tx pgx.Tx) (err error) { o, err = order.Place(ctx, tx, r); return err }); err != nil {
				return fmt.Errorf("demo order %d: %w", n, err)
			}
			if err := step(at, o.No, func(tx pgx.Tx) error {
				if recent && k == 0 {
					return nil // awaiting payment
				}
				method := order.BankTransfer
				if o.Seller != "" {
					method = order.CashAtAgency
				}
				pay, err := order.RecordPayment(ctx, tx, order.PaymentRequest{Key: key + "-pay", Order: o.No, Method: method, Amount: o.Total, By: r.By})
				if err != nil || (recent && k == 1) {
					return err // paid, awaiting finance
				}
				if _, err := order.ConfirmPayment(ctx, tx, order.Decision{Key: key + "-conf", Payment: pay.No, By: "user:finance"}); err != nil {
					return err
				}
				if recent && k == 2 {
					return nil // confirmed, awaiting the warehouse
				}
				by := "user:warehouse"
				if o.Seller != "" {
					by = "user:agency1"
				}
				_, err = order.Ship(ctx, tx, order.ShipRequest{Key: key + "-ship", Order: o.No, Tracking: fmt.Sprintf("SF%08d", n), By: by})
				return err
			}); err != nil {
				return fmt.Errorf("demo order %d: %w", n, err)
			}
		}
	}
	fmt.Fprintf(out, "demo company: 5 products, 2 agencies, %d orders over 3 months, %d member accounts\n", n+1, len(codes))
	return nil
}

// demoPassword makes a random password for the demo accounts.
func demoPassword() string {
	b := make([]byte, 9)
	_, _ = crand.Read(b)
	return "demo-" + base64.RawURLEncoding.EncodeToString(b)
}
