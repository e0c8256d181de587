package order

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"downline/clock"
	"downline/ledger"
	"downline/ledger/catalog"
	"downline/ledger/idempotency"
	"downline/ledger/journal"
	"downline/ledger/stock"
)

// PastOrder is a member order that has gone the whole way before it is
// entered: placed, paid by bank transfer, confirmed by finance and shipped
// from HQ, at the times given.
type PastOrder struct {
	// Key names the order's operations: its reservation carries Key, its
	// payment's journal entry Key+"-conf", its shipment Key+"-ship", as
	// when the order is entered stage by stage under those keys.
	Key    string
	Kind   Kind // Registration or Repeat
	Member string
	Lines  []LineRequest
	By     string // who entered the order and recorded its payment
	// The stages, each at or after the one before, none after now.
	PlacedAt, PaidAt, ConfirmedAt, ShippedAt time.Time
	Tracking                                 string
}

// History is a batch of past orders for CopyHistory.
type History struct {
	Key         string // idempotency key of the whole batch
	Warehouse   string // the HQ warehouse they shipped from; "" for HQ's first
	ConfirmedBy string // finance, who confirmed the payments
	ShippedBy   string // the warehouse, who shipped them
	Orders      []PastOrder
	// Exclusive checks the foreign keys and builds the secondary indexes
	// of the rows written once at the end rather than row by row
	// (ledger.BulkLoad), several times faster, with the order and stock
	// tables locked until the transaction ends: for an empty or offline
	// ledger (the demo's seed).
	Exclusive bool
	// Progress, unless nil, is told each step as it ends: what was
	// written and how many rows.
	Progress func(step string, rows int)
}

func (h History) progress(step string, rows int) {
	if h.Progress != nil {
		h.Progress(step, rows)
	}
}

// HistorySummary is what CopyHistory entered.
type HistorySummary struct {
	Orders, Lines      int
	Total, PV          decimal.Decimal
	FirstNo, LastNo    string // the order numbers given, in order of placing
	JournalEntries     int
	StockMoves, Events int
}

// CopyHistory enters h's orders, shipped, with COPY in tx: a fast path for
// many orders at once (the demo's months of orders, an import) that writes
// what Place, RecordPayment, ConfirmPayment and Ship write for each of
// them: the order priced from the catalogue at member prices, its lines, the
// lots reserved first-expiry-first as of its placing and shipped, its
// confirmed payment, its shipment, the stock moves, the journal entries of
// the payment and the shipment, and the outbox events (payment confirmed,
// lot moved, shipped; low stock when a threshold is crossed) in the order
// of their times. The orders are numbered in order of placing.
//
// The batch runs under one idempotency key: entered again with the same
// orders it returns the first summary and writes nothing; the orders' own
// keys are not claimed. Everything is checked before anything is written,
// and one bad order fails the batch.
//
// Errors: ledger.ErrInvalid for an order that is not a member's, stages out
// of order or after now, a missing key, tracking number or recorder, and
// the errors of Place (unknown member or SKU, no stock); a warehouse that
// is not HQ's; ledger.ErrIdempotencyConflict.
func CopyHistory(ctx context.Context, tx pgx.Tx, h History) (HistorySummary, error) {
	digest, err := h.check(clock.Now(ctx))
	if err != nil {
		return HistorySummary{}, err
	}
	req := struct {
		Warehouse, ConfirmedBy, ShippedBy string
		Orders                            int
		Digest                            string
	}{h.Warehouse, h.ConfirmedBy, h.ShippedBy, len(h.Orders), digest}
	var members, skus []string
	for _, o := range h.Orders {
		members = append(members, o.Member)
		for _, l := range o.Lines {
			skus = append(skus, l.SKU)
		}
	}
	rd := &batchReads{whs: map[[2]string]*ledger.Pending[stock.Warehouse]{}}
	b := &pgx.Batch{}
	rd.members = &ledger.Pending[map[string]int64]{Value: map[string]int64{}}
	b.Queue(`SELECT code, id FROM members WHERE code = ANY($1)`, dedupe(members)).Query(func(rows pgx.Rows) error {
		rd.members.Err = collectIDs(rows, rd.members.Value)
		return nil
	})
	rd.agencyRd = &ledger.Pending[map[string]agencyRow]{Value: map[string]agencyRow{}}
	rd.whs[[2]string{h.Warehouse, ""}] = stock.QueueWarehouse(b, h.Warehouse, "")
	rd.products = catalog.QueueFind(b, dedupe(skus))
	rd.lots = &ledger.Pending[map[catalog.LotRef]int64]{}
	return idempotency.DoBatch(ctx, tx, h.Key, "order.history", req, b, func(*idempotency.Run) (HistorySummary, error) {
		return copyHistory(ctx, tx, h, rd)
	})
}

