// Package demo seeds the demo company into a ledger that holds a member
// network: staff and member accounts, the catalogue with lots in stock, two
// agencies, months of orders and the settlement of the complete months.
// Everything goes through the ledger's domain functions; nothing here
// writes SQL.
package demo

import (
	"context"
	crand "crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"math/rand/v2"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"downline/clock"
	"downline/ledger"
	"downline/ledger/agency"
	"downline/ledger/catalog"
	"downline/ledger/member"
	"downline/ledger/order"
	"downline/ledger/shop"
	"downline/ledger/stock"
	"downline/ledger/user"
)

// DemoCustomerPhone is the phone the demo's customer account signs in to
// the shop (/shop/signin) with.
const DemoCustomerPhone = "+8613900000000"

// Company adds to a seeded network what the demo company needs: users
// of every role, the catalogue with lots in stock, two agencies (one
// stocked), orders from the first day of the month before last until now
// (placeOrders), and the settlement of the two complete months among them
// (settle). Order stages carry their business dates (each is entered
// on a clock set to it); the journal entries carry the time of seeding,
// since the journal is append-only.
// Nothing is dated after now, the time of the clock ctx carries (see
// package clock): seeded with a clock pinned to 29 February, the demo's
// history ends on 29 February. Progress goes to out.
func Company(ctx context.Context, db *ledger.DB, password string, seed uint64, out io.Writer) (Summary, error) {
	var sum Summary
	zone, err := ledger.CompanyZone()
	if err != nil {
		return sum, err
	}
	tx := func(fn func(pgx.Tx) error) error { return db.Transact(ctx, pgx.ReadCommitted, fn) }
	d := decimal.RequireFromString
	products := []catalog.Product{
		{SKU: "VC-100", NameZH: "维生素C", NameEN: "Vitamin C", DescriptionZH: "每片含 500 mg 维生素C，帮助维持免疫力。", DescriptionEN: "500 mg of vitamin C a tablet, for a healthy immune system.", RetailPrice: d("125.00"), MemberPrice: d("100.00"), AgencyPrice: d("80.00"), UnitCost: d("40.00"), PV: d("50"), BV: d("50")},
		{SKU: "TEA-200", NameZH: "绿茶", NameEN: "Green tea", DescriptionZH: "高山绿茶，清香回甘。", DescriptionEN: "Mountain green tea, fresh and mellow.", RetailPrice: d("44.00"), MemberPrice: d("35.50"), AgencyPrice: d("28.40"), UnitCost: d("14.20"), PV: d("20"), BV: d("20")},
		{SKU: "PRO-300", NameZH: "蛋白粉", NameEN: "Protein powder", DescriptionZH: "大豆与乳清双蛋白，每份 20 g 蛋白质。", DescriptionEN: "Soy and whey protein, 20 g of protein a serving.", RetailPrice: d("299.00"), MemberPrice: d("239.00"), AgencyPrice: d("191.20"), UnitCost: d("95.60"), PV: d("120"), BV: d("110")},
		{SKU: "OIL-400", NameZH: "鱼油", NameEN: "Fish oil", DescriptionZH: "深海鱼油软胶囊，富含 Omega-3。", DescriptionEN: "Deep-sea fish oil capsules, rich in omega-3.", RetailPrice: d("159.00"), MemberPrice: d("128.00"), AgencyPrice: d("102.40"), UnitCost: d("51.20"), PV: d("64"), BV: d("60")},
		{SKU: "KIT-500", NameZH: "入会套装", NameEN: "Starter kit", DescriptionZH: "四款明星产品与入门指南。", DescriptionEN: "Four of our best-loved products and a getting-started guide.", RetailPrice: d("599.00"), MemberPrice: d("499.00"), AgencyPrice: d("399.20"), UnitCost: d("199.60"), PV: d("250"), BV: d("240"), StarterKit: true},
	}
	now := clock.Now(ctx)
	today := now.UTC().Truncate(24 * time.Hour)
	var members int64
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM members`).Scan(&members); err != nil {
		return sum, err
	}
	// Each lot holds enough for the months of orders of every member.
	lotQty := max(50_000, 8*members)
	local := now.In(zone)
	window := time.Date(local.Year(), local.Month(), 1, 0, 0, 0, 0, zone).AddDate(0, -2, 0)
	err = tx(func(tx pgx.Tx) error {
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
				if _, err := stock.Receive(ctx, tx, stock.Receipt{Key: "demo-receipt-" + batch, Warehouse: "HQ-SH", SKU: p.SKU, Batch: batch, Qty: lotQty, By: "demo"}); err != nil {
					return err
				}
			}
			if err := stock.SetThreshold(ctx, tx, "HQ-SH", p.SKU, 1_000); err != nil {
				return err
			}
		}
		for _, a := range [][3]string{{"AG1", "Agency Pudong", "上海"}, {"AG2", "Agency Hangzhou", "浙江"}} {
			if _, err := agency.Create(ctx, tx, a[0], a[1], "+8621000000"+a[0][2:], ""); err != nil {
				return err
			}
			if err := agency.SetTerritory(ctx, tx, a[0], []string{a[2]}); err != nil {
				return err
			}
		}
		// Where members live, for the diversion report: most in Shanghai,
		// where AG1 sells, one in ten each in Zhejiang and Jiangsu.
		return agency.SpreadMemberRegions(ctx, tx, []string{"上海", "上海", "上海", "上海", "浙江", "上海", "上海", "上海", "江苏", "上海"})
	})
	if err != nil {
		return sum, fmt.Errorf("demo catalogue and agencies: %w", err)
	}

	// Users: staff with their own salt; members share one hash of the demo
	// password so that thousands of accounts seed in seconds.
	memberHash := user.HashPassword(password)
	err = tx(func(tx pgx.Tx) error {
		for _, n := range []user.New{
			{Login: "admin", Role: user.Admin}, {Login: "finance", Role: user.Finance}, {Login: "finance2", Role: user.Finance},
			{Login: "warehouse", Role: user.Warehouse}, {Login: "agency1", Role: user.Agency, Agency: "AG1"},
			{Login: "agency2", Role: user.Agency, Agency: "AG2"}, {Login: "customer", Role: user.Customer},
			{Login: "analyst", Role: user.Analyst}, {Login: "editor", Role: user.Editor},
		} {
			n.Password = password
			u, err := user.Create(ctx, tx, n)
			if err != nil {
				return err
			}
			if u.Role == user.Customer { // signs in to the shop with this phone
				if _, err := shop.Adopt(ctx, tx, u, DemoCustomerPhone, "Demo Customer", ""); err != nil {
					return err
				}
			}
		}
		sum.Members, err = user.CreateMemberAccounts(ctx, tx, memberHash)
		return err
	})
	if err != nil {
		return sum, fmt.Errorf("demo users: %w", err)
	}

	fmt.Fprintln(out, "demo: catalogue, stock, agencies and users created")
	if err := seedContent(ctx, db); err != nil {
		return sum, err
	}
	fmt.Fprintln(out, "demo: portal pages and news written")
	if err := seedTickets(ctx, db); err != nil {
		return sum, err
	}
	fmt.Fprintln(out, "demo: service desk tickets opened")

	sum.Products, sum.Agencies = len(products), 2
	if err := placeOrders(ctx, db, products, seed, window, now, &sum, out); err != nil {
		return sum, err
	}
	fmt.Fprintf(out, "demo: %d orders placed since %s\n", sum.Orders, window.Format(time.DateOnly))
	sum.Periods, err = settle(ctx, db, zone, window, now, out)
	sum.Current = local.Format("2006-01")
	return sum, err
}

// plannedOrder is an order the demo places: at is when it was placed, hold how
// far it got (shipped unless it is recent).
type plannedOrder struct {
	at   time.Time
	req  order.Request
	hold int // 0 awaiting payment, 1 awaiting confirmation, 2 awaiting shipment, 3 shipped
	// ret: the order comes back in part (one unit of its first line) this long after it shipped
	ret time.Duration
}

// recent is how far back the demo's orders are entered stage by stage,
// some of them still open; the members' orders before it are entered at
// once (pastOrders).
const recent = 3 * 24 * time.Hour

// placeOrders enters the demo's orders from window to now. The members'
// months of orders (pastOrders) go in at once with order.CopyHistory, up
// to three days ago. Stage by stage, through the ledger's domain
// functions, go: the stock agency AG1 buys at the start, a sample of a
// repeat order a day (one in five sold by AG1 from its own stock, a few
// returned in part), and, in the last three days, the starter kits of new
// members and four repeat orders a day, at every stage. Every time stamp
// is in the past: the stages of an order placed a moment ago follow each
// other closely. The orders are counted in sum.
func placeOrders(ctx context.Context, db *ledger.DB, products []catalog.Product, seed uint64, window, now time.Time, sum *Summary, out io.Writer) error {
	ms, err := member.ActiveByJoining(ctx, db.Pool)
	if err != nil {
		return err
	}
	zone, err := ledger.CompanyZone()
	if err != nil {
		return err
	}
	started := time.Now()
	past := pastOrders(ms, products, seed, window, now.Add(-recent), zone)
	if len(past) > 0 {
		fmt.Fprintf(out, "demo: %d members' orders since %s drawn in %s; entering them with COPY\n",
			len(past), window.Format(time.DateOnly), time.Since(started).Round(time.Millisecond))
		n, err := enterPastOrders(ctx, db, past, out)
		if err != nil {
			return err
		}
		sum.Orders += n
		for _, o := range past {
			if o.Kind == order.Registration {
				sum.Registrations++
			}
		}
	}

	started = time.Now()
	rng := rand.New(rand.NewPCG(seed, 42))
	last := now.Add(-time.Hour) // nothing placed in the last hour
	var plan []plannedOrder
	plan = append(plan, plannedOrder{at: window, hold: 3, req: order.Request{Key: "demo-ag1-stock", Kind: order.Agency, BuyerAgency: "AG1",
		By: "user:agency1", Lines: []order.LineRequest{{SKU: "VC-100", Qty: 500}, {SKU: "TEA-200", Qty: 500}}}})
	kit := products[len(products)-1].SKU
	for _, m := range ms {
		if at := m.JoinedAt.Add(30 * time.Minute); !at.Before(window) && at.Before(last) && !at.Before(now.Add(-recent)) {
			plan = append(plan, plannedOrder{at: at, req: order.Request{Key: "demo-reg-" + m.Code, Kind: order.Registration, Member: m.Code,
				By: "user:" + m.Code, Lines: []order.LineRequest{{SKU: kit, Qty: 1}}}})
		}
	}
	n := 0
	for day := window; day.Before(last); day = day.AddDate(0, 0, 1) {
		perDay := 1
		if !day.Before(now.Add(-recent - 24*time.Hour)) {
			perDay = 4
		}
		for k := 0; k < perDay; k++ {
			at := day.Add(time.Duration(9+rng.IntN(10)) * time.Hour)
			// buyers: the members who had joined by then
			in := sort.Search(len(ms), func(i int) bool { return !ms[i].JoinedAt.Before(at) })
			if in == 0 || !at.Before(last) {
				continue
			}
			n++
			buyer := ms[rng.IntN(in)].Code
			p := products[rng.IntN(len(products)-1)]
			r := order.Request{Key: fmt.Sprintf("demo-order-%d", n), Kind: order.Repeat, Member: buyer, By: "user:" + buyer,
				Lines: []order.LineRequest{{SKU: p.SKU, Qty: int64(1 + rng.IntN(3))}}}
			o := plannedOrder{at: at, req: r}
			switch {
			case n%5 == 0: // an agency sale from its own stock
				o.req.Seller, o.req.By = "AG1", "user:agency1"
				o.req.Lines[0].SKU = []string{"VC-100", "TEA-200"}[rng.IntN(2)]
			case n%7 == 3 && now.Sub(at) > 10*24*time.Hour:
				o.ret = 5 * 24 * time.Hour
			}
			plan = append(plan, o)
		}
	}
	sort.SliceStable(plan, func(a, b int) bool { return plan[a].at.Before(plan[b].at) })
	open := 0
	for i := range plan {
		o := &plan[i]
		if o.req.Kind == order.Agency {
			continue
		}
		o.hold = 3
		if now.Sub(o.at) < recent {
			o.hold = open % 4
			open++
		}
	}
	for _, o := range plan {
		if err := place(ctx, db, o, now); err != nil {
			return fmt.Errorf("demo order %s: %w", o.req.Key, err)
		}
		sum.Orders++
		if o.req.Kind == order.Registration {
			sum.Registrations++
		}
		if o.hold < 3 {
			sum.Open++
		}
		if o.ret > 0 {
			sum.Returns++
		}
	}
	took := time.Since(started)
	fmt.Fprintf(out, "demo: %d orders entered stage by stage (%d still open, %d returned in part) in %s, %.0f orders/s\n",
		len(plan), sum.Open, sum.Returns, took.Round(time.Millisecond), float64(len(plan))/took.Seconds())
	return nil
}

// enterPastOrders enters the members' past orders at once, exclusively (the
// demo's ledger is its own while it is seeded), writing each step with its
// rows and rate to out. It returns the number of orders entered.
func enterPastOrders(ctx context.Context, db *ledger.DB, past []order.PastOrder, out io.Writer) (int, error) {
	started, step := time.Now(), time.Now()
	h := order.History{Key: "demo-history", ConfirmedBy: finance, ShippedBy: "user:warehouse", Orders: past, Exclusive: true,
		Progress: func(what string, rows int) {
			took := time.Since(step)
			if rows > 0 {
				fmt.Fprintf(out, "demo:   %s: %d rows in %s (%.0f rows/s)\n", what, rows, took.Round(time.Millisecond), float64(rows)/took.Seconds())
			} else {
				fmt.Fprintf(out, "demo:   %s in %s\n", what, took.Round(time.Millisecond))
			}
			step = time.Now()
		}}
	var hs order.HistorySummary
	err := db.Transact(ctx, pgx.ReadCommitted, func(tx pgx.Tx) (err error) {
		hs, err = order.CopyHistory(ctx, tx, h)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("demo: members' orders: %w", err)
	}
	took := time.Since(started)
	fmt.Fprintf(out, "demo: %d orders (%d lines, %d journal entries, %d stock moves, %d events) entered in %s, %.0f orders/s\n",
		hs.Orders, hs.Lines, hs.JournalEntries, hs.StockMoves, hs.Events, took.Round(time.Millisecond), float64(hs.Orders)/took.Seconds())
	return hs.Orders, nil
}

// place takes o as far as its hold in one transaction, each stage on a
// clock set to its business time: placed at o.at, paid 2 hours later,
// confirmed after a day, shipped after two, delivered (agency stock only)
// after four; squeezed into the time up to now when o is more recent than
// that.
func place(ctx context.Context, db *ledger.DB, o plannedOrder, now time.Time) error {
	at := func(d time.Duration) context.Context {
		if room := now.Add(-time.Minute).Sub(o.at); room < 96*time.Hour {
			d = time.Duration(float64(d) * float64(room) / float64(96*time.Hour))
		}
		return clock.With(ctx, clock.Fixed(o.at.Add(d)))
	}
	r := o.req
	key := r.Key
	return db.Transact(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		placed, err := order.Place(at(0), tx, r)
		if err != nil {
			return err
		}
		if o.hold >= 1 {
			method, by := order.BankTransfer, r.By
			switch {
			case r.Kind == order.Agency:
				method = order.OnAccount
			case placed.Seller != "":
				method = order.CashAtAgency
			}
			pay, err := order.RecordPayment(at(2*time.Hour), tx, order.PaymentRequest{Key: key + "-pay", Order: placed.No, Method: method, Amount: placed.Total, By: by})
			if err != nil {
				return err
			}
			if o.hold >= 2 {
				if _, err := order.ConfirmPayment(at(24*time.Hour), tx, order.Decision{Key: key + "-conf", Payment: pay.No, By: "user:finance"}); err != nil {
					return err
				}
			}
		}
		if o.hold >= 3 {
			by := "user:warehouse"
			if placed.Seller != "" {
				by = "user:agency1"
			}
			if _, err := order.Ship(at(48*time.Hour), tx, order.ShipRequest{Key: key + "-ship", Order: placed.No, Tracking: "SF-" + strings.TrimPrefix(key, "demo-"), By: by}); err != nil {
				return err
			}
			if r.Kind == order.Agency {
				if _, err := order.Deliver(at(96*time.Hour), tx, order.StatusChange{Key: key + "-deliver", Order: placed.No, By: "user:agency1"}); err != nil {
					return err
				}
			}
			if o.ret > 0 && len(placed.Allocations) > 0 {
				a := placed.Allocations[0]
				if _, err := order.CreateReturn(at(48*time.Hour+o.ret), tx, order.ReturnRequest{Key: key + "-return", Order: placed.No, By: "user:warehouse",
					Reason: "damaged in transit", Lines: []order.ReturnLine{{Line: a.Line, Batch: a.Batch, Qty: 1}}}); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// Password makes a random password for the demo accounts.
func Password() string {
	b := make([]byte, 9)
	_, _ = crand.Read(b)
	return "demo-" + base64.RawURLEncoding.EncodeToString(b)
}