// check checks what needs no database and sorts the orders by their
// placing; it returns a digest of the orders for the idempotency key.
func (h *History) check(now time.Time) (string, error) {
	if strings.TrimSpace(h.ConfirmedBy) == "" || strings.TrimSpace(h.ShippedBy) == "" {
		return "", fmt.Errorf("%w: past orders need who confirmed their payments and who shipped them", ledger.ErrInvalid)
	}
	if len(h.Orders) == 0 {
		return "", fmt.Errorf("%w: no past orders to enter", ledger.ErrInvalid)
	}
	slices.SortStableFunc(h.Orders, func(a, b PastOrder) int { return a.PlacedAt.Compare(b.PlacedAt) })
	sum := sha256.New()
	for i, o := range h.Orders {
		if err := o.check(now); err != nil {
			return "", fmt.Errorf("past order %d (%s): %w", i+1, o.Key, err)
		}
		fmt.Fprintf(sum, "%s\x00%s\x00%s\x00%s\x00%d\x00%d\x00%d\x00%d\x00%s\x00", o.Key, o.Kind, o.Member, o.By,
			o.PlacedAt.UnixNano(), o.PaidAt.UnixNano(), o.ConfirmedAt.UnixNano(), o.ShippedAt.UnixNano(), o.Tracking)
		for _, l := range o.Lines {
			fmt.Fprintf(sum, "%s\x00%d\x00%s\x00", l.SKU, l.Qty, l.Batch)
		}
	}
	return hex.EncodeToString(sum.Sum(nil)), nil
}

func (o PastOrder) check(now time.Time) error {
	switch {
	case o.Kind != Registration && o.Kind != Repeat:
		return fmt.Errorf("%w: a past order is a member's registration or repeat order, not %q", ledger.ErrInvalid, o.Kind)
	case strings.TrimSpace(o.Key) == "":
		return fmt.Errorf("%w: a past order needs its key", ledger.ErrInvalid)
	case strings.TrimSpace(o.Tracking) == "":
		return fmt.Errorf("%w: a shipped order needs a tracking number", ledger.ErrInvalid)
	case o.PlacedAt.IsZero() || o.PaidAt.Before(o.PlacedAt) || o.ConfirmedAt.Before(o.PaidAt) || o.ShippedAt.Before(o.ConfirmedAt):
		return fmt.Errorf("%w: placed %s, paid %s, confirmed %s, shipped %s: each stage comes after the one before", ledger.ErrInvalid,
			o.PlacedAt.Format(time.RFC3339), o.PaidAt.Format(time.RFC3339), o.ConfirmedAt.Format(time.RFC3339), o.ShippedAt.Format(time.RFC3339))
	case o.ShippedAt.After(now):
		return fmt.Errorf("%w: shipped %s, after now (%s)", ledger.ErrInvalid, o.ShippedAt.Format(time.RFC3339), now.Format(time.RFC3339))
	}
	for _, l := range o.Lines {
		if l.Batch != "" {
			return fmt.Errorf("%w: a past order's lots are picked first-expiry-first; it cannot name lot %s", ledger.ErrInvalid, l.Batch)
		}
	}
	return nil
}

// pastOrder is a past order priced and numbered, with what it reserved.
type pastOrder struct {
	o        Order
	pay      Payment
	shipNo   string
	shipID   int64
	tracking string
	shipBy   string
}

func copyHistory(ctx context.Context, tx pgx.Tx, h History, rd *batchReads) (HistorySummary, error) {
	var sum HistorySummary
	ps := make([]pastOrder, len(h.Orders))
	var pairs [][2]int64
	var w stock.Warehouse
	for i, p := range h.Orders {
		r := Request{Key: p.Key, Kind: p.Kind, Member: p.Member, Lines: p.Lines, Warehouse: h.Warehouse, By: p.By}
		o, wh, wants, err := price(r, rd.resolve(r), false)
		if err != nil {
			return sum, fmt.Errorf("past order %s: %w", p.Key, err)
		}
		if !o.Total.IsPositive() {
			return sum, fmt.Errorf("%w: past order %s: a total of %s is not a paid order", ledger.ErrInvalid, p.Key, o.Total.StringFixed(2))
		}
		w = wh
		for _, x := range wants {
			pairs = append(pairs, [2]int64{wh.ID, x.ProductID})
		}
		ps[i].o = o
	}
	slices.SortFunc(pairs, func(a, b [2]int64) int { return cmp.Or(cmp.Compare(a[0], b[0]), cmp.Compare(a[1], b[1])) })
	pairs = slices.Compact(pairs)
	ws, prods := make([]int64, len(pairs)), make([]int64, len(pairs))
	for k, p := range pairs {
		ws[k], prods[k] = p[0], p[1]
	}

	// The lock of the stock, and the ids and numbers of the new rows.
	b := &pgx.Batch{}
	shelf := stock.QueueShelf(b, ws, prods)
	var idErr error
	n := 0
	b.Queue(`SELECT nextval('orders_id_seq'), 'SO' || lpad(nextval('order_no_seq')::text, 9, '0'),
			nextval('payments_id_seq'), 'PAY' || lpad(nextval('payment_no_seq')::text, 9, '0'),
			nextval('shipments_id_seq'), 'SH' || lpad(nextval('shipment_no_seq')::text, 9, '0')
		FROM generate_series(1, $1) AS i ORDER BY i`, len(ps)).Query(func(rows pgx.Rows) error {
		var p pastOrder
		_, idErr = pgx.ForEachRow(rows, []any{&p.o.ID, &p.o.No, &p.pay.ID, &p.pay.No, &p.shipID, &p.shipNo}, func() error {
			ps[n].o.ID, ps[n].o.No, ps[n].pay.ID, ps[n].pay.No, ps[n].shipID, ps[n].shipNo = p.o.ID, p.o.No, p.pay.ID, p.pay.No, p.shipID, p.shipNo
			n++
			return nil
		})
		return nil
	})
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return sum, fmt.Errorf("enter past orders: lock stock: %w", err)
	}
	if err := cmp.Or(shelf.Err(), idErr); err != nil {
		return sum, fmt.Errorf("enter past orders: lock stock: %w", err)
	}

	type timed struct {
		at time.Time
		ev ledger.NewEvent
	}
	var events []timed
	var entries []journal.Entry
	to := w.Holder()
	for i := range ps {
		p, src := &ps[i], h.Orders[i]
		o := &p.o
		wants := make([]stock.Want, len(o.Lines))
		for k, l := range o.Lines {
			wants[k] = stock.Want{Line: l.No, ProductID: l.ProductID, SKU: l.SKU, Qty: l.Qty}
		}
		allocs, err := shelf.Reserve(w, wants, src.Key, src.PlacedAt)
		if err != nil {
			return sum, fmt.Errorf("past order %s: %w", src.Key, err)
		}
		o.Allocations = allocs
		if err := shelf.Issue(allocs, "shipment "+o.No, src.Key+"-ship"); err != nil {
			return sum, fmt.Errorf("past order %s: %w", src.Key, err)
		}
		o.Status, o.PlacedAt = Shipped, src.PlacedAt
		o.PaidAt, o.ConfirmedAt, o.ShippedAt = &src.PaidAt, &src.ConfirmedAt, &src.ShippedAt
		p.tracking, p.shipBy = src.Tracking, h.ShippedBy
		p.pay = Payment{ID: p.pay.ID, No: p.pay.No, Order: o.No, Method: BankTransfer, Amount: o.Total, Status: PaymentAccepted,
			RecordedBy: src.By, RecordedAt: src.PaidAt, DecidedBy: h.ConfirmedBy, DecidedAt: &src.ConfirmedAt}
		entries = append(entries, confirmedEntry(p.pay, *o, src.Key+"-conf", h.ConfirmedBy),
			shipmentEntry(*o, p.shipNo, src.Key+"-ship", h.ShippedBy))
		ev := OrderEvent{Order: o.No, Kind: o.Kind, Member: o.Member}
		paid, shipped := ev, ev
		paid.Payment, paid.Amount, paid.Confirmed, paid.At = p.pay.No, o.Total, true, src.ConfirmedAt
		shipped.Shipment, shipped.Tracking, shipped.At = p.shipNo, src.Tracking, src.ShippedAt
		events = append(events, timed{src.ConfirmedAt, ledger.NewEvent{Kind: EventPaymentConfirmed, Key: o.No, Payload: paid}})
		buyer := stock.Holder{Kind: "member", ID: o.memberID, Code: o.Member}
		sku := map[int]string{}
		for _, l := range o.Lines {
			sku[l.No] = l.SKU
		}
		for _, a := range allocs {
			events = append(events, timed{src.ShippedAt, ledger.NewEvent{Kind: stock.EventLotMoved, Key: strconv.FormatInt(a.LotID, 10),
				Payload: stock.LotMoved{Lot: a.LotID, SKU: sku[a.Line], Batch: a.Batch, From: to, To: buyer, Qty: a.Qty,
					Order: o.No, Shipment: p.shipNo, At: src.ShippedAt}}})
		}
		events = append(events, timed{src.ShippedAt, ledger.NewEvent{Kind: EventShipped, Key: o.No, Payload: shipped}})
		sum.Orders++
		sum.Lines += len(o.Lines)
		sum.StockMoves += 2 * len(allocs)
		sum.Total, sum.PV = sum.Total.Add(o.Total), sum.PV.Add(o.PV)
	}
	sum.FirstNo, sum.LastNo = ps[0].o.No, ps[len(ps)-1].o.No
	h.progress("priced, lots picked", len(ps))

	var low []stock.LowStock
	write := func() (err error) {
		if err := copyPastOrders(ctx, tx, ps); err != nil {
			return err
		}
		h.progress("orders, lines, lots, payments, shipments", 3*len(ps)+sum.Lines+sum.StockMoves)
		if low, err = shelf.Copy(ctx, tx, "order"); err != nil {
			return err
		}
		h.progress("stock moves", sum.StockMoves)
		return nil
	}
	var err error
	if h.Exclusive {
		err = ledger.BulkLoad(ctx, tx, []string{"orders", "order_lines", "order_allocations", "payments", "shipments", "shipment_lots", "stock_moves"}, write)
		h.progress("indexes built, keys checked", 0)
	} else {
		err = write()
	}
	if err != nil {
		return sum, err
	}
	// The journal's own rules (migrations 0201, 0311) check its rows once
	// per statement already, with its indexes.
	if sum.JournalEntries, err = journal.Copy(ctx, tx, entries); err != nil {
		return sum, err
	}
	h.progress("journal entries and lines", sum.JournalEntries+3*len(entries))
	slices.SortStableFunc(events, func(a, b timed) int { return a.at.Compare(b.at) })
	evs := make([]ledger.NewEvent, 0, len(events)+len(low))
	for _, e := range events {
		evs = append(evs, e.ev)
	}
	for _, l := range low {
		evs = append(evs, ledger.NewEvent{Kind: stock.EventLowStock, Key: l.Warehouse + "/" + l.SKU, Payload: l})
	}
	if err := ledger.CopyOutbox(ctx, tx, evs); err != nil {
		return sum, err
	}
	sum.Events = len(evs)
	h.progress("outbox events", sum.Events)
	return sum, nil
}

// copyPastOrders COPYs the orders with their lines, allocations, payments,
// shipments and shipped lots.
func copyPastOrders(ctx context.Context, tx pgx.Tx, ps []pastOrder) error {
	num := journal.Numeric
	rows := func(table string, cols []string, each func(p *pastOrder, add func(...any))) error {
		var buf [][]any
		i := 0
		_, err := tx.CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromFunc(func() ([]any, error) {
			for len(buf) == 0 {
				if i >= len(ps) {
					return nil, nil
				}
				each(&ps[i], func(v ...any) { buf = append(buf, v) })
				i++
			}
			row := buf[0]
			buf = buf[1:]
			return row, nil
		}))
		if err != nil {
			return fmt.Errorf("enter past orders: copy %s: %w", table, err)
		}
		return nil
	}
	err := rows("orders", []string{"id", "order_no", "kind", "member_id", "warehouse_id", "status", "total", "pv", "bv", "entered_by",
		"placed_at", "paid_at", "confirmed_at", "shipped_at"}, func(p *pastOrder, add func(...any)) {
		o := &p.o
		add(o.ID, o.No, string(o.Kind), o.memberID, o.warehouseID, string(o.Status), num(o.Total), num(o.PV), num(o.BV), o.EnteredBy,
			o.PlacedAt, *o.PaidAt, *o.ConfirmedAt, *o.ShippedAt)
	})
	if err == nil {
		err = rows("order_lines", []string{"order_id", "line_no", "product_id", "qty", "unit_price", "unit_pv", "unit_bv", "unit_cost"},
			func(p *pastOrder, add func(...any)) {
				for _, l := range p.o.Lines {
					add(p.o.ID, int32(l.No), l.ProductID, l.Qty, num(l.UnitPrice), num(l.UnitPV), num(l.UnitBV), num(l.UnitCost))
				}
			})
	}
	if err == nil {
		err = rows("order_allocations", []string{"order_id", "line_no", "warehouse_id", "lot_id", "qty"}, func(p *pastOrder, add func(...any)) {
			for _, a := range p.o.Allocations {
				add(p.o.ID, int32(a.Line), a.WarehouseID, a.LotID, a.Qty)
			}
		})
	}
	if err == nil {
		err = rows("payments", []string{"id", "payment_no", "order_id", "method", "amount", "status", "recorded_by", "recorded_at", "decided_by", "decided_at"},
			func(p *pastOrder, add func(...any)) {
				add(p.pay.ID, p.pay.No, p.o.ID, string(p.pay.Method), num(p.pay.Amount), string(p.pay.Status), p.pay.RecordedBy, p.pay.RecordedAt,
					p.pay.DecidedBy, *p.pay.DecidedAt)
			})
	}
	if err == nil {
		err = rows("shipments", []string{"id", "shipment_no", "order_id", "warehouse_id", "tracking_no", "shipped_by", "shipped_at"},
			func(p *pastOrder, add func(...any)) {
				add(p.shipID, p.shipNo, p.o.ID, p.o.warehouseID, p.tracking, p.shipBy, *p.o.ShippedAt)
			})
	}
	if err == nil {
		err = rows("shipment_lots", []string{"shipment_id", "order_id", "line_no", "lot_id", "qty"}, func(p *pastOrder, add func(...any)) {
			for _, a := range p.o.Allocations {
				add(p.shipID, p.o.ID, int32(a.Line), a.LotID, a.Qty)
			}
		})
	}
	return err
}

// shipmentEntry is the journal entry of shipping o (HQ's sale): the revenue
// earned and the cost of the goods.
func shipmentEntry(o Order, shipment, key, by string) journal.Entry {
	cost := decimal.Zero
	for _, l := range o.Lines {
		cost = cost.Add(l.UnitCost.Mul(decimal.NewFromInt(l.Qty)))
	}
	return journal.Entry{Kind: "shipment", Ref: shipment + " " + o.No, OpKey: key, By: by,
		Lines: []journal.Line{
			journal.Dr(journal.DeferredRevenue, "", o.Total), journal.Cr(journal.Revenue, "", o.Total),
			journal.Dr(journal.CostOfGoods, "", cost), journal.Cr(journal.Inventory, "", cost),
		}}
}
